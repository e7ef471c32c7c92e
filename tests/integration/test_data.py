"""Data plane: PutRecord, PutRecords, GetShardIterator (all types), GetRecords. Runs against --target."""
import datetime
import time

import pytest

import kinhelpers as kh
from kinhelpers import error_code, error_message
from test_streams import CORAL_1, assert_client_error

MIB = 1024 * 1024


def iterator(kin, name, shard=0, itype="TRIM_HORIZON", **kw):
    return kin.get_shard_iterator(StreamName=name, ShardId=kh.shard_id(shard), ShardIteratorType=itype,
                                  **kw)["ShardIterator"]


def put_retrying(kin, timeout=40.0, **kw):
    """PutRecord, retrying throughput throttling (bounded)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return kin.put_record(**kw)
        except kin.exceptions.ProvisionedThroughputExceededException:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def get_retrying(kin, timeout=20.0, **kw):
    deadline = time.monotonic() + timeout
    while True:
        try:
            return kin.get_records(**kw)
        except kin.exceptions.ProvisionedThroughputExceededException:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


# ---------------------------------------------------------------------------------------------- routing


@pytest.mark.parametrize("pk", ["a", "partitionKey", "b", "hello world", "\u00e9t\u00e9-\u6f22\u5b57", "z" * 256,
                                "\u00e9" * 256, "\U0001F600" * 128])
def test_partition_key_routing(kin, new_stream, pk):
    name = new_stream(shards=4)
    shards = kin.list_shards(StreamName=name)["Shards"]
    want = kh.shard_for_hash(shards, kh.md5_hash_key(pk))
    r = kin.put_record(StreamName=name, Data=b"payload", PartitionKey=pk)
    assert r["ShardId"] == want
    r2 = kin.put_records(StreamName=name, Records=[{"Data": b"p", "PartitionKey": pk}])
    assert r2["Records"][0]["ShardId"] == want


def test_partition_key_a_vector():
    # reference 4.1 test vector
    assert kh.md5_hash_key("a") == 16955237001963240173058271559858726497
    assert kh.md5_hash_key("partitionKey") == 193318062818912349798954611745638949166


def test_explicit_hash_key_routing(kin, new_stream):
    name = new_stream(shards=4)
    ranges = kh.even_ranges(4)
    cases = [(0, 0), (ranges[1][0] - 1, 0), (ranges[1][0], 1), (ranges[2][0], 2), (ranges[3][0] - 1, 2),
             (kh.HASH_MAX, 3)]
    for h, shard in cases:
        # partition key "a" alone would go to shard 0: ExplicitHashKey must win
        r = kin.put_record(StreamName=name, Data=b"x", PartitionKey="a", ExplicitHashKey=str(h))
        assert r["ShardId"] == kh.shard_id(shard), "hash %d" % h
    recs = kin.put_records(StreamName=name, Records=[
        {"Data": b"x", "PartitionKey": "a", "ExplicitHashKey": str(h)} for h, _ in cases])["Records"]
    assert [r["ShardId"] for r in recs] == [kh.shard_id(s) for _, s in cases]


def test_explicit_hash_key_out_of_range(kin, new_stream):
    name = new_stream(shards=1)
    with pytest.raises(kin.exceptions.ClientError) as ei:
        kin.put_record(StreamName=name, Data=b"x", PartitionKey="a", ExplicitHashKey=str(2**128))
    assert_client_error(ei, "InvalidArgumentException")
    with pytest.raises(kin.exceptions.ClientError) as ei:
        kin.put_records(StreamName=name, Records=[{"Data": b"x", "PartitionKey": "a",
                                                    "ExplicitHashKey": str(2**128)}])
    assert_client_error(ei, "InvalidArgumentException")
    assert _all_records(kin, name) == []


def test_explicit_hash_key_pattern(kin, new_stream):
    name = new_stream(shards=1)
    with pytest.raises(kin.exceptions.ClientError) as ei:
        kin.put_record(StreamName=name, Data=b"x", PartitionKey="a", ExplicitHashKey="12ab")
    assert_client_error(ei, "ValidationException", message_start=CORAL_1,
                        message_has=("at 'explicitHashKey'", "regular expression pattern"))


# ---------------------------------------------------------------------------------------------- sequence numbers


def test_sequence_numbers_56_digits_strictly_increasing(kin, new_stream):
    name = new_stream(shards=2)
    per_shard = {}
    for i in range(15):
        r = kin.put_record(StreamName=name, Data=b"%d" % i, PartitionKey="key-%d" % (i % 4))
        per_shard.setdefault(r["ShardId"], []).append(r["SequenceNumber"])
    recs = kin.put_records(StreamName=name, Records=[
        {"Data": b"b%d" % i, "PartitionKey": "key-%d" % (i % 4)} for i in range(20)])["Records"]
    for r in recs:
        per_shard.setdefault(r["ShardId"], []).append(r["SequenceNumber"])
    assert per_shard
    for shard, seqs in per_shard.items():
        for s in seqs:
            assert len(s) == 56 and s.isdigit() and s[0] != "0", s
        # PutRecord results are in call order; PutRecords entries of one shard are in request order
        ints = [int(s) for s in seqs]
        assert ints == sorted(ints) and len(set(ints)) == len(ints), "not strictly increasing in %s" % shard
    # and the shard's StartingSequenceNumber is <= every record's number
    for s in kin.list_shards(StreamName=name)["Shards"]:
        start = int(s["SequenceNumberRange"]["StartingSequenceNumber"])
        assert all(start <= int(x) for x in per_shard.get(s["ShardId"], []))


def test_sequence_number_for_ordering(kin, new_stream):
    name = new_stream(shards=1)
    r1 = kin.put_record(StreamName=name, Data=b"1", PartitionKey="k")
    r2 = kin.put_record(StreamName=name, Data=b"2", PartitionKey="k", SequenceNumberForOrdering=r1["SequenceNumber"])
    r3 = kin.put_record(StreamName=name, Data=b"3", PartitionKey="k", SequenceNumberForOrdering=r2["SequenceNumber"])
    assert int(r1["SequenceNumber"]) < int(r2["SequenceNumber"]) < int(r3["SequenceNumber"])
    assert [r["Data"] for r in _all_records(kin, name)] == [b"1", b"2", b"3"]


def test_sequence_number_for_ordering_invalid(kin, new_stream):
    name = new_stream(shards=1)
    # well-formed but not a sequence number of this stream (its time lies in the future): InvalidArgumentException
    # ("ExclusiveMinimumSequenceNumber ... is invalid", reference 3.3)
    with pytest.raises(kin.exceptions.ClientError) as ei:
        kin.put_record(StreamName=name, Data=b"x", PartitionKey="k", SequenceNumberForOrdering="9" * 56)
    assert_client_error(ei, "InvalidArgumentException", message_has=("9" * 56,))
    # not even the model's pattern: the model check (ValidationException) or the semantic one (kinesalite, whose
    # texts come from the real service, answers InvalidArgumentException) — either is AWS-like
    with pytest.raises(kin.exceptions.ClientError) as ei:
        kin.put_record(StreamName=name, Data=b"x", PartitionKey="k", SequenceNumberForOrdering="0123abc")
    assert error_code(ei.value) in ("ValidationException", "InvalidArgumentException")
    assert _all_records(kin, name) == []


# ---------------------------------------------------------------------------------------------- PutRecord limits


@pytest.mark.parametrize("pk,rule", [
    ("", "have length greater than or equal to 1"),
    ("k" * 257, "have length less than or equal to 256"),
])
def test_partition_key_length(kin, new_stream, pk, rule):
    name = new_stream(shards=1)
    with pytest.raises(kin.exceptions.ClientError) as ei:
        kin.put_record(StreamName=name, Data=b"x", PartitionKey=pk)
    assert_client_error(ei, "ValidationException", message_start=CORAL_1,
                        message_has=("at 'partitionKey' failed to satisfy constraint: Member must " + rule,))
    assert _all_records(kin, name) == []


def test_missing_partition_key(kin, new_stream):
    name = new_stream(shards=1)
    with pytest.raises(kin.exceptions.ClientError) as ei:
        kin.put_record(StreamName=name, Data=b"x")
    assert_client_error(ei, "ValidationException")


@pytest.mark.timeout(120)
def test_record_size_limit_default_stream(kin, new_stream):
    name = new_stream(shards=1)
    ok = b"\x00" * (MIB - 1)
    r = put_retrying(kin, StreamName=name, Data=ok, PartitionKey="k")
    assert r["ShardId"] == kh.shard_id(0)
    with pytest.raises(kin.exceptions.ClientError) as ei:
        kin.put_record(StreamName=name, Data=b"\x00" * (MIB + 1), PartitionKey="k")
    assert error_code(ei.value) == "ValidationException"
    assert error_message(ei.value).startswith(CORAL_1), error_message(ei.value)
    recs = _all_records(kin, name)
    assert len(recs) == 1 and len(recs[0]["Data"]) == MIB - 1


def test_empty_data_allowed(kin, new_stream):
    name = new_stream(shards=1)
    kin.put_record(StreamName=name, Data=b"", PartitionKey="k")
    recs = _all_records(kin, name)
    assert len(recs) == 1 and recs[0]["Data"] == b""


def test_put_record_shape(kin, new_stream):
    name = new_stream(shards=1)
    r = kin.put_record(StreamName=name, Data=b"x", PartitionKey="k")
    assert set(r) - {"ResponseMetadata"} <= {"ShardId", "SequenceNumber", "EncryptionType"}
    assert r.get("EncryptionType", "NONE") == "NONE"


def test_put_record_unknown_stream(kin):
    with pytest.raises(kin.exceptions.ResourceNotFoundException) as ei:
        kin.put_record(StreamName=kh.unique_name("missing"), Data=b"x", PartitionKey="k")
    assert_client_error(ei, "ResourceNotFoundException")


# ---------------------------------------------------------------------------------------------- PutRecords


def test_put_records_result_shape(kin, new_stream):
    name = new_stream(shards=3)
    entries = [{"Data": b"r%d" % i, "PartitionKey": "pk-%d" % i} for i in range(10)]
    r = kin.put_records(StreamName=name, Records=entries)
    assert r["FailedRecordCount"] == 0
    assert len(r["Records"]) == 10
    shards = kin.list_shards(StreamName=name)["Shards"]
    for e, res in zip(entries, r["Records"]):
        assert set(res) == {"SequenceNumber", "ShardId"}, res
        assert res["ShardId"] == kh.shard_for_hash(shards, kh.md5_hash_key(e["PartitionKey"]))
        assert len(res["SequenceNumber"]) == 56
    assert r.get("EncryptionType", "NONE") == "NONE"
    got = {rec["Data"] for i in range(3) for rec in kh.read_all(kin, iterator(kin, name, i))[0]}
    assert got == {e["Data"] for e in entries}


def test_put_records_500_ok_501_rejected(kin, new_stream):
    name = new_stream(shards=2)
    r = kin.put_records(StreamName=name, Records=[{"Data": b"x", "PartitionKey": str(i)} for i in range(500)])
    assert r["FailedRecordCount"] == 0 and len(r["Records"]) == 500
    with pytest.raises(kin.exceptions.ClientError) as ei:
        kin.put_records(StreamName=name, Records=[{"Data": b"x", "PartitionKey": str(i)} for i in range(501)])
    assert_client_error(ei, "ValidationException", message_start=CORAL_1,
                        message_has=("at 'records' failed to satisfy constraint: Member must have length less than "
                                     "or equal to 500",))


def test_put_records_empty_rejected(kin, new_stream):
    name = new_stream(shards=1)
    with pytest.raises(kin.exceptions.ClientError) as ei:
        kin.put_records(StreamName=name, Records=[])
    assert_client_error(ei, "ValidationException", message_start=CORAL_1,
                        message_has=("at 'records'", "greater than or equal to 1"))


def test_put_records_one_bad_entry_rejects_all(kin, new_stream):
    name = new_stream(shards=1)
    entries = [{"Data": b"ok", "PartitionKey": "a"}, {"Data": b"bad", "PartitionKey": ""},
               {"Data": b"ok", "PartitionKey": "c"}]
    with pytest.raises(kin.exceptions.ClientError) as ei:
        kin.put_records(StreamName=name, Records=entries)
    assert_client_error(ei, "ValidationException", message_start=CORAL_1,
                        message_has=("at 'records.2.member.partitionKey'",))
    assert _all_records(kin, name) == [], "a rejected PutRecords wrote records"


@pytest.mark.deviates("kinesalite", "kinesalite caps request bodies at 7 MiB (HTTP 413) and has no 5 MiB check")
@pytest.mark.timeout(120)
def test_put_records_total_size_limit(kin, new_stream):
    name = new_stream(shards=1)
    entries = [{"Data": b"\x01" * 1000000, "PartitionKey": "k%d" % i} for i in range(6)]  # 6 MB > 5 MiB
    with pytest.raises(kin.exceptions.ClientError) as ei:
        kin.put_records(StreamName=name, Records=entries)
    assert error_code(ei.value) in ("ValidationException", "InvalidArgumentException")
    assert _all_records(kin, name) == []


@pytest.mark.timeout(120)
def test_put_records_record_over_1mib_rejected(kin, new_stream):
    name = new_stream(shards=1)
    entries = [{"Data": b"a", "PartitionKey": "a"}, {"Data": b"\x01" * (MIB + 1), "PartitionKey": "b"}]
    with pytest.raises(kin.exceptions.ClientError) as ei:
        kin.put_records(StreamName=name, Records=entries)
    assert error_code(ei.value) == "ValidationException"
    assert _all_records(kin, name) == []


# ---------------------------------------------------------------------------------------------- reading


def _all_records(kin, name, shard=0):
    return kh.read_all(kin, iterator(kin, name, shard))[0]


def _put_seq(kin, name, n, prefix=b"r", hash_key="0"):
    return [kin.put_record(StreamName=name, Data=prefix + b"%d" % i, PartitionKey="pk%d" % i,
                           ExplicitHashKey=hash_key) for i in range(n)]


def test_trim_horizon_reads_everything_in_order(kin, new_stream):
    name = new_stream(shards=2)
    puts = _put_seq(kin, name, 5)
    resp = kin.get_records(ShardIterator=iterator(kin, name, 0))
    recs = resp["Records"]
    assert [r["Data"] for r in recs] == [b"r%d" % i for i in range(5)]
    assert [r["SequenceNumber"] for r in recs] == [p["SequenceNumber"] for p in puts]
    assert [r["PartitionKey"] for r in recs] == ["pk%d" % i for i in range(5)]
    now = time.time()
    for r in recs:
        assert isinstance(r["ApproximateArrivalTimestamp"], datetime.datetime)
        assert abs(r["ApproximateArrivalTimestamp"].timestamp() - now) < 60
        assert r.get("EncryptionType", "NONE") == "NONE"
    assert resp["NextShardIterator"]
    assert resp["MillisBehindLatest"] == 0
    # other shard is empty
    r1 = kin.get_records(ShardIterator=iterator(kin, name, 1))
    assert r1["Records"] == [] and r1["NextShardIterator"]
    # continuing from NextShardIterator sees later records only
    kin.put_record(StreamName=name, Data=b"later", PartitionKey="x", ExplicitHashKey="0")
    nxt = kin.get_records(ShardIterator=resp["NextShardIterator"])
    assert [r["Data"] for r in nxt["Records"]] == [b"later"]


def test_iterator_is_reusable(kin, new_stream):
    name = new_stream(shards=1)
    _put_seq(kin, name, 3)
    it = iterator(kin, name)
    a = kin.get_records(ShardIterator=it)["Records"]
    b = kin.get_records(ShardIterator=it)["Records"]
    assert [r["SequenceNumber"] for r in a] == [r["SequenceNumber"] for r in b] and len(a) == 3


def test_latest(kin, new_stream):
    name = new_stream(shards=1)
    _put_seq(kin, name, 3, prefix=b"old")
    it = iterator(kin, name, itype="LATEST")
    r = kin.get_records(ShardIterator=it)
    assert r["Records"] == []
    _put_seq(kin, name, 2, prefix=b"new")
    r = kin.get_records(ShardIterator=r["NextShardIterator"])
    assert [x["Data"] for x in r["Records"]] == [b"new0", b"new1"]
    # an iterator taken before the puts also sees them
    r = kin.get_records(ShardIterator=it)
    assert [x["Data"] for x in r["Records"]] == [b"new0", b"new1"]


def test_at_and_after_sequence_number(kin, new_stream):
    name = new_stream(shards=1)
    puts = _put_seq(kin, name, 5)
    seq2 = puts[2]["SequenceNumber"]
    at = kin.get_records(ShardIterator=iterator(kin, name, itype="AT_SEQUENCE_NUMBER",
                                                StartingSequenceNumber=seq2))["Records"]
    assert [r["Data"] for r in at] == [b"r2", b"r3", b"r4"]
    after = kin.get_records(ShardIterator=iterator(kin, name, itype="AFTER_SEQUENCE_NUMBER",
                                                   StartingSequenceNumber=seq2))["Records"]
    assert [r["Data"] for r in after] == [b"r3", b"r4"]
    last = puts[-1]["SequenceNumber"]
    r = kin.get_records(ShardIterator=iterator(kin, name, itype="AFTER_SEQUENCE_NUMBER",
                                               StartingSequenceNumber=last))
    assert r["Records"] == [] and r["NextShardIterator"]


def test_at_shard_starting_sequence_number(kin, new_stream):
    name = new_stream(shards=1)
    puts = _put_seq(kin, name, 3)
    start = kin.list_shards(StreamName=name)["Shards"][0]["SequenceNumberRange"]["StartingSequenceNumber"]
    assert int(start) <= int(puts[0]["SequenceNumber"])  # reference 4.3
    recs = kin.get_records(ShardIterator=iterator(kin, name, itype="AT_SEQUENCE_NUMBER",
                                                  StartingSequenceNumber=start))["Records"]
    assert [r["Data"] for r in recs] == [b"r0", b"r1", b"r2"]
    recs = kin.get_records(ShardIterator=iterator(kin, name, itype="AFTER_SEQUENCE_NUMBER",
                                                  StartingSequenceNumber=start))["Records"]
    assert [r["Data"] for r in recs] == [b"r%d" % i for i in range(3) if int(puts[i]["SequenceNumber"]) > int(start)]


@pytest.mark.deviates("kinesalite", "refuses numbers that are not records' ('did not come from this stream')")
def test_sequence_numbers_are_positions(kin, new_stream):
    """AT n = first record >= n, AFTER n = first record > n, even when no record has number n (reference 4.3)."""
    name = new_stream(shards=1)
    puts = _put_seq(kin, name, 5)
    between = str(int(puts[3]["SequenceNumber"]) - 1)
    assert int(between) > int(puts[2]["SequenceNumber"]), "consecutive sequence numbers: nothing to test"
    for itype in ("AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER"):
        recs = kin.get_records(ShardIterator=iterator(kin, name, itype=itype,
                                                      StartingSequenceNumber=between))["Records"]
        assert [r["Data"] for r in recs] == [b"r3", b"r4"], itype


def test_at_timestamp(kin, new_stream):
    name = new_stream(shards=1)
    _put_seq(kin, name, 2, prefix=b"before")
    time.sleep(1.2)
    t = datetime.datetime.now(datetime.timezone.utc)
    time.sleep(0.2)
    _put_seq(kin, name, 2, prefix=b"after")
    recs = kin.get_records(ShardIterator=iterator(kin, name, itype="AT_TIMESTAMP", Timestamp=t))["Records"]
    assert [r["Data"] for r in recs] == [b"after0", b"after1"]
    # a timestamp before the stream existed = trim horizon
    old = datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc)
    recs = kin.get_records(ShardIterator=iterator(kin, name, itype="AT_TIMESTAMP", Timestamp=old))["Records"]
    assert len(recs) == 4
    # the record's own arrival timestamp is an inclusive bound
    first_after = recs[2]["ApproximateArrivalTimestamp"]
    recs = kin.get_records(ShardIterator=iterator(kin, name, itype="AT_TIMESTAMP",
                                                  Timestamp=first_after))["Records"]
    assert recs and recs[0]["Data"] in (b"before1", b"after0")


@pytest.mark.deviates("kinesalite", "AT_TIMESTAMP past the last record hangs kinesalite", run=False)
def test_at_timestamp_after_last_record(kin, new_stream):
    name = new_stream(shards=1)
    _put_seq(kin, name, 2)
    time.sleep(1.1)
    t = datetime.datetime.now(datetime.timezone.utc)
    r = kin.get_records(ShardIterator=iterator(kin, name, itype="AT_TIMESTAMP", Timestamp=t))
    assert r["Records"] == [] and r["NextShardIterator"]
    kin.put_record(StreamName=name, Data=b"new", PartitionKey="k")
    r = kin.get_records(ShardIterator=r["NextShardIterator"])
    assert [x["Data"] for x in r["Records"]] == [b"new"]


def test_at_timestamp_in_future_rejected(kin, new_stream):
    name = new_stream(shards=1)
    future = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
    with pytest.raises(kin.exceptions.ClientError) as ei:
        iterator(kin, name, itype="AT_TIMESTAMP", Timestamp=future)
    assert_client_error(ei, "InvalidArgumentException")


@pytest.mark.parametrize("itype,kw", [
    ("AT_TIMESTAMP", {}),
    ("AT_SEQUENCE_NUMBER", {}),
    ("AFTER_SEQUENCE_NUMBER", {}),
    ("TRIM_HORIZON", {"StartingSequenceNumber": "SEQ"}),
    ("LATEST", {"StartingSequenceNumber": "SEQ"}),
])
def test_iterator_type_parameter_mismatch(kin, new_stream, itype, kw):
    name = new_stream(shards=1)
    seq = kin.put_record(StreamName=name, Data=b"x", PartitionKey="k")["SequenceNumber"]
    kw = {k: (seq if v == "SEQ" else v) for k, v in kw.items()}
    with pytest.raises(kin.exceptions.ClientError) as ei:
        iterator(kin, name, itype=itype, **kw)
    assert_client_error(ei, "InvalidArgumentException")


def test_iterator_bad_type(kin, new_stream):
    name = new_stream(shards=1)
    with pytest.raises(kin.exceptions.ClientError) as ei:
        iterator(kin, name, itype="OLDEST")
    assert_client_error(ei, "ValidationException", message_start=CORAL_1,
                        message_has=("Value 'OLDEST' at 'shardIteratorType' failed to satisfy constraint: Member "
                                     "must satisfy enum value set: [", "AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER",
                                     "TRIM_HORIZON", "LATEST", "AT_TIMESTAMP"))


def test_iterator_unknown_shard(kin, new_stream):
    name = new_stream(shards=1)
    with pytest.raises(kin.exceptions.ResourceNotFoundException) as ei:
        iterator(kin, name, shard=7)
    assert_client_error(ei, "ResourceNotFoundException", message_has=(kh.shard_id(7),))


def test_iterator_sequence_number_of_other_shard(kin, new_stream):
    name = new_stream(shards=2)
    seq = kin.put_record(StreamName=name, Data=b"x", PartitionKey="k",
                         ExplicitHashKey=str(kh.HASH_MAX))["SequenceNumber"]  # shard 1
    with pytest.raises(kin.exceptions.ClientError) as ei:
        iterator(kin, name, shard=0, itype="AT_SEQUENCE_NUMBER", StartingSequenceNumber=seq)
    assert_client_error(ei, "InvalidArgumentException")


def test_iterator_sequence_number_of_other_stream(kin, new_stream):
    a = new_stream(shards=1)
    b = new_stream(shards=1)
    seq = kin.put_record(StreamName=b, Data=b"x", PartitionKey="k")["SequenceNumber"]
    kin.put_record(StreamName=a, Data=b"y", PartitionKey="k")
    try:
        r = kin.get_records(ShardIterator=iterator(kin, a, itype="AT_SEQUENCE_NUMBER",
                                                   StartingSequenceNumber=seq))
    except kin.exceptions.ClientError as e:
        assert error_code(e) == "InvalidArgumentException"
    else:
        # AWS numbers encode the shard's creation time; a number of another stream's shard with the same index may be
        # indistinguishable — then it is only a position and must not yield another stream's records
        assert all(rec["Data"] == b"y" for rec in r["Records"])


def test_iterator_malformed_sequence_number(kin, new_stream):
    name = new_stream(shards=1)
    with pytest.raises(kin.exceptions.ClientError) as ei:
        iterator(kin, name, itype="AT_SEQUENCE_NUMBER", StartingSequenceNumber="12345")
    assert_client_error(ei, "InvalidArgumentException")
    with pytest.raises(kin.exceptions.ClientError) as ei:
        iterator(kin, name, itype="AT_SEQUENCE_NUMBER", StartingSequenceNumber="not-a-number")
    assert_client_error(ei, "ValidationException", message_start=CORAL_1,
                        message_has=("at 'startingSequenceNumber'",))


def test_get_records_limit(kin, new_stream):
    name = new_stream(shards=1)
    _put_seq(kin, name, 10)
    r = kin.get_records(ShardIterator=iterator(kin, name), Limit=3)
    assert [x["Data"] for x in r["Records"]] == [b"r0", b"r1", b"r2"]
    assert r["MillisBehindLatest"] >= 0
    r = kin.get_records(ShardIterator=r["NextShardIterator"], Limit=3)
    assert [x["Data"] for x in r["Records"]] == [b"r3", b"r4", b"r5"]
    r = kin.get_records(ShardIterator=r["NextShardIterator"], Limit=10000)
    assert [x["Data"] for x in r["Records"]] == [b"r6", b"r7", b"r8", b"r9"]
    assert r["MillisBehindLatest"] == 0


@pytest.mark.parametrize("limit,code", [(0, ("ValidationException",)),
                                         (10001, ("ValidationException", "InvalidArgumentException"))])
def test_get_records_limit_bounds(kin, new_stream, limit, code):
    name = new_stream(shards=1)
    with pytest.raises(kin.exceptions.ClientError) as ei:
        kin.get_records(ShardIterator=iterator(kin, name), Limit=limit)
    assert error_code(ei.value) in code


@pytest.mark.timeout(120)
def test_get_records_many_small_records(kin, new_stream):
    name = new_stream(shards=1)
    for batch in range(2):
        if batch:
            time.sleep(1.1)  # stay within 1000 records/s per shard
        r = kin.put_records(StreamName=name, Records=[
            {"Data": b"%d-%d" % (batch, i), "PartitionKey": "k"} for i in range(500)])
        assert r["FailedRecordCount"] == 0
    resp = kin.get_records(ShardIterator=iterator(kin, name))  # default Limit 10000
    assert len(resp["Records"]) == 1000
    resp = kin.get_records(ShardIterator=iterator(kin, name), Limit=10000)
    assert len(resp["Records"]) == 1000
    seqs = [int(r["SequenceNumber"]) for r in resp["Records"]]
    assert seqs == sorted(seqs)


@pytest.mark.deviates("kinesalite", "no 10 MiB cap per GetRecords")
@pytest.mark.timeout(180)
def test_get_records_10_mib_cap(kin, new_stream):
    name = new_stream(shards=1)
    size = 1000 * 1000
    n = 12  # 12 MB written, more than one GetRecords may return
    for i in range(n):
        put_retrying(kin, StreamName=name, Data=bytes([i]) * size, PartitionKey="k")
    r = get_retrying(kin, ShardIterator=iterator(kin, name))
    first = r["Records"]
    assert 0 < len(first) < n
    assert sum(len(x["Data"]) for x in first) <= 10 * MIB
    assert r["MillisBehindLatest"] >= 0
    rest = []
    it = r["NextShardIterator"]
    for _ in range(10):
        r = get_retrying(kin, ShardIterator=it)
        rest += r["Records"]
        it = r["NextShardIterator"]
        if len(first) + len(rest) >= n:
            break
    assert [x["Data"][0] for x in first + rest] == list(range(n))


@pytest.mark.deviates("kinesalite", "MillisBehindLatest is always 0")
def test_millis_behind_latest(kin, new_stream):
    name = new_stream(shards=1)
    kin.put_record(StreamName=name, Data=b"first", PartitionKey="k")
    time.sleep(1.5)
    kin.put_record(StreamName=name, Data=b"second", PartitionKey="k")
    r = kin.get_records(ShardIterator=iterator(kin, name), Limit=1)
    assert [x["Data"] for x in r["Records"]] == [b"first"]
    assert isinstance(r["MillisBehindLatest"], int)
    assert r["MillisBehindLatest"] >= 1000, r["MillisBehindLatest"]
    r = kin.get_records(ShardIterator=r["NextShardIterator"])
    assert [x["Data"] for x in r["Records"]] == [b"second"]
    assert r["MillisBehindLatest"] == 0


def _flip(s, pos):
    c = s[pos]
    repl = "A" if c != "A" else "B"
    return s[:pos] + repl + s[pos + 1:]


def test_iterator_tampering(kin, new_stream):
    name = new_stream(shards=1)
    _put_seq(kin, name, 2)
    it = iterator(kin, name)
    assert len(it) <= 512
    for pos in sorted({0, len(it) // 3, len(it) // 2, len(it) - 5}):
        bad = _flip(it, pos)
        with pytest.raises(kin.exceptions.ClientError) as ei:
            kin.get_records(ShardIterator=bad)
        assert error_code(ei.value) == "InvalidArgumentException", "flip at %d: %s" % (pos, error_code(ei.value))
    for bad in ("garbage", "AAAAAAAAAAE" + "x" * 100):
        with pytest.raises(kin.exceptions.ClientError) as ei:
            kin.get_records(ShardIterator=bad)
        assert error_code(ei.value) == "InvalidArgumentException"
    # the genuine one still works
    assert len(kin.get_records(ShardIterator=it)["Records"]) == 2


def test_iterator_too_long(kin):
    with pytest.raises(kin.exceptions.ClientError) as ei:
        kin.get_records(ShardIterator="A" * 513)
    assert_client_error(ei, "ValidationException", message_start=CORAL_1,
                        message_has=("at 'shardIterator'", "have length less than or equal to 512"))


def test_iterator_of_deleted_stream(kin, new_stream):
    name = new_stream(shards=1)
    it = iterator(kin, name)
    kin.delete_stream(StreamName=name)
    kh.wait_gone(kin, name)
    with pytest.raises(kin.exceptions.ClientError) as ei:
        kin.get_records(ShardIterator=it)
    assert error_code(ei.value) in ("ResourceNotFoundException",)


@pytest.mark.skip(reason="iterator expiry (300 s) cannot be waited for here and the server has no test clock; "
                         "covered by the C++ unit test with a manual clock")
def test_iterator_expires_after_5_minutes():
    pass


def test_binary_data_round_trip(kin, new_stream):
    name = new_stream(shards=1)
    blobs = [bytes(range(256)), b"\x00", b"\xff" * 1000, "snow \u2603".encode("utf-8") + b"\x00\x01"]
    for b in blobs:
        kin.put_record(StreamName=name, Data=b, PartitionKey="k")
    kin.put_records(StreamName=name, Records=[{"Data": b, "PartitionKey": "k"} for b in blobs])
    assert [r["Data"] for r in _all_records(kin, name)] == blobs + blobs


@pytest.mark.timeout(120)
def test_concurrent_writers(server, new_stream, kin):
    """8 writer threads, each its own client: nothing lost, per-shard order strictly increasing, and each writer's
    records appear in that writer's order (PutRecord is synchronous, so a writer's puts are ordered)."""
    import threading
    name = new_stream(shards=2)
    results, errors = {}, []

    def writer(w):
        c = kh.make_client(server.endpoint)
        out = []
        try:
            for i in range(40):
                r = c.put_record(StreamName=name, Data=b"%d:%d" % (w, i), PartitionKey="w%d" % w)
                out.append((r["ShardId"], int(r["SequenceNumber"]), i))
        except Exception as e:  # noqa: BLE001
            errors.append(repr(e))
        results[w] = out

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(90)
    assert not errors, errors[:3]
    for w, out in results.items():
        seqs = [s for _, s, _ in out]
        assert seqs == sorted(seqs), "writer %d got decreasing sequence numbers" % w
    read = {}
    for sh in range(2):
        recs = kh.read_all(kin, iterator(kin, name, sh), max_calls=20)[0]
        nums = [int(r["SequenceNumber"]) for r in recs]
        assert nums == sorted(nums) and len(set(nums)) == len(nums)
        for r in recs:
            read[r["Data"]] = (kh.shard_id(sh), int(r["SequenceNumber"]))
    assert len(read) == 8 * 40
    for w, out in results.items():
        for shard, seq, i in out:
            assert read[b"%d:%d" % (w, i)] == (shard, seq)


def test_list_limits_bounds(kin, new_stream):
    name = new_stream(shards=1)
    for call, path in ((lambda: kin.list_shards(StreamName=name, MaxResults=0), "maxResults"),
                       (lambda: kin.list_shards(StreamName=name, MaxResults=10001), "maxResults"),
                       (lambda: kin.list_streams(Limit=0), "limit"),
                       (lambda: kin.list_streams(Limit=10001), "limit")):
        with pytest.raises(kin.exceptions.ClientError) as ei:
            call()
        assert_client_error(ei, "ValidationException", message_start=CORAL_1, message_has=("at '%s'" % path,))


@pytest.mark.beyond_issue
@pytest.mark.deviates(("kinesalite", "kinesis-local"), "no per-shard write throttling")
@pytest.mark.timeout(60)
def test_put_records_partial_failure_when_shard_write_limit_exceeded(kin, new_stream):
    """Per shard 1000 records/s (reference 4.6): 3000 records to one shard within about a second must see
    per-entry ProvisionedThroughputExceededException failures in an HTTP 200 response, shaped per reference 3.3."""
    name = new_stream(shards=2)
    ok_entries, failed = [], 0
    t0 = time.monotonic()
    for batch in range(6):
        entries = [{"Data": b"%d-%d" % (batch, i), "PartitionKey": "k", "ExplicitHashKey": "0"} for i in range(500)]
        r = kin.put_records(StreamName=name, Records=entries)
        assert len(r["Records"]) == 500
        n_failed = 0
        for e, res in zip(entries, r["Records"]):
            if "ErrorCode" in res:
                n_failed += 1
                assert set(res) == {"ErrorCode", "ErrorMessage"}, res
                assert res["ErrorCode"] == "ProvisionedThroughputExceededException"
                assert res["ErrorMessage"] == "Rate exceeded for shard %s in stream %s under account %s." % (
                    kh.shard_id(0), name, kh.DEFAULT_ACCOUNT), res["ErrorMessage"]
            else:
                assert set(res) == {"SequenceNumber", "ShardId"}, res
                ok_entries.append(e["Data"])
        assert r["FailedRecordCount"] == n_failed
        failed += n_failed
    elapsed = time.monotonic() - t0
    if elapsed < 2.5:
        assert failed > 0, "3000 records to one shard in %.2fs and nothing was throttled" % elapsed
    got = [x["Data"] for x in kh.read_all(kin, iterator(kin, name, 0), max_calls=20)[0]]
    assert sorted(got) == sorted(ok_entries), "throttled entries were written (or successes lost)"
    # single-record API: the same limit surfaces as an exception. 100 KB records reach the 1 MiB/s byte limit
    # within a dozen calls; serial 1-byte PutRecords rarely pass 1000 records/s when each waits for fdatasync.
    with pytest.raises(kin.exceptions.ProvisionedThroughputExceededException):
        for i in range(3000):
            kin.put_record(StreamName=name, Data=b"p" * 100000, PartitionKey="k", ExplicitHashKey="0")
