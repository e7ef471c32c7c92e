#!/usr/bin/env bash
# Before/after comparison of two sluice binaries in one sitting: rounds alternate which binary runs
# first (A B, B A, ...), each round runs scripts/run-bench.sh for the `sluice` target only, and the
# report gives per-round paired ratios (B / A) and their median per scenario. For refactors that
# must not move performance: run it on the old and the new commit's binaries.
#
#   bench/compare.sh OLD_BIN NEW_BIN            # 4 rounds of PutRecords, PutRecord and the drain
#   ROUNDS=6 SCENARIOS=put_records bench/compare.sh old new
#
# Env: ROUNDS [4], SCENARIOS [put_records,put_record,get_records], DURATION [10],
#      OUT [bench/results/compare] (per-round JSON and compare.md),
#      REPORT_ONLY=1 (no runs: report the rounds already in OUT).
# Leaves bench/results/latest.json and docs/performance.md as they were.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
[ $# -eq 2 ] || { echo "usage: $0 OLD_BIN NEW_BIN" >&2; exit 2; }
A="$(realpath "$1")"
B="$(realpath "$2")"
ROUNDS="${ROUNDS:-4}"
SCENARIOS="${SCENARIOS:-put_records,put_record,get_records}"
OUT="${OUT:-$ROOT/bench/results/compare}"
mkdir -p "$OUT"
[ "${REPORT_ONLY:-0}" = 1 ] || rm -f "$OUT"/*.json
latest="$ROOT/bench/results/latest.json"
saved="$(mktemp)"
cp "$latest" "$saved"
trap 'cp "$saved" "$latest"; rm -f "$saved"' EXIT

run_one() {  # label bin round
  echo "compare: round $3, $1 ($2)" >&2
  SLUICE_BIN="$2" TARGETS=sluice SCENARIOS="$SCENARIOS" NO_DOC=1 MICRO=0 DISK_BENCH=0 SEEK_MB="" REPEAT=1 SCALING=0 COMMIT_STRATEGIES=0 \
    DURATION="${DURATION:-10}" "$ROOT/scripts/run-bench.sh" >"$OUT/$1-$3.log" 2>&1
  cp "$latest" "$OUT/$1-$3.json"
}

for r in $(seq 1 "$ROUNDS"); do
  [ "${REPORT_ONLY:-0}" = 1 ] && break
  if [ $((r % 2)) = 1 ]; then
    run_one a "$A" "$r"; run_one b "$B" "$r"
  else
    run_one b "$B" "$r"; run_one a "$A" "$r"
  fi
done

python3 - "$OUT" "$ROUNDS" "$A" "$B" <<'EOF'
import json, statistics, sys
out, rounds, a_bin, b_bin = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
def load(label, r):
    d = json.load(open(f"{out}/{label}-{r}.json"))
    return {x["scenario"]: x["records_per_s"] for x in d["results"]
            if x["target"] == "sluice" and x.get("records_per_s")}
rows = {}
for r in range(1, rounds + 1):
    a, b = load("a", r), load("b", r)
    for sc in sorted(set(a) & set(b)):
        rows.setdefault(sc, []).append((a[sc], b[sc]))
lines = [f"A = `{a_bin}`, B = `{b_bin}`; {rounds} rounds, order alternating (A first in odd rounds).", "",
         "| scenario | A records/s (median) | B records/s (median) | B/A per round | median B/A |",
         "|---|---:|---:|---|---:|"]
for sc, pairs in rows.items():
    ratios = [b / a for a, b in pairs if a > 0]
    lines.append(f"| {sc} | {statistics.median(p[0] for p in pairs):,.0f} | {statistics.median(p[1] for p in pairs):,.0f} | "
                 f"{' '.join(f'{x:.3f}' for x in ratios)} | {statistics.median(ratios):.3f} |")
text = "\n".join(lines) + "\n"
open(f"{out}/compare.md", "w").write(text)
print(text)
EOF
