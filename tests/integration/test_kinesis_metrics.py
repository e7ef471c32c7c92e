"""AWS/Kinesis metrics: known Kinesis traffic in, exact metric values out through GetMetricStatistics (boto3,
awsJson 1.0) on the same port.

Semantics (AWS's Kinesis developer guide, "Monitoring the Amazon Kinesis Data Streams service with Amazon
CloudWatch"; reference kinesis-protocol.md 6 and observability-and-efo.md B):
- stream-level metrics have the single dimension StreamName; shard-level ones StreamName + ShardId and exist only
  for the metrics enabled with EnableEnhancedMonitoring;
- PutRecords of N records: PutRecords.TotalRecords = N and SuccessfulRecords + FailedRecords + ThrottledRecords
  = N; IncomingRecords and PutRecords.SuccessfulRecords (and the deprecated PutRecords.Records) count accepted
  records only; Min/Max/Avg of the per-call metrics are per call;
- bytes count successful operations only; writes count data + partition key (cwhelpers.record_bytes), reads
  the data returned (cwhelpers.read_bytes);
- GetRecords.IteratorAgeMilliseconds = now - arrival of the last record returned, 0 when caught up;
- per-call metrics (*.Success, *.Latency, GetRecords.*) have no datapoint in a minute without calls;
- Write/ReadProvisionedThroughputExceeded count throttled records / throttled GetRecords calls.

Queries span [the minute before the traffic, now + 2 min] with Period 60 and add the datapoints up, so traffic
straddling a minute boundary still sums exactly. Metrics become visible within seconds: every check polls with a
deadline.
"""
import datetime as dt
import signal
import time

import pytest

import cwhelpers as cwh
import kinhelpers as kh
from cwhelpers import combine, read_bytes, record_bytes, wait_for

pytestmark = pytest.mark.timeout(120)

KNS = "AWS/Kinesis"
PTE = "ProvisionedThroughputExceededException"
ALL_SHARD_METRICS = sorted(["IncomingBytes", "IncomingRecords", "OutgoingBytes", "OutgoingRecords",
                            "WriteProvisionedThroughputExceeded", "ReadProvisionedThroughputExceeded",
                            "IteratorAgeMilliseconds"])


@pytest.fixture
def cw(server, target):
    cwh.skip_unless_sluice(target)
    return cwh.make_cw(server.endpoint)


class Window:
    """The query window of a test: from the minute before its first call to now + 2 min (evaluated per query)."""

    def __init__(self):
        self.start = cwh.floor_to(cwh.now(), 60) - dt.timedelta(minutes=1)

    def end(self):
        return cwh.now() + dt.timedelta(minutes=2)


def points(cw, win, metric, stream, shard=None, stats=("Sum", "SampleCount", "Minimum", "Maximum")):
    d = cwh.dims(StreamName=stream)
    if shard is not None:
        d += cwh.dims(ShardId=shard)
    return cwh.stats(cw, KNS, metric, d, win.start, win.end(), 60, stats)


def total(cw, win, metric, stream, shard=None):
    """Combined {Sum, SampleCount, Minimum, Maximum} over the window, None when there is no datapoint."""
    return combine(points(cw, win, metric, stream, shard))


def wait_sum(cw, win, metric, stream, want, shard=None, samples=None, timeout=15.0):
    """Polls until the metric's Sum reaches `want` (and SampleCount `samples` when given), then asserts it is
    exactly that (no overshoot). Returns the combined statistics."""
    def get():
        c = total(cw, win, metric, stream, shard)
        if c is None or c["Sum"] < want or (samples is not None and c["SampleCount"] < samples):
            return None
        return c
    try:
        c = wait_for(get, timeout=timeout, what="%s%s Sum %s" % (metric, "/" + shard if shard else "", want))
    except AssertionError:
        raise AssertionError("%s (stream %s%s): wanted Sum %s%s, got %r" % (
            metric, stream, ", shard " + shard if shard else "", want,
            "" if samples is None else " with SampleCount %s" % samples, total(cw, win, metric, stream, shard)))
    assert c["Sum"] == want, (metric, shard, c, want)
    if samples is not None:
        assert c["SampleCount"] == samples, (metric, shard, c, samples)
    return c


def sum_or_zero(cw, win, metric, stream, shard=None):
    c = total(cw, win, metric, stream, shard)
    return 0 if c is None else c["Sum"]


def units(cw, win, metric, stream):
    return {p.get("Unit") for p in points(cw, win, metric, stream)}


def records(n, size=16, tag="r"):
    return [{"Data": (b"%s%d-" % (tag.encode(), i)).ljust(size + i % 7, b"."), "PartitionKey": "key-%d" % i}
            for i in range(n)]


def nbytes(recs):
    return sum(record_bytes(r["Data"], r["PartitionKey"]) for r in recs)


def nread(recs):
    return sum(read_bytes(r["Data"]) for r in recs)


# ------------------------------------------------------------------------------------------------- writes

def test_put_records_golden_rule(cw, kin, new_stream):
    name = new_stream(shards=2)
    win = Window()
    a, b = records(25, tag="a"), records(10, size=40, tag="b")
    call_minutes = set()
    for batch in (a, b):
        call_minutes.add(cwh.floor_to(cwh.now(), 60))
        r = kin.put_records(StreamName=name, Records=batch)
        call_minutes.add(cwh.floor_to(cwh.now(), 60))
        assert r["FailedRecordCount"] == 0, r
    n, want_bytes = 35, nbytes(a + b)
    tot = wait_sum(cw, win, "PutRecords.TotalRecords", name, n, samples=2)
    assert (tot["Minimum"], tot["Maximum"]) == (10, 25), "Min/Max of per-call metrics are per call"
    ok = wait_sum(cw, win, "PutRecords.SuccessfulRecords", name, n, samples=2)
    assert (ok["Minimum"], ok["Maximum"]) == (10, 25)
    assert ok["Sum"] + sum_or_zero(cw, win, "PutRecords.FailedRecords", name) + \
        sum_or_zero(cw, win, "PutRecords.ThrottledRecords", name) == n
    wait_sum(cw, win, "PutRecords.Records", name, n)  # deprecated twin of SuccessfulRecords, still emitted
    inc = wait_sum(cw, win, "IncomingRecords", name, n, samples=2)
    assert (inc["Minimum"], inc["Maximum"]) == (10, 25), "IncomingRecords Min/Max are per put call"
    wait_sum(cw, win, "IncomingBytes", name, want_bytes, samples=2)
    pb = wait_sum(cw, win, "PutRecords.Bytes", name, want_bytes, samples=2)
    assert (pb["Minimum"], pb["Maximum"]) == (nbytes(b), nbytes(a)), "PutRecords.Bytes Min/Max per call"
    wait_sum(cw, win, "PutRecords.Success", name, 2, samples=2)
    # the window starts a minute before the first call: per-call metrics have datapoints in call minutes only
    for metric in ("PutRecords.Success", "PutRecords.Latency", "PutRecords.TotalRecords"):
        stamps = {p["Timestamp"] for p in points(cw, win, metric, name)}
        assert stamps and stamps <= call_minutes, (metric, stamps, call_minutes)
    lat = wait_for(lambda: total(cw, win, "PutRecords.Latency", name), what="PutRecords.Latency")
    assert lat["SampleCount"] == 2 and 0 <= lat["Minimum"] <= lat["Maximum"] < 10000, lat
    p = cw.get_metric_statistics(Namespace=KNS, MetricName="PutRecords.Latency", Dimensions=cwh.dims(StreamName=name),
                                 StartTime=win.start, EndTime=win.end(), Period=3600 * 3, ExtendedStatistics=["p50"])
    assert len(p["Datapoints"]) == 1 and 0 <= p["Datapoints"][0]["ExtendedStatistics"]["p50"] <= lat["Maximum"] * 1.01, \
        p["Datapoints"]
    for metric, unit in (("PutRecords.TotalRecords", "Count"), ("IncomingBytes", "Bytes"),
                         ("PutRecords.Bytes", "Bytes"), ("IncomingRecords", "Count"),
                         ("PutRecords.Latency", "Milliseconds"), ("PutRecords.Success", "Count")):
        assert units(cw, win, metric, name) == {unit}, metric
    # nothing was read and PutRecord was never called: those per-call metrics have no datapoint at all
    for metric in ("PutRecord.Success", "PutRecord.Bytes", "PutRecord.Latency", "GetRecords.Success",
                   "GetRecords.Records", "GetRecords.Bytes", "GetRecords.Latency", "GetRecords.IteratorAgeMilliseconds"):
        assert points(cw, win, metric, name) == [], metric


def test_put_record_metrics(cw, kin, new_stream):
    name = new_stream(shards=1)
    win = Window()
    recs = records(3, size=100)
    for r in recs:
        kin.put_record(StreamName=name, **r)
    want = nbytes(recs)
    pb = wait_sum(cw, win, "PutRecord.Bytes", name, want, samples=3)
    assert pb["Maximum"] == max(record_bytes(r["Data"], r["PartitionKey"]) for r in recs)
    s = wait_sum(cw, win, "PutRecord.Success", name, 3, samples=3)
    assert s["Minimum"] == 1
    wait_sum(cw, win, "IncomingRecords", name, 3)
    wait_sum(cw, win, "IncomingBytes", name, want)
    lat = wait_for(lambda: total(cw, win, "PutRecord.Latency", name), what="PutRecord.Latency")
    assert lat["SampleCount"] == 3
    assert points(cw, win, "PutRecords.TotalRecords", name) == []


def test_failed_validation_counts_nothing(cw, kin, new_stream):
    """A request rejected as a whole (validation) puts nothing: no bytes or records, and the stream's metrics
    only reflect the valid call made afterwards."""
    name = new_stream(shards=1)
    win = Window()
    with pytest.raises(kin.exceptions.ClientError):
        kin.put_records(StreamName=name, Records=[{"Data": b"x", "PartitionKey": ""}])
    recs = records(4)
    kin.put_records(StreamName=name, Records=recs)
    wait_sum(cw, win, "IncomingRecords", name, 4)
    wait_sum(cw, win, "PutRecords.TotalRecords", name, 4)
    wait_sum(cw, win, "IncomingBytes", name, nbytes(recs))


def test_get_metric_data_over_kinesis_metrics(cw, kin, new_stream):
    """Metric math over AWS/Kinesis: bytes per record and the per-second rate of the minute."""
    name = new_stream(shards=1)
    win = Window()
    recs = records(6, size=50)
    kin.put_records(StreamName=name, Records=recs)
    wait_sum(cw, win, "IncomingRecords", name, 6)

    def q(qid, metric):
        return {"Id": qid, "MetricStat": {"Metric": {"Namespace": KNS, "MetricName": metric,
                                                     "Dimensions": cwh.dims(StreamName=name)},
                                          "Period": 60, "Stat": "Sum"}, "ReturnData": False}
    r = cw.get_metric_data(MetricDataQueries=[q("b", "IncomingBytes"), q("n", "IncomingRecords"),
                                              {"Id": "per_record", "Expression": "SUM(b) / SUM(n)"},
                                              {"Id": "per_second", "Expression": "n / PERIOD(n)"}],
                           StartTime=win.start, EndTime=win.end())
    res = {x["Id"]: x for x in r["MetricDataResults"]}
    assert set(res) == {"per_record", "per_second"}
    assert res["per_record"]["Values"] and all(v == pytest.approx(nbytes(recs) / 6)
                                                for v in res["per_record"]["Values"]), res["per_record"]
    assert sum(res["per_second"]["Values"]) == pytest.approx(6 / 60), res["per_second"]


def test_list_metrics_shows_the_stream_metrics_emitted(cw, kin, new_stream):
    """ListMetrics in AWS/Kinesis filtered by the stream: the metrics that have datapoints, each with exactly the
    StreamName dimension (ShardId ones only for enabled shard-level metrics); no GetRecords.* without reads."""
    name = new_stream(shards=1)
    win = Window()
    kin.enable_enhanced_monitoring(StreamName=name, ShardLevelMetrics=["IncomingRecords"])
    kin.put_records(StreamName=name, Records=records(3))
    wait_sum(cw, win, "IncomingRecords", name, 3, shard=kh.shard_id(0))

    def listed():
        got = set()
        for page in cw.get_paginator("list_metrics").paginate(
                Namespace=KNS, Dimensions=[{"Name": "StreamName", "Value": name}]):
            for m in page["Metrics"]:
                got.add((m["MetricName"], tuple(sorted(d["Name"] for d in m["Dimensions"]))))
        return got
    got = wait_for(lambda: (lambda g: g if ("IncomingRecords", ("ShardId", "StreamName")) in g else None)(listed()),
                   what="shard-level IncomingRecords listed")
    stream_level = {m for m, d in got if d == ("StreamName",)}
    shard_level = {m for m, d in got if d == ("ShardId", "StreamName")}
    assert {"IncomingRecords", "IncomingBytes", "PutRecords.TotalRecords", "PutRecords.SuccessfulRecords",
            "PutRecords.Bytes", "PutRecords.Success", "PutRecords.Latency"} <= stream_level, got
    assert not {m for m in stream_level if m.startswith(("GetRecords.", "PutRecord."))}, got
    assert shard_level == {"IncomingRecords"}, got
    assert {d for _, d in got} <= {("StreamName",), ("ShardId", "StreamName")}, got
    # the unit filter: IncomingBytes is in Bytes
    assert cwh.stats(cw, KNS, "IncomingBytes", cwh.dims(StreamName=name), win.start, win.end(), Unit="Count") == []
    assert cwh.stats(cw, KNS, "IncomingBytes", cwh.dims(StreamName=name), win.start, win.end(), Unit="Bytes")


def test_metrics_outlive_the_stream(cw, kin):
    """Metric data stays after DeleteStream (CloudWatch keeps it for its retention); a stream re-created with the
    same name writes to the same metric (the dimension is the name)."""
    name = kh.unique_name("mdel")
    kin.create_stream(StreamName=name, ShardCount=1)
    kh.wait_status(kin, name)
    win = Window()
    kin.put_records(StreamName=name, Records=records(5))
    wait_sum(cw, win, "IncomingRecords", name, 5)
    kin.delete_stream(StreamName=name)
    kh.wait_gone(kin, name)
    assert total(cw, win, "IncomingRecords", name)["Sum"] == 5
    kin.create_stream(StreamName=name, ShardCount=1)
    kh.wait_status(kin, name)
    try:
        kin.put_records(StreamName=name, Records=records(2))
        wait_sum(cw, win, "IncomingRecords", name, 7)
    finally:
        kin.delete_stream(StreamName=name)


def test_metrics_are_per_stream(cw, kin, new_stream):
    s1, s2 = new_stream(shards=1), new_stream(shards=1)
    win = Window()
    kin.put_records(StreamName=s1, Records=records(7))
    kin.put_records(StreamName=s2, Records=records(2))
    wait_sum(cw, win, "IncomingRecords", s1, 7)
    wait_sum(cw, win, "IncomingRecords", s2, 2)
    # no datapoint without a StreamName dimension (AWS/Kinesis metrics always carry it)
    assert cwh.stats(cw, KNS, "IncomingRecords", [], win.start, win.end()) == []


# ------------------------------------------------------------------------------------------------- reads

def _iterator(kin, name, shard=0, kind="TRIM_HORIZON", **kw):
    return kin.get_shard_iterator(StreamName=name, ShardId=kh.shard_id(shard), ShardIteratorType=kind,
                                  **kw)["ShardIterator"]


def test_get_records_metrics_caught_up(cw, kin, new_stream):
    name = new_stream(shards=1)
    win = Window()
    recs = records(5, size=30)
    kin.put_records(StreamName=name, Records=recs)
    r1 = kin.get_records(ShardIterator=_iterator(kin, name))
    assert len(r1["Records"]) == 5
    r2 = kin.get_records(ShardIterator=r1["NextShardIterator"])
    assert r2["Records"] == []
    g = wait_sum(cw, win, "GetRecords.Records", name, 5, samples=2)
    assert (g["Minimum"], g["Maximum"]) == (0, 5), "Min/Max per call"
    gb = wait_sum(cw, win, "GetRecords.Bytes", name, nread(recs), samples=2)
    assert (gb["Minimum"], gb["Maximum"]) == (0, nread(recs))
    wait_sum(cw, win, "GetRecords.Success", name, 2, samples=2)
    age = wait_for(lambda: total(cw, win, "GetRecords.IteratorAgeMilliseconds", name), what="IteratorAge")
    assert age["SampleCount"] == 2, age
    assert age["Minimum"] == 0, "caught up: the empty read at the tip has age 0 (%r)" % age
    assert age["Maximum"] < 10000, age
    lat = wait_for(lambda: total(cw, win, "GetRecords.Latency", name), what="GetRecords.Latency")
    assert lat["SampleCount"] == 2
    assert units(cw, win, "GetRecords.IteratorAgeMilliseconds", name) == {"Milliseconds"}
    assert units(cw, win, "GetRecords.Bytes", name) == {"Bytes"}
    # reads are not writes
    assert sum_or_zero(cw, win, "IncomingRecords", name) == 5


def test_iterator_age_of_old_records(cw, kin, new_stream):
    """Reading a record written ~2.5 s earlier: IteratorAgeMilliseconds = now - its arrival, so at least the time
    the test waited and at most the time from the write to the end of the read."""
    name = new_stream(shards=1)
    win = Window()
    t_put0 = time.time()
    kin.put_records(StreamName=name, Records=records(3))
    t_put1 = time.time()
    time.sleep(2.5)
    t_get0 = time.time()
    r = kin.get_records(ShardIterator=_iterator(kin, name), Limit=3)
    t_get1 = time.time()
    assert len(r["Records"]) == 3
    age = wait_for(lambda: total(cw, win, "GetRecords.IteratorAgeMilliseconds", name), what="IteratorAge")
    assert age["SampleCount"] == 1
    lo, hi = (t_get0 - t_put1) * 1000 - 50, (t_get1 - t_put0) * 1000 + 50
    assert lo <= age["Maximum"] <= hi, (age, lo, hi)
    # MillisBehindLatest of the same call is 0 (it read up to the tip), the iterator age is not: they differ
    assert r["MillisBehindLatest"] == 0


# ------------------------------------------------------------------------------------------------- throttling

@pytest.fixture
def aws_limits(server_pool, target):
    """A one-shard stream on a server with AWS's data-plane limits (1,000 records/s and 1 MiB/s writes,
    5 GetRecords/s per shard), shard-level metrics on: (kinesis client, cloudwatch client, stream name)."""
    cwh.skip_unless_sluice(target)
    srv = server_pool.get("sluice", extra_args=("--limits", "aws"))
    kin = kh.make_client(srv.endpoint)
    name = kh.unique_name("mthr")
    kin.create_stream(StreamName=name, ShardCount=1)
    kh.wait_status(kin, name)
    kin.enable_enhanced_monitoring(StreamName=name, ShardLevelMetrics=["ALL"])
    yield kin, cwh.make_cw(srv.endpoint), name
    kin.delete_stream(StreamName=name)


@pytest.mark.timeout(90)
def test_write_throttling_metrics(aws_limits):
    kin, cw, name = aws_limits
    win = Window()
    sent = accepted = throttled = calls_with_success = 0
    accepted_bytes = 0
    for i in range(6):  # 3,000 records at once: far above 1,000/s plus the burst
        batch = records(500, tag="t%d" % i)
        r = kin.put_records(StreamName=name, Records=batch)
        sent += len(batch)
        ok_here = 0
        for rec, res in zip(batch, r["Records"]):
            if "ErrorCode" in res:
                assert res["ErrorCode"] == PTE, res
                throttled += 1
            else:
                ok_here += 1
                accepted_bytes += record_bytes(rec["Data"], rec["PartitionKey"])
        accepted += ok_here
        calls_with_success += 1 if ok_here else 0
    assert throttled > 0, "the shard never throttled: cannot check the throttling metrics"
    # a whole PutRecord refused while the shard is over its budget
    put_record_throttled = 0
    for _ in range(5):
        try:
            kin.put_record(StreamName=name, Data=b"single", PartitionKey="k")
            accepted += 1
            accepted_bytes += record_bytes(b"single", "k")
        except kin.exceptions.ProvisionedThroughputExceededException:
            put_record_throttled += 1
    wait_sum(cw, win, "PutRecords.TotalRecords", name, sent, samples=6)
    wait_sum(cw, win, "PutRecords.ThrottledRecords", name, throttled)
    wait_sum(cw, win, "PutRecords.SuccessfulRecords", name, accepted - (5 - put_record_throttled))
    assert sum_or_zero(cw, win, "PutRecords.FailedRecords", name) == 0
    wait_sum(cw, win, "PutRecords.Success", name, calls_with_success)
    wait_sum(cw, win, "WriteProvisionedThroughputExceeded", name, throttled + put_record_throttled)
    wait_sum(cw, win, "IncomingRecords", name, accepted)
    wait_sum(cw, win, "IncomingBytes", name, accepted_bytes)
    wait_sum(cw, win, "PutRecord.Success", name, 5 - put_record_throttled, samples=5)
    shard = kh.shard_id(0)
    wait_sum(cw, win, "WriteProvisionedThroughputExceeded", name, throttled + put_record_throttled, shard=shard)
    wait_sum(cw, win, "IncomingRecords", name, accepted, shard=shard)
    wait_sum(cw, win, "IncomingBytes", name, accepted_bytes, shard=shard)


@pytest.mark.timeout(90)
def test_read_throttling_metrics(aws_limits):
    kin, cw, name = aws_limits
    win = Window()
    kin.put_records(StreamName=name, Records=records(4))
    it = _iterator(kin, name)
    ok = throttled = 0
    for _ in range(15):  # back to back: far above 5 calls/s per shard
        try:
            kin.get_records(ShardIterator=it)
            ok += 1
        except kin.exceptions.ProvisionedThroughputExceededException:
            throttled += 1
    assert throttled > 0, "no read was throttled"
    wait_sum(cw, win, "ReadProvisionedThroughputExceeded", name, throttled)
    # a throttled call is an unsuccessful one: GetRecords.Success has one sample per call, its Average is the
    # success ratio
    wait_sum(cw, win, "GetRecords.Success", name, ok, samples=ok + throttled)
    wait_sum(cw, win, "GetRecords.Records", name, 4 * ok)
    wait_sum(cw, win, "ReadProvisionedThroughputExceeded", name, throttled, shard=kh.shard_id(0))
    wait_sum(cw, win, "OutgoingRecords", name, 4 * ok, shard=kh.shard_id(0))


# ------------------------------------------------------------------------------------------------- enhanced monitoring

def _enhanced(kin, name):
    s = kin.describe_stream(StreamName=name)["StreamDescription"]
    em = s["EnhancedMonitoring"]
    assert len(em) == 1, em
    return sorted(em[0]["ShardLevelMetrics"])


def _to_shard(kin, name, shard_index, shard_count, n, tag):
    """Puts n records onto one shard by ExplicitHashKey; returns them."""
    lo, hi = kh.even_ranges(shard_count)[shard_index]
    recs = [{"Data": b"%s-%d" % (tag.encode(), i), "PartitionKey": "p%d" % i, "ExplicitHashKey": str((lo + hi) // 2)}
            for i in range(n)]
    r = kin.put_records(StreamName=name, Records=recs)
    assert r["FailedRecordCount"] == 0
    assert {x["ShardId"] for x in r["Records"]} == {kh.shard_id(shard_index)}
    return recs


def test_no_shard_level_metrics_without_enhanced_monitoring(cw, kin, new_stream):
    name = new_stream(shards=2)
    win = Window()
    assert _enhanced(kin, name) == []
    _to_shard(kin, name, 0, 2, 3, "a")
    kin.get_records(ShardIterator=_iterator(kin, name))
    wait_sum(cw, win, "IncomingRecords", name, 3)
    wait_sum(cw, win, "GetRecords.Records", name, 3)
    for m in ALL_SHARD_METRICS:
        for shard in (kh.shard_id(0), kh.shard_id(1)):
            assert points(cw, win, m, name, shard) == [], (m, shard)


def test_enhanced_monitoring_lifecycle_and_shard_metrics(cw, kin, new_stream):
    name = new_stream(shards=2)
    win = Window()
    r = kin.enable_enhanced_monitoring(StreamName=name, ShardLevelMetrics=["IncomingRecords", "IncomingBytes"])
    assert r["StreamName"] == name
    assert r["CurrentShardLevelMetrics"] == []
    assert sorted(r["DesiredShardLevelMetrics"]) == ["IncomingBytes", "IncomingRecords"]
    assert _enhanced(kin, name) == ["IncomingBytes", "IncomingRecords"]
    summary = kin.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["EnhancedMonitoring"]
    assert [sorted(x["ShardLevelMetrics"]) for x in summary] == [["IncomingBytes", "IncomingRecords"]]
    # enabling what is already enabled changes nothing
    r = kin.enable_enhanced_monitoring(StreamName=name, ShardLevelMetrics=["IncomingBytes"])
    assert sorted(r["CurrentShardLevelMetrics"]) == sorted(r["DesiredShardLevelMetrics"]) == \
        ["IncomingBytes", "IncomingRecords"]
    s0 = _to_shard(kin, name, 0, 2, 4, "s0")
    s1 = _to_shard(kin, name, 1, 2, 2, "s1")
    wait_sum(cw, win, "IncomingRecords", name, 4, shard=kh.shard_id(0))
    wait_sum(cw, win, "IncomingRecords", name, 2, shard=kh.shard_id(1))
    wait_sum(cw, win, "IncomingBytes", name, nbytes(s0), shard=kh.shard_id(0))
    wait_sum(cw, win, "IncomingBytes", name, nbytes(s1), shard=kh.shard_id(1))
    wait_sum(cw, win, "IncomingRecords", name, 6)  # the stream level is the sum of its shards
    # reads are not enabled yet: no shard-level OutgoingRecords
    kin.get_records(ShardIterator=_iterator(kin, name, 0))
    wait_sum(cw, win, "GetRecords.Records", name, 4)
    assert points(cw, win, "OutgoingRecords", name, kh.shard_id(0)) == []

    r = kin.enable_enhanced_monitoring(StreamName=name, ShardLevelMetrics=["ALL"])
    assert sorted(r["CurrentShardLevelMetrics"]) == ["IncomingBytes", "IncomingRecords"]
    assert sorted(r["DesiredShardLevelMetrics"]) == ALL_SHARD_METRICS
    assert _enhanced(kin, name) == ALL_SHARD_METRICS
    g = kin.get_records(ShardIterator=_iterator(kin, name, 1))
    assert len(g["Records"]) == 2
    wait_sum(cw, win, "OutgoingRecords", name, 2, shard=kh.shard_id(1))
    wait_sum(cw, win, "OutgoingBytes", name, nread(s1), shard=kh.shard_id(1))
    age = wait_for(lambda: total(cw, win, "IteratorAgeMilliseconds", name, kh.shard_id(1)), what="shard IteratorAge")
    assert age["SampleCount"] == 1 and age["Maximum"] >= 0
    # shard-level metric names with a StreamName-only dimension set are other metrics (none emitted)
    assert points(cw, win, "OutgoingRecords", name) == []

    r = kin.disable_enhanced_monitoring(StreamName=name, ShardLevelMetrics=["IncomingRecords", "OutgoingBytes"])
    assert sorted(r["CurrentShardLevelMetrics"]) == ALL_SHARD_METRICS
    assert sorted(r["DesiredShardLevelMetrics"]) == sorted(set(ALL_SHARD_METRICS) - {"IncomingRecords",
                                                                                       "OutgoingBytes"})
    assert _enhanced(kin, name) == sorted(set(ALL_SHARD_METRICS) - {"IncomingRecords", "OutgoingBytes"})
    r = kin.disable_enhanced_monitoring(StreamName=name, ShardLevelMetrics=["ALL"])
    assert r["DesiredShardLevelMetrics"] == []
    assert _enhanced(kin, name) == []


def test_enhanced_monitoring_errors(kin, new_stream, target):
    cwh.skip_unless_sluice(target)
    name = new_stream(shards=1)
    with pytest.raises(kin.exceptions.ClientError) as ei:
        kin.enable_enhanced_monitoring(StreamName=name, ShardLevelMetrics=["NoSuchMetric"])
    assert kh.error_code(ei.value) in ("ValidationException", "InvalidArgumentException"), ei.value.response
    with pytest.raises(kin.exceptions.ClientError) as ei:
        kin.enable_enhanced_monitoring(StreamName=name, ShardLevelMetrics=[])
    assert kh.error_code(ei.value) in ("ValidationException", "InvalidArgumentException"), ei.value.response
    with pytest.raises(kin.exceptions.ResourceNotFoundException):
        kin.enable_enhanced_monitoring(StreamName=name + "-nope", ShardLevelMetrics=["ALL"])
    assert _enhanced(kin, name) == [], "a rejected call changes nothing"


# ------------------------------------------------------------------------------------------------- restart

@pytest.mark.timeout(120)
def test_restart_keeps_metrics_and_enhanced_monitoring(target):
    cwh.skip_unless_sluice(target)
    from test_restart import RestartableServer
    srv = RestartableServer()
    try:
        srv.start()
        kin = kh.make_client(srv.endpoint)
        name = kh.unique_name("mrst")
        kin.create_stream(StreamName=name, ShardCount=1)
        kh.wait_status(kin, name)
        kin.enable_enhanced_monitoring(StreamName=name, ShardLevelMetrics=["IncomingRecords", "OutgoingRecords"])
        win = Window()
        recs = records(9)
        kin.put_records(StreamName=name, Records=recs)
        cw = cwh.make_cw(srv.endpoint)
        t = cwh.minute_ago(3)
        cw.put_metric_data(Namespace="Sluice/Restart", MetricData=[
            {"MetricName": "Custom", "Timestamp": t, "Values": [1, 2, 3]},
            {"MetricName": "HighRes", "Timestamp": t + dt.timedelta(seconds=7), "Value": 5, "StorageResolution": 1}])
        wait_sum(cw, win, "IncomingRecords", name, 9)
        wait_sum(cw, win, "IncomingRecords", name, 9, shard=kh.shard_id(0))
        wait_for(lambda: cwh.stats(cw, "Sluice/Restart", "Custom", [], t, t + dt.timedelta(seconds=60)),
                 what="custom metric")
        wait_for(lambda: cwh.stats(cw, "Sluice/Restart", "HighRes", [], t, t + dt.timedelta(seconds=60), 1),
                 what="high-resolution metric")

        srv.restart(signal.SIGTERM)
        kin = kh.make_client(srv.endpoint)
        cw = cwh.make_cw(srv.endpoint)
        assert _enhanced(kin, name) == ["IncomingRecords", "OutgoingRecords"]
        assert total(cw, win, "IncomingRecords", name)["Sum"] == 9
        assert total(cw, win, "IncomingBytes", name)["Sum"] == nbytes(recs)
        assert total(cw, win, "PutRecords.TotalRecords", name)["Sum"] == 9
        assert total(cw, win, "IncomingRecords", name, kh.shard_id(0))["Sum"] == 9
        pts = cwh.stats(cw, "Sluice/Restart", "Custom", [], t, t + dt.timedelta(seconds=60))
        assert [(p["Sum"], p["SampleCount"]) for p in pts] == [(6.0, 3.0)]
        pts = cwh.stats(cw, "Sluice/Restart", "HighRes", [], t, t + dt.timedelta(seconds=60), 1, ("Sum",))
        assert [(p["Timestamp"], p["Sum"]) for p in pts] == [(t + dt.timedelta(seconds=7), 5.0)]
        names = {m["MetricName"] for m in cw.list_metrics(Namespace="Sluice/Restart")["Metrics"]}
        assert names == {"Custom", "HighRes"}
        # still collecting after the restart: the shard-level setting is live again
        kin.put_records(StreamName=name, Records=records(2))
        wait_sum(cw, win, "IncomingRecords", name, 11, shard=kh.shard_id(0))
    finally:
        srv.cleanup()
