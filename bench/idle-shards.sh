#!/usr/bin/env bash
# Many idle shards: what 10,000 shards cost a server that holds them but hardly writes to them.
# Creates STREAMS x SHARDS_PER_STREAM shards (default 20 x 500), puts a few records into a sample of shards, stops
# the server (SIGTERM), starts it again on the same data dir and reports: start-up time until ListStreams answers
# and until every stream is ACTIVE, memory (VmRSS / VmHWM), open file descriptors (/proc/PID/fd), threads, and
# whether GetRecords on a random sample of shards (with and without records) returns what was put.
#
#   bench/idle-shards.sh                                  # 20 x 500 shards, server's fd limit = this shell's
#   NOFILE=1024 bench/idle-shards.sh                      # as on many systems: see what the fd limit does
#   STREAMS=4 SHARDS_PER_STREAM=250 bench/idle-shards.sh  # smaller
#
# Env: SLUICE_BIN [build/sluice]; SLUICE_ARGS extra server flags (default: none; the script passes --limits off
# and --shard-limit); STREAMS [20]; SHARDS_PER_STREAM [500]; PUT_SAMPLE [200] shards that get RECORDS_PER_SHARD [3]
# records of 1 KiB; READ_SAMPLE [200] shards read back after the restart (the put ones first, then random ones);
# NOFILE: `ulimit -n` for the server (default: unchanged); OUT [a temp dir]: server log, data dir (removed unless
# KEEP=1) and result.json. Needs python3 with boto3. Prints a summary; exit 0 even when the server fails (that is a
# result), 2 on usage errors.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN="$(realpath "${SLUICE_BIN:-$ROOT/build/sluice}")"
[ -x "$BIN" ] || { echo "idle-shards: no sluice binary at $BIN (cmake --build build --target sluice)" >&2; exit 2; }
PY=""
for c in ${SLUICE_PYTHON:-} python3 /usr/bin/python3; do
  if command -v "$c" >/dev/null 2>&1 && "$c" -c 'import boto3' 2>/dev/null; then PY=$(command -v "$c"); break; fi
done
[ -n "$PY" ] || { echo "idle-shards: no python3 with boto3 (scripts/install-deps.sh --test)" >&2; exit 2; }
OUT="${OUT:-$(mktemp -d /tmp/sluice-idle-shards.XXXXXX)}"
mkdir -p "$OUT"
[ -n "${NOFILE:-}" ] && ulimit -n "$NOFILE"
echo "idle-shards: $BIN; fd limit $(ulimit -n); load average $(cut -d' ' -f1-3 /proc/loadavg); output in $OUT" >&2
export BIN OUT ROOT
PYTHONDONTWRITEBYTECODE=1 "$PY" - <<'PY'
import json, os, random, shlex, signal, subprocess, sys, time
sys.path.insert(0, os.path.join(os.environ["ROOT"], "tests", "integration"))
import kinhelpers as kh

BIN, OUT = os.environ["BIN"], os.environ["OUT"]
STREAMS = int(os.environ.get("STREAMS", "20"))
PER = int(os.environ.get("SHARDS_PER_STREAM", "500"))
PUT_SAMPLE = int(os.environ.get("PUT_SAMPLE", "200"))
RECORDS = int(os.environ.get("RECORDS_PER_SHARD", "3"))
READ_SAMPLE = int(os.environ.get("READ_SAMPLE", "200"))
TOTAL = STREAMS * PER
data_dir = os.path.join(OUT, "data")
log_path = os.path.join(OUT, "server.log")
port = kh.free_port()
endpoint = "http://127.0.0.1:%d" % port
cmd = [BIN, "serve", "--host", "127.0.0.1", "--port", str(port), "--data-dir", data_dir, "--limits", "off",
       "--shard-limit", str(max(TOTAL, 500))] + shlex.split(os.environ.get("SLUICE_ARGS", ""))
result = {"binary": BIN, "streams": STREAMS, "shards_per_stream": PER, "shards": TOTAL,
          "fd_limit": int(subprocess.check_output(["sh", "-c", "ulimit -n"]).decode().strip() or 0),
          "loadavg_before": open("/proc/loadavg").read().split()[:3]}
proc = None


def log(msg):
    print("idle-shards: " + msg, file=sys.stderr, flush=True)


def start():
    global proc
    with open(log_path, "ab") as lf:
        lf.write(("\n===== %s\n" % " ".join(cmd)).encode())
        lf.flush()
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=lf, stderr=subprocess.STDOUT,
                                start_new_session=True)
    t = time.monotonic()
    while True:
        if proc.poll() is not None:
            raise RuntimeError("server exited with %s during start-up" % proc.returncode)
        try:
            if kh.raw_call(endpoint, "ListStreams", {}).status == 200:
                return time.monotonic() - t
        except OSError:
            pass
        if time.monotonic() - t > 600:
            raise RuntimeError("server did not answer ListStreams within 600 s")
        time.sleep(0.01)


def proc_stats():
    st = {}
    if proc is None or proc.poll() is not None:
        return {"alive": False}
    with open("/proc/%d/status" % proc.pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "VmHWM"):
                st[k.lower() + "_kb"] = int(v.split()[0])
            elif k == "Threads":
                st["threads"] = int(v)
    st["fds"] = len(os.listdir("/proc/%d/fd" % proc.pid))
    st["alive"] = True
    return st


def disk_usage():
    files, used = 0, 0
    for d, _, fs in os.walk(data_dir):
        for f in fs:
            try:
                s = os.stat(os.path.join(d, f))
            except OSError:
                continue
            files += 1
            used += s.st_blocks * 512
    return {"files": files, "bytes_on_disk": used}


def all_active(client, names):
    for n in names:
        if client.describe_stream_summary(StreamName=n)["StreamDescriptionSummary"]["StreamStatus"] != "ACTIVE":
            return False
    return True


def tail():
    return kh.tail(log_path, 1500)


names = ["idle-%02d" % i for i in range(STREAMS)]
rng = random.Random(42)
try:
    result["first_start_s"] = start()
    client = kh.make_client(endpoint)
    t = time.monotonic()
    for n in names:
        client.create_stream(StreamName=n, ShardCount=PER)
    while not all_active(client, names):
        time.sleep(0.05)
    result["create_all_s"] = time.monotonic() - t
    result["after_create"] = proc_stats()
    log("%d shards ACTIVE in %.1f s: %s" % (TOTAL, result["create_all_s"], result["after_create"]))

    # a few 1 KiB records into a sample of shards, each routed by its shard's starting hash key
    shards = {}
    for n in names:
        shards[n] = [(s["ShardId"], s["HashKeyRange"]["StartingHashKey"])
                     for s in client.list_shards(StreamName=n, MaxResults=1000)["Shards"]]
    all_shards = [(n, sid, h) for n in names for sid, h in shards[n]]
    put = rng.sample(all_shards, min(PUT_SAMPLE, len(all_shards)))
    expected = {}       # (stream, shard id) -> acknowledged records
    put_errors = {}
    t = time.monotonic()
    by_stream = {}
    for n, sid, h in put:
        by_stream.setdefault(n, []).append((sid, h))
    for n, lst in by_stream.items():
        entries = []
        for sid, h in lst:
            for i in range(RECORDS):
                entries.append({"Data": b"%s/%s/%d|" % (n.encode(), sid.encode(), i) + b"x" * 1000,
                                "PartitionKey": "k", "ExplicitHashKey": h})
        for i in range(0, len(entries), 500):
            r = client.put_records(StreamName=n, Records=entries[i:i + 500])
            for e in r["Records"]:
                if e.get("ErrorCode"):
                    # a failed entry is a result (e.g. the fd limit); the shard is then expected empty or partial
                    put_errors[e["ErrorCode"]] = put_errors.get(e["ErrorCode"], 0) + 1
                else:
                    key = (n, e["ShardId"])
                    expected[key] = expected.get(key, 0) + 1
    result["put_s"] = time.monotonic() - t
    result["put_shards"] = len(put)
    result["put_records_acked"] = sum(expected.values())
    result["put_errors"] = put_errors
    result["after_put"] = proc_stats()
    log("put %d records into %d shards (%d acknowledged, failed entries: %s): %s"
        % (len(put) * RECORDS, len(put), sum(expected.values()), put_errors or "none", result["after_put"]))

    t = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    result["stop_rc"] = proc.wait(timeout=600)
    result["stop_s"] = time.monotonic() - t
    result["disk"] = disk_usage()
    log("stopped (exit %s) in %.2f s; data dir %s" % (result["stop_rc"], result["stop_s"], result["disk"]))

    # restart: time until the port answers ListStreams, until every stream is ACTIVE
    t = time.monotonic()
    result["restart_liststreams_s"] = start()
    client = kh.make_client(endpoint)
    while not all_active(client, names):
        time.sleep(0.01)
    result["restart_all_active_s"] = time.monotonic() - t
    result["after_restart"] = proc_stats()
    log("restart: ListStreams after %.2f s, all ACTIVE after %.2f s: %s"
        % (result["restart_liststreams_s"], result["restart_all_active_s"], result["after_restart"]))

    # GetRecords on a sample: every shard that got records, then random others
    rest = [x for x in all_shards if (x[0], x[1]) not in expected]
    sample = [(n, sid) for n, sid, _ in put if (n, sid) in expected][:READ_SAMPLE]
    sample += [(n, sid) for n, sid, _ in rng.sample(rest, min(len(rest), max(0, READ_SAMPLE - len(sample))))]
    bad, errors = [], {}
    t = time.monotonic()
    for n, sid in sample:
        try:
            it = client.get_shard_iterator(StreamName=n, ShardId=sid, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
            recs = client.get_records(ShardIterator=it, Limit=1000)["Records"]
        except Exception as e:  # noqa: BLE001  (a failure is a result here)
            k = type(e).__name__ + ": " + str(e)[:120]
            errors[k] = errors.get(k, 0) + 1
            continue
        want = expected.get((n, sid), 0)
        if len(recs) != want or any(not r["Data"].startswith(b"%s/%s/" % (n.encode(), sid.encode())) for r in recs):
            bad.append((n, sid, len(recs), want))
    result["read_sample"] = len(sample)
    result["read_s"] = time.monotonic() - t
    result["read_wrong"] = len(bad)
    result["read_errors"] = errors
    result["after_reads"] = proc_stats()
    result["ok"] = not bad and not errors and not put_errors
    log("GetRecords on %d shards in %.2f s: %d wrong, errors %s; %s"
        % (len(sample), result["read_s"], len(bad), errors or "none", result["after_reads"]))
except Exception as e:  # noqa: BLE001
    result["ok"] = False
    result["failure"] = "%s: %s" % (type(e).__name__, e)
    result["at_failure"] = proc_stats()
    result["server_log_tail"] = tail()
    log("FAILED: %s\nserver log tail:\n%s" % (result["failure"], result["server_log_tail"]))
finally:
    if proc is not None and proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=120)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    result["loadavg_after"] = open("/proc/loadavg").read().split()[:3]
    with open(os.path.join(OUT, "result.json"), "w") as f:
        json.dump(result, f, indent=1)
    print(json.dumps(result))
PY
[ "${KEEP:-0}" = 1 ] || rm -rf "$OUT/data"
