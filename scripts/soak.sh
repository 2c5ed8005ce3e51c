#!/usr/bin/env bash
# A bounded soak: one scenario for a few minutes, sampling goroutines, open
# files and resident memory of both sides every interval, then a summary
# of how each moved. 'loadgen run' itself flags steady growth as a
# possible leak.
#
#   scripts/soak.sh [-duration 3m] [-interval 5s] [loadgen run flags...]
#
# Default scenario: -transport mtls -resume on -pool off, the one that
# opens and closes a connection per call. Results go to results/soak-<time>/.
set -euo pipefail

duration=3m interval=5s
while [ $# -gt 0 ]; do
  case "$1" in
    -duration) duration=$2; shift 2 ;;
    -interval) interval=$2; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) break ;;
  esac
done
args=("$@")
[ ${#args[@]} -gt 0 ] || args=(-transport mtls -resume on -pool off)

cd "$(dirname "$0")/.."
out="results/soak-$(date -u +%Y%m%d-%H%M%S)"
go run ./loadgen run "${args[@]}" -duration "$duration" -interval "$interval" \
  -warmup 2s -profile=false -results "$out" -profiles "$out/profiles"
summary=$(ls "$out"/*/summary.json)
python3 - "$summary" <<'PY' 2>/dev/null || echo "soak.sh: see resources in $summary"
import json, sys
s = json.load(open(sys.argv[1]))["samples"][0]
pts = s.get("resources", [])
print(f"\n{len(pts)} samples over the run; first and last, and the range in between:")
for key, unit, scale in [("client_goroutines", "", 1), ("client_open_files", "", 1),
                         ("client_rss_bytes", " MiB", 1 << 20),
                         ("server_goroutines", "", 1), ("server_open_files", "", 1),
                         ("server_rss_bytes", " MiB", 1 << 20)]:
    v = [p.get(key, 0) / scale for p in pts]
    if v:
        print(f"  {key:18} {v[0]:8.0f} -> {v[-1]:8.0f}{unit}   (min {min(v):.0f}, max {max(v):.0f})")
print("warnings:", s.get("warnings") or "none")
PY
