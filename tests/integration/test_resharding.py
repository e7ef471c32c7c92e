"""Resharding (issue 4): SplitShard, MergeShards, UpdateShardCount through boto3 — lineage in DescribeStream and
ListShards, ShardFilter on closed shards, the end of a closed shard in GetRecords (ChildShards), UPDATING with
ResourceInUseException, validation messages, and no lost or duplicated record when the route switches under a
concurrent producer. Sluice only: kinesalite and kinesis-local implement resharding differently (tests/js covers
what they share)."""
import signal
import subprocess
import threading
import time
from collections import defaultdict

import pytest

import kinhelpers as kh
from kinhelpers import error_code, error_message

HALF = 2**127


def serve_help():
    binary = kh.sluice_bin()
    if binary is None:
        return ""
    return subprocess.run([binary, "serve", "--help"], capture_output=True, text=True).stdout


@pytest.fixture
def sluice_with(server_pool, target):
    """A client for a Sluice server of its own flags (flags the binary does not know yet skip the test)."""
    if target != "sluice":
        pytest.skip("resharding fidelity is checked on Sluice; the reference emulators deviate (tests/js)")

    def start(*flags):
        known = serve_help()
        for f in flags:
            if f.startswith("--") and f not in known:
                pytest.skip("this sluice binary has no %s flag" % f)
        return kh.make_client(server_pool.get("sluice", extra_args=tuple(flags)).endpoint)
    return start


def list_shards(kin, name, **filt):
    kw = {"StreamName": name}
    if filt:
        kw["ShardFilter"] = filt
    out = []
    while True:
        r = kin.list_shards(**kw)
        out += r["Shards"]
        if not r.get("NextToken"):
            return out
        kw = {"NextToken": r["NextToken"]}


def open_shards(shards):
    """Open shards sorted by starting hash key; asserts they tile the hash key space."""
    out = sorted((s for s in shards if "EndingSequenceNumber" not in s["SequenceNumberRange"]),
                 key=lambda s: int(s["HashKeyRange"]["StartingHashKey"]))
    assert int(out[0]["HashKeyRange"]["StartingHashKey"]) == 0
    assert int(out[-1]["HashKeyRange"]["EndingHashKey"]) == kh.HASH_MAX
    for a, b in zip(out, out[1:]):
        assert int(b["HashKeyRange"]["StartingHashKey"]) == int(a["HashKeyRange"]["EndingHashKey"]) + 1
    return out


def ranges(shards):
    return [(int(s["HashKeyRange"]["StartingHashKey"]), int(s["HashKeyRange"]["EndingHashKey"])) for s in shards]


def wait_active(kin, name):
    kh.wait_status(kin, name, timeout=30)


def read_shard_to_end(kin, name, shard):
    """All records of a shard from TRIM_HORIZON. A closed shard must end with no NextShardIterator and
    ChildShards; an open one is read until a call returns nothing at the tip."""
    it = kin.get_shard_iterator(StreamName=name, ShardId=shard["ShardId"],
                                ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    closed = "EndingSequenceNumber" in shard["SequenceNumberRange"]
    records, last = [], None
    for _ in range(2000):
        last = kin.get_records(ShardIterator=it, Limit=1000)
        records += last["Records"]
        it = last.get("NextShardIterator")
        if not it or (not closed and not last["Records"]):
            break
    if closed:
        assert it is None, "closed shard %s never ended" % shard["ShardId"]
        assert last.get("ChildShards"), "closed shard %s ended without ChildShards" % shard["ShardId"]
    return records, last


def read_in_lineage_order(kin, name):
    """Reads every shard, each only after its parents are finished (what KCL does). Returns
    [(shard_id, record)] in reading order and checks ChildShards against the lineage."""
    shards = list_shards(kin, name)
    by_id = {s["ShardId"]: s for s in shards}
    children = defaultdict(set)
    for s in shards:
        for p in (s.get("ParentShardId"), s.get("AdjacentParentShardId")):
            if p:
                children[p].add(s["ShardId"])
    done, order = set(), []
    pending = sorted(by_id)
    while pending:
        ready = [sid for sid in pending
                 if all(p in done or p not in by_id
                        for p in (by_id[sid].get("ParentShardId"), by_id[sid].get("AdjacentParentShardId")) if p)]
        assert ready, "lineage has a cycle: %s" % pending
        for sid in ready:
            recs, last = read_shard_to_end(kin, name, by_id[sid])
            end = by_id[sid]["SequenceNumberRange"].get("EndingSequenceNumber")
            if end is not None:
                assert {c["ShardId"] for c in last["ChildShards"]} == children[sid]
                for c in last["ChildShards"]:
                    assert sid in c["ParentShards"]
                for r in recs:
                    assert int(r["SequenceNumber"]) <= int(end)
            order += [(sid, r) for r in recs]
            done.add(sid)
            pending.remove(sid)
    return order


# ------------------------------------------------------------------------------------------------ under load

class Producer(threading.Thread):
    """One sequential PutRecords producer over a fixed set of partition keys. Each record carries a unique id;
    `acked` lists (key, id, shard, sequence number) in acknowledgement order."""

    def __init__(self, kin, name, keys=24, batch=40, pause=0.0):
        super().__init__(daemon=True)
        self.kin, self.name, self.keys, self.batch, self.pause = kin, name, keys, batch, pause
        self.stop = threading.Event()
        self.acked, self.failed, self.errors = [], 0, []
        self.next_id = 0

    def run(self):
        retry = []
        try:
            while not self.stop.is_set():
                entries = retry[:]
                while len(entries) < self.batch:
                    entries.append(("k%d" % (self.next_id % self.keys), self.next_id))
                    self.next_id += 1
                r = self.kin.put_records(StreamName=self.name, Records=[
                    {"PartitionKey": k, "Data": b"%s:%d" % (k.encode(), i)} for k, i in entries])
                retry = []
                for (k, i), res in zip(entries, r["Records"]):
                    if "ErrorCode" in res:
                        self.failed += 1
                        retry.append((k, i))
                    else:
                        self.acked.append((k, i, res["ShardId"], res["SequenceNumber"]))
                if self.pause:
                    time.sleep(self.pause)
        except Exception as e:  # noqa: BLE001 - reported by the test
            self.errors.append(e)


def test_split_and_merge_under_a_concurrent_producer(sluice_with, new_stream):
    flags = ("--limits", "off") if "--limits" in serve_help() else ()
    kin = sluice_with(*flags)
    name = new_stream(shards=2, client=kin)
    # Without --limits off: 40 records per call at ~10 calls/s stays well under 1000 records/s per shard.
    producer = Producer(kh.make_client(kin.meta.endpoint_url), name, pause=0 if flags else 0.1)
    producer.start()
    try:
        time.sleep(0.4)
        kin.split_shard(StreamName=name, ShardToSplit=kh.shard_id(0), NewStartingHashKey=str(2**126))
        wait_active(kin, name)
        time.sleep(0.4)
        kin.merge_shards(StreamName=name, ShardToMerge=kh.shard_id(2), AdjacentShardToMerge=kh.shard_id(3))
        wait_active(kin, name)
        time.sleep(0.4)
        kin.split_shard(StreamName=name, ShardToSplit=kh.shard_id(1), NewStartingHashKey=str(HALF + 2**125))
        wait_active(kin, name)
        time.sleep(0.4)
        kin.update_shard_count(StreamName=name, TargetShardCount=4, ScalingType="UNIFORM_SCALING")
        wait_active(kin, name)
        time.sleep(0.4)
    finally:
        producer.stop.set()
        producer.join(30)
    assert not producer.errors, producer.errors
    assert len(producer.acked) > 200

    order = read_in_lineage_order(kin, name)
    read_ids = [int(r["Data"].split(b":")[1]) for _, r in order]
    assert len(read_ids) == len(set(read_ids)), "a record was read twice"
    acked = {i: (k, shard, seq) for k, i, shard, seq in producer.acked}
    assert set(read_ids) == set(acked), "lost: %s; never acknowledged: %s" % (
        sorted(set(acked) - set(read_ids))[:10], sorted(set(read_ids) - set(acked))[:10])
    for sid, r in order:  # each record is where its acknowledgement said, with that sequence number
        i = int(r["Data"].split(b":")[1])
        assert (acked[i][1], acked[i][2]) == (sid, r["SequenceNumber"])
    per_key_acked, per_key_read = defaultdict(list), defaultdict(list)
    for k, i, _, _ in producer.acked:
        per_key_acked[k].append(i)
    for _, r in order:
        per_key_read[r["PartitionKey"]].append(int(r["Data"].split(b":")[1]))
    assert per_key_read == per_key_acked, "per-partition-key order differs from acknowledgement order"
    # every shard that ever existed took part: the producer wrote to parents and children alike
    assert len({sid for sid, _ in order}) >= 5


# ------------------------------------------------------------------------------------------------ lineage

def test_split_lineage_routing_and_child_shards(sluice_with, new_stream):
    kin = sluice_with()
    name = new_stream(shards=1, client=kin)
    seqs = [kin.put_record(StreamName=name, PartitionKey="p%d" % i, Data=b"parent-%d" % i)["SequenceNumber"]
            for i in range(3)]
    assert kin.split_shard(StreamName=name, ShardToSplit=kh.shard_id(0), NewStartingHashKey=str(HALF))
    wait_active(kin, name)
    d = kin.describe_stream(StreamName=name)["StreamDescription"]
    by_id = {s["ShardId"]: s for s in d["Shards"]}
    assert sorted(by_id) == [kh.shard_id(i) for i in range(3)]
    parent, lo, hi = by_id[kh.shard_id(0)], by_id[kh.shard_id(1)], by_id[kh.shard_id(2)]
    end = int(parent["SequenceNumberRange"]["EndingSequenceNumber"])
    assert all(int(s) <= end for s in seqs)
    assert lo["ParentShardId"] == hi["ParentShardId"] == kh.shard_id(0)
    assert "AdjacentParentShardId" not in lo
    assert ranges([lo, hi]) == [(0, HALF - 1), (HALF, kh.HASH_MAX)]
    assert list_shards(kin, name) == d["Shards"]
    summary = kin.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]
    assert summary["OpenShardCount"] == 2

    assert kin.put_record(StreamName=name, PartitionKey="x", ExplicitHashKey="0", Data=b"lo")["ShardId"] == kh.shard_id(1)
    assert kin.put_record(StreamName=name, PartitionKey="x", ExplicitHashKey=str(kh.HASH_MAX),
                          Data=b"hi")["ShardId"] == kh.shard_id(2)

    recs, last = read_shard_to_end(kin, name, parent)
    assert [r["SequenceNumber"] for r in recs] == seqs
    assert "NextShardIterator" not in last
    assert sorted(c["ShardId"] for c in last["ChildShards"]) == [kh.shard_id(1), kh.shard_id(2)]
    for c in last["ChildShards"]:
        assert c["ParentShards"] == [kh.shard_id(0)]
    # LATEST and AT_SEQUENCE_NUMBER at the end of a closed shard also end it at once
    it = kin.get_shard_iterator(StreamName=name, ShardId=kh.shard_id(0), ShardIteratorType="LATEST")["ShardIterator"]
    r = kin.get_records(ShardIterator=it)
    assert r["Records"] == [] and "NextShardIterator" not in r and len(r["ChildShards"]) == 2

    kin.merge_shards(StreamName=name, ShardToMerge=kh.shard_id(1), AdjacentShardToMerge=kh.shard_id(2))
    wait_active(kin, name)
    merged = {s["ShardId"]: s for s in list_shards(kin, name)}[kh.shard_id(3)]
    assert merged["ParentShardId"] == kh.shard_id(1)
    assert merged["AdjacentParentShardId"] == kh.shard_id(2)
    assert ranges([merged]) == [(0, kh.HASH_MAX)]
    for p in (kh.shard_id(1), kh.shard_id(2)):
        _, last = read_shard_to_end(kin, name, {s["ShardId"]: s for s in list_shards(kin, name)}[p])
        assert [c["ShardId"] for c in last["ChildShards"]] == [kh.shard_id(3)]
        assert sorted(last["ChildShards"][0]["ParentShards"]) == [kh.shard_id(1), kh.shard_id(2)]


def test_shard_filter_with_closed_shards(sluice_with, new_stream):
    kin = sluice_with()
    name = new_stream(shards=1, client=kin)
    kin.put_record(StreamName=name, PartitionKey="a", Data=b"a")
    # boto3 sends ListShards timestamps in whole seconds (truncated): keep a second between the events.
    time.sleep(1.1)
    before = time.time()
    time.sleep(1.1)
    kin.split_shard(StreamName=name, ShardToSplit=kh.shard_id(0), NewStartingHashKey=str(HALF))
    wait_active(kin, name)
    time.sleep(1.1)
    after = time.time()

    def ids(**filt):
        return [s["ShardId"] for s in list_shards(kin, name, **filt)]
    every, children = [kh.shard_id(i) for i in range(3)], [kh.shard_id(1), kh.shard_id(2)]
    assert ids() == every
    assert ids(Type="FROM_TRIM_HORIZON") == every
    assert ids(Type="AT_TRIM_HORIZON") == [kh.shard_id(0)]
    assert ids(Type="AT_LATEST") == children
    assert ids(Type="AFTER_SHARD_ID", ShardId=kh.shard_id(0)) == children
    assert ids(Type="AFTER_SHARD_ID", ShardId=kh.shard_id(1)) == [kh.shard_id(2)]
    assert ids(Type="AT_TIMESTAMP", Timestamp=before) == [kh.shard_id(0)]
    assert ids(Type="AT_TIMESTAMP", Timestamp=after) == children
    assert ids(Type="FROM_TIMESTAMP", Timestamp=before) == every
    assert ids(Type="FROM_TIMESTAMP", Timestamp=after) == children
    # paging keeps the filter
    first = kin.list_shards(StreamName=name, MaxResults=1, ShardFilter={"Type": "AT_LATEST"})
    assert [s["ShardId"] for s in first["Shards"]] == [kh.shard_id(1)]
    rest = kin.list_shards(NextToken=first["NextToken"])
    assert [s["ShardId"] for s in rest["Shards"]] == [kh.shard_id(2)]


# ------------------------------------------------------------------------------------------------ UpdateShardCount

def test_update_shard_count_4_to_8_to_3(sluice_with, new_stream):
    kin = sluice_with()
    name = new_stream(shards=4, client=kin)
    with pytest.raises(kin.exceptions.LimitExceededException) as e:
        kin.update_shard_count(StreamName=name, TargetShardCount=9, ScalingType="UNIFORM_SCALING")
    assert error_message(e.value) == ("UpdateShardCount cannot scale up over double your current open shard count. "
                                      "Current open shard count: 4 Target shard count: 9")

    r = kin.update_shard_count(StreamName=name, TargetShardCount=8, ScalingType="UNIFORM_SCALING")
    assert (r["StreamName"], r["CurrentShardCount"], r["TargetShardCount"]) == (name, 4, 8)
    assert r["StreamARN"].endswith(":stream/" + name)
    wait_active(kin, name)
    shards = list_shards(kin, name)
    assert len(shards) == 12
    opened = open_shards(shards)
    assert ranges(opened) == kh.even_ranges(8)
    for s in opened:  # each original shard split in two
        assert s["ParentShardId"] in {kh.shard_id(i) for i in range(4)}
    assert kin.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["OpenShardCount"] == 8

    with pytest.raises(kin.exceptions.LimitExceededException) as e:
        kin.update_shard_count(StreamName=name, TargetShardCount=3, ScalingType="UNIFORM_SCALING")
    assert error_message(e.value) == ("UpdateShardCount cannot scale down below half your current open shard count. "
                                      "Current open shard count: 8 Target shard count: 3")

    kin.update_shard_count(StreamName=name, TargetShardCount=4, ScalingType="UNIFORM_SCALING")
    wait_active(kin, name)
    opened = open_shards(list_shards(kin, name))
    assert ranges(opened) == kh.even_ranges(4)
    assert all(s.get("AdjacentParentShardId") for s in opened)  # pairwise merges

    kin.update_shard_count(StreamName=name, TargetShardCount=3, ScalingType="UNIFORM_SCALING")
    wait_active(kin, name)
    shards = list_shards(kin, name)
    opened = open_shards(shards)
    assert ranges(opened) == kh.even_ranges(3)
    known = {s["ShardId"] for s in shards}
    for s in shards:
        for p in (s.get("ParentShardId"), s.get("AdjacentParentShardId")):
            assert p is None or p in known
    # writes land in the new shards
    got = kin.put_record(StreamName=name, PartitionKey="z", ExplicitHashKey=str(kh.HASH_MAX), Data=b"z")
    assert got["ShardId"] == opened[-1]["ShardId"]


def test_update_shard_count_validation(sluice_with, new_stream):
    kin = sluice_with()
    name = new_stream(shards=2, client=kin)
    for bad in ({"TargetShardCount": 0, "ScalingType": "UNIFORM_SCALING"},
                {"TargetShardCount": 2, "ScalingType": "FAST"}):
        with pytest.raises(kin.exceptions.ClientError) as e:
            kh.make_client(kin.meta.endpoint_url).update_shard_count(StreamName=name, **bad)
        assert error_code(e.value) == "ValidationException"
    with pytest.raises(kin.exceptions.ResourceNotFoundException):
        kin.update_shard_count(StreamName=name + "-nope", TargetShardCount=2, ScalingType="UNIFORM_SCALING")


# ------------------------------------------------------------------------------------------------ validation

def test_split_and_merge_validation_messages(sluice_with, new_stream):
    kin = sluice_with()
    name = new_stream(shards=3, client=kin)
    end0 = kh.even_ranges(3)[0][1]
    for key in ("0", "1", str(end0), str(end0 + 1)):
        with pytest.raises(kin.exceptions.InvalidArgumentException) as e:
            kin.split_shard(StreamName=name, ShardToSplit=kh.shard_id(0), NewStartingHashKey=key)
        assert error_message(e.value) == (
            "NewStartingHashKey %s used in SplitShard() on shard %s in stream %s under account %s is not both greater "
            "than one plus the shard's StartingHashKey 0 and less than the shard's EndingHashKey %d."
            % (key, kh.shard_id(0), name, kh.DEFAULT_ACCOUNT, end0))
    with pytest.raises(kin.exceptions.ResourceNotFoundException) as e:
        kin.split_shard(StreamName=name, ShardToSplit=kh.shard_id(7), NewStartingHashKey="100")
    assert error_message(e.value) == "Could not find shard %s in stream %s under account %s." % (
        kh.shard_id(7), name, kh.DEFAULT_ACCOUNT)
    with pytest.raises(kin.exceptions.InvalidArgumentException) as e:
        kin.merge_shards(StreamName=name, ShardToMerge=kh.shard_id(0), AdjacentShardToMerge=kh.shard_id(2))
    assert error_message(e.value) == (
        "Shards %s and %s in stream %s under account %s are not an adjacent pair of shards eligible for merging"
        % (kh.shard_id(0), kh.shard_id(2), name, kh.DEFAULT_ACCOUNT))
    # either order of an adjacent pair is accepted
    kin.merge_shards(StreamName=name, ShardToMerge=kh.shard_id(1), AdjacentShardToMerge=kh.shard_id(0))
    wait_active(kin, name)
    with pytest.raises(kin.exceptions.ResourceInUseException):  # a closed shard cannot be resharded again
        kin.split_shard(StreamName=name, ShardToSplit=kh.shard_id(0), NewStartingHashKey="100")

    od = kh.unique_name("rs-od")
    kin.create_stream(StreamName=od, StreamModeDetails={"StreamMode": "ON_DEMAND"})
    try:
        kh.wait_status(kin, od)
        with pytest.raises(kin.exceptions.ClientError) as e:
            kin.split_shard(StreamName=od, ShardToSplit=kh.shard_id(0), NewStartingHashKey=str(HALF))
        assert error_code(e.value) == "ValidationException"
    finally:
        kin.delete_stream(StreamName=od)


def test_updating_refuses_another_reshard_but_serves_data(sluice_with, new_stream):
    kin = sluice_with("--update-stream-delay-ms", "1500")
    name = new_stream(shards=2, client=kin)
    kin.split_shard(StreamName=name, ShardToSplit=kh.shard_id(0), NewStartingHashKey="1000")
    assert kin.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamStatus"] == "UPDATING"
    for call in (lambda: kin.merge_shards(StreamName=name, ShardToMerge=kh.shard_id(2),
                                          AdjacentShardToMerge=kh.shard_id(3)),
                 lambda: kin.split_shard(StreamName=name, ShardToSplit=kh.shard_id(1), NewStartingHashKey=str(HALF + 9)),
                 lambda: kin.update_shard_count(StreamName=name, TargetShardCount=4, ScalingType="UNIFORM_SCALING")):
        with pytest.raises(kin.exceptions.ResourceInUseException) as e:
            call()
        assert error_message(e.value) == "Stream %s under account %s not ACTIVE, instead in state UPDATING" % (
            name, kh.DEFAULT_ACCOUNT)
    put = kin.put_record(StreamName=name, PartitionKey="k", ExplicitHashKey="0", Data=b"during")
    assert put["ShardId"] == kh.shard_id(2)  # routing switched at once
    it = kin.get_shard_iterator(StreamName=name, ShardId=put["ShardId"], ShardIteratorType="TRIM_HORIZON")
    assert [r["Data"] for r in kin.get_records(ShardIterator=it["ShardIterator"])["Records"]] == [b"during"]
    wait_active(kin, name)
    kin.merge_shards(StreamName=name, ShardToMerge=kh.shard_id(2), AdjacentShardToMerge=kh.shard_id(3))


# ------------------------------------------------------------------------------------------------ restart

def test_lineage_and_end_offsets_survive_restart(target):
    if target != "sluice" or kh.sluice_bin() is None:
        pytest.skip("restart is a Sluice test")
    from test_restart import RestartableServer
    srv = RestartableServer()
    try:
        srv.start()
        kin = kh.make_client(srv.endpoint)
        name = kh.unique_name("rs-restart")
        kin.create_stream(StreamName=name, ShardCount=2)
        kh.wait_status(kin, name)
        for i in range(5):
            kin.put_record(StreamName=name, PartitionKey="k", ExplicitHashKey="0", Data=b"r%d" % i)
        kin.update_shard_count(StreamName=name, TargetShardCount=4, ScalingType="UNIFORM_SCALING")
        wait_active(kin, name)
        kin.merge_shards(StreamName=name, ShardToMerge=kh.shard_id(2), AdjacentShardToMerge=kh.shard_id(3))
        wait_active(kin, name)
        before = list_shards(kin, name)
        srv.restart(signal.SIGTERM)
        kin = kh.make_client(srv.endpoint)
        assert list_shards(kin, name) == before
        order = read_in_lineage_order(kin, name)
        assert [r["Data"] for sid, r in order if sid == kh.shard_id(0)] == [b"r%d" % i for i in range(5)]
        got = kin.put_record(StreamName=name, PartitionKey="k", ExplicitHashKey="0", Data=b"after")
        assert got["ShardId"] == kh.shard_id(6)
    finally:
        srv.cleanup()
