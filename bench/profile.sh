#!/usr/bin/env bash
# Profiles a running-from-scratch Sluice under the PutRecords load (or another scenario) with
# `perf record` (software cpu-clock event: works where hardware counters are not exposed).
#
#   bench/profile.sh [SCENARIO]          # default put_records
#   BUILD=build CALLGRAPH=dwarf SECONDS_=8 bench/profile.sh put_records
#
# Prints the top symbols (self time) and, with CALLGRAPH=dwarf, writes perf.data for
# `perf report -i ... -G`. Output: $OUT (default /tmp/sluice-profile).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
SCENARIO="${1:-put_records}"
BUILD="${BUILD:-build}"
SLUICE="${SLUICE_BIN:-$BUILD/sluice}"
LOADGEN="${LOADGEN_BIN:-$BUILD/bench/loadgen}"
SECS="${SECONDS_:-8}"
CALLGRAPH="${CALLGRAPH:-}"
OUT="${OUT:-/tmp/sluice-profile}"
mkdir -p "$OUT"
command -v perf >/dev/null || { echo "perf not found (apt-get install linux-perf)" >&2; exit 1; }

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
data="$(mktemp -d /tmp/sluice-prof-data.XXXXXX)"
"$SLUICE" serve --host 127.0.0.1 --port "$port" --data-dir "$data" --log-level warn --limits off ${SLUICE_ARGS:-} >"$OUT/sluice.log" 2>&1 &
spid=$!
trap 'kill $spid 2>/dev/null || true; wait $spid 2>/dev/null || true; rm -rf "$data"' EXIT
sleep 0.5

"$LOADGEN" --endpoint "127.0.0.1:$port" --target-name sluice --scenarios "$SCENARIO" \
  --duration $((SECS + 4)) --warmup 1 --json-out "$OUT/loadgen.jsonl" >"$OUT/loadgen.txt" 2>&1 &
lpid=$!
sleep 2  # stream created, warm-up running
t0=$(awk '{print $14+$15}' /proc/$spid/stat)
if [ "$CALLGRAPH" = dwarf ]; then
  perf record -e cpu-clock -F 499 --call-graph dwarf,16384 -p "$spid" -o "$OUT/perf.data" -- sleep "$SECS" 2>/dev/null
else
  perf record -e cpu-clock -F 999 -p "$spid" -o "$OUT/perf.data" -- sleep "$SECS" 2>/dev/null
fi
t1=$(awk '{print $14+$15}' /proc/$spid/stat)
wait $lpid || true
cat "$OUT/loadgen.txt"
echo "sluice CPU during the ${SECS}s sample: $(( (t1 - t0) ))/100 s ($(( (t1 - t0) / SECS ))% of one core)"
echo
echo "top symbols (self time):"
perf report -i "$OUT/perf.data" --no-children --sort dso,symbol --stdio -g none 2>/dev/null |
  grep -v '^#' | grep -v '^$' | sed 's/  */ /g' | cut -c1-150 | head -"${TOP:-30}"
