"""Restart durability (issue 3): streams, shards, hash ranges, tags, retention, stream mode, record-size limits and
data survive a clean stop (SIGTERM) and a kill (SIGKILL) of the server; shard iterators handed out before the restart
still work after it and return the same records; deleted streams stay deleted.

Sluice only: each test starts its own server process on its own temp data dir (not the shared session server) and
restarts it on the same data dir and port. Extra server flags: $SLUICE_RESTART_FLAGS (shell-quoted, e.g.
"--durability sync"). Everything goes over raw signed HTTP so the checks do not depend on the botocore version.
"""
import base64
import os
import shlex
import shutil
import signal
import subprocess
import tempfile
import time

import pytest

import kinhelpers as kh
from kinhelpers import raw_call


class RestartableServer:
    """A Sluice process bound to one data dir and port, stopped with a chosen signal and started again."""

    def __init__(self):
        self.binary = kh.sluice_bin()
        self.workdir = tempfile.mkdtemp(prefix="sluice-restart-")
        self.data_dir = os.path.join(self.workdir, "data")
        os.makedirs(self.data_dir)
        self.log_path = os.path.join(self.workdir, "server.log")
        self.port = kh.free_port()
        self.extra = shlex.split(os.environ.get("SLUICE_RESTART_FLAGS", ""))
        self.proc = None
        self.starts = 0

    @property
    def endpoint(self):
        return "http://127.0.0.1:%d" % self.port

    def start(self, timeout=30):
        self.starts += 1
        cmd = [self.binary, "serve", "--host", "127.0.0.1", "--port", str(self.port), "--data-dir", self.data_dir,
               "--region", kh.REGION, "--account-id", kh.DEFAULT_ACCOUNT] + self.extra
        with open(self.log_path, "ab") as log:
            log.write(("\n===== test_restart: start #%d: %s\n" % (self.starts, " ".join(cmd))).encode())
            log.flush()
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("server exited with %s during start #%d:\n%s"
                                     % (self.proc.returncode, self.starts, self.log_tail()))
            try:
                if raw_call(self.endpoint, "ListStreams", {}).status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.02)
        raise AssertionError("server did not answer within %ss after start #%d:\n%s"
                             % (timeout, self.starts, self.log_tail()))

    def stop(self, sig):
        assert self.proc is not None and self.proc.poll() is None, \
            "server died before it was stopped:\n" + self.log_tail()
        self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("server did not exit within 15 s of signal %d:\n%s" % (sig, self.log_tail()))
        if sig == signal.SIGTERM:
            assert rc == 0, "clean stop (SIGTERM) exited with %s:\n%s" % (rc, self.log_tail())

    def restart(self, sig):
        self.stop(sig)
        self.start()

    def log_tail(self):
        return kh.tail(self.log_path)

    def cleanup(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.workdir, ignore_errors=True)


@pytest.fixture
def durable(target):
    if target != "sluice":
        pytest.skip("restart durability is a Sluice test (reference servers keep data in memory)")
    if kh.sluice_bin() is None:
        pytest.skip(kh.unavailable_reason("sluice"))
    srv = RestartableServer()
    try:
        srv.start()
        yield srv
    finally:
        srv.cleanup()


# ------------------------------------------------------------------------------------------------ helpers

def call(srv, op, payload):
    r = raw_call(srv.endpoint, op, payload)
    assert r.status == 200, "%s %s -> %r\nserver log:\n%s" % (op, payload, r, srv.log_tail()[-1500:])
    return r.json or {}


def error_of(srv, op, payload):
    r = raw_call(srv.endpoint, op, payload)
    assert r.status >= 400, "%s %s unexpectedly succeeded: %r" % (op, payload, r)
    return r.error_type


def wait_active(srv, name, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        s = call(srv, "DescribeStreamSummary", {"StreamName": name})["StreamDescriptionSummary"]
        if s["StreamStatus"] == "ACTIVE":
            return s
        time.sleep(0.03)
    raise AssertionError("stream %s not ACTIVE after %ss" % (name, timeout))


def wait_deleted(srv, name, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if raw_call(srv.endpoint, "DescribeStreamSummary", {"StreamName": name}).status == 400:
            return
        time.sleep(0.03)
    raise AssertionError("stream %s still exists after %ss" % (name, timeout))


def shards(srv, name):
    out, token = [], None
    while True:
        j = call(srv, "ListShards", {"NextToken": token} if token else {"StreamName": name})
        out.extend(j["Shards"])
        token = j.get("NextToken")
        if not token:
            return out


def tags(srv, name):
    return sorted((t["Key"], t.get("Value")) for t in call(srv, "ListTagsForStream", {"StreamName": name})["Tags"])


def read_from(srv, iterator, limit=None, max_calls=50):
    """Records from an iterator until the tip (an empty GetRecords); returns (records, last NextShardIterator)."""
    out, it = [], iterator
    for _ in range(max_calls):
        payload = {"ShardIterator": it}
        if limit:
            payload["Limit"] = limit
        j = call(srv, "GetRecords", payload)
        out.extend(j["Records"])
        nxt = j.get("NextShardIterator")
        if not j["Records"] or not nxt:
            return out, nxt
        it = nxt
    raise AssertionError("no tip after %d GetRecords calls" % max_calls)


def iterator(srv, name, shard_id, kind="TRIM_HORIZON", **kw):
    p = {"StreamName": name, "ShardId": shard_id, "ShardIteratorType": kind}
    p.update(kw)
    return call(srv, "GetShardIterator", p)["ShardIterator"]


def all_records(srv, name):
    return {s["ShardId"]: read_from(srv, iterator(srv, name, s["ShardId"]))[0] for s in shards(srv, name)}


def snapshot(srv, names):
    """Everything the restart must keep, per stream."""
    snap = {}
    for name in names:
        summary = call(srv, "DescribeStreamSummary", {"StreamName": name})["StreamDescriptionSummary"]
        desc = call(srv, "DescribeStream", {"StreamName": name})["StreamDescription"]
        desc.pop("HasMoreShards", None)
        snap[name] = {"summary": summary, "describe": desc, "shards": shards(srv, name), "tags": tags(srv, name),
                      "records": all_records(srv, name)}
    return snap


def assert_same(before, after):
    for name in before:
        for part in ("summary", "describe", "shards", "tags"):
            assert after[name][part] == before[name][part], \
                "%s of %s changed across the restart:\nbefore %r\nafter  %r" % (part, name, before[name][part],
                                                                                after[name][part])
        for sid, recs in before[name]["records"].items():
            got = after[name]["records"].get(sid)
            assert got == recs, "records of %s/%s changed across the restart: before %d %s, after %s" % (
                name, sid, len(recs), [r["SequenceNumber"] for r in recs][:5],
                None if got is None else (len(got), [r["SequenceNumber"] for r in got][:5]))


def hash_key_in(shard):
    r = shard["HashKeyRange"]
    return str((int(r["StartingHashKey"]) + int(r["EndingHashKey"])) // 2)


def b64(data):
    return base64.b64encode(data).decode()


def put_spread(srv, name, tag, n=30):
    """PutRecords n records spread over every shard (explicit hash keys) and one PutRecord per shard."""
    ss = shards(srv, name)
    recs = []
    for i in range(n):
        s = ss[i % len(ss)]
        size = (1, 10, 1000, 100_000)[i % 4]
        recs.append({"Data": b64(("%s-%d|" % (tag, i)).encode() + bytes([i % 251]) * size),
                     "PartitionKey": "pk-%s-%d" % (tag, i), "ExplicitHashKey": hash_key_in(s)})
    res = call(srv, "PutRecords", {"StreamName": name, "Records": recs})
    assert res.get("FailedRecordCount", 0) == 0, res
    for s in ss:
        call(srv, "PutRecord", {"StreamName": name, "Data": b64(b"single-" + tag.encode()),
                                "PartitionKey": "single", "ExplicitHashKey": hash_key_in(s)})


# ------------------------------------------------------------------------------------------------ tests

@pytest.mark.timeout(180)
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "sigkill"])
def test_restart_keeps_streams_tags_data_and_iterators(durable, sig):
    srv = durable
    prov, ondemand, deleted, recreated = (kh.unique_name(p) for p in ("prov", "od", "gone", "again"))

    call(srv, "CreateStream", {"StreamName": prov, "ShardCount": 3})
    call(srv, "CreateStream", {"StreamName": ondemand, "StreamModeDetails": {"StreamMode": "ON_DEMAND"}})
    call(srv, "CreateStream", {"StreamName": deleted, "ShardCount": 2})
    call(srv, "CreateStream", {"StreamName": recreated, "ShardCount": 1})
    for n in (prov, ondemand, deleted, recreated):
        wait_active(srv, n)

    call(srv, "AddTagsToStream", {"StreamName": prov, "Tags": {"team": "data", "env": "test", "tmp": "x"}})
    call(srv, "RemoveTagsFromStream", {"StreamName": prov, "TagKeys": ["tmp"]})
    call(srv, "AddTagsToStream", {"StreamName": ondemand, "Tags": {"mode": "on-demand"}})
    call(srv, "IncreaseStreamRetentionPeriod", {"StreamName": prov, "RetentionPeriodHours": 72})
    wait_active(srv, prov)
    arn = call(srv, "DescribeStreamSummary", {"StreamName": prov})["StreamDescriptionSummary"]["StreamARN"]
    r = raw_call(srv.endpoint, "UpdateMaxRecordSize", {"StreamARN": arn, "MaxRecordSizeInKiB": 2048})
    max_record_size_supported = r.status == 200
    wait_active(srv, prov)

    put_spread(srv, prov, "a")
    put_spread(srv, ondemand, "b", n=12)
    put_spread(srv, deleted, "c", n=4)
    put_spread(srv, recreated, "d", n=4)

    # the deleted stream goes; a stream of the same name as another deleted one is created again with other shards
    call(srv, "DeleteStream", {"StreamName": deleted})
    call(srv, "DeleteStream", {"StreamName": recreated})
    wait_deleted(srv, deleted)
    wait_deleted(srv, recreated)
    call(srv, "CreateStream", {"StreamName": recreated, "ShardCount": 2})
    wait_active(srv, recreated)
    put_spread(srv, recreated, "e", n=4)

    # iterators handed out before the restart
    s0, s1, s2 = (s["ShardId"] for s in shards(srv, prov))
    it_trim = iterator(srv, prov, s0)
    first_two = call(srv, "GetRecords", {"ShardIterator": it_trim, "Limit": 2})
    assert len(first_two["Records"]) == 2
    it_next = first_two["NextShardIterator"]
    s1_records = read_from(srv, iterator(srv, prov, s1))[0]
    it_after = iterator(srv, prov, s1, "AFTER_SEQUENCE_NUMBER", StartingSequenceNumber=s1_records[3]["SequenceNumber"])
    it_at = iterator(srv, prov, s1, "AT_SEQUENCE_NUMBER", StartingSequenceNumber=s1_records[5]["SequenceNumber"])
    it_latest = iterator(srv, prov, s2, "LATEST")
    before_trim = read_from(srv, it_trim)[0]
    before_next = read_from(srv, it_next)[0]
    before_after = read_from(srv, it_after)[0]
    before_at = read_from(srv, it_at)[0]
    assert before_next == before_trim[2:] and before_after == s1_records[4:] and before_at == s1_records[5:]
    assert read_from(srv, it_latest)[0] == []

    names = [prov, ondemand, recreated]
    before = snapshot(srv, names)
    listed_before = call(srv, "ListStreams", {})["StreamNames"]
    assert before[prov]["summary"]["RetentionPeriodHours"] == 72
    assert before[ondemand]["summary"]["StreamModeDetails"] == {"StreamMode": "ON_DEMAND"}

    srv.restart(sig)

    # metadata
    after = snapshot(srv, names)
    assert_same(before, after)
    assert sorted(call(srv, "ListStreams", {})["StreamNames"]) == sorted(listed_before)
    assert deleted not in listed_before
    assert error_of(srv, "DescribeStreamSummary", {"StreamName": deleted}) == "ResourceNotFoundException"
    assert error_of(srv, "PutRecord", {"StreamName": deleted, "Data": b64(b"x"), "PartitionKey": "k"}) == \
        "ResourceNotFoundException"
    assert len(after[prov]["shards"]) == 3 and after[prov]["summary"]["RetentionPeriodHours"] == 72
    assert after[prov]["tags"] == [("env", "test"), ("team", "data")]
    assert after[ondemand]["summary"]["StreamModeDetails"] == {"StreamMode": "ON_DEMAND"}
    assert after[ondemand]["tags"] == [("mode", "on-demand")]
    assert len(after[recreated]["shards"]) == 2
    data_of_recreated = [base64.b64decode(r["Data"]) for recs in after[recreated]["records"].values() for r in recs]
    assert data_of_recreated and all(not d.startswith(b"d-") and d != b"single-d" for d in data_of_recreated), \
        "records of the deleted incarnation came back"
    if max_record_size_supported:
        assert after[prov]["summary"].get("MaxRecordSizeInKiB") == 2048

    # old iterators still work and return the same records
    assert read_from(srv, it_trim)[0] == before_trim
    assert read_from(srv, it_next)[0] == before_next
    assert read_from(srv, it_after)[0] == before_after
    assert read_from(srv, it_at)[0] == before_at
    assert read_from(srv, it_latest)[0] == []

    # writing continues after the restart with larger sequence numbers; the LATEST iterator sees the new record
    last_s2 = int(before[prov]["records"][s2][-1]["SequenceNumber"])
    p = call(srv, "PutRecord", {"StreamName": prov, "Data": b64(b"after-restart"), "PartitionKey": "k",
                                "ExplicitHashKey": hash_key_in(after[prov]["shards"][2])})
    assert p["ShardId"] == s2 and int(p["SequenceNumber"]) > last_s2
    got = read_from(srv, it_latest)[0]
    assert [(r["SequenceNumber"], base64.b64decode(r["Data"])) for r in got] == [(p["SequenceNumber"],
                                                                                 b"after-restart")]

    # changes made after a restart survive the next one (a kill this time)
    call(srv, "AddTagsToStream", {"StreamName": prov, "Tags": {"after": "restart"}})
    call(srv, "DecreaseStreamRetentionPeriod", {"StreamName": prov, "RetentionPeriodHours": 48})
    wait_active(srv, prov)
    call(srv, "DeleteStream", {"StreamName": ondemand})
    wait_deleted(srv, ondemand)
    put_spread(srv, prov, "f", n=6)
    before2 = snapshot(srv, [prov, recreated])
    srv.restart(signal.SIGKILL)
    after2 = snapshot(srv, [prov, recreated])
    assert_same(before2, after2)
    assert after2[prov]["summary"]["RetentionPeriodHours"] == 48
    assert ("after", "restart") in after2[prov]["tags"]
    assert error_of(srv, "DescribeStreamSummary", {"StreamName": ondemand}) == "ResourceNotFoundException"
    assert error_of(srv, "DescribeStreamSummary", {"StreamName": deleted}) == "ResourceNotFoundException"
    assert read_from(srv, it_trim)[0] == after2[prov]["records"][s0]
    assert before2[prov]["summary"]["StreamCreationTimestamp"] == before[prov]["summary"]["StreamCreationTimestamp"]


@pytest.mark.timeout(120)
def test_kill_right_after_create_and_delete(durable):
    """Stream creation and deletion are crash-atomic: once acknowledged, they survive an immediate SIGKILL."""
    srv = durable
    keep, drop = kh.unique_name("keep"), kh.unique_name("drop")
    call(srv, "CreateStream", {"StreamName": drop, "ShardCount": 2})
    wait_active(srv, drop)
    call(srv, "CreateStream", {"StreamName": keep, "ShardCount": 5})
    call(srv, "DeleteStream", {"StreamName": drop})
    srv.restart(signal.SIGKILL)
    s = wait_active(srv, keep)
    assert s["OpenShardCount"] == 5
    got = [(x["ShardId"], x["HashKeyRange"]["StartingHashKey"], x["HashKeyRange"]["EndingHashKey"])
           for x in shards(srv, keep)]
    assert got == [(kh.shard_id(i), str(a), str(b)) for i, (a, b) in enumerate(kh.even_ranges(5))]
    wait_deleted(srv, drop)
    assert drop not in call(srv, "ListStreams", {})["StreamNames"]
    p = call(srv, "PutRecord", {"StreamName": keep, "Data": b64(b"x"), "PartitionKey": "k"})
    srv.restart(signal.SIGKILL)
    recs = all_records(srv, keep)[p["ShardId"]]
    assert [(r["SequenceNumber"], r["Data"]) for r in recs] == [(p["SequenceNumber"], b64(b"x"))]


@pytest.mark.timeout(120)
def test_restart_of_empty_server_and_repeated_restarts(durable):
    """An empty data dir restarts empty; several restarts in a row change nothing; sequence numbers keep growing."""
    srv = durable
    srv.restart(signal.SIGTERM)
    assert call(srv, "ListStreams", {})["StreamNames"] == []
    name = kh.unique_name("rep")
    call(srv, "CreateStream", {"StreamName": name, "ShardCount": 1})
    wait_active(srv, name)
    created = call(srv, "DescribeStreamSummary", {"StreamName": name})["StreamDescriptionSummary"]
    seqs = []
    for i, sig in enumerate([signal.SIGTERM, signal.SIGKILL, signal.SIGTERM, signal.SIGKILL]):
        seqs.append(call(srv, "PutRecord", {"StreamName": name, "Data": b64(b"r%d" % i),
                                            "PartitionKey": "k"})["SequenceNumber"])
        srv.restart(sig)
        assert call(srv, "DescribeStreamSummary", {"StreamName": name})["StreamDescriptionSummary"] == created
    assert [int(s) for s in seqs] == sorted(int(s) for s in seqs) and len(set(seqs)) == 4
    recs = read_from(srv, iterator(srv, name, kh.shard_id(0)))[0]
    assert [(r["SequenceNumber"], base64.b64decode(r["Data"])) for r in recs] == \
        [(s, b"r%d" % i) for i, s in enumerate(seqs)]
