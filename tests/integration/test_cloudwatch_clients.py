"""CloudWatch-compatible API through unmodified clients: boto3's `cloudwatch` client (awsJson 1.0, the protocol
botocore picks for CloudWatch) and the AWS CLI (`aws cloudwatch ...`), against Sluice's main port.

Expected values come from AWS's documentation (botocore's cloudwatch 2010-08-01 model and the CloudWatch API
reference): exact statistics for Values/Counts and StatisticSets, percentiles within the sketch's 1% relative
error, exact dimension-set matching, ListMetrics filters and 500-entry pages, GetMetricData with metric math,
ScanBy and MaxDatapoints/NextToken, CloudWatch's error codes (through `x-amzn-query-error`), validate-all-first
PutMetricData and gzip request bodies.
"""
import datetime as dt
import gzip
import json
import os
import shutil
import subprocess
import tempfile
import uuid

import pytest
from botocore.exceptions import ClientError

import cwhelpers as cwh
import kinhelpers as kh
from cwhelpers import dims, floor_to, minute_ago, wait_for

pytestmark = pytest.mark.timeout(120)

STATS5 = ("Sum", "SampleCount", "Minimum", "Maximum", "Average")


PROTOCOLS = ["json", "smithy-rpc-v2-cbor", "query"]


@pytest.fixture(params=PROTOCOLS, ids=["json10", "cbor", "query"])
def cw(request, server, target):
    """botocore's cloudwatch client, once per wire protocol the model lists (botocore's own codecs for each)."""
    cwh.skip_unless_sluice(target)
    return cwh.make_cw(server.endpoint, protocol=request.param)


@pytest.fixture
def cw_json(server, target):
    """botocore's cloudwatch client as boto3 builds it by default (awsJson 1.0)."""
    cwh.skip_unless_sluice(target)
    return cwh.make_cw(server.endpoint)


@pytest.fixture
def ns():
    return "Sluice/IT/%s" % uuid.uuid4().hex[:10]


def put(cw, ns, *data):
    r = cw.put_metric_data(Namespace=ns, MetricData=list(data))
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 200, r
    return r


def one_minute(cw, ns, metric, dimensions, t, want_samples, statistics=STATS5, **kw):
    """Polls GetMetricStatistics over the minute starting at t (Period 60) until its single datapoint has
    want_samples samples; returns that datapoint."""
    def get():
        pts = cwh.stats(cw, ns, metric, dimensions, t, t + dt.timedelta(seconds=60), 60, statistics, **kw)
        if pts and pts[0].get("SampleCount", want_samples) == want_samples:
            return pts
        return None
    pts = wait_for(get, what="%s/%s with %s samples" % (ns, metric, want_samples))
    assert len(pts) == 1, pts
    assert pts[0]["Timestamp"] == t, (pts[0]["Timestamp"], t)
    return pts[0]


def expect_error(fn, code, status=400, **kw):
    with pytest.raises(ClientError) as ei:
        fn(**kw)
    e = ei.value
    assert cwh.error_code(e) == code, (cwh.error_code(e), e.response.get("Error"))
    assert cwh.error_status(e) == status, e.response
    assert e.response["Error"].get("Message"), "error without a message: %r" % e.response
    return e


# ------------------------------------------------------------------------------------------------- protocol

def test_boto3_speaks_aws_json_10(cw_json, ns):
    """boto3 sends POST / with X-Amz-Target GraniteServiceVersion20100801.<Op> and application/x-amz-json-1.0,
    signed for service `monitoring`; Sluice answers in JSON with a request id."""
    seen = []

    def capture(request, **_):
        seen.append(dict(request.headers.items()))
    cw = cw_json
    assert cwh.client_protocol(cw) == "json"
    cw.meta.events.register("before-send.cloudwatch", capture)
    r = cw.list_metrics(Namespace=ns)
    assert r["Metrics"] == []
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert r["ResponseMetadata"].get("RequestId")
    h = {k.lower(): (v.decode() if isinstance(v, bytes) else v) for k, v in seen[-1].items()}
    assert h["x-amz-target"] == cwh.TARGET_PREFIX + "ListMetrics", h
    assert h["content-type"].startswith(cwh.JSON10), h
    assert "/monitoring/aws4_request" in h["authorization"], h


# ------------------------------------------------------------------------------------------------- statistics

def test_values_counts_value_and_statistic_set_exact_statistics(cw, ns):
    """Values/Counts, a single Value and a StatisticSet in the same minute merge into exact Sum, SampleCount,
    Minimum, Maximum and Average (CloudWatch computes them exactly; only percentiles are approximate)."""
    t = minute_ago(5)
    d = dims(Host="a", Role="web")
    ts = t + dt.timedelta(seconds=10)
    put(cw, ns,
        {"MetricName": "Lat", "Dimensions": d, "Timestamp": ts, "Values": [1.0, 2.0, 3.0, 10.0],
         "Counts": [1.0, 1.0, 2.0, 1.0], "Unit": "Milliseconds"},
        {"MetricName": "Lat", "Dimensions": d, "Timestamp": ts + dt.timedelta(seconds=5), "Value": 4.0,
         "Unit": "Milliseconds"})
    put(cw, ns, {"MetricName": "Lat", "Dimensions": d, "Timestamp": ts + dt.timedelta(seconds=20),
                 "StatisticValues": {"SampleCount": 3, "Sum": 30, "Minimum": 5, "Maximum": 15},
                 "Unit": "Milliseconds"})
    p = one_minute(cw, ns, "Lat", d, t, 9)
    assert p["SampleCount"] == 9
    assert p["Sum"] == 1 + 2 + 3 * 2 + 10 + 4 + 30
    assert p["Minimum"] == 1
    assert p["Maximum"] == 15
    assert p["Average"] == pytest.approx(53 / 9, rel=1e-12)
    assert p["Unit"] == "Milliseconds"


def test_values_without_counts_count_once_each(cw, ns):
    """Counts omitted: each value counts once (model: 'If you omit the Counts array, the default of 1 is used')."""
    t = minute_ago(4)
    put(cw, ns, {"MetricName": "V", "Timestamp": t + dt.timedelta(seconds=1), "Values": [5, 6, 7]})
    p = one_minute(cw, ns, "V", [], t, 3)
    assert (p["Sum"], p["Minimum"], p["Maximum"]) == (18, 5, 7)
    assert p["Unit"] == "None"


def test_extended_statistics_percentiles_within_one_percent(cw, ns):
    """1..1000 once each (150 unique values per PutMetricData at most): p50 ~ 500, p90 ~ 900, p99 ~ 990 within the
    sketch's 1% relative error (plus one rank for the percentile definition)."""
    t = minute_ago(3)
    vals = list(range(1, 1001))
    for i in range(0, 1000, 150):
        put(cw, ns, {"MetricName": "P", "Timestamp": t + dt.timedelta(seconds=30), "Values": vals[i:i + 150],
                     "Unit": "Milliseconds"})
    one_minute(cw, ns, "P", [], t, 1000)
    r = cw.get_metric_statistics(Namespace=ns, MetricName="P", StartTime=t, EndTime=t + dt.timedelta(seconds=60),
                                 Period=60, ExtendedStatistics=["p50", "p90", "p99", "p99.9"])
    assert len(r["Datapoints"]) == 1, r
    ext = r["Datapoints"][0]["ExtendedStatistics"]
    for name, want in (("p50", 500), ("p90", 900), ("p99", 990), ("p99.9", 999)):
        assert name in ext, ext
        assert abs(ext[name] - want) <= 0.01 * want + 1, (name, ext[name], want)
    assert "Sum" not in r["Datapoints"][0], "only the requested statistics come back"


def test_ten_extended_statistics_and_get_metric_data_stats(cw, ns):
    """ExtendedStatistics takes up to 10 entries (model); GetMetricData's Stat takes percentiles and trimmed means
    (tm90 = mean of the values at or below p90, IQM = tm(25%:75%))."""
    t = minute_ago(3)
    put(cw, ns, {"MetricName": "S", "Timestamp": t + dt.timedelta(seconds=3), "Values": list(range(1, 101))})
    one_minute(cw, ns, "S", [], t, 100)
    ext = ["p10", "p20", "p30", "p40", "p50", "p60", "p70", "p80", "p90", "p100"]
    r = cw.get_metric_statistics(Namespace=ns, MetricName="S", StartTime=t, EndTime=t + dt.timedelta(seconds=60),
                                 Period=60, ExtendedStatistics=ext)
    got = r["Datapoints"][0]["ExtendedStatistics"]
    for name in ext:
        want = float(name[1:])
        assert abs(got[name] - want) <= 0.01 * want + 1, (name, got[name])
    q = [{"Id": qid, "MetricStat": {"Metric": {"Namespace": ns, "MetricName": "S"}, "Period": 60, "Stat": stat}}
         for qid, stat in (("p", "p90"), ("tm", "tm90"), ("iqm", "IQM"))]
    res = {x["Id"]: x["Values"] for x in cw.get_metric_data(MetricDataQueries=q, StartTime=t,
                                                            EndTime=t + dt.timedelta(seconds=60))["MetricDataResults"]}
    assert len(res["p"]) == 1 and abs(res["p"][0] - 90) <= 0.9 + 1, res
    assert len(res["tm"]) == 1 and abs(res["tm"][0] - 45.5) <= 0.02 * 45.5 + 0.5, res
    assert len(res["iqm"]) == 1 and abs(res["iqm"][0] - 50.5) <= 0.02 * 50.5 + 0.5, res


def test_statistics_and_extended_statistics_together_rejected(cw, ns):
    t = minute_ago(3)
    expect_error(cw.get_metric_statistics, "InvalidParameterCombination", Namespace=ns, MetricName="x", StartTime=t,
                 EndTime=t + dt.timedelta(seconds=60), Period=60, Statistics=["Sum"], ExtendedStatistics=["p99"])


def test_high_resolution_storage_resolution_one(cw, ns):
    """StorageResolution 1 keeps 1-second datapoints: Period 1 returns one point per second, Period 5 buckets on
    5-second boundaries of the minute, Period 60 one point for the minute."""
    t = minute_ago(3)
    for i in range(1, 7):
        put(cw, ns, {"MetricName": "HR", "Timestamp": t + dt.timedelta(seconds=i), "Value": float(i),
                     "StorageResolution": 1, "Unit": "Count"})
    one_minute(cw, ns, "HR", [], t, 6)
    pts = cwh.stats(cw, ns, "HR", [], t, t + dt.timedelta(seconds=10), 1, ("Sum", "SampleCount"))
    assert [(p["Timestamp"], p["Sum"], p["SampleCount"]) for p in pts] == \
        [(t + dt.timedelta(seconds=i), float(i), 1.0) for i in range(1, 7)]
    pts = cwh.stats(cw, ns, "HR", [], t, t + dt.timedelta(seconds=10), 5, ("Sum",))
    assert [(p["Timestamp"], p["Sum"]) for p in pts] == [(t, 1.0 + 2 + 3 + 4), (t + dt.timedelta(seconds=5), 11.0)]


def test_exact_dimension_set_matching(cw, ns):
    """CloudWatch treats each dimension combination as its own metric: a query with a subset (or no) dimensions
    returns nothing, the full set in another order matches, and a metric with fewer dimensions is separate."""
    t = minute_ago(4)
    both = dims(StreamName="s1", ShardId="shardId-000000000000")
    put(cw, ns, {"MetricName": "D", "Dimensions": both, "Timestamp": t, "Value": 7})
    put(cw, ns, {"MetricName": "D", "Dimensions": dims(StreamName="s1"), "Timestamp": t, "Value": 100})
    p = one_minute(cw, ns, "D", list(reversed(both)), t, 1)
    assert p["Sum"] == 7
    p = one_minute(cw, ns, "D", dims(StreamName="s1"), t, 1)
    assert p["Sum"] == 100
    end = t + dt.timedelta(seconds=60)
    assert cwh.stats(cw, ns, "D", dims(ShardId="shardId-000000000000"), t, end) == []
    assert cwh.stats(cw, ns, "D", [], t, end) == []
    assert cwh.stats(cw, ns, "D", dims(StreamName="s2"), t, end) == []
    assert cwh.stats(cw, ns, "D", both + dims(Extra="x"), t, end) == []


def test_unit_filter(cw, ns):
    """'If you specify a unit that does not match the data collected, the results of the operation are null.'"""
    t = minute_ago(4)
    put(cw, ns, {"MetricName": "U", "Timestamp": t, "Value": 3, "Unit": "Bytes"})
    p = one_minute(cw, ns, "U", [], t, 1, Unit="Bytes")
    assert p["Unit"] == "Bytes" and p["Sum"] == 3
    assert cwh.stats(cw, ns, "U", [], t, t + dt.timedelta(seconds=60), Unit="Count") == []


def test_multiple_minutes_and_period_aggregation(cw, ns):
    """Three minutes of data: Period 60 gives three datapoints, Period 180 aligned on them one; StartTime is
    inclusive and EndTime exclusive."""
    t = floor_to(minute_ago(6), 180)
    for m, v in enumerate((1.0, 2.0, 4.0)):
        put(cw, ns, {"MetricName": "M", "Timestamp": t + dt.timedelta(seconds=60 * m + 30), "Value": v})
    one_minute(cw, ns, "M", [], t + dt.timedelta(seconds=120), 1)
    pts = cwh.stats(cw, ns, "M", [], t, t + dt.timedelta(seconds=180), 60, ("Sum",))
    assert [(p["Timestamp"], p["Sum"]) for p in pts] == [(t + dt.timedelta(seconds=60 * m), v)
                                                         for m, v in enumerate((1.0, 2.0, 4.0))]
    pts = cwh.stats(cw, ns, "M", [], t, t + dt.timedelta(seconds=180), 180, ("Sum", "SampleCount"))
    assert [(p["Timestamp"], p["Sum"], p["SampleCount"]) for p in pts] == [(t, 7.0, 3.0)]
    pts = cwh.stats(cw, ns, "M", [], t + dt.timedelta(seconds=60), t + dt.timedelta(seconds=120), 60, ("Sum",))
    assert [p["Sum"] for p in pts] == [2.0]


def test_start_time_rounded_down(cw, ns):
    """'Start time less than 15 days ago - Round down to the nearest whole minute'; with Period 5/10/20/30 the
    start is rounded down to that division of the minute."""
    t = minute_ago(3)
    put(cw, ns, {"MetricName": "R", "Timestamp": t + dt.timedelta(seconds=12), "Value": 2.0, "StorageResolution": 1})
    one_minute(cw, ns, "R", [], t, 1)
    pts = cwh.stats(cw, ns, "R", [], t + dt.timedelta(seconds=30), t + dt.timedelta(seconds=60), 60, ("Sum",))
    assert [(p["Timestamp"], p["Sum"]) for p in pts] == [(t, 2.0)]
    pts = cwh.stats(cw, ns, "R", [], t + dt.timedelta(seconds=13), t + dt.timedelta(seconds=30), 10, ("Sum",))
    assert [(p["Timestamp"], p["Sum"]) for p in pts] == [(t + dt.timedelta(seconds=10), 2.0)]


# ------------------------------------------------------------------------------------------------- ListMetrics

def _listed(r):
    return sorted((m["MetricName"], tuple(sorted((d["Name"], d["Value"]) for d in m.get("Dimensions", []))))
                  for m in r["Metrics"])


def test_list_metrics_filters(cw, ns):
    t = minute_ago(2)
    put(cw, ns,
        {"MetricName": "M1", "Dimensions": dims(A="1"), "Timestamp": t, "Value": 1},
        {"MetricName": "M1", "Dimensions": dims(A="2"), "Timestamp": t, "Value": 1},
        {"MetricName": "M2", "Dimensions": dims(A="1", B="x"), "Timestamp": t, "Value": 1},
        {"MetricName": "M3", "Timestamp": t, "Value": 1})
    # the same metric again must not be listed twice
    put(cw, ns, {"MetricName": "M3", "Timestamp": t + dt.timedelta(seconds=1), "Value": 2})
    r = wait_for(lambda: (lambda r: r if len(r["Metrics"]) >= 4 else None)(cw.list_metrics(Namespace=ns)),
                 what="4 metrics listed")
    assert _listed(r) == [("M1", (("A", "1"),)), ("M1", (("A", "2"),)), ("M2", (("A", "1"), ("B", "x"))),
                          ("M3", ())]
    assert all(m["Namespace"] == ns for m in r["Metrics"])
    assert "NextToken" not in r
    assert _listed(cw.list_metrics(Namespace=ns, MetricName="M1")) == [("M1", (("A", "1"),)), ("M1", (("A", "2"),))]
    # a dimension filter with a name only matches every metric having that dimension (plus others)
    assert [m for m, _ in _listed(cw.list_metrics(Namespace=ns, Dimensions=[{"Name": "A"}]))] == ["M1", "M1", "M2"]
    assert _listed(cw.list_metrics(Namespace=ns, Dimensions=[{"Name": "A", "Value": "1"}])) == \
        [("M1", (("A", "1"),)), ("M2", (("A", "1"), ("B", "x")))]
    assert [m for m, _ in _listed(cw.list_metrics(Namespace=ns, Dimensions=[{"Name": "B"}]))] == ["M2"]
    assert cw.list_metrics(Namespace=ns, MetricName="M1", Dimensions=[{"Name": "B"}])["Metrics"] == []
    # the namespace must match exactly
    assert cw.list_metrics(Namespace=ns[:-1])["Metrics"] == []
    # RecentlyActive PT3H: all of these were published just now
    assert len(cw.list_metrics(Namespace=ns, RecentlyActive="PT3H")["Metrics"]) == 4
    listed_all = []
    for page in cw.get_paginator("list_metrics").paginate():
        listed_all += [m for m in page["Metrics"] if m["Namespace"] == ns]
    assert len(listed_all) == 4


def test_list_metrics_pages_of_500(cw, ns):
    t = minute_ago(2)
    names = ["m%03d" % i for i in range(600)]
    put(cw, ns, *[{"MetricName": n, "Timestamp": t, "Value": 1} for n in names])

    def first_page():
        r = cw.list_metrics(Namespace=ns)
        return r if "NextToken" in r else None
    r = wait_for(first_page, what="a first page with NextToken")
    assert len(r["Metrics"]) == 500
    r2 = cw.list_metrics(Namespace=ns, NextToken=r["NextToken"])
    assert len(r2["Metrics"]) == 100
    assert "NextToken" not in r2
    got = [m["MetricName"] for m in r["Metrics"] + r2["Metrics"]]
    assert sorted(got) == names, "pages overlap or miss metrics"


def test_entity_metric_data_is_stored(cw, ns):
    """EntityMetricData carries MetricData like the top-level list (the entity itself may be ignored)."""
    t = minute_ago(3)
    put_args = dict(Namespace=ns, EntityMetricData=[{
        "Entity": {"KeyAttributes": {"Type": "Service", "Name": "svc", "Environment": "test"}},
        "MetricData": [{"MetricName": "E", "Timestamp": t, "Value": 9.0}]}])
    if "EntityMetricData" not in cw.meta.service_model.operation_model("PutMetricData").input_shape.members:
        pytest.skip("botocore too old for EntityMetricData")
    cw.put_metric_data(**put_args)
    assert one_minute(cw, ns, "E", [], t, 1)["Sum"] == 9.0


def test_put_metric_data_more_than_1000_metrics_rejected(cw, ns):
    t = minute_ago(2)
    expect_error(cw.put_metric_data, "InvalidParameterValue", Namespace=ns,
                 MetricData=[{"MetricName": "m%d" % i, "Timestamp": t, "Value": 1} for i in range(1001)])


# ------------------------------------------------------------------------------------------------- GetMetricData

@pytest.fixture
def five_minutes(cw, ns):
    """Metric A: Sum 10, 20, -, 40, 50 in five consecutive closed minutes (the middle one missing); metric B: 1 in
    each of the four minutes A has; t0 is on a 5-minute boundary. Returns (t0, dimensions)."""
    t0 = floor_to(minute_ago(6), 300)
    d = dims(Stream="gmd")
    for m, v in ((0, 10.0), (1, 20.0), (3, 40.0), (4, 50.0)):
        ts = t0 + dt.timedelta(seconds=60 * m + 15)
        put(cw, ns, {"MetricName": "A", "Dimensions": d, "Timestamp": ts, "Value": v},
            {"MetricName": "B", "Dimensions": d, "Timestamp": ts, "Value": 1.0})
    one_minute(cw, ns, "A", d, t0 + dt.timedelta(seconds=240), 1)
    one_minute(cw, ns, "B", d, t0 + dt.timedelta(seconds=240), 1)
    return t0, d


def _stat(ns, metric, d, qid, ret=True, stat="Sum"):
    return {"Id": qid, "MetricStat": {"Metric": {"Namespace": ns, "MetricName": metric, "Dimensions": d},
                                      "Period": 60, "Stat": stat}, "ReturnData": ret}


def _series(r):
    return {x["Id"]: list(zip(x["Timestamps"], x["Values"])) for x in r["MetricDataResults"]}


def test_get_metric_data_metric_stat_and_math(cw, ns, five_minutes):
    t0, d = five_minutes
    at = [t0 + dt.timedelta(seconds=60 * m) for m in range(5)]
    r = cw.get_metric_data(
        MetricDataQueries=[_stat(ns, "A", d, "m1"), _stat(ns, "B", d, "m2", ret=False),
                           {"Id": "e1", "Expression": "m1 * 2"},
                           {"Id": "e2", "Expression": "SUM(METRICS())"},
                           {"Id": "e3", "Expression": "RATE(m1)"},
                           {"Id": "e4", "Expression": "FILL(m1, 0)"},
                           {"Id": "e5", "Expression": "m1 / m2 + 1", "Label": "ratio"}],
        StartTime=at[0], EndTime=at[4] + dt.timedelta(seconds=60), ScanBy="TimestampAscending")
    s = _series(r)
    assert set(s) == {"m1", "e1", "e2", "e3", "e4", "e5"}, "ReturnData false hides m2"
    for x in r["MetricDataResults"]:
        assert x["StatusCode"] == "Complete", x
    assert s["m1"] == [(at[0], 10.0), (at[1], 20.0), (at[3], 40.0), (at[4], 50.0)]
    assert s["e1"] == [(at[0], 20.0), (at[1], 40.0), (at[3], 80.0), (at[4], 100.0)]
    assert s["e2"] == [(at[0], 11.0), (at[1], 21.0), (at[3], 41.0), (at[4], 51.0)]
    # RATE: (value - previous value) / seconds between them; no value for the first point
    rate = dict(s["e3"])
    assert at[0] not in rate
    assert rate[at[1]] == pytest.approx(10 / 60)
    assert rate[at[3]] == pytest.approx(20 / 120)
    assert rate[at[4]] == pytest.approx(10 / 60)
    fill = dict(s["e4"])
    assert fill[at[2]] == 0.0, "FILL(m1, 0) fills the missing minute"
    assert [fill[a] for a in (at[0], at[1], at[3], at[4])] == [10.0, 20.0, 40.0, 50.0]
    assert s["e5"] == [(at[0], 11.0), (at[1], 21.0), (at[3], 41.0), (at[4], 51.0)]
    labels = {x["Id"]: x.get("Label") for x in r["MetricDataResults"]}
    assert labels["e5"] == "ratio"


def test_get_metric_data_scan_by_and_pagination(cw, ns, five_minutes):
    t0, d = five_minutes
    at = [t0 + dt.timedelta(seconds=60 * m) for m in range(5)]
    end = at[4] + dt.timedelta(seconds=60)
    q = [_stat(ns, "A", d, "m1")]
    r = cw.get_metric_data(MetricDataQueries=q, StartTime=at[0], EndTime=end)
    assert r["MetricDataResults"][0]["Timestamps"] == [at[4], at[3], at[1], at[0]], "default is TimestampDescending"
    r = cw.get_metric_data(MetricDataQueries=q, StartTime=at[0], EndTime=end, ScanBy="TimestampDescending")
    assert r["MetricDataResults"][0]["Values"] == [50.0, 40.0, 20.0, 10.0]
    # MaxDatapoints 2: two pages of two points (StatusCode PartialData while more remain), oldest first
    got = []
    kw = dict(MetricDataQueries=q, StartTime=at[0], EndTime=end, ScanBy="TimestampAscending", MaxDatapoints=2)
    r = cw.get_metric_data(**kw)
    res = r["MetricDataResults"][0]
    assert len(res["Timestamps"]) == 2 and res["StatusCode"] == "PartialData", res
    assert r.get("NextToken")
    got += list(zip(res["Timestamps"], res["Values"]))
    for _ in range(3):
        if not r.get("NextToken"):
            break
        r = cw.get_metric_data(NextToken=r["NextToken"], **kw)
        for x in r["MetricDataResults"]:
            got += list(zip(x["Timestamps"], x["Values"]))
    assert not r.get("NextToken")
    assert got == [(at[0], 10.0), (at[1], 20.0), (at[3], 40.0), (at[4], 50.0)]


@pytest.mark.parametrize("scan_by", ["TimestampAscending", "TimestampDescending"])
def test_get_metric_data_pages_reassemble(cw, ns, five_minutes, scan_by):
    """Several queries (metrics and an expression) paged with MaxDatapoints 3: the pages, joined per Id, are the
    unpaged answer, in the ScanBy order, each point exactly once."""
    t0, d = five_minutes
    q = [_stat(ns, "A", d, "m1"), _stat(ns, "B", d, "m2"), {"Id": "e1", "Expression": "m1 + m2"}]
    kw = dict(MetricDataQueries=q, StartTime=t0, EndTime=t0 + dt.timedelta(seconds=300), ScanBy=scan_by)
    full = _series(cw.get_metric_data(**kw))
    assert all(len(v) == 4 for v in full.values()), full
    joined = {k: [] for k in full}
    r = cw.get_metric_data(MaxDatapoints=3, **kw)
    pages = 1
    while True:
        for x in r["MetricDataResults"]:
            joined[x["Id"]] += list(zip(x["Timestamps"], x["Values"]))
        if not r.get("NextToken"):
            break
        assert pages < 10, "paging does not end"
        r = cw.get_metric_data(MaxDatapoints=3, NextToken=r["NextToken"], **kw)
        pages += 1
    assert joined == full
    assert pages >= 4, "12 points at 3 a page"


def test_get_metric_data_stats_and_period(cw, ns, five_minutes):
    t0, d = five_minutes
    q = [dict(_stat(ns, "A", d, "m1", stat="Average")), dict(_stat(ns, "A", d, "n1", stat="SampleCount"))]
    q[0]["MetricStat"]["Period"] = 300
    q[1]["MetricStat"]["Period"] = 300
    r = cw.get_metric_data(MetricDataQueries=q, StartTime=t0, EndTime=t0 + dt.timedelta(seconds=300))
    s = _series(r)
    assert s["m1"] == [(t0, 30.0)]
    assert s["n1"] == [(t0, 4.0)]


def test_get_metric_data_bad_next_token(cw, ns):
    t = minute_ago(3)
    expect_error(cw.get_metric_data, "InvalidNextToken", MetricDataQueries=[_stat(ns, "A", [], "m1")],
                 StartTime=t, EndTime=t + dt.timedelta(seconds=60), NextToken="not-a-token")


# ------------------------------------------------------------------------------------------------- errors

def test_more_than_1440_datapoints_rejected(cw, ns):
    start = floor_to(cwh.now() - dt.timedelta(days=2), 60)
    expect_error(cw.get_metric_statistics, "InvalidParameterCombination", Namespace=ns, MetricName="x",
                 StartTime=start, EndTime=start + dt.timedelta(seconds=60 * 1441), Period=60, Statistics=["Sum"])
    r = cw.get_metric_statistics(Namespace=ns, MetricName="x", StartTime=start,
                                 EndTime=start + dt.timedelta(seconds=60 * 1440), Period=60, Statistics=["Sum"])
    assert r["Datapoints"] == []


@pytest.mark.parametrize("period", [0, 45, 61, 90, -60])
def test_bad_period_rejected(cw, ns, period):
    t = minute_ago(10)
    expect_error(cw.get_metric_statistics, "InvalidParameterValue", Namespace=ns, MetricName="x", StartTime=t,
                 EndTime=t + dt.timedelta(seconds=600), Period=period, Statistics=["Sum"])


@pytest.mark.parametrize("period", [1, 5, 10, 20, 30, 60, 120, 3600])
def test_valid_periods_accepted(cw, ns, period):
    t = minute_ago(10)
    r = cw.get_metric_statistics(Namespace=ns, MetricName="x", StartTime=t, EndTime=t + dt.timedelta(seconds=600),
                                 Period=period, Statistics=["Sum"])
    assert r["Datapoints"] == []


def test_bad_statistic_name_rejected(cw, ns):
    t = minute_ago(10)
    expect_error(cw.get_metric_statistics, "InvalidParameterValue", Namespace=ns, MetricName="x", StartTime=t,
                 EndTime=t + dt.timedelta(seconds=600), Period=60, Statistics=["Median"])


def test_missing_metric_name_rejected(cw, ns):
    t = minute_ago(2)
    expect_error(cw.put_metric_data, "MissingParameter", Namespace=ns, MetricData=[{"Timestamp": t, "Value": 1}])
    expect_error(cw.get_metric_statistics, "MissingParameter", Namespace=ns, StartTime=t,
                 EndTime=t + dt.timedelta(seconds=60), Period=60, Statistics=["Sum"])
    expect_error(cw.put_metric_data, "MissingParameter", MetricData=[{"MetricName": "x", "Value": 1}])


@pytest.mark.parametrize("when", ["15d-ago", "3h-ahead"])
def test_timestamp_outside_window_rejected(cw, ns, when):
    """PutMetricData timestamps may be 'as much as two weeks before the current date, and as much as 2 hours
    after the current day and time'."""
    t = cwh.now() - dt.timedelta(days=15) if when == "15d-ago" else cwh.now() + dt.timedelta(hours=3)
    expect_error(cw.put_metric_data, "InvalidParameterValue", Namespace=ns,
                 MetricData=[{"MetricName": "x", "Timestamp": t, "Value": 1}])


def test_timestamps_inside_window_accepted(cw, ns):
    put(cw, ns, {"MetricName": "x", "Timestamp": cwh.now() - dt.timedelta(days=13), "Value": 1},
        {"MetricName": "x", "Timestamp": cwh.now() + dt.timedelta(minutes=90), "Value": 1})


def test_value_and_statistic_values_together_rejected(cw, ns):
    expect_error(cw.put_metric_data, "InvalidParameterCombination", Namespace=ns,
                 MetricData=[{"MetricName": "x", "Value": 1,
                              "StatisticValues": {"SampleCount": 1, "Sum": 1, "Minimum": 1, "Maximum": 1}}])


def test_value_out_of_range_rejected(cw, ns):
    """'Values must be in the range of -2^360 to 2^360.'"""
    expect_error(cw.put_metric_data, "InvalidParameterValue", Namespace=ns,
                 MetricData=[{"MetricName": "x", "Value": 2.0 ** 400}])


def test_values_counts_length_mismatch_rejected(cw, ns):
    with pytest.raises(ClientError) as ei:
        cw.put_metric_data(Namespace=ns, MetricData=[{"MetricName": "x", "Values": [1, 2], "Counts": [1]}])
    assert cwh.error_code(ei.value) in ("InvalidParameterValue", "InvalidParameterCombination"), ei.value.response
    assert cwh.error_status(ei.value) == 400


def test_start_time_after_end_time_rejected(cw, ns):
    t = minute_ago(5)
    with pytest.raises(ClientError) as ei:
        cw.get_metric_statistics(Namespace=ns, MetricName="x", StartTime=t + dt.timedelta(minutes=2), EndTime=t,
                                 Period=60, Statistics=["Sum"])
    assert cwh.error_code(ei.value) in ("InvalidParameterValue", "InvalidParameterCombination"), ei.value.response
    assert cwh.error_status(ei.value) == 400


@pytest.mark.parametrize("datum", [
    {"MetricName": "x", "Value": 1, "Unit": "Furlongs"},
    {"MetricName": "x", "Value": 1, "StorageResolution": 5},
    {"MetricName": "x", "Values": [float(v) for v in range(151)]},
    {"MetricName": "x", "Value": 1, "Dimensions": [{"Name": "d%d" % i, "Value": "v"} for i in range(31)]},
    {"MetricName": "", "Value": 1},
], ids=["bad-unit", "storage-resolution-5", "151-values", "31-dimensions", "empty-name"])
def test_bad_datum_rejected(cw, ns, datum):
    """Model constraints and documented limits: StandardUnit enum, StorageResolution 1 or 60, up to 150 values
    per datum, up to 30 dimensions, MetricName 1-255 characters."""
    expect_error(cw.put_metric_data, "InvalidParameterValue", Namespace=ns, MetricData=[datum])


def test_limits_inclusive(cw, ns):
    """150 values and 30 dimensions are allowed."""
    put(cw, ns, {"MetricName": "x", "Values": [float(v) for v in range(150)],
                 "Dimensions": [{"Name": "d%d" % i, "Value": "v"} for i in range(30)]})


def test_aws_namespace_rejected(cw):
    """AWS/ namespaces belong to AWS services: PutMetricData into one is refused."""
    expect_error(cw.put_metric_data, "InvalidParameterValue", Namespace="AWS/Kinesis",
                 MetricData=[{"MetricName": "IncomingRecords", "Value": 1e9,
                              "Dimensions": [{"Name": "StreamName", "Value": "spoofed"}]}])


def test_list_metrics_recently_active_only_pt3h(cw, ns):
    expect_error(cw.list_metrics, "InvalidParameterValue", Namespace=ns, RecentlyActive="PT1H")


def test_get_metric_data_bad_query_ids(cw, ns):
    """Ids start with a lowercase letter; a query needs MetricStat or Expression; unknown ids in an expression
    are an error, not an empty result."""
    t = minute_ago(3)
    kw = dict(StartTime=t, EndTime=t + dt.timedelta(seconds=60))
    expect_error(cw.get_metric_data, "InvalidParameterValue", MetricDataQueries=[_stat(ns, "A", [], "M1")], **kw)
    with pytest.raises(ClientError) as ei:
        cw.get_metric_data(MetricDataQueries=[_stat(ns, "A", [], "m1"), {"Id": "e1", "Expression": "m9 * 2"}], **kw)
    assert cwh.error_status(ei.value) == 400, ei.value.response
    with pytest.raises(ClientError) as ei:
        cw.get_metric_data(MetricDataQueries=[_stat(ns, "A", [], "m1"), {"Id": "e1", "Expression": "m1 +* 2"}], **kw)
    assert cwh.error_status(ei.value) == 400, ei.value.response
    with pytest.raises(ClientError) as ei:
        cw.get_metric_data(MetricDataQueries=[{"Id": "q1"}], **kw)
    assert cwh.error_status(ei.value) == 400, ei.value.response


def test_rejected_put_stores_nothing(cw, ns):
    """Validate-all-first: one bad datum rejects the whole call and none of its datums is stored."""
    t = minute_ago(2)
    good = {"MetricName": "Good", "Timestamp": t, "Value": 1}
    bad = {"MetricName": "Bad", "Timestamp": cwh.now() - dt.timedelta(days=20), "Value": 1}
    expect_error(cw.put_metric_data, "InvalidParameterValue", Namespace=ns, MetricData=[good, bad])
    expect_error(cw.put_metric_data, "MissingParameter", Namespace=ns, MetricData=[good, {"Value": 3}])
    # a later valid call becomes visible; the rejected ones still are not
    put(cw, ns, {"MetricName": "Sentinel", "Timestamp": t, "Value": 1})
    one_minute(cw, ns, "Sentinel", [], t, 1)
    assert cwh.stats(cw, ns, "Good", [], t, t + dt.timedelta(seconds=60)) == []
    wait_for(lambda: cw.list_metrics(Namespace=ns)["Metrics"], what="Sentinel listed")
    assert [m["MetricName"] for m in cw.list_metrics(Namespace=ns)["Metrics"]] == ["Sentinel"]


def test_error_carries_query_error_header(cw_json, ns):
    """CloudWatch is awsQueryCompatible: JSON 1.0 errors carry `x-amzn-query-error: <Code>;Sender` (that is how
    boto3 reports InvalidParameterValue rather than the shape name)."""
    e = expect_error(cw_json.get_metric_statistics, "InvalidParameterValue", Namespace=ns, MetricName="x",
                     StartTime=minute_ago(3), EndTime=minute_ago(1), Period=7, Statistics=["Sum"])
    headers = {k.lower(): v for k, v in e.response["ResponseMetadata"]["HTTPHeaders"].items()}
    assert headers.get("x-amzn-query-error") == "InvalidParameterValue;Sender", headers
    assert headers.get("x-amzn-requestid")


# ------------------------------------------------------------------------------------------------- gzip

@pytest.mark.parametrize("protocol", PROTOCOLS, ids=["json10", "cbor", "query"])
def test_put_metric_data_gzip_through_botocore(server, target, ns, protocol):
    """botocore compresses PutMetricData (model requestcompression: gzip) above request_min_compression_size_bytes."""
    cwh.skip_unless_sluice(target)
    cw = cwh.make_cw(server.endpoint, protocol=protocol, request_min_compression_size_bytes=1,
                     disable_request_compression=False)
    sent = []
    cw.meta.events.register("before-send.cloudwatch.PutMetricData",
                            lambda request, **_: sent.append(dict(request.headers.items())))
    t = minute_ago(2)
    put(cw, ns, {"MetricName": "Z", "Timestamp": t, "Values": [1, 2, 3], "Counts": [1, 1, 1]})
    enc = {k.lower(): v for k, v in sent[-1].items()}.get("content-encoding")
    assert enc in ("gzip", b"gzip"), sent[-1]
    p = one_minute(cw, ns, "Z", [], t, 3)
    assert p["Sum"] == 6


def test_put_metric_data_raw_gzip_json(server, target, ns):
    cwh.skip_unless_sluice(target)
    t = minute_ago(2)
    body = gzip.compress(json.dumps({"Namespace": ns, "MetricData": [
        {"MetricName": "G", "Timestamp": cwh.epoch(t) + 1, "Value": 42.5}]}).encode())
    r = cwh.signed_post(server.endpoint, "/", body, {"Content-Type": cwh.JSON10, "Content-Encoding": "gzip",
                                                     "X-Amz-Target": cwh.TARGET_PREFIX + "PutMetricData"})
    assert r.status == 200, r
    cw = cwh.make_cw(server.endpoint)
    assert one_minute(cw, ns, "G", [], t, 1)["Sum"] == 42.5
    # a body that says gzip but is not: a clean 400, nothing stored
    r = cwh.signed_post(server.endpoint, "/", b"not gzip at all",
                        {"Content-Type": cwh.JSON10, "Content-Encoding": "gzip",
                         "X-Amz-Target": cwh.TARGET_PREFIX + "PutMetricData"})
    assert r.status == 400, r


# ------------------------------------------------------------------------------------------------- AWS CLI

def _aws_clis():
    from test_cli import AWS_CLIS
    return AWS_CLIS


@pytest.fixture(params=_aws_clis() or [None], ids=[v for _, v in _aws_clis()] or ["no-aws-cli"])
def aws_cw(request, server, target):
    """`aws cloudwatch ...` for each installed CLI: pyenv's CLI v1 (botocore 1.43: awsJson 1.0) and Debian's CLI v2
    2.9 (its bundled model predates JSON 1.0 for CloudWatch: AWS Query)."""
    cwh.skip_unless_sluice(target)
    if request.param is None:
        pytest.skip("no AWS CLI installed")
    binary, version = request.param
    home = tempfile.mkdtemp(prefix="sluice-cw-cli-")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({"AWS_ACCESS_KEY_ID": kh.FAKE_AKID, "AWS_SECRET_ACCESS_KEY": kh.FAKE_SECRET,
                "AWS_DEFAULT_REGION": kh.REGION, "AWS_CONFIG_FILE": os.path.join(home, "config"),
                "AWS_SHARED_CREDENTIALS_FILE": os.path.join(home, "creds"), "AWS_PAGER": "",
                "AWS_MAX_ATTEMPTS": "1", "HOME": home})

    def run(*args, expect_ok=True):
        cmd = [binary, "--endpoint-url", server.endpoint, "--output", "json", "cloudwatch"] + list(args)
        p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=90)
        if expect_ok:
            assert p.returncode == 0, "%s failed (%d):\n%s\n%s" % (" ".join(cmd), p.returncode, p.stdout, p.stderr)
            return json.loads(p.stdout) if p.stdout.strip() else None
        assert p.returncode != 0, "%s unexpectedly succeeded:\n%s" % (" ".join(cmd), p.stdout)
        return p.stderr
    run.home = home
    yield run
    shutil.rmtree(home, ignore_errors=True)


@pytest.mark.timeout(240)
def test_cli_put_get_list(aws_cw, ns):
    t = minute_ago(3)
    assert aws_cw("put-metric-data", "--namespace", ns, "--metric-name", "Cli", "--value", "5", "--unit", "Count",
                  "--dimensions", "Host=a,Zone=z1", "--timestamp", cwh.iso(t + dt.timedelta(seconds=5))) is None
    data = os.path.join(aws_cw.home, "data.json")
    with open(data, "w") as f:
        json.dump([{"MetricName": "Cli", "Dimensions": dims(Host="a", Zone="z1"),
                    "Timestamp": cwh.iso(t + dt.timedelta(seconds=6)), "Values": [1, 2], "Counts": [3, 1],
                    "Unit": "Count"}], f)
    aws_cw("put-metric-data", "--namespace", ns, "--metric-data", "file://" + data)

    def get():
        r = aws_cw("get-metric-statistics", "--namespace", ns, "--metric-name", "Cli",
                   "--dimensions", "Name=Host,Value=a", "Name=Zone,Value=z1",
                   "--start-time", cwh.iso(t), "--end-time", cwh.iso(t + dt.timedelta(seconds=60)),
                   "--period", "60", "--statistics", "Sum", "SampleCount", "Maximum")
        return r if r["Datapoints"] and r["Datapoints"][0]["SampleCount"] == 5 else None
    r = wait_for(get, timeout=30, interval=0.5, what="CLI datapoint")
    assert r["Label"] == "Cli"
    p = r["Datapoints"][0]
    assert (p["Sum"], p["SampleCount"], p["Maximum"], p["Unit"]) == (10.0, 5.0, 5.0, "Count")
    # a subset of the dimensions matches nothing
    r = aws_cw("get-metric-statistics", "--namespace", ns, "--metric-name", "Cli", "--dimensions",
               "Name=Host,Value=a", "--start-time", cwh.iso(t), "--end-time", cwh.iso(t + dt.timedelta(seconds=60)),
               "--period", "60", "--statistics", "Sum")
    assert r["Datapoints"] == []
    r = aws_cw("list-metrics", "--namespace", ns)
    assert [(m["MetricName"], sorted((d["Name"], d["Value"]) for d in m["Dimensions"])) for m in r["Metrics"]] == \
        [("Cli", [("Host", "a"), ("Zone", "z1")])]
    q = os.path.join(aws_cw.home, "q.json")
    with open(q, "w") as f:
        json.dump([{"Id": "m1", "MetricStat": {"Metric": {"Namespace": ns, "MetricName": "Cli",
                                                          "Dimensions": dims(Host="a", Zone="z1")},
                                               "Period": 60, "Stat": "Sum"}},
                   {"Id": "e1", "Expression": "m1 * 2"}], f)
    r = aws_cw("get-metric-data", "--metric-data-queries", "file://" + q, "--start-time", cwh.iso(t),
               "--end-time", cwh.iso(t + dt.timedelta(seconds=60)))
    vals = {x["Id"]: x["Values"] for x in r["MetricDataResults"]}
    assert vals == {"m1": [10.0], "e1": [20.0]}


def test_cli_error_code(aws_cw, ns):
    t = minute_ago(3)
    err = aws_cw("get-metric-statistics", "--namespace", ns, "--metric-name", "x", "--start-time", cwh.iso(t),
                 "--end-time", cwh.iso(t + dt.timedelta(seconds=60)), "--period", "45", "--statistics", "Sum",
                 expect_ok=False)
    assert "InvalidParameterValue" in err, err


# ------------------------------------------------------------------------------------------------- signing scope

def test_signing_service_must_match(server, target, ns):
    """CloudWatch requests are signed for service `monitoring`, Kinesis ones for `kinesis`: a credential scope
    naming the other service is refused (as AWS refuses a signature for the wrong service)."""
    cwh.skip_unless_sluice(target)
    body = json.dumps({"Namespace": ns}).encode()
    h = {"Content-Type": cwh.JSON10, "X-Amz-Target": cwh.TARGET_PREFIX + "ListMetrics"}
    ok = cwh.signed_post(server.endpoint, "/", body, h)
    assert ok.status == 200, ok
    bad = cwh.signed_post(server.endpoint, "/", body, h, service="kinesis")
    assert 400 <= bad.status < 500, bad
    kin_body = b"{}"
    kh_headers = {"Content-Type": kh.AMZ_JSON, "X-Amz-Target": kh.TARGET_PREFIX + "ListStreams"}
    assert cwh.signed_post(server.endpoint, "/", kin_body, kh_headers, service="kinesis").status == 200
    bad = cwh.signed_post(server.endpoint, "/", kin_body, kh_headers, service="monitoring")
    assert 400 <= bad.status < 500, bad
