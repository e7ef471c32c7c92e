#!/usr/bin/env bash
# Recovery time after a crash under load: a stream of SHARDS shards takes PutRecords 500 x 1 KiB
# (--durability sync) for LOAD_SECONDS, the server is killed with SIGKILL, and a new server on the
# same data dir is timed until ListStreams answers; then once more after a clean stop.
#
#   bench/recovery-time.sh                  # 1,000 shards
#   SHARDS=4000 LOAD_SECONDS=10 bench/recovery-time.sh
#
# Env: SLUICE_BIN [build/sluice], LOADGEN [build/bench/loadgen], SHARDS [1000], LOAD_SECONDS [6].
# Needs the AWS CLI (scripts/install-deps.sh --test installs it). Prints the journal replayed and
# both restart times.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN="${SLUICE_BIN:-$ROOT/build/sluice}"
LOADGEN="${LOADGEN:-$ROOT/build/bench/loadgen}"
SHARDS="${SHARDS:-1000}"
LOAD_SECONDS="${LOAD_SECONDS:-6}"
export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench AWS_DEFAULT_REGION=us-east-1
D="$(mktemp -d "${TMPDIR:-/tmp}/sluice-recovery.XXXX")"
PORT=$((30000 + RANDOM % 5000))
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$D"; }
trap cleanup EXIT
serve() { "$BIN" serve --port "$PORT" --data-dir "$D/data" --limits off --shard-limit $((SHARDS + 10)) --log-level info >"$D/$1.log" 2>&1 & PID=$!; }
answered() {
  local t0=$1
  until aws --endpoint-url "http://127.0.0.1:$PORT" kinesis list-streams >/dev/null 2>&1; do
    kill -0 "$PID" 2>/dev/null || { echo "recovery-time: the server exited; log:" >&2; tail -5 "$D/$2.log" >&2; exit 1; }
    sleep 0.05
  done
  echo "$(date +%s.%N) - $t0" | bc
}
serve load
sleep 1
"$LOADGEN" --endpoint "127.0.0.1:$PORT" --scenarios put_records --shards "$SHARDS" --duration "$LOAD_SECONDS" \
  --warmup 1 --connections 32 --server-pid "$PID" 2>&1 | tail -2 | head -1 &
LG=$!
sleep $((LOAD_SECONDS + 3))
kill -9 "$PID"
wait "$LG" 2>/dev/null || true
wait "$PID" 2>/dev/null || true
echo "recovery-time: journal on disk at the crash: $(du -sh "$D/data/shards/journal" | cut -f1)"
t0=$(date +%s.%N)
serve crash
echo "recovery-time: restart after kill -9: $(answered "$t0" crash) s (includes the AWS CLI's start, ~0.3 s)"
grep -o '"msg":"journal replayed"[^}]*' "$D/crash.log" | sed 's/^/recovery-time: /'
kill "$PID"
wait "$PID" 2>/dev/null || true
t0=$(date +%s.%N)
serve clean
echo "recovery-time: restart after a clean stop: $(answered "$t0" clean) s"
