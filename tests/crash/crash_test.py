#!/usr/bin/env python3
"""Crash test for Sluice's durable storage (issue 3): SIGKILL the server under full write load, many times,
then check that every acknowledged record survived exactly once with its sequence number.

Standard library only (raw HTTP/1.1 keep-alive, hand-built JSON, a dummy SigV4-shaped Authorization header that
the server's default `--auth structural` accepts). See tests/crash/README.md.

    tests/crash/crash_test.py [--kills N] [--producers N] [--shards N] [--seed S] [--bin PATH]
                              [--kills 0 --load-seconds S]
                              [--self-test] [--keep]

Environment: SLUICE_BIN (server binary, default build/sluice), CRASH_SEED (seed), SLUICE_CRASH_FLAGS (extra
server flags, shell-quoted, e.g. "--durability sync"), CRASH_KILLS, CRASH_PRODUCERS, CRASH_BUDGET (seconds for
the load+kill phase, default 55).

Payloads are a pure function of (seed, producer, attempt, index): `p.a.i|` + bytes of a seeded pool, with size
and partition key derived from a hash of the key. No payload is ever sent twice, so the checker needs no record
of what was sent beyond each attempt's batch size, and can tell a record no producer ever sent.
"""
import argparse
import base64
import datetime
import http.client
import json
import os
import random
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from array import array

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
AMZ_JSON = "application/x-amz-json-1.1"
TARGET_PREFIX = "Kinesis_20131202."
STREAM = "crash-test"
SHARDS = 4                              # --shards; set by main() before the stream is created or read
SHARD_BITS = 20                         # pos() holds shard numbers below 2^20
MAX_BATCH_BYTES = 4 * 1024 * 1024       # PutRecords cap is 5 MiB (data + partition keys); stay well below
POOL_SLACK = 64 * 1024
MAX_PAD = 256 * 1024
MASK64 = (1 << 64) - 1


def log(msg):
    print("[crash %7.2fs] %s" % (time.monotonic() - T0, msg), flush=True)


T0 = time.monotonic()


# ------------------------------------------------------------------------------------------ payloads

def pos(shard, seq):
    """(shard number, sequence number) packed into one int: the checker holds millions of them."""
    assert 0 <= shard < (1 << SHARD_BITS), shard
    return (seq << SHARD_BITS) | shard


def unpos(p):
    return p & ((1 << SHARD_BITS) - 1), p >> SHARD_BITS


def mix64(x):
    """splitmix64 finaliser: a cheap, well-spread hash."""
    x = (x + 0x9E3779B97F4A7C15) & MASK64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & MASK64
    return x ^ (x >> 31)


class Payloads:
    """Deterministic payloads: every (producer, attempt, index) maps to exactly one byte string and partition
    key. Sizes: 70% 1-256 B, 27.9% 256 B-4 KiB, 2% 4-32 KiB, 0.1% 32-256 KiB."""

    def __init__(self, seed):
        self.seed = seed & MASK64
        self.pool = random.Random(seed).randbytes(MAX_PAD + POOL_SLACK)

    @staticmethod
    def key(pid, attempt, idx):
        return (((attempt << 9) | idx) << 4) | pid

    @staticmethod
    def unkey(key):
        return key & 15, key >> 13, (key >> 4) & 511

    def make(self, pid, attempt, idx):
        """-> (data bytes, partition key str)"""
        h = mix64(self.seed ^ mix64((attempt << 13) | (idx << 4) | pid))
        u = h % 10000
        r = h >> 20
        if u < 7000:
            n = 1 + r % 256
        elif u < 9790:
            n = 256 + r % 3840
        elif u < 9990:
            n = 4096 + r % 28672
        else:
            n = 32768 + r % (MAX_PAD - 32768)
        off = (h >> 8) % POOL_SLACK
        head = b"%d.%d.%d|" % (pid, attempt, idx)
        return head + self.pool[off:off + n], "pk-%x" % (h & 0xFFFFFFFFFF)

    @staticmethod
    def parse_head(data):
        """-> (pid, attempt, idx) or None"""
        bar = data.find(b"|", 0, 40)
        if bar < 0:
            return None
        try:
            p, a, i = data[:bar].split(b".")
            p, a, i = int(p), int(a), int(i)
        except ValueError:
            return None
        if not (0 <= p < 16 and 0 <= a and 0 <= i < 512):
            return None
        return p, a, i


# ------------------------------------------------------------------------------------------ raw HTTP

_date_cache = [0, None]


def headers_for(operation, body_len):
    sec = int(time.time())
    if _date_cache[0] != sec:
        amz = datetime.datetime.fromtimestamp(sec, datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        auth = ("AWS4-HMAC-SHA256 Credential=AKIDCRASHTEST/%s/us-east-1/kinesis/aws4_request, "
                "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=%s" % (amz[:8], "0" * 64))
        _date_cache[1] = (amz, auth)
        _date_cache[0] = sec
    amz, auth = _date_cache[1]
    return {"Content-Type": AMZ_JSON, "X-Amz-Target": TARGET_PREFIX + operation, "X-Amz-Date": amz,
            "Authorization": auth, "Content-Length": str(body_len)}


class Client:
    """One keep-alive connection. call() raises OSError/http.client.HTTPException when the connection breaks."""

    def __init__(self, port, timeout=20.0):
        self.port = port
        self.timeout = timeout
        self.conn = None

    def connect(self):
        if self.conn is None:
            c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            c.connect()
            c.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.conn = c

    def close(self):
        if self.conn is not None:
            try:
                self.conn.close()
            except Exception:  # noqa: BLE001
                pass
            self.conn = None

    def call(self, operation, body):
        if isinstance(body, dict):
            body = json.dumps(body).encode()
        try:
            self.connect()
            self.conn.request("POST", "/", body=body, headers=headers_for(operation, len(body)))
            resp = self.conn.getresponse()
            data = resp.read()
            if resp.getheader("connection", "").lower() == "close":
                self.close()
        except BaseException:
            self.close()
            raise
        try:
            j = json.loads(data) if data else {}
        except ValueError:
            j = None
        return resp.status, j, data


def error_type(j):
    if isinstance(j, dict) and "__type" in j:
        return str(j["__type"]).split("#")[-1].split(":")[0]
    return None


# ------------------------------------------------------------------------------------------ server process

class ServerProc:
    def __init__(self, binary, port, data_dir, log_path, extra_flags):
        self.binary = binary
        self.port = port
        self.data_dir = data_dir
        self.log_path = log_path
        self.extra_flags = extra_flags
        self.proc = None
        self.starts = 0

    def cmd(self):
        # --limits off: the producers write as fast as the server takes records, far above one shard's AWS
        # write limit, and the test is about durability, not throttling (extra flags come later and win)
        return [self.binary, "serve", "--host", "127.0.0.1", "--port", str(self.port),
                "--data-dir", self.data_dir, "--limits", "off"] + self.extra_flags

    def start(self, timeout=30.0):
        """Start and wait until it answers ListStreams; returns seconds until ready."""
        t = time.monotonic()
        deadline = t + timeout
        attempt = 0
        while True:
            attempt += 1
            self.starts += 1
            with open(self.log_path, "ab") as lf:
                lf.write(("\n===== crash_test: start #%d: %s\n" % (self.starts, " ".join(self.cmd()))).encode())
                lf.flush()
                self.proc = subprocess.Popen(self.cmd(), stdin=subprocess.DEVNULL, stdout=lf, stderr=subprocess.STDOUT,
                                             start_new_session=True)
            c = Client(self.port, timeout=5)
            try:
                while time.monotonic() < deadline:
                    if self.proc.poll() is not None:
                        break
                    try:
                        st, _, _ = c.call("ListStreams", b"{}")
                        if st == 200:
                            return time.monotonic() - t
                    except (OSError, http.client.HTTPException):
                        pass
                    time.sleep(0.01)
            finally:
                c.close()
            if self.proc.poll() is None:
                raise RuntimeError("server did not answer within %.0fs after start #%d\n%s"
                                   % (timeout, self.starts, self.log_tail()))
            # exited during startup (e.g. the port was not free yet): retry a few times
            if attempt >= 5 or time.monotonic() >= deadline:
                raise RuntimeError("server exited with code %s during start #%d\n%s"
                                   % (self.proc.returncode, self.starts, self.log_tail()))
            time.sleep(0.2)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def kill9(self):
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        if self.proc is not None:
            self.proc.wait()

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def log_tail(self, n=3000):
        try:
            with open(self.log_path, "rb") as f:
                data = f.read()
            return data[-n:].decode("utf-8", "replace")
        except OSError:
            return ""


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ------------------------------------------------------------------------------------------ producers

class Producer(threading.Thread):
    def __init__(self, pid, port, payloads, seed, stop_event, fatal, rate):
        super().__init__(name="producer-%d" % pid, daemon=True)
        self.pid = pid
        self.port = port
        self.payloads = payloads
        self.rng = random.Random((seed << 8) ^ (pid * 7919))
        self.stop_event = stop_event
        self.fatal = fatal
        self.rate = rate                # records/s this producer may send on average (bursts at full speed)
        self.sent = 0
        self.sizes = array("H")         # batch size of every attempt, by attempt number
        self.acked = {}                 # key -> pos(shard number, sequence number)
        self.stats = {"requests": 0, "acked_requests": 0, "conn_errors": 0, "entry_errors": 0, "unacked": 0}
        self.errors = {}                # "HTTP 400 ValidationException" -> count
        self.samples = {}               # error kind -> one response body sample
        self.unexpected = []            # responses that point at a bug (in the server or this test)

    def note(self, kind, sample=None):
        self.errors[kind] = self.errors.get(kind, 0) + 1
        if sample is not None and kind not in self.samples:
            self.samples[kind] = sample[:400]

    def build(self, attempt, single):
        """-> (operation, body bytes, records [(key)], ) with the batch size recorded."""
        n_want = 1 if single else self.rng.choice((self.rng.randint(1, 500), self.rng.randint(1, 20),
                                                   500 if self.rng.random() < 0.2 else self.rng.randint(1, 500)))
        keys = []
        parts = []
        total = 0
        for idx in range(n_want):
            data, pk = self.payloads.make(self.pid, attempt, idx)
            total += len(data) + len(pk)
            if keys and total > MAX_BATCH_BYTES:
                break
            keys.append(Payloads.key(self.pid, attempt, idx))
            parts.append((base64.b64encode(data).decode("ascii"), pk))
        self.sizes.append(len(keys))
        self.sent += len(keys)
        if single:
            d, pk = parts[0]
            body = '{"StreamName":"%s","Data":"%s","PartitionKey":"%s"}' % (STREAM, d, pk)
            return "PutRecord", body.encode("ascii"), keys
        recs = ",".join('{"Data":"%s","PartitionKey":"%s"}' % p for p in parts)
        body = '{"StreamName":"%s","Records":[%s]}' % (STREAM, recs)
        return "PutRecords", body.encode("ascii"), keys

    def run(self):
        client = Client(self.port)
        attempt = 0
        t0 = time.monotonic()
        while not self.stop_event.is_set():
            try:
                client.connect()
            except OSError:
                time.sleep(0.005)     # server down (killed / restarting)
                continue
            # pacing: at most `rate` records/s on average, so that the volume to read back (and the test's
            # runtime) is bounded on a fast machine; below that, requests go out back to back
            while self.sent > self.rate * (time.monotonic() - t0) and not self.stop_event.is_set():
                time.sleep(0.003)
            single = self.rng.random() < 0.15
            op, body, keys = self.build(attempt, single)
            attempt += 1
            self.stats["requests"] += 1
            try:
                status, j, raw = client.call(op, body)
            except (OSError, http.client.HTTPException):
                self.stats["conn_errors"] += 1
                self.stats["unacked"] += len(keys)
                continue
            if status != 200 or not isinstance(j, dict):
                et = error_type(j) or "?"
                kind = "HTTP %d %s" % (status, et)
                self.note(kind, raw)
                self.stats["unacked"] += len(keys)
                if status == 200 or (400 <= status < 500 and et not in (
                        "LimitExceededException", "ProvisionedThroughputExceededException", "ThrottlingException")):
                    # a 200 we cannot parse, or a 4xx that says the request or the stream is wrong
                    self.unexpected.append("%s %s: %r" % (op, kind, raw[:300]))
                    if et == "ResourceNotFoundException":
                        self.fatal.append("producer %d: stream %s not found (ResourceNotFoundException)"
                                          % (self.pid, STREAM))
                    time.sleep(0.05)
                continue
            try:
                if op == "PutRecord":
                    self.acked[keys[0]] = pos(int(j["ShardId"].rsplit("-", 1)[1]), int(j["SequenceNumber"]))
                    self.stats["acked_requests"] += 1
                    continue
                entries = j["Records"]
                if len(entries) != len(keys):
                    self.unexpected.append("PutRecords: %d entries in the response for %d records"
                                           % (len(entries), len(keys)))
                    continue
                for key, e in zip(keys, entries):
                    if e.get("ErrorCode"):
                        self.stats["entry_errors"] += 1
                        self.stats["unacked"] += 1
                        self.note("entry %s" % e["ErrorCode"], json.dumps(e).encode())
                    else:
                        self.acked[key] = pos(int(e["ShardId"].rsplit("-", 1)[1]), int(e["SequenceNumber"]))
                self.stats["acked_requests"] += 1
            except (KeyError, ValueError, TypeError, IndexError) as ex:
                self.unexpected.append("%s: malformed 200 response (%s): %r" % (op, ex, raw[:300]))
        client.close()


# ------------------------------------------------------------------------------------------ reading back

def read_shard(client, shard_no, on_record, deadline):
    """Read one shard from TRIM_HORIZON to the tip; on_record(seq_int, data_bytes, partition_key) per record."""
    sid = "shardId-%012d" % shard_no
    st, j, raw = client.call("GetShardIterator", {"StreamName": STREAM, "ShardId": sid,
                                                   "ShardIteratorType": "TRIM_HORIZON"})
    if st != 200:
        raise RuntimeError("GetShardIterator %s: HTTP %d %r" % (sid, st, raw[:300]))
    it = j["ShardIterator"]
    calls = 0
    n = 0
    while it:
        if time.monotonic() > deadline:
            raise RuntimeError("reading %s did not reach the tip in time (%d records so far)" % (sid, n))
        st, j, raw = client.call("GetRecords", b'{"ShardIterator":"%s","Limit":10000}' % it.encode())
        calls += 1
        if st != 200:
            raise RuntimeError("GetRecords %s: HTTP %d %r" % (sid, st, raw[:300]))
        recs = j["Records"]
        for r in recs:
            on_record(int(r["SequenceNumber"]), base64.b64decode(r["Data"]), r.get("PartitionKey"))
        n += len(recs)
        if not recs and j.get("MillisBehindLatest", 0) == 0:
            break
        it = j.get("NextShardIterator")
    return n, calls


# ------------------------------------------------------------------------------------------ checker

class Checker:
    """Consumes the records read back, shard by shard in read order, and compares them with what was
    acknowledged. Kept separate from the I/O so --self-test can exercise it on synthetic histories."""

    MAX_SHOWN = 25

    def __init__(self, payloads, sizes_by_pid, acked):
        self.payloads = payloads
        self.sizes = sizes_by_pid       # pid -> array of batch sizes by attempt
        self.acked = acked              # key -> pos(shard, seq)
        self.seen = {}                  # key -> shard of the first occurrence
        self.last_seq = {}              # shard -> last sequence number read
        self.read_count = 0
        self.extra_unacked = 0
        self.problems = {"missing": [], "duplicate": [], "wrong_position": [], "order": [], "foreign": []}
        self.counts = {k: 0 for k in self.problems}

    def _problem(self, kind, text):
        self.counts[kind] += 1
        if len(self.problems[kind]) < self.MAX_SHOWN:
            self.problems[kind].append(text)

    def record(self, shard, seq, data, pk):
        self.read_count += 1
        last = self.last_seq.get(shard)
        if last is not None and seq <= last:
            self._problem("order", "shard %d: sequence number %d read after %d" % (shard, seq, last))
        self.last_seq[shard] = seq
        head = Payloads.parse_head(data)
        if head is None:
            self._problem("foreign", "shard %d seq %d: payload no producer sent: %r" % (shard, seq, data[:60]))
            return
        pid, attempt, idx = head
        sizes = self.sizes.get(pid)
        if sizes is None or attempt >= len(sizes) or idx >= sizes[attempt]:
            self._problem("foreign", "shard %d seq %d: record %d.%d.%d was never sent" % (shard, seq, pid, attempt, idx))
            return
        want, want_pk = self.payloads.make(pid, attempt, idx)
        if data != want or (pk is not None and pk != want_pk):
            self._problem("foreign", "shard %d seq %d: record %d.%d.%d has different %s (%d bytes, sent %d)"
                          % (shard, seq, pid, attempt, idx, "data" if data != want else "partition key",
                             len(data), len(want)))
            return
        self.place(shard, seq, Payloads.key(pid, attempt, idx))

    def place(self, shard, seq, key):
        """A valid record `key` was read at (shard, seq): duplicates and acknowledged positions."""
        here = pos(shard, seq)
        first = self.seen.get(key)
        if first is not None:
            pid, attempt, idx = Payloads.unkey(key)
            self._problem("duplicate", "record %d.%d.%d%s read on shard %d and again on shard %d at seq %d"
                          % (pid, attempt, idx, " (acked)" if key in self.acked else " (unacked)", first, shard, seq))
            return
        self.seen[key] = shard
        ack = self.acked.get(key)
        if ack is None:
            self.extra_unacked += 1
        elif ack != here:
            pid, attempt, idx = Payloads.unkey(key)
            self._problem("wrong_position", "record %d.%d.%d acked as shard %d seq %d, read at shard %d seq %d"
                          % ((pid, attempt, idx) + unpos(ack) + (shard, seq)))

    def merge_scan(self, scan):
        """Fold in a ShardScan's result (from a reader process)."""
        self.read_count += scan["read"]
        for kind, n in scan["counts"].items():
            self.counts[kind] += n
            room = self.MAX_SHOWN - len(self.problems[kind])
            self.problems[kind].extend(scan["problems"][kind][:max(0, room)])
        shard = scan["shard"]
        for key, seq in zip(scan["keys"], scan["seqs"]):
            self.place(shard, seq, key)

    def finish(self):
        missing = [k for k in self.acked if k not in self.seen]
        missing.sort(key=lambda k: self.acked[k])
        for k in missing:
            p, a, i = Payloads.unkey(k)
            s, q = unpos(self.acked[k])
            self._problem("missing", "acked record %d.%d.%d (shard %d seq %d) not found" % (p, a, i, s, q))
        return sum(self.counts.values()) == 0

    def report(self):
        lines = []
        for kind, n in self.counts.items():
            if n:
                lines.append("VIOLATION %s: %d" % (kind, n))
                lines.extend("  - " + t for t in self.problems[kind])
                if n > len(self.problems[kind]):
                    lines.append("  ... and %d more" % (n - len(self.problems[kind])))
        return "\n".join(lines)


class ShardScan(Checker):
    """Per-shard half of the checker (order, never-sent, content), run in a reader process; it collects the
    valid records' keys and sequence numbers for the parent's Checker.merge_scan."""

    def __init__(self, payloads, sizes_by_pid):
        super().__init__(payloads, sizes_by_pid, {})
        self.keys = array("Q")
        self.seqs = []

    def place(self, shard, seq, key):
        self.keys.append(key)
        self.seqs.append(seq)


_SCAN_CTX = {}


def _scan_shard(shard):
    """Reader process (forked): read one shard to the tip and scan it."""
    ctx = _SCAN_CTX
    scan = ShardScan(ctx["payloads"], ctx["sizes"])
    client = Client(ctx["port"], timeout=60)
    t = time.monotonic()
    try:
        n, calls = read_shard(client, shard, lambda seq, d, pk: scan.record(shard, seq, d, pk), ctx["deadline"])
    except Exception as e:  # noqa: BLE001
        return {"shard": shard, "error": "%s: %s" % (type(e).__name__, e)}
    finally:
        client.close()
    return {"shard": shard, "read": scan.read_count, "counts": scan.counts, "problems": scan.problems,
            "keys": scan.keys, "seqs": scan.seqs, "calls": calls, "secs": time.monotonic() - t}


def read_and_check(port, payloads, sizes, acked, deadline, processes=2):
    """Read every shard (in `processes` forked readers) and check it; returns (Checker, GetRecords calls)."""
    import multiprocessing
    _SCAN_CTX.update(payloads=payloads, sizes=sizes, port=port, deadline=deadline)
    checker = Checker(payloads, sizes, acked)
    calls = 0
    if processes > 1 and "fork" in multiprocessing.get_all_start_methods():
        # workers must not inherit main()'s SIGTERM handler (Pool.terminate() would hang them in sys.exit)
        pool = multiprocessing.get_context("fork").Pool(processes, initializer=signal.signal,
                                                        initargs=(signal.SIGTERM, signal.SIG_DFL))
        try:
            results = pool.map(_scan_shard, range(SHARDS), chunksize=1)
            pool.close()
        finally:
            pool.terminate()
            pool.join()
    else:
        results = [_scan_shard(s) for s in range(SHARDS)]
    for r in results:
        if "error" in r:
            raise RuntimeError("reading shard %d: %s" % (r["shard"], r["error"]))
        checker.merge_scan(r)
        calls += r["calls"]
    checker.finish()
    return checker, calls


def self_test():
    """Check the checker on synthetic histories: a clean one passes; each kind of violation is reported."""
    pl = Payloads(1234)
    sizes = {0: array("H", [3, 1]), 1: array("H", [2])}
    # acked: producer 0 attempt 0 idx 0,1 ; producer 1 attempt 0 idx 0 ; 0.0.2 and 0.1.0 and 1.0.1 unacked
    acked = {Payloads.key(0, 0, 0): pos(0, 100), Payloads.key(0, 0, 1): pos(1, 200), Payloads.key(1, 0, 0): pos(0, 105)}

    def rec(p, a, i):
        return pl.make(p, a, i)

    def run(history):
        c = Checker(pl, sizes, acked)
        for shard, seq, data, pk in history:
            c.record(shard, seq, data, pk)
        ok = c.finish()
        # the same history through the per-shard scans + merge that the real run uses
        m = Checker(pl, sizes, acked)
        for shard in sorted({h[0] for h in history}):
            scan = ShardScan(pl, sizes)
            for sh, seq, data, pk in history:
                if sh == shard:
                    scan.record(sh, seq, data, pk)
            m.merge_scan({"shard": shard, "read": scan.read_count, "counts": scan.counts, "problems": scan.problems,
                          "keys": scan.keys, "seqs": scan.seqs})
        assert m.finish() == ok and m.counts == c.counts and m.extra_unacked == c.extra_unacked, \
            (c.counts, m.counts)
        return ok, c

    base = [(0, 100, *rec(0, 0, 0)), (0, 105, *rec(1, 0, 0)), (0, 107, *rec(0, 0, 2)), (1, 200, *rec(0, 0, 1))]
    ok, c = run(base)
    assert ok, "clean history rejected:\n" + c.report()
    assert c.extra_unacked == 1 and c.read_count == 4
    ok, c = run(base[:3])
    assert not ok and c.counts["missing"] == 1, c.report()
    ok, c = run(base + [(1, 201, *rec(0, 0, 0))])
    assert not ok and c.counts["duplicate"] == 1, c.report()
    ok, c = run(base + [(1, 202, *rec(0, 1, 0)), (1, 203, *rec(0, 1, 0))])
    assert not ok and c.counts["duplicate"] == 1, "unacked duplicate: " + c.report()
    ok, c = run([(0, 100, *rec(0, 0, 0)), (0, 105, *rec(1, 0, 0)), (2, 200, *rec(0, 0, 1))])
    assert not ok and c.counts["wrong_position"] == 1, c.report()
    ok, c = run([(0, 101, *rec(0, 0, 0))] + base[1:])
    assert not ok and c.counts["wrong_position"] == 1, c.report()
    # shard numbers far above 15 (256+ shard streams) keep their own positions
    for shard in (16, 255, 256, 4095, 9999):
        assert unpos(pos(shard, 10**55 + shard)) == (shard, 10**55 + shard)
    hi = {Payloads.key(0, 0, 0): pos(255, 100), Payloads.key(0, 0, 1): pos(256, 100),
          Payloads.key(1, 0, 0): pos(255, 105)}
    hi_hist = [(255, 100, *rec(0, 0, 0)), (255, 105, *rec(1, 0, 0)), (256, 100, *rec(0, 0, 1))]
    c = Checker(pl, sizes, hi)
    for h in hi_hist:
        c.record(*h)
    assert c.finish(), c.report()
    c = Checker(pl, sizes, hi)
    for h in [hi_hist[0], hi_hist[1], (257, 100, *rec(0, 0, 1))]:      # acked on shard 256, read on 257
        c.record(*h)
    assert not c.finish() and c.counts["wrong_position"] == 1, c.report()
    ok, c = run([base[1], base[0]] + base[2:])
    assert not ok and c.counts["order"] == 1, c.report()
    ok, c = run(base + [(0, 110, b"hello", "k")])
    assert not ok and c.counts["foreign"] == 1, c.report()
    ok, c = run(base + [(0, 110, *rec(0, 5, 0))])            # attempt never made
    assert not ok and c.counts["foreign"] == 1, c.report()
    ok, c = run(base + [(0, 110, *rec(1, 0, 2))])           # index beyond the batch
    assert not ok and c.counts["foreign"] == 1, c.report()
    d, pk = rec(1, 0, 1)
    ok, c = run(base + [(0, 110, d[:-1] + bytes([d[-1] ^ 1]), pk)])    # corrupted byte
    assert not ok and c.counts["foreign"] == 1, c.report()
    ok, c = run(base + [(0, 110, d, pk + "x")])                          # wrong partition key
    assert not ok and c.counts["foreign"] == 1, c.report()
    # payloads: unique per key, parseable, sizes spread over the classes
    seen = set()
    lens = []
    for a in range(200):
        for i in range(0, 500, 7):
            d, _ = pl.make(3, a, i)
            assert Payloads.parse_head(d) == (3, a, i)
            assert d not in seen
            seen.add(d)
            lens.append(len(d))
    assert min(lens) < 64 and max(lens) > 4096, (min(lens), max(lens))
    assert Payloads.unkey(Payloads.key(7, 123456, 499)) == (7, 123456, 499)
    log("self-test: checker detects missing, duplicate (acked and unacked), wrong shard/sequence, out-of-order, "
        "never-sent, corrupted data and partition key; payload generator OK")


# ------------------------------------------------------------------------------------------ main

def create_stream(client):
    st, j, raw = client.call("CreateStream", {"StreamName": STREAM, "ShardCount": SHARDS})
    if st != 200:
        raise RuntimeError("CreateStream: HTTP %d %r" % (st, raw[:300]))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        st, j, raw = client.call("DescribeStreamSummary", {"StreamName": STREAM})
        if st == 200 and j["StreamDescriptionSummary"]["StreamStatus"] == "ACTIVE":
            return
        time.sleep(0.02)
    raise RuntimeError("stream did not become ACTIVE")


def shard_layout(client):
    st, j, raw = client.call("ListShards", {"StreamName": STREAM})
    if st != 200:
        return None, "ListShards: HTTP %d %s %r" % (st, error_type(j), raw[:300])
    return [(s["ShardId"], s["HashKeyRange"]["StartingHashKey"], s["HashKeyRange"]["EndingHashKey"])
            for s in j["Shards"]], None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default=os.environ.get("SLUICE_BIN") or os.path.join(REPO, "build", "sluice"))
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--kills", type=int, default=int(os.environ.get("CRASH_KILLS", "22")))
    ap.add_argument("--producers", type=int, default=int(os.environ.get("CRASH_PRODUCERS", "6")))
    ap.add_argument("--shards", type=int, default=int(os.environ.get("CRASH_SHARDS", "4")),
                    help="shards of the test stream (default 4; env CRASH_SHARDS)")
    ap.add_argument("--budget", type=float, default=float(os.environ.get("CRASH_BUDGET", "32")),
                    help="seconds for the load+kill phase; load windows shrink (not below 0.3 s) to fit")
    ap.add_argument("--max-records", type=int, default=int(os.environ.get("CRASH_MAX_RECORDS", "2000000")),
                    help="producers pace themselves to at most this many records over the load phase (bursts at "
                         "full speed); bounds the read-back time and memory (default 2M; env CRASH_MAX_RECORDS)")
    ap.add_argument("--load-seconds", type=float, default=4.0, help="with --kills 0: seconds of load")
    ap.add_argument("--flags", default=os.environ.get("SLUICE_CRASH_FLAGS", ""),
                    help="extra server flags, shell-quoted (env SLUICE_CRASH_FLAGS)")
    ap.add_argument("--self-test", action="store_true", help="test the checker on synthetic histories first")
    ap.add_argument("--self-test-only", action="store_true")
    ap.add_argument("--keep", action="store_true", default=os.environ.get("CRASH_KEEP") == "1", help="keep the data dir and server log")
    args = ap.parse_args()
    # `timeout` (scripts/run-crash.sh) and ctest send SIGTERM: leave through the finally block, which stops the server
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(143))

    if args.self_test or args.self_test_only:
        self_test()
        if args.self_test_only:
            return 0
    seed = args.seed if args.seed is not None else int(os.environ.get("CRASH_SEED") or random.SystemRandom().randrange(1 << 31))
    if not (1 <= args.producers <= 15):
        ap.error("--producers must be 1..15")
    if not (1 <= args.shards < (1 << SHARD_BITS)):
        ap.error("--shards must be 1..%d" % ((1 << SHARD_BITS) - 1))
    global SHARDS
    SHARDS = args.shards
    if not (os.path.isfile(args.bin) and os.access(args.bin, os.X_OK)):
        print("crash_test: no server binary at %s (set SLUICE_BIN or build build/sluice)" % args.bin, file=sys.stderr)
        return 2
    flags = shlex.split(args.flags)
    rng = random.Random(seed)
    log("seed %d (rerun with CRASH_SEED=%d); %d shards; %d producers; %d kills; at most ~%d records; server %s %s"
        % (seed, seed, SHARDS, args.producers, args.kills, args.max_records, args.bin,
           " ".join(flags) or "(default flags)"))

    workdir = tempfile.mkdtemp(prefix="sluice-crash-")
    data_dir = os.path.join(workdir, "data")
    os.makedirs(data_dir)
    port = free_port()
    server = ServerProc(args.bin, port, data_dir, os.path.join(workdir, "server.log"), flags)
    payloads = Payloads(seed)
    stop_event = threading.Event()
    fatal = []          # reasons to stop early (the server lost the stream, crashed on its own, ...)
    producers = []
    kills = 0
    restart_times = []
    ok = False
    try:
        server.start()
        ctl = Client(port)
        create_stream(ctl)
        layout0, err = shard_layout(ctl)
        if err:
            raise RuntimeError(err)
        ctl.close()
        log("server up on port %d, data dir %s; stream %s ACTIVE with %d shards" % (port, data_dir, STREAM, len(layout0)))

        load_secs_planned = args.load_seconds if args.kills == 0 else args.budget
        rate = args.max_records / load_secs_planned / args.producers
        producers = [Producer(pid, port, payloads, seed, stop_event, fatal, rate) for pid in range(args.producers)]
        for p in producers:
            p.start()
        t_load = time.monotonic()

        if args.kills == 0:
            time.sleep(args.load_seconds)
            stop_event.set()
            for p in producers:
                p.join()
        for k in range(args.kills):
            left = args.kills - k
            per_kill = (args.budget - (time.monotonic() - t_load)) / left - (
                sum(restart_times) / len(restart_times) if restart_times else 0.2)
            window = max(0.3, min(rng.uniform(0.3, 2.5), per_kill))
            deadline = time.monotonic() + window
            while time.monotonic() < deadline and not fatal:
                time.sleep(min(0.05, max(0.0, deadline - time.monotonic())))
            if fatal:
                break
            if not server.alive():
                fatal.append("the server exited on its own (code %s) before kill #%d" % (server.proc.returncode, k + 1))
                break
            acked_before = sum(len(p.acked) for p in producers)
            server.kill9()
            kills += 1
            if k == args.kills - 1:
                stop_event.set()       # the final kill happens under load; producers stop, then a final restart
                for p in producers:
                    p.join()
            rt = server.start()
            restart_times.append(rt)
            c = Client(port)
            layout, err = shard_layout(c)
            c.close()
            if err or layout != layout0:
                fatal.append(("after kill #%d and restart, %s (the stream was lost)" % (kills, err)) if err else
                             "after kill #%d and restart the stream's shards are %s, before they were %s"
                             % (kills, layout, layout0))
                break
            if kills % 5 == 0 or kills == args.kills:
                log("kill #%d after %.2fs of load (%d records acked so far); restart answered in %.3fs"
                    % (kills, window, acked_before, rt))
        stop_event.set()
        for p in producers:
            p.join()
        load_secs = time.monotonic() - t_load

        acked = {}
        sizes = {}
        stats = {}
        errors = {}
        samples = {}
        unexpected = []
        for p in producers:
            acked.update(p.acked)
            sizes[p.pid] = p.sizes
            for kk, v in p.stats.items():
                stats[kk] = stats.get(kk, 0) + v
            for kk, v in p.errors.items():
                errors[kk] = errors.get(kk, 0) + v
            samples.update(p.samples)
            unexpected.extend(p.unexpected)
            p.acked = None             # the merged dict is the only copy (memory: millions of records)
        log("load done: %.1fs, %d requests, %d records acknowledged (%.0f/s), %d unacknowledged, %d kills"
            % (load_secs, stats["requests"], len(acked), len(acked) / max(load_secs, 1e-9), stats["unacked"], kills))
        if errors:
            log("error responses: " + ", ".join("%s x%d" % kv for kv in sorted(errors.items())))
        if fatal:
            print("\nFAIL: %s" % fatal[0], flush=True)
            print("server log tail:\n" + server.log_tail(), flush=True)
            return 1

        # read everything back
        t_read = time.monotonic()
        checker, total_calls = read_and_check(port, payloads, sizes, acked, time.monotonic() + 150)
        good = sum(checker.counts.values()) == 0
        log("read back %d records in %d GetRecords calls (%.1fs)" % (checker.read_count, total_calls,
                                                                       time.monotonic() - t_read))
        print("\n---- crash test summary (seed %d) ----" % seed)
        print("kills (SIGKILL under load): %d; restarts answered in avg %.3fs, max %.3fs"
              % (kills, sum(restart_times) / len(restart_times) if restart_times else 0,
                 max(restart_times) if restart_times else 0))
        print("acknowledged records: %d (in %d acknowledged requests of %d)"
              % (len(acked), stats["acked_requests"], stats["requests"]))
        print("records read back: %d; unacknowledged records found (allowed): %d of %d unacknowledged"
              % (checker.read_count, checker.extra_unacked, stats["unacked"]))
        for kind, s in sorted(samples.items()):
            print("  sample %s: %s" % (kind, s.decode("utf-8", "replace") if isinstance(s, bytes) else s))
        if unexpected:
            print("UNEXPECTED responses (%d), first ones:" % len(unexpected))
            for u in unexpected[:10]:
                print("  - " + u)
        if not good:
            print(checker.report())
        ok = good and not unexpected
        print("RESULT: %s" % ("PASS" if ok else "FAIL"), flush=True)
        if not ok:
            print("server log tail:\n" + server.log_tail(), flush=True)
        return 0 if ok else 1
    except Exception as e:  # noqa: BLE001
        print("\nFAIL: %s: %s" % (type(e).__name__, e), flush=True)
        print("server log tail:\n" + server.log_tail(), flush=True)
        return 1
    finally:
        stop_event.set()
        for p in producers:
            p.join(timeout=5)
        server.stop()
        if args.keep or not ok:
            if not ok and not args.keep:
                # failed runs keep only the log (the data can be large; --keep or CRASH_KEEP=1 keeps it)
                shutil.rmtree(data_dir, ignore_errors=True)
                log("kept %s (server.log)" % workdir)
            else:
                log("kept %s (data dir and server.log)" % workdir)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
