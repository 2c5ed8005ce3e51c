#!/usr/bin/env bash
# Measures what CPU profiling costs the measurements: runs one scenario
# with profiling on and off, alternately, and compares them with benchstat.
#
#   scripts/profile-cost.sh [-count N] [loadgen run flags...]
#
# Default: -count 6, and the scenario -transport mtls -resume off -pool off
# (the one with the most CPU per call). Extra flags go to 'loadgen run'.
# Raw results go to results/profile-cost-<UTC time>/.
set -euo pipefail

count=6
if [ "${1:-}" = "-count" ]; then count=$2; shift 2; fi
if [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then
  sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0
fi
args=("$@")
[ ${#args[@]} -gt 0 ] || args=(-transport mtls -resume off -pool off)

cd "$(dirname "$0")/.."
out="results/profile-cost-$(date -u +%Y%m%d-%H%M%S)"
mkdir -p "$out"
bin=$(mktemp -d)/loadgen
trap 'rm -rf "$(dirname "$bin")"' EXIT
go build -o "$bin" ./loadgen
for i in $(seq "$count"); do
  for p in true false; do
    echo "profile-cost.sh: repetition $i/$count, -profile=$p" >&2
    "$bin" run "${args[@]}" -count 1 -profile=$p -results "$out/runs" \
      -profiles "$out/profiles" >/dev/null 2>&1
  done
done
cat "$out"/runs/*/bench.txt > "$out/bench.txt"
go tool benchstat -col profile "$out/bench.txt" | tee "$out/comparison.txt"
echo "profile-cost.sh: results in $out" >&2
