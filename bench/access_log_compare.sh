#!/usr/bin/env bash
# Cost of the access log at write peak: bench/compare.sh with one binary run without (A) and with
# (B) `--access-log FILE` (a file next to the run, rotated at 256 MiB, one old file kept).
#
#   bench/access_log_compare.sh [SLUICE_BIN]        # default build/sluice
#
# Env: as bench/compare.sh (ROUNDS [4], DURATION [10]) plus SCENARIOS [put_records,put_record]
# (PutRecords 500 x 1 KiB: the byte peak; PutRecord 100 B: the call peak, where a per-call cost
# shows most), SLUICE_ARGS [--durability none] (so fdatasync does not hide CPU costs),
# OUT [bench/results/access_log].
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN="$(realpath "${1:-$ROOT/build/sluice}")"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cat >"$WORK/sluice-access-log" <<WRAP
#!/bin/sh
exec "$BIN" "\$@" --access-log "$WORK/access.log" --access-log-max-bytes 256M --access-log-max-files 1
WRAP
chmod +x "$WORK/sluice-access-log"
echo "access_log_compare: uptime: $(uptime)" >&2
SCENARIOS="${SCENARIOS:-put_records,put_record}" SLUICE_ARGS="${SLUICE_ARGS:---durability none}" \
  OUT="${OUT:-$ROOT/bench/results/access_log}" "$ROOT/bench/compare.sh" "$BIN" "$WORK/sluice-access-log"
ls -l "$WORK" >&2
echo "access_log_compare: uptime: $(uptime)" >&2
