#!/usr/bin/env bash
# Runs the crypto/tls and go-micro benchmarks of ./bench with repetitions,
# keeps the raw output under results/, and prints benchstat's summary.
#
#   scripts/bench.sh [-count N] [-bench REGEXP] [-benchtime T] [-col KEY]
#
# Defaults: -count 6 (what benchstat needs for a 95% confidence interval),
# -bench . (every benchmark), -benchtime 1s, -col /transport. Output goes
# to results/bench-<UTC time>.txt.
set -euo pipefail

count=6 bench=. benchtime=1s col=/transport
while [ $# -gt 0 ]; do
  case "$1" in
    -count) count=$2; shift 2 ;;
    -bench) bench=$2; shift 2 ;;
    -benchtime) benchtime=$2; shift 2 ;;
    -col) col=$2; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench.sh: unknown argument $1 (see -h)" >&2; exit 2 ;;
  esac
done

cd "$(dirname "$0")/.."
mkdir -p results
out="results/bench-$(date -u +%Y%m%d-%H%M%S).txt"
echo "bench.sh: go test -bench '$bench' -count $count -benchtime $benchtime ./bench > $out" >&2
go test -run '^$' -bench "$bench" -count "$count" -benchtime "$benchtime" ./bench | tee "$out"
echo >&2
go tool benchstat -col "$col" "$out"
echo "bench.sh: raw results in $out" >&2
