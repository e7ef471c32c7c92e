#!/usr/bin/env bash
# Enhanced fan-out benchmarks, Sluice and kinesis-local in the same run (one server at a time, each on a fresh data
# dir and a free loopback port; the client load runs in separate node processes, bench/efo/*.mjs):
#   latency  put -> event latency at LATENCY_RATE records/s on one shard (Sluice: --durability sync)
#   fanout   FANOUT_CONSUMERS consumers on a FANOUT_SHARDS-shard stream while a producer writes FANOUT_RATE_MIB MiB/s:
#            every consumer receives every record; delivered MB/s, p99 latency, server CPU per delivered MB, RSS,
#            disk read bytes (/proc/PID/io) against bytes written
#   idle     IDLE_SUBSCRIPTIONS idle subscriptions on IDLE_CONNECTIONS HTTP/2 sessions: server RSS and CPU over
#            IDLE_SECONDS
#
#   bench/efo.sh                                  # everything
#   TARGETS=sluice SCENARIOS="latency idle" bench/efo.sh
#
# Sluice runs with --limits off (kinesis-local does not throttle, and 4 MiB/s on 4 shards is exactly AWS's per-shard
# write limit) and, for latency and fanout, --durability sync (the default). kinesis-mock's h2c does not work with
# node's http2 client, so kinesis-local is driven over HTTP/1.1 (HTTP=1.1; one connection per subscription).
# Env (defaults in brackets): SLUICE_BIN [build/sluice]  SLUICE_ARGS []  TARGETS [sluice kinesis-local]
#   SCENARIOS [latency fanout idle]  LATENCY_RATE [100] LATENCY_SECONDS [20]  FANOUT_CONSUMERS [20] FANOUT_SHARDS [4]
#   FANOUT_RATE_MIB [4] FANOUT_RECORD_SIZE [4096] FANOUT_SECONDS [20] FANOUT_WORKERS [4]  IDLE_SUBSCRIPTIONS [1000]
#   IDLE_SECONDS [30] IDLE_CONNECTIONS [1]  KL_ARGS_<scenario> extra args for kinesis-local runs (e.g.
#   KL_ARGS_fanout="--rate-mib 0.5"; KL_ARGS_latency defaults to "--rate 20" as run-bench.sh's KL_LATENCY_RATE:
#   kinesis-local acknowledges far fewer than 100 PutRecord/s, so at 100/s its send->event time is the producer's
#   queue, not delivery)  OUT [bench/results/efo.jsonl] (appended; one JSON line per run)
# Needs node >= 20 and, for kinesis-local, tests/js/node_modules (npm ci in tests/js). Exit 0 even when a scenario
# reports ok:false (that is a result); 2 on usage errors.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
TARGETS="${TARGETS:-sluice kinesis-local}"
SCENARIOS="${SCENARIOS:-latency fanout idle}"
SLUICE="${SLUICE_BIN:-$ROOT/build/sluice}"
SLUICE_ARGS="${SLUICE_ARGS:-}"
OUT="${OUT:-$ROOT/bench/results/efo.jsonl}"
KL_DIR="$ROOT/tests/js/node_modules/kinesis-local"
KL_ARGS_latency="${KL_ARGS_latency---rate 20}"

log() { echo "efo-bench: $*" >&2; }
command -v node >/dev/null || { log "node not found"; exit 2; }

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

WORK="$(mktemp -d /tmp/sluice-efo-bench.XXXXXX)"
SERVER_PID=""
cleanup() {
  stop_server
  rm -rf "$WORK"
}
trap cleanup EXIT

wait_port() {  # port pid
  for _ in $(seq 1 300); do
    kill -0 "$2" 2>/dev/null || return 1
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  return 1
}

start_server() {  # target port scenario
  local t=$1 port=$2
  case $t in
    sluice)
      [ -x "$SLUICE" ] || { log "no sluice binary at $SLUICE"; return 1; }
      rm -rf "$WORK/data"
      # shellcheck disable=SC2086
      "$SLUICE" serve --host 127.0.0.1 --port "$port" --data-dir "$WORK/data" --log-level warn \
        --limits off --durability sync $SLUICE_ARGS >"$WORK/$t-$3.log" 2>&1 &
      ;;
    kinesis-local)
      [ -f "$KL_DIR/main.js" ] || { log "kinesis-local not installed (cd tests/js && npm ci)"; return 1; }
      KINESIS_MOCK_PLAIN_PORT="$port" KINESIS_MOCK_TLS_PORT="$(free_port)" \
      KINESIS_MOCK_CERT_PATH="$KL_DIR/server.json" CREATE_STREAM_DURATION=0ms DELETE_STREAM_DURATION=0ms \
      SHARD_LIMIT=2000 LOG_LEVEL=WARN SHOULD_PERSIST_DATA=false \
        node "$KL_DIR/main.js" >"$WORK/$t-$3.log" 2>&1 &
      ;;
    *) log "unknown target $t"; return 1 ;;
  esac
  SERVER_PID=$!
  wait_port "$port" "$SERVER_PID" || { log "$t did not start:"; tail -20 "$WORK/$t-$3.log" >&2; return 1; }
  sleep 1
}

stop_server() {  # SIGTERM, then SIGKILL after 10 s (kinesis-local holding 1,000 subscriptions ignores SIGTERM)
  if [ -n "$SERVER_PID" ]; then
    kill "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
  fi
}

mkdir -p "$(dirname "$OUT")"
RUN_ID="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
for t in $TARGETS; do
  http=2
  [ "$t" = kinesis-local ] && http=1.1
  for s in $SCENARIOS; do
    port=$(free_port)
    log "$t / $s on 127.0.0.1:$port (load average $(cut -d' ' -f1-3 /proc/loadavg))"
    if ! start_server "$t" "$port" "$s"; then stop_server; continue; fi
    case $s in
      latency) args=(bench/efo/latency.mjs --rate "${LATENCY_RATE:-100}" --duration "${LATENCY_SECONDS:-20}") ;;
      fanout) args=(bench/efo/fanout.mjs --consumers "${FANOUT_CONSUMERS:-20}" --shards "${FANOUT_SHARDS:-4}"
                    --rate-mib "${FANOUT_RATE_MIB:-4}" --record-size "${FANOUT_RECORD_SIZE:-4096}"
                    --duration "${FANOUT_SECONDS:-20}" --workers "${FANOUT_WORKERS:-4}") ;;
      idle) args=(bench/efo/idle.mjs --subscriptions "${IDLE_SUBSCRIPTIONS:-1000}" --idle "${IDLE_SECONDS:-30}"
                  --connections "${IDLE_CONNECTIONS:-1}") ;;
      *) log "unknown scenario $s"; stop_server; continue ;;
    esac
    extra_var="KL_ARGS_$s"
    extra=()
    # shellcheck disable=SC2206
    [ "$t" = kinesis-local ] && [ -n "${!extra_var:-}" ] && extra=(${!extra_var})
    loadavg=$(cut -d' ' -f1-3 /proc/loadavg)
    line=$(timeout 900 node "${args[@]}" --endpoint "http://127.0.0.1:$port" --http "$http" --server-pid "$SERVER_PID" \
             --target-name "$t" ${extra[@]+"${extra[@]}"} | tail -1) || log "$t / $s: client failed"
    [ -n "$line" ] || line='{"ok":false,"error":"no output"}'
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      log "$t died during $s:"; tail -20 "$WORK/$t-$s.log" >&2
    fi
    # one line: the client's JSON plus run metadata
    bin_info=""
    [ "$t" = sluice ] && bin_info="$SLUICE $(date -u -r "$SLUICE" +%Y-%m-%dT%H:%M:%SZ)"
    node -e 'const l=JSON.parse(process.argv[1]);Object.assign(l,{run:process.argv[2],commit:process.argv[3],loadavg_before:process.argv[4],nproc:Number(process.argv[5]),server_binary:process.argv[6]||undefined});console.log(JSON.stringify(l))' \
      "$line" "$RUN_ID" "$commit" "$loadavg" "$(nproc)" "$bin_info" | tee -a "$OUT"
    stop_server
  done
done
log "appended to $OUT"
node "$ROOT/bench/efo/summary.mjs" "$OUT" "$RUN_ID" || true
