#!/usr/bin/env bash
# End-to-end benchmark: Sluice vs kinesalite vs kinesis-local, same load generator, same run,
# plus the disk's own throughput for Sluice's write pattern (disk_bench) and the storage engine
# micro benchmarks (bench_disk_log).
#
#   scripts/run-bench.sh                 # all targets, all scenarios
#   TARGETS="sluice" scripts/run-bench.sh
#   SCENARIOS="put_records" DURATION=20 scripts/run-bench.sh
#
# Builds build/sluice and build/bench/loadgen (Release) if needed, starts each server on a free
# loopback port one at a time (so they never compete for CPU), runs the scenarios, stops it,
# then writes bench/results/latest.json, prints the table and regenerates the results section
# of docs/performance.md. Every run is bounded in time (per-scenario deadlines in loadgen).
#
# Targets: sluice = `sluice serve` with default flags (disk storage, --durability sync) but
# --limits off (kinesalite and kinesis-local do not throttle, and a 4-shard stream at full speed is far
# above AWS's per-shard limits); sluice-none = the same with --durability none; kinesalite;
# kinesis-local; limits-aws / limits-off = PutRecords on a 1,000-shard stream (records spread over
# the shards, each shard under its AWS limits) with --limits aws / off and --durability none, so the
# limiter's CPU cost is not hidden behind fdatasync (issue 4: <= 5% overhead); sluice-seek-cold = the
# seek_<N>mb scenarios again with the page cache dropped before every measured call (root only),
# so that 100 MB and 10 GB shards are compared at equal cache residency.
#
# Environment knobs (defaults in brackets):
#   BUILD [build]  TARGETS [sluice sluice-none kinesalite kinesis-local limits-aws limits-off]
#   LIMITS_SHARDS [1000]  LIMITS_DURATION [DURATION]   (limits-aws, limits-off)
#   SCENARIOS [put_records,put_record,get_records,get_records_100b,put_get_latency]
#             (get_records_100b: the drain again with 100-byte records: per-record cost, not bytes)
#   NONE_SCENARIOS [put_records,put_record,get_records]   (sluice-none)
#   SEEK_MB [100 10000]   sluice only: scenario seek_<N>mb per size (AT_SEQUENCE_NUMBER reads
#                         in a 1-shard stream holding N MB); empty = none
#   DURATION [10] WARMUP [2] CONNECTIONS [32] THREADS [1]  (loadgen client threads)
#   DRAIN_RECORDS [1000000]  LATENCY_RATE [100]
#   DISK_BENCH [1] DISK_SECONDS [4]   run disk_bench each round (before sluice), same disk as
#                                     the server's data dir
#   MICRO [1]  run bench_disk_log once after the rounds;  MICRO_10G [1] include its 10 GB case
#   MICRO_DIR [temp dir, removed]    its datasets (~11 GB with the 10 GB case; writing them takes
#                                    ~15 s); set e.g. data/bench-storage (gitignored) to keep them
#   COMMIT_STRATEGIES [1]  run bench/commit-strategies.sh once after the rounds (write-path
#                          alternatives for many shards, ~5 min; bench/results/commit-strategies.md)
#   REF_DURATION [10] REF_DRAIN_RECORDS [100000]          (kinesalite)
#   KL_DURATION [10] KL_DRAIN_RECORDS [10000] KL_LATENCY_RATE [20]   (kinesis-local, very slow)
#   SLUICE_ARGS []  extra flags for `sluice serve`;  SLUICE_BIN  use this binary (no build)
#   REPEAT [1]      rounds (each runs every target in turn); the report keeps, per target and
#                   scenario, the median round (by records/s; by p50 for put_get_latency)
#   NO_DOC=1        do not touch docs/performance.md
#   SCALING [1]     then run bench/shard-scaling.sh (throughput vs shard count; its own servers and
#                   knobs, SHARDS etc.);  SCALING_DURATION [6]  its seconds per point
#   EFO [0]         then run bench/efo.sh (enhanced fan-out: put->event latency, 20 consumers x 4 shards,
#                   1,000 idle subscriptions; Sluice and kinesis-local; bench/results/efo.jsonl)
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
BUILD="${BUILD:-build}"
default_targets="sluice sluice-none kinesalite kinesis-local limits-aws limits-off"
[ "$(id -u)" = 0 ] && default_targets="$default_targets sluice-seek-cold"
TARGETS="${TARGETS:-$default_targets}"
SCENARIOS="${SCENARIOS:-put_records,put_record,get_records,get_records_100b,put_get_latency}"
NONE_SCENARIOS="${NONE_SCENARIOS:-put_records,put_record,get_records}"
SEEK_MB="${SEEK_MB-100 10000}"
DISK_BENCH="${DISK_BENCH:-1}"
DISK_SECONDS="${DISK_SECONDS:-4}"
MICRO="${MICRO:-1}"
MICRO_10G="${MICRO_10G:-1}"
MICRO_DIR="${MICRO_DIR:-}"
DURATION="${DURATION:-10}"
WARMUP="${WARMUP:-2}"
CONNECTIONS="${CONNECTIONS:-32}"
THREADS="${THREADS:-1}"
DRAIN_RECORDS="${DRAIN_RECORDS:-1000000}"
LATENCY_RATE="${LATENCY_RATE:-100}"
REF_DURATION="${REF_DURATION:-10}"
REF_DRAIN_RECORDS="${REF_DRAIN_RECORDS:-100000}"
KL_DURATION="${KL_DURATION:-10}"
KL_DRAIN_RECORDS="${KL_DRAIN_RECORDS:-10000}"
KL_LATENCY_RATE="${KL_LATENCY_RATE:-20}"
SLUICE_ARGS="${SLUICE_ARGS:-}"
LIMITS_SHARDS="${LIMITS_SHARDS:-1000}"
LIMITS_DURATION="${LIMITS_DURATION:-$DURATION}"
REPEAT="${REPEAT:-1}"
RESULTS_DIR="$ROOT/bench/results"
NPM_FALLBACK=/tmp/benchnpm

log() { echo "run-bench: $*" >&2; }

# ---- build ------------------------------------------------------------------------------
if [ ! -f "$BUILD/CMakeCache.txt" ]; then
  cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
btype=$(grep -E '^CMAKE_BUILD_TYPE:' "$BUILD/CMakeCache.txt" | cut -d= -f2)
if [ "$btype" != "Release" ] && [ "$btype" != "RelWithDebInfo" ]; then
  log "WARNING: $BUILD is a '$btype' build; numbers will not be representative"
fi
want_targets=(loadgen)
[[ ( " $TARGETS " == *" sluice"* || " $TARGETS " == *" limits-"* ) && -z "${SLUICE_BIN:-}" ]] && want_targets+=(sluice)
[ "$DISK_BENCH" = 1 ] && want_targets+=(disk_bench)
[ "$MICRO" = 1 ] && want_targets+=(bench_disk_log)
cmake --build "$BUILD" -j "$(nproc)" --target "${want_targets[@]}" >/dev/null
LOADGEN="$BUILD/bench/loadgen"
SLUICE="${SLUICE_BIN:-$BUILD/sluice}"

# ---- reference servers (npm) ------------------------------------------------------------
bin_dir=""
if [[ " $TARGETS " == *" kinesalite "* || " $TARGETS " == *" kinesis-local "* ]]; then
  if [ -x tests/js/node_modules/.bin/kinesalite ] && [ -x tests/js/node_modules/.bin/kinesis-local ]; then
    bin_dir="$ROOT/tests/js/node_modules"
  else
    if [ ! -x "$NPM_FALLBACK/node_modules/.bin/kinesalite" ] || [ ! -x "$NPM_FALLBACK/node_modules/.bin/kinesis-local" ]; then
      log "installing kinesalite@3.3.3 kinesis-local@0.6.2 into $NPM_FALLBACK"
      npm install --prefix "$NPM_FALLBACK" --no-audit --no-fund --loglevel=error \
        kinesalite@3.3.3 kinesis-local@0.6.2 >/dev/null
    fi
    bin_dir="$NPM_FALLBACK/node_modules"
  fi
fi

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

wait_ready() {  # port pid
  local port=$1 pid=$2
  for _ in $(seq 1 300); do
    if ! kill -0 "$pid" 2>/dev/null; then return 1; fi
    if curl -s -o /dev/null -m 2 -X POST "http://127.0.0.1:$port/" \
        -H 'X-Amz-Target: Kinesis_20131202.ListStreams' \
        -H 'Content-Type: application/x-amz-json-1.1' \
        -H "X-Amz-Date: $(date -u +%Y%m%dT%H%M%SZ)" \
        -H "Authorization: AWS4-HMAC-SHA256 Credential=AKIDBENCH/$(date -u +%Y%m%d)/us-east-1/kinesis/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=$(printf '0%.0s' $(seq 1 64))" \
        -d '{}'; then
      return 0
    fi
    sleep 0.1
  done
  return 1
}

SERVER_PID=""
WORK="$(mktemp -d /tmp/sluice-bench.XXXXXX)"
cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

start_server() {  # target port
  local t=$1 port=$2
  case $t in
    sluice|sluice-none|sluice-seek-cold|limits-aws|limits-off)
      local extra=(--limits off)
      [ "$t" = sluice-none ] && extra+=(--durability none)
      [ "$t" = limits-aws ] && extra=(--limits aws --durability none --shard-limit "$LIMITS_SHARDS")
      [ "$t" = limits-off ] && extra=(--limits off --durability none --shard-limit "$LIMITS_SHARDS")
      rm -rf "$WORK/sluice-data"
      # shellcheck disable=SC2086
      "$SLUICE" serve --host 127.0.0.1 --port "$port" --data-dir "$WORK/sluice-data" \
        --log-level warn "${extra[@]}" $SLUICE_ARGS >"$WORK/$t.log" 2>&1 &
      ;;
    kinesalite)
      node "$bin_dir/kinesalite/cli.js" --port "$port" --createStreamMs 0 --deleteStreamMs 0 \
        --updateStreamMs 0 --shardLimit 1000 >"$WORK/$t.log" 2>&1 &
      ;;
    kinesis-local)
      KINESIS_MOCK_PLAIN_PORT="$port" KINESIS_MOCK_TLS_PORT="$(free_port)" \
      KINESIS_MOCK_CERT_PATH="$bin_dir/kinesis-local/server.json" \
      CREATE_STREAM_DURATION=0ms DELETE_STREAM_DURATION=0ms SHARD_LIMIT=1000 LOG_LEVEL=WARN \
        node "$bin_dir/kinesis-local/main.js" >"$WORK/$t.log" 2>&1 &
      ;;
  esac
  SERVER_PID=$!
  if ! wait_ready "$port" "$SERVER_PID"; then
    log "$t did not become ready; log:"; tail -20 "$WORK/$t.log" >&2
    return 1
  fi
}

stop_server() {
  if [ -n "$SERVER_PID" ]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
  fi
}

# A server's resident set 1 s after it became ready, before any request (one JSON line).
record_idle_rss() {  # target pid jsonl
  sleep 1
  local rss hwm
  rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$2/status" 2>/dev/null || echo -1)
  hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$2/status" 2>/dev/null || echo -1)
  log "$1 idle RSS ${rss} kB"
  printf '{"schema":"sluice-bench/v1","scenario":"idle_rss","target":"%s","ok":true,"started_at":"%s","rss_kb":%s,"hwm_kb":%s}\n' \
    "$1" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "${rss:--1}" "${hwm:--1}" >>"$3"
}

mkdir -p "$RESULTS_DIR"
loadavg_before=$(cut -d' ' -f1-3 /proc/loadavg)
for round in $(seq 1 "$REPEAT"); do
# limits-aws and limits-off are compared pairwise per round; whichever runs first has measured
# slower more often than not (the previous target's files are still being freed), so even rounds
# swap them.
round_targets="$TARGETS"
if [ $((round % 2)) = 0 ]; then
  round_targets=$(echo " $TARGETS " | sed 's/ limits-aws / @@ /; s/ limits-off / limits-aws /; s/ @@ / limits-off /')
fi
for t in $round_targets; do
  JSONL="$WORK/round$round.jsonl"
  log "round $round/$REPEAT"
  if [ "$t" = sluice ] && [ "$DISK_BENCH" = 1 ]; then
    # Same disk and filesystem as the server's data directory.
    log "disk_bench (${DISK_SECONDS}s per configuration)"
    "$BUILD/bench/disk_bench" --dir "$WORK/disk-bench" --seconds "$DISK_SECONDS" --json-out "$JSONL" >&2 ||
      log "disk_bench failed"
    rm -rf "$WORK/disk-bench"
  fi
  port=$(free_port)
  log "starting $t on 127.0.0.1:$port"
  if ! start_server "$t" "$port"; then stop_server; continue; fi
  record_idle_rss "$t" "$SERVER_PID" "$JSONL"
  scen="$SCENARIOS"
  [ "$t" = sluice-none ] && scen="$NONE_SCENARIOS"
  if [ "$t" = sluice ]; then
    for m in $SEEK_MB; do scen="$scen,seek_${m}mb"; done
  fi
  case $t in limits-aws|limits-off) scen=put_records ;; esac
  if [ "$t" = sluice-seek-cold ]; then
    [ -z "$SEEK_MB" ] && { stop_server; continue; }
    scen=""; for m in $SEEK_MB; do scen="${scen:+$scen,}seek_${m}mb"; done
  fi
  args=(--endpoint "127.0.0.1:$port" --target-name "$t" --scenarios "$scen"
        --connections "$CONNECTIONS" --threads "$THREADS" --warmup "$WARMUP" --json-out "$JSONL"
        --server-pid "$SERVER_PID")
  case $t in
    sluice|sluice-none) args+=(--duration "$DURATION" --drain-records "$DRAIN_RECORDS" --latency-rate "$LATENCY_RATE") ;;
    sluice-seek-cold) args+=(--seek-drop-caches --seek-calls 100) ;;
    limits-aws|limits-off) args+=(--duration "$LIMITS_DURATION" --shards "$LIMITS_SHARDS") ;;
    kinesalite) args+=(--duration "$REF_DURATION" --drain-records "$REF_DRAIN_RECORDS" --latency-rate "$LATENCY_RATE") ;;
    kinesis-local) args+=(--duration "$KL_DURATION" --drain-records "$KL_DRAIN_RECORDS"
                          --latency-rate "$KL_LATENCY_RATE" --drain-timeout 180) ;;
  esac
  log "loadgen ${args[*]}"
  "$LOADGEN" "${args[@]}" || log "loadgen reported failures for $t"
  stop_server
done
done

MICRO_JSON=""
if [ "$MICRO" = 1 ] && [ -x "$BUILD/bench/bench_disk_log" ]; then
  [ -n "$MICRO_DIR" ] || MICRO_DIR="$WORK/bench-storage"
  mkdir -p "$MICRO_DIR"
  MICRO_JSON="$WORK/micro.json"
  log "bench_disk_log (datasets under $MICRO_DIR; 10 GB case: $MICRO_10G)"
  SLUICE_DISK_BENCH_DIR="$MICRO_DIR" SLUICE_BENCH_10G="$MICRO_10G" "$BUILD/bench/bench_disk_log" \
    --benchmark_out="$MICRO_JSON" --benchmark_out_format=json >&2 || log "bench_disk_log failed"
  rm -rf "$MICRO_DIR/append"  # scratch; the read datasets stay if MICRO_DIR was given
fi

if [ "${COMMIT_STRATEGIES:-1}" = 1 ]; then
  log "commit strategies (bench/commit-strategies.sh)"
  BUILD="$BUILD" CS_DIR="$WORK/commit-strategies" bench/commit-strategies.sh >&2 || log "commit-strategies failed"
  rm -rf "$WORK/commit-strategies"
fi

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git status --porcelain -- src 2>/dev/null)" ]; then commit="$commit+dirty"; fi
doc_args=(--doc "$ROOT/docs/performance.md")
[ "${NO_DOC:-0}" = 1 ] && doc_args=()
micro_args=()
[ -n "$MICRO_JSON" ] && [ -s "$MICRO_JSON" ] && micro_args=(--micro "$MICRO_JSON")
python3 "$ROOT/bench/report.py" --jsonl "$WORK"/round*.jsonl "${micro_args[@]}" --out "$RESULTS_DIR/latest.json" "${doc_args[@]}" \
  --machine "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)" "nproc=$(nproc)" "cpu=$cpu" \
  "kernel=$(uname -r)" "commit=$commit" "loadgen_threads=$THREADS" "rounds=$REPEAT" \
  "loadavg_before=$loadavg_before" "loadavg_after=$(cut -d' ' -f1-3 /proc/loadavg)"
log "wrote $RESULTS_DIR/latest.json"

if [ "${SCALING:-1}" = 1 ]; then
  kl_cli=""
  [ -n "$bin_dir" ] && kl_cli="$bin_dir/kinesalite/cli.js"
  SLUICE_BIN="$SLUICE" LOADGEN="$LOADGEN" DURATION="${SCALING_DURATION:-6}" KINESALITE="${KINESALITE:-$kl_cli}" \
    "$ROOT/bench/shard-scaling.sh" || log "bench/shard-scaling.sh failed"
fi

if [ "${EFO:-0}" = 1 ]; then
  SLUICE_BIN="$SLUICE" "$ROOT/bench/efo.sh" || log "bench/efo.sh failed"
fi
