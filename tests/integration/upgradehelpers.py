"""Data directories written by a previous Sluice release, for the upgrade test (test_upgrade.py).

`write` (run by scripts/make-upgrade-fixture.sh) starts a given sluice binary on empty data dirs, writes
streams and deterministic records through boto3 and stops it, then writes a JSON manifest of everything the
server acknowledged. The test reads the data dirs back with the binary under test and compares.

Two data dirs, each a fixture of its own in the manifest:
  clean  three streams, stopped with SIGTERM:
         upg-multi      4 shards, several sealed segments per shard plus an unsealed tail
         upg-resharded  2 shards; shard 0 split (children 2, 3), then 3 merged with 1 (child 4): closed parents
         upg-props      1 shard; retention 72 h, tags, enhanced monitoring, records up to 1 MiB
  crash  one stream, SIGKILL right after the last acknowledged put (under --durability sync every
         acknowledged record is durable, and nothing unacknowledged was ever sent)

Record data is a pure function of (seed, stream, index): a short unique head, then a seeded 256-byte block
repeated to the record's size (repeats keep the tarball small; the heads and blocks keep every record distinct).

Manifest (manifest.json): {"format": 1, "sluice_rev", "seed", "region", "account_id", "server_flags",
  "fixtures": {NAME: {"dir", "stop": "SIGTERM"|"SIGKILL", "streams": [STREAM...]}}}
STREAM: {"name", "arn", "status", "retention_hours", "enhanced_metrics" (sorted), "tags" {k: v},
  "mode", "encryption", "creation_timestamp" (s), "shards": [{"id", "parent", "adjacent_parent",
  "hash_range": [start, end], "seq_range": [start, end or null]}],
  "records": {SHARD_ID: [{"seq", "pk", "size", "sha256", "t0_ms", "t1_ms"}...] in sequence order}}
t0_ms/t1_ms: the writer's wall clock before the put was sent and after it was acknowledged.
"""
import argparse
import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kinhelpers as kh  # noqa: E402

MANIFEST_FORMAT = 1
# the smallest --segment-size sluice takes; with the record sizes below every shard gets several sealed segments
SEGMENT_SIZE = "1M"
# The writer's server flags; the test starts the binary under test with the same identity flags.
SERVER_FLAGS = ["--durability", "sync", "--segment-size", SEGMENT_SIZE, "--limits", "off",
                "--region", kh.REGION, "--account-id", kh.DEFAULT_ACCOUNT]
ONE_MIB = 1 << 20


def record_data(seed, stream, index, size):
    head = b"%s/%d|" % (stream.encode(), index)
    rng = random.Random("%d/%s/%d" % (seed, stream, index))
    block = rng.randbytes(256)
    if size <= len(head):
        return head[:size]
    body_len = size - len(head)
    return head + (block * (body_len // 256 + 1))[:body_len]


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def now_ms():
    return int(time.time() * 1000)


class Server:
    """One sluice process on one data dir; stop() with SIGTERM (clean) or SIGKILL (crash)."""

    def __init__(self, binary, data_dir, log_path, flags, port=None):
        self.binary = binary
        self.data_dir = data_dir
        self.log_path = log_path
        self.flags = list(flags)
        self.port = port or kh.free_port()
        self.proc = None
        self.starts = 0

    @property
    def endpoint(self):
        return "http://127.0.0.1:%d" % self.port

    def start(self, timeout=60):
        """Start; wait until ListStreams answers. Returns the seconds it took."""
        self.starts += 1
        cmd = [self.binary, "serve", "--host", "127.0.0.1", "--port", str(self.port),
               "--data-dir", self.data_dir] + self.flags
        t = time.monotonic()
        with open(self.log_path, "ab") as log:
            log.write(("\n===== start #%d: %s\n" % (self.starts, " ".join(cmd))).encode())
            log.flush()
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        deadline = t + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("sluice exited with %s during start #%d:\n%s"
                                     % (self.proc.returncode, self.starts, self.log_tail()))
            try:
                if kh.raw_call(self.endpoint, "ListStreams", {}).status == 200:
                    return time.monotonic() - t
            except OSError:
                pass
            time.sleep(0.02)
        raise AssertionError("sluice did not answer within %ss after start #%d:\n%s"
                             % (timeout, self.starts, self.log_tail()))

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.proc is None or self.proc.poll() is not None:
            return None
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("sluice did not exit within %ss of signal %d:\n%s" % (timeout, sig, self.log_tail()))

    def log_tail(self):
        return kh.tail(self.log_path)


# ------------------------------------------------------------------------------------------------ reading

def describe(client, name):
    """DescribeStream (every page) normalised to the manifest's STREAM fields (without records)."""
    d = client.describe_stream(StreamName=name)["StreamDescription"]
    shards = list(d["Shards"])
    while d.get("HasMoreShards"):
        d = client.describe_stream(StreamName=name, ExclusiveStartShardId=shards[-1]["ShardId"])["StreamDescription"]
        shards.extend(d["Shards"])
    tags = {}
    resp = client.list_tags_for_stream(StreamName=name)
    tags.update({t["Key"]: t["Value"] for t in resp["Tags"]})
    while resp.get("HasMoreTags"):
        resp = client.list_tags_for_stream(StreamName=name, ExclusiveStartTagKey=resp["Tags"][-1]["Key"])
        tags.update({t["Key"]: t["Value"] for t in resp["Tags"]})
    metrics = sorted(m for em in d.get("EnhancedMonitoring", []) for m in em.get("ShardLevelMetrics", []))
    return {
        "name": d["StreamName"], "arn": d["StreamARN"], "status": d["StreamStatus"],
        "retention_hours": d["RetentionPeriodHours"], "enhanced_metrics": metrics, "tags": tags,
        "mode": d.get("StreamModeDetails", {}).get("StreamMode", "PROVISIONED"),
        "encryption": d.get("EncryptionType", "NONE"),
        "creation_timestamp": d["StreamCreationTimestamp"].timestamp(),
        "shards": [{"id": s["ShardId"], "parent": s.get("ParentShardId"), "adjacent_parent": s.get("AdjacentParentShardId"),
                    "hash_range": [s["HashKeyRange"]["StartingHashKey"], s["HashKeyRange"]["EndingHashKey"]],
                    "seq_range": [s["SequenceNumberRange"]["StartingSequenceNumber"],
                                  s["SequenceNumberRange"].get("EndingSequenceNumber")]} for s in shards],
    }


def read_shard(client, stream, shard_id, max_calls=10000):
    """Every record of a shard from TRIM_HORIZON to its end (closed shard) or tip (open shard)."""
    it = client.get_shard_iterator(StreamName=stream, ShardId=shard_id,
                                   ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    out = []
    for _ in range(max_calls):
        resp = client.get_records(ShardIterator=it, Limit=10000)
        out.extend(resp["Records"])
        it = resp.get("NextShardIterator")
        if not it or (not resp["Records"] and resp.get("MillisBehindLatest", 0) == 0):
            return out
    raise AssertionError("%s/%s: no end after %d GetRecords calls" % (stream, shard_id, max_calls))


# ------------------------------------------------------------------------------------------------ writing

class Writer:
    """Puts deterministic records and notes every acknowledged one by shard."""

    def __init__(self, client, seed):
        self.client = client
        self.seed = seed
        self.records = {}       # stream -> shard id -> [entry]
        self.next_index = {}    # stream -> next record index

    def _entry(self, stream, size, pk=None, hash_key=None):
        i = self.next_index.get(stream, 0)
        self.next_index[stream] = i + 1
        data = record_data(self.seed, stream, i, size)
        e = {"Data": data, "PartitionKey": pk or "pk-%s-%d" % (stream, i)}
        if hash_key is not None:
            e["ExplicitHashKey"] = str(hash_key)
        return e

    def _note(self, stream, shard_id, seq, entry, t0, t1):
        self.records.setdefault(stream, {}).setdefault(shard_id, []).append(
            {"seq": seq, "pk": entry["PartitionKey"], "size": len(entry["Data"]), "sha256": sha256(entry["Data"]),
             "t0_ms": t0, "t1_ms": t1})

    def put_records(self, stream, specs):
        """specs: [(size, hash_key or None)]; one PutRecords call, every entry must succeed."""
        entries = [self._entry(stream, size, hash_key=hk) for size, hk in specs]
        t0 = now_ms()
        resp = self.client.put_records(StreamName=stream, Records=entries)
        t1 = now_ms()
        assert resp.get("FailedRecordCount", 0) == 0, resp
        for e, r in zip(entries, resp["Records"]):
            self._note(stream, r["ShardId"], r["SequenceNumber"], e, t0, t1)

    def put_record(self, stream, size, hash_key=None):
        e = self._entry(stream, size, hash_key=hash_key)
        kw = {"ExplicitHashKey": e["ExplicitHashKey"]} if "ExplicitHashKey" in e else {}
        t0 = now_ms()
        r = self.client.put_record(StreamName=stream, Data=e["Data"], PartitionKey=e["PartitionKey"], **kw)
        t1 = now_ms()
        self._note(stream, r["ShardId"], r["SequenceNumber"], e, t0, t1)


def random_size(rng):
    u = rng.random()
    if u < 0.4:
        return rng.randint(1, 512)
    if u < 0.7:
        return rng.randint(512, 8192)
    return rng.randint(8192, 96 * 1024)


def hash_in(rng, lo, hi):
    return rng.randint(int(lo), int(hi))


def fill(writer, rng, stream, ranges, batches, per_batch=(1, 40)):
    """`batches` PutRecords calls (and a PutRecord every few) spread over hash `ranges` [(lo, hi)]."""
    for b in range(batches):
        n = rng.randint(*per_batch)
        specs = []
        for _ in range(n):
            lo, hi = rng.choice(ranges)
            # half routed by an explicit hash key, half by the partition key's MD5
            specs.append((random_size(rng), hash_in(rng, lo, hi) if rng.random() < 0.5 else None))
        writer.put_records(stream, specs)
        if b % 4 == 3:
            lo, hi = rng.choice(ranges)
            writer.put_record(stream, random_size(rng), hash_in(rng, lo, hi))


def create(client, name, shards):
    client.create_stream(StreamName=name, ShardCount=shards)
    kh.wait_status(client, name)


def open_ranges(client, name):
    d = describe(client, name)
    return [(int(s["hash_range"][0]), int(s["hash_range"][1])) for s in d["shards"] if s["seq_range"][1] is None]


def write_clean(client, writer, rng):
    create(client, "upg-multi", 4)
    fill(writer, rng, "upg-multi", open_ranges(client, "upg-multi"), 60)

    create(client, "upg-resharded", 2)
    fill(writer, rng, "upg-resharded", open_ranges(client, "upg-resharded"), 25)
    quarter = kh.HASH_MAX // 4
    client.split_shard(StreamName="upg-resharded", ShardToSplit=kh.shard_id(0), NewStartingHashKey=str(quarter))
    kh.wait_status(client, "upg-resharded")
    fill(writer, rng, "upg-resharded", open_ranges(client, "upg-resharded"), 15)
    # shard 3 = [quarter, mid), shard 1 = [mid, max]: adjacent, merge into shard 4
    client.merge_shards(StreamName="upg-resharded", ShardToMerge=kh.shard_id(3), AdjacentShardToMerge=kh.shard_id(1))
    kh.wait_status(client, "upg-resharded")
    fill(writer, rng, "upg-resharded", open_ranges(client, "upg-resharded"), 10)

    create(client, "upg-props", 1)
    client.increase_stream_retention_period(StreamName="upg-props", RetentionPeriodHours=72)
    client.add_tags_to_stream(StreamName="upg-props", Tags={"team": "storage", "fixture": "upgrade", "empty": ""})
    client.enable_enhanced_monitoring(StreamName="upg-props", ShardLevelMetrics=["IncomingBytes", "OutgoingRecords"])
    kh.wait_status(client, "upg-props")
    writer.put_record("upg-props", 1)
    # the largest record a default stream takes: 1 MiB of data (partition key not counted)
    writer.put_record("upg-props", ONE_MIB)
    writer.put_records("upg-props", [(ONE_MIB - 1000, None), (300, None), (70 * 1024, None)])
    fill(writer, rng, "upg-props", [(0, kh.HASH_MAX)], 8)
    writer.put_record("upg-props", 5)
    return ["upg-multi", "upg-resharded", "upg-props"]


def write_crash(client, writer, rng):
    create(client, "upg-crash", 3)
    fill(writer, rng, "upg-crash", open_ranges(client, "upg-crash"), 40)
    return ["upg-crash"]


def build_fixture(binary, root, name, seed, write_fn, stop_sig):
    data_dir = os.path.join(root, name)
    os.makedirs(data_dir)
    log_path = os.path.join(root, "%s.server.log" % name)
    srv = Server(binary, data_dir, log_path, SERVER_FLAGS)
    srv.start()
    try:
        client = kh.make_client(srv.endpoint)
        rng = random.Random("%d/%s" % (seed, name))
        writer = Writer(client, seed)
        streams = write_fn(client, writer, rng)
        described = [describe(client, s) for s in streams]
        rc = srv.stop(stop_sig)     # SIGKILL right after the last acknowledged put (and the describes)
    finally:
        if srv.proc.poll() is None:
            srv.proc.kill()
            srv.proc.wait()
    if stop_sig == signal.SIGTERM and rc != 0:
        raise SystemExit("clean stop exited with %s:\n%s" % (rc, srv.log_tail()))
    for d in described:
        d["records"] = writer.records.get(d["name"], {})
        n = sum(len(v) for v in d["records"].values())
        print("  %s/%s: %d shards, %d records" % (name, d["name"], len(d["shards"]), n))
    os.remove(log_path)
    return {"dir": name, "stop": "SIGTERM" if stop_sig == signal.SIGTERM else "SIGKILL", "streams": described}


def main():
    ap = argparse.ArgumentParser(description="write the upgrade-test data dirs and manifest")
    ap.add_argument("--bin", required=True)
    ap.add_argument("--out", required=True, help="empty directory: gets clean/, crash/ and manifest.json")
    ap.add_argument("--rev", required=True, help="the binary's source revision (recorded in the manifest)")
    ap.add_argument("--seed", type=int, default=20261207)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    if os.listdir(args.out):
        raise SystemExit("%s is not empty" % args.out)
    manifest = {"format": MANIFEST_FORMAT, "sluice_rev": args.rev, "seed": args.seed, "region": kh.REGION,
                "account_id": kh.DEFAULT_ACCOUNT, "server_flags": SERVER_FLAGS, "fixtures": {}}
    manifest["fixtures"]["clean"] = build_fixture(args.bin, args.out, "clean", args.seed, write_clean, signal.SIGTERM)
    manifest["fixtures"]["crash"] = build_fixture(args.bin, args.out, "crash", args.seed, write_crash, signal.SIGKILL)
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
