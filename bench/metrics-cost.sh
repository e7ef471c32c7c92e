#!/usr/bin/env bash
# What recording metrics costs end to end: one sluice binary run with --metrics off (A) and
# --metrics on (B) through bench/compare.sh, whose rounds alternate which runs first; the report
# gives B/A = on/off per round and the median (goal: >= 0.97 for PutRecords and the drain).
#
#   bench/metrics-cost.sh                          # 4 rounds, PutRecords, GetRecords drain, PutRecord
#   ROUNDS=6 SCENARIOS=put_records bench/metrics-cost.sh
#
# Env: SLUICE_BIN [build/sluice]; SLUICE_ARGS [--durability none] (so fdatasync does not hide CPU
# costs); ROUNDS, SCENARIOS [put_records,get_records,put_record], DURATION as compare.sh;
# OUT [a temp dir] per-round JSON and logs. The table is written to bench/results/metrics-cost.md.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN="$(realpath "${SLUICE_BIN:-$ROOT/build/sluice}")"
[ -x "$BIN" ] || { echo "no sluice binary at $BIN (build it: cmake --build build --target sluice)" >&2; exit 2; }
wrappers="$(mktemp -d)"
trap 'rm -rf "$wrappers"' EXIT
for mode in on off; do
  printf '#!/bin/sh\nexec "%s" "$@" --metrics %s\n' "$BIN" "$mode" >"$wrappers/sluice-metrics-$mode"
  chmod +x "$wrappers/sluice-metrics-$mode"
done
export SLUICE_ARGS="${SLUICE_ARGS:---durability none}"
export SCENARIOS="${SCENARIOS:-put_records,get_records,put_record}"
export OUT="${OUT:-$(mktemp -d)}"
echo "metrics-cost: load average before: $(cut -d' ' -f1-3 /proc/loadavg); results in $OUT" >&2
"$ROOT/bench/compare.sh" "$wrappers/sluice-metrics-off" "$wrappers/sluice-metrics-on"
{
  echo "A = --metrics off, B = --metrics on ($BIN, SLUICE_ARGS='$SLUICE_ARGS'), $(date -u +%Y-%m-%dT%H:%MZ)," \
    "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  cat "$OUT/compare.md"
} >"$ROOT/bench/results/metrics-cost.md"
echo "metrics-cost: wrote bench/results/metrics-cost.md" >&2
