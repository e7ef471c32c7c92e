#!/usr/bin/env bash
# Throughput vs shard count: the same write load spread over 4 ... 4,000 shards, one fresh server
# (empty data directory on the repository's disk) per point, kinesalite at the same shard counts as
# the baseline. Writes bench/results/shard-scaling.json and the "Throughput vs shard count" section
# of docs/performance.md (bench/shard_scaling_report.py). Called by scripts/run-bench.sh (SCALING=0
# skips it) and runnable alone against any sluice binary:
#
#   bench/shard-scaling.sh
#   SLUICE_BIN=/path/to/sluice SHARDS="4 1000" DURATION=3 bench/shard-scaling.sh
#
# Cases (each point: CreateStream with N shards, wait for ACTIVE, WARMUP + DURATION s of load):
#   sync        PutRecords 500 x 1 KiB, random partition keys, `--durability sync`
#   none        the same with `--durability none`
#   record-sync PutRecord 100 B, one random key per request (PUT_RECORD_POOL distinct keys)
#   kinesalite  the PutRecords load against kinesalite (in memory)
# Every sluice server runs with `--limits off --shard-limit <max shards>`.
#
# Env (defaults in brackets):
#   SLUICE_BIN [build/sluice]  LOADGEN [build/bench/loadgen]
#   SHARDS [4 64 256 1000 4000]  CASES [sync none record-sync kinesalite]
#   DURATION [6] WARMUP [1] CONNECTIONS [32] THREADS [1]
#   REPEAT [1]             rounds over every point; the report keeps each point's median round
#   REF_SHARDS [SHARDS] REF_DURATION [DURATION]   (kinesalite points)
#   CREATE_TIMEOUT [600]   seconds for CreateStream to reach ACTIVE
#   DATA_PARENT [data]     where each point's data directory is made (gitignored; on the disk whose
#                          writes are counted)
#   IO_DEVICE [the block device holding DATA_PARENT]   /proc/diskstats name, e.g. vda
#   IO_SETTLE [0]          seconds to wait after the load before the final write count (a server that
#                          moves data later, e.g. a checkpoint, has those writes counted too)
#   KINESALITE [tests/js/node_modules/kinesalite/cli.js, else an npm install into /tmp/benchnpm]
#   LABEL [""]             what this binary is (e.g. "per-shard-file design"), shown with the table
#   NOTES [""]             free text added to the run line (e.g. "other builds ran meanwhile")
#   OUT [bench/results/shard-scaling.json]
#   BASELINE [bench/results/shard-scaling-baseline.json]   an earlier OUT shown next to this run
#   NO_DOC=1               do not touch docs/performance.md
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
SLUICE="$(realpath "${SLUICE_BIN:-build/sluice}")"
LOADGEN="$(realpath "${LOADGEN:-build/bench/loadgen}")"
SHARDS="${SHARDS:-4 64 256 1000 4000}"
CASES="${CASES:-sync none record-sync kinesalite}"
DURATION="${DURATION:-6}"
WARMUP="${WARMUP:-1}"
CONNECTIONS="${CONNECTIONS:-32}"
THREADS="${THREADS:-1}"
REPEAT="${REPEAT:-1}"
REF_SHARDS="${REF_SHARDS:-$SHARDS}"
REF_DURATION="${REF_DURATION:-$DURATION}"
CREATE_TIMEOUT="${CREATE_TIMEOUT:-600}"
DATA_PARENT="${DATA_PARENT:-$ROOT/data}"
LABEL="${LABEL:-}"
OUT="${OUT:-$ROOT/bench/results/shard-scaling.json}"
BASELINE="${BASELINE:-$ROOT/bench/results/shard-scaling-baseline.json}"
NPM_FALLBACK=/tmp/benchnpm

log() { echo "shard-scaling: $*" >&2; }

[ -x "$SLUICE" ] || { log "no sluice binary at $SLUICE (cmake --build build --target sluice)"; exit 2; }
[ -x "$LOADGEN" ] || { log "no loadgen at $LOADGEN (cmake --build build --target loadgen)"; exit 2; }
mkdir -p "$DATA_PARENT"
WORK="$(mktemp -d "$DATA_PARENT/shard-scaling.XXXXXX")"
# A private copy: a rebuild of SLUICE_BIN during the run must not mix two builds in one table.
cp "$SLUICE" "$WORK/sluice-under-test"
sluice_sha=$(sha256sum "$WORK/sluice-under-test" | cut -c1-12)
SLUICE_ORIG="$SLUICE"
SLUICE="$WORK/sluice-under-test"

# The block device holding the data directories (its /proc/diskstats line gives the device writes).
if [ -z "${IO_DEVICE:-}" ]; then
  IO_DEVICE="$(python3 - "$WORK" <<'PY'
import os, sys
st = os.stat(sys.argv[1])
link = f"/sys/dev/block/{os.major(st.st_dev)}:{os.minor(st.st_dev)}"
print(os.path.basename(os.path.realpath(link)) if os.path.exists(link) else "")
PY
)"
fi
[ -n "$IO_DEVICE" ] || log "no block device found for $WORK: device write amplification not measured"

kinesalite_cli=""
if [[ " $CASES " == *" kinesalite "* ]]; then
  kinesalite_cli="${KINESALITE:-}"
  [ -z "$kinesalite_cli" ] && [ -f tests/js/node_modules/kinesalite/cli.js ] &&
    kinesalite_cli="$ROOT/tests/js/node_modules/kinesalite/cli.js"
  if [ -z "$kinesalite_cli" ]; then
    if [ ! -f "$NPM_FALLBACK/node_modules/kinesalite/cli.js" ]; then
      log "installing kinesalite@3.3.3 into $NPM_FALLBACK"
      npm install --prefix "$NPM_FALLBACK" --no-audit --no-fund --loglevel=error kinesalite@3.3.3 >/dev/null
    fi
    kinesalite_cli="$NPM_FALLBACK/node_modules/kinesalite/cli.js"
  fi
fi

max_shards=1
for n in $SHARDS $REF_SHARDS; do [ "$n" -gt "$max_shards" ] && max_shards=$n; done

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

wait_ready() {  # port pid
  local port=$1 pid=$2
  for _ in $(seq 1 300); do
    kill -0 "$pid" 2>/dev/null || return 1
    # Any HTTP answer will do (the request is unsigned): the server is accepting connections.
    curl -s -o /dev/null -m 2 -X POST "http://127.0.0.1:$port/" \
      -H 'X-Amz-Target: Kinesis_20131202.ListStreams' -H 'Content-Type: application/x-amz-json-1.1' \
      -d '{}' && return 0
    sleep 0.1
  done
  return 1
}

SERVER_PID=""
stop_server() {
  [ -n "$SERVER_PID" ] || return 0
  kill "$SERVER_PID" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}
cleanup() {
  stop_server
  rm -rf "$WORK"
}
trap cleanup EXIT

start_server() {  # case port datadir
  local c=$1 port=$2 dir=$3
  case $c in
    kinesalite)
      node "$kinesalite_cli" --port "$port" --createStreamMs 0 --deleteStreamMs 0 --updateStreamMs 0 \
        --shardLimit "$max_shards" >"$WORK/server.log" 2>&1 &
      ;;
    *)
      local durability=sync
      [ "$c" = none ] && durability=none
      "$SLUICE" serve --host 127.0.0.1 --port "$port" --data-dir "$dir" --log-level warn --limits off \
        --shard-limit "$max_shards" --durability "$durability" >"$WORK/server.log" 2>&1 &
      ;;
  esac
  SERVER_PID=$!
  if ! wait_ready "$port" "$SERVER_PID"; then
    log "$c did not become ready; log:"; tail -20 "$WORK/server.log" >&2
    return 1
  fi
}

JSONL="$WORK/points.jsonl"
: >"$JSONL"
loadavg_before=$(cut -d' ' -f1-3 /proc/loadavg)
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
for round in $(seq 1 "$REPEAT"); do
for c in $CASES; do
  shard_list="$SHARDS"; dur="$DURATION"
  [ "$c" = kinesalite ] && { shard_list="$REF_SHARDS"; dur="$REF_DURATION"; }
  for n in $shard_list; do
    dir="$WORK/data"
    rm -rf "$dir"
    sync -f "$WORK" 2>/dev/null || sync  # the previous point's deletions are not counted here
    port=$(free_port)
    log "round $round/$REPEAT, $c, $n shards: starting on 127.0.0.1:$port ($(cut -d' ' -f1-3 /proc/loadavg))"
    if ! start_server "$c" "$port" "$dir"; then stop_server; continue; fi
    scenario=put_records
    [ "$c" = record-sync ] && scenario=put_record
    # One random key per PutRecord body: at least two bodies per shard so every shard is written.
    pool=$((2 * n)); [ "$pool" -lt 256 ] && pool=256
    args=(--endpoint "127.0.0.1:$port" --target-name "$c" --scenarios "$scenario" --shards "$n"
          --connections "$CONNECTIONS" --threads "$THREADS" --warmup "$WARMUP" --duration "$dur"
          --records-per-request 500 --record-size 1024 --small-record-size 100 --put-record-pool "$pool"
          --create-timeout "$CREATE_TIMEOUT" --server-pid "$SERVER_PID" --json-out "$JSONL")
    if [ "$c" != kinesalite ]; then
      args+=(--sync-dir "$dir" --io-settle "${IO_SETTLE:-0}")
      [ -n "$IO_DEVICE" ] && args+=(--io-device "$IO_DEVICE")
    fi
    before=$(wc -l <"$JSONL")
    "$LOADGEN" "${args[@]}" >&2 || log "$c, $n shards: loadgen reported a failure"
    # Tag the point with its round and the load average at its end (the machine may be shared).
    if [ "$(wc -l <"$JSONL")" -gt "$before" ]; then
      python3 - "$JSONL" "$(cut -d' ' -f1-3 /proc/loadavg)" "$round" <<'PY'
import json, sys
path, load, rnd = sys.argv[1], sys.argv[2], int(sys.argv[3])
lines = open(path).read().splitlines()
last = json.loads(lines[-1])
last["loadavg_after"] = load
last["round"] = rnd
lines[-1] = json.dumps(last)
open(path, "w").write("\n".join(lines) + "\n")
PY
    fi
    stop_server
  done
done
done

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
# The checkout the binary was built in, if it sits in one (build/sluice of a git work tree).
sluice_commit=$(git -C "$(dirname "$SLUICE_ORIG")" rev-parse --short HEAD 2>/dev/null || echo unknown)
doc_args=(--doc "$ROOT/docs/performance.md")
[ "${NO_DOC:-0}" = 1 ] && doc_args=()
baseline_args=()
[ -f "$BASELINE" ] && [ "$(realpath "$BASELINE")" != "$(realpath -m "$OUT")" ] && baseline_args=(--baseline "$BASELINE")
mkdir -p "$(dirname "$OUT")"
python3 "$ROOT/bench/shard_scaling_report.py" --jsonl "$JSONL" --out "$OUT" "${doc_args[@]}" "${baseline_args[@]}" \
  --machine "date=$started" "nproc=$(nproc)" "cpu=$cpu" "kernel=$(uname -r)" "commit=$commit" \
  "sluice_bin=$SLUICE_ORIG" "sluice_sha256=$sluice_sha" "sluice_commit=$sluice_commit" "label=$LABEL" "rounds=$REPEAT" "io_device=$IO_DEVICE" "io_settle_s=${IO_SETTLE:-0}" "duration_s=$DURATION" "warmup_s=$WARMUP" \
  "ref_duration_s=$REF_DURATION" "connections=$CONNECTIONS" "notes=${NOTES:-}" \
  "loadavg_before=$loadavg_before" "loadavg_after=$(cut -d' ' -f1-3 /proc/loadavg)"
log "wrote $OUT"
