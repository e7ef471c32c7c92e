"""AWS Query front end of the CloudWatch API (Java SDK v1, old Go v1 / Grafana, the Kinesis Scaling Utility):
form-encoded `Action=...&Version=2010-08-01` bodies signed with SigV4 (service `monitoring`), XML responses in
the http://monitoring.amazonaws.com/doc/2010-08-01/ namespace, errors as
<ErrorResponse><Error><Type>Sender</Type><Code>...</Code><Message>...</Message></Error><RequestId>.

Requests are built by hand here (the way the Java SDK v1 serialises them: `.member.N` lists, ISO 8601 timestamps
with milliseconds); botocore's own query codec is covered by test_cloudwatch_clients.py (the `query` variants).
"""
import datetime as dt
import urllib.parse
import uuid
import xml.etree.ElementTree as ET

import pytest

import cwhelpers as cwh
from cwhelpers import minute_ago, wait_for

pytestmark = pytest.mark.timeout(120)

NS = {"cw": cwh.QUERY_NS}


@pytest.fixture
def ep(server, target):
    cwh.skip_unless_sluice(target)
    return server.endpoint


@pytest.fixture
def ns():
    return "Sluice/Query/%s" % uuid.uuid4().hex[:10]


class QResp:
    def __init__(self, raw):
        self.status = raw.status
        self.headers = raw.headers
        self.raw = raw.body
        self.xml = ET.fromstring(raw.body) if raw.body.strip() else None

    def find(self, path):
        return self.xml.find(path, NS)

    def findall(self, path):
        return self.xml.findall(path, NS)

    def text(self, path):
        el = self.find(path)
        return None if el is None else el.text

    def __repr__(self):
        return "<QResp %s %r>" % (self.status, self.raw[:600])


def java_ts(t):
    """ISO 8601 with milliseconds, as the Java SDK v1 sends timestamps."""
    return t.astimezone(cwh.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (t.microsecond // 1000)


def query(ep, action, params, version="2010-08-01", sign=True):
    fields = [("Action", action)] if action else []
    if version:
        fields.append(("Version", version))
    fields += list(params.items()) if isinstance(params, dict) else list(params)
    body = urllib.parse.urlencode(fields).encode()
    headers = {"Content-Type": cwh.FORM}
    if sign:
        headers = cwh.sign(ep, "/", body, headers)
    return QResp(cwh.raw_post(ep, "/", body, headers))


def ok(r, action):
    assert r.status == 200, r
    assert r.headers.get("content-type", "").startswith(("text/xml", "application/xml")), r.headers
    assert r.xml.tag == "{%s}%sResponse" % (cwh.QUERY_NS, action), r
    assert r.text("cw:ResponseMetadata/cw:RequestId"), r
    return r


def err(r, code, status=400):
    assert r.status == status, r
    assert r.xml is not None and r.xml.tag.endswith("ErrorResponse"), r
    e = r.xml.find("{*}Error")
    assert e is not None, r
    got = {c.tag.split("}")[-1]: c.text for c in e}
    assert got.get("Code") == code, got
    assert got.get("Type") == ("Sender" if status < 500 else "Receiver"), got
    assert got.get("Message"), got
    assert r.xml.find("{*}RequestId") is not None and r.xml.find("{*}RequestId").text, r
    return got


def metric_datum(i, name, **kw):
    """MetricData.member.i.* fields for one datum; dims/values/counts lists become .member.N lists."""
    p = "MetricData.member.%d." % i
    out = [(p + "MetricName", name)]
    for j, (k, v) in enumerate(kw.pop("dims", []), 1):
        out += [(p + "Dimensions.member.%d.Name" % j, k), (p + "Dimensions.member.%d.Value" % j, v)]
    for j, v in enumerate(kw.pop("values", []), 1):
        out.append((p + "Values.member.%d" % j, str(v)))
    for j, v in enumerate(kw.pop("counts", []), 1):
        out.append((p + "Counts.member.%d" % j, str(v)))
    for k, v in kw.pop("stats", {}).items():
        out.append((p + "StatisticValues." + k, str(v)))
    for k, v in kw.items():
        out.append((p + k, v if isinstance(v, str) else str(v)))
    return out


def gms_params(ns, metric, t, seconds=60, period=60, stats=("Sum",), dims=(), ext=()):
    out = [("Namespace", ns), ("MetricName", metric), ("StartTime", java_ts(t)),
           ("EndTime", java_ts(t + dt.timedelta(seconds=seconds))), ("Period", str(period))]
    for j, (k, v) in enumerate(dims, 1):
        out += [("Dimensions.member.%d.Name" % j, k), ("Dimensions.member.%d.Value" % j, v)]
    for j, s in enumerate(stats, 1):
        out.append(("Statistics.member.%d" % j, s))
    for j, s in enumerate(ext, 1):
        out.append(("ExtendedStatistics.member.%d" % j, s))
    return out


def datapoints(r):
    out = []
    for m in r.findall("cw:GetMetricStatisticsResult/cw:Datapoints/cw:member"):
        d = {}
        for c in m:
            tag = c.tag.split("}")[-1]
            if tag == "ExtendedStatistics":
                d[tag] = {e.find("{*}key").text: float(e.find("{*}value").text) for e in c.findall("{*}entry")}
            elif tag in ("Timestamp", "Unit"):
                d[tag] = c.text
            else:
                d[tag] = float(c.text)
        out.append(d)
    return sorted(out, key=lambda d: d["Timestamp"])


def parse_ts(s):
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00"))


# ------------------------------------------------------------------------------------------------- tests

def test_put_metric_data_and_get_metric_statistics(ep, ns):
    t = minute_ago(3)
    ts = java_ts(t + dt.timedelta(seconds=12, milliseconds=345))
    dims = [("Host", "a"), ("Zone", "z")]
    r = query(ep, "PutMetricData", [("Namespace", ns)]
              + metric_datum(1, "Q", dims=dims, Timestamp=ts, Value="4", Unit="Count")
              + metric_datum(2, "Q", dims=dims, Timestamp=ts, values=[1, 2], counts=[2, 1], Unit="Count")
              + metric_datum(3, "Q", dims=list(reversed(dims)), Timestamp=ts, Unit="Count",
                             stats={"SampleCount": 2, "Sum": 30, "Minimum": 10, "Maximum": 20}))
    ok(r, "PutMetricData")

    def get():
        rr = query(ep, "GetMetricStatistics", gms_params(ns, "Q", t, dims=dims,
                                                         stats=("Sum", "SampleCount", "Minimum", "Maximum",
                                                                "Average")))
        ok(rr, "GetMetricStatistics")
        pts = datapoints(rr)
        return (rr, pts) if pts and pts[0]["SampleCount"] == 6 else None
    rr, pts = wait_for(get, what="query datapoint with 6 samples")
    assert rr.text("cw:GetMetricStatisticsResult/cw:Label") == "Q"
    assert len(pts) == 1
    p = pts[0]
    assert parse_ts(p["Timestamp"]) == t, p
    assert (p["Sum"], p["SampleCount"], p["Minimum"], p["Maximum"]) == (4 + 1 + 1 + 2 + 30, 6, 1, 20)
    assert p["Average"] == pytest.approx(38 / 6)
    assert p["Unit"] == "Count"
    # exact dimension set: a subset matches nothing
    rr = ok(query(ep, "GetMetricStatistics", gms_params(ns, "Q", t, dims=dims[:1])), "GetMetricStatistics")
    assert datapoints(rr) == []
    # extended statistics: <ExtendedStatistics><entry><key>p100</key><value>..</value></entry>. (Not on "Q": a
    # statistic set with Minimum != Maximum makes percentiles unavailable for its datapoint, as on AWS.)
    ok(query(ep, "PutMetricData", [("Namespace", ns)] + metric_datum(1, "QP", Timestamp=ts, values=[3, 20, 7])),
       "PutMetricData")
    rr = wait_for(lambda: datapoints(ok(query(ep, "GetMetricStatistics", gms_params(ns, "QP", t, stats=(),
                                                                                    ext=("p100", "p0"))),
                                        "GetMetricStatistics")), what="QP datapoint")
    ext = rr[0]["ExtendedStatistics"]
    assert abs(ext["p100"] - 20) <= 0.2 + 1e-9 and abs(ext["p0"] - 3) <= 0.03 + 1e-9, ext


def test_timestamps_without_milliseconds(ep, ns):
    t = minute_ago(3)
    ok(query(ep, "PutMetricData", [("Namespace", ns)] + metric_datum(1, "S", Timestamp=cwh.iso(t), Value="1.5")),
       "PutMetricData")

    def get():
        rr = query(ep, "GetMetricStatistics", [("Namespace", ns), ("MetricName", "S"), ("StartTime", cwh.iso(t)),
                                               ("EndTime", cwh.iso(t + dt.timedelta(seconds=60))), ("Period", "60"),
                                               ("Statistics.member.1", "Sum")])
        ok(rr, "GetMetricStatistics")
        return datapoints(rr)
    assert wait_for(get, what="datapoint")[0]["Sum"] == 1.5


def test_list_metrics(ep, ns):
    t = minute_ago(2)
    ok(query(ep, "PutMetricData", [("Namespace", ns)]
             + metric_datum(1, "L1", dims=[("A", "1")], Timestamp=java_ts(t), Value="1")
             + metric_datum(2, "L2", Timestamp=java_ts(t), Value="1")), "PutMetricData")

    def get():
        rr = ok(query(ep, "ListMetrics", [("Namespace", ns)]), "ListMetrics")
        ms = rr.findall("cw:ListMetricsResult/cw:Metrics/cw:member")
        return ms if len(ms) == 2 else None
    ms = wait_for(get, what="2 metrics listed")
    got = sorted((m.find("cw:MetricName", NS).text, m.find("cw:Namespace", NS).text,
                  [(d.find("cw:Name", NS).text, d.find("cw:Value", NS).text)
                   for d in m.findall("cw:Dimensions/cw:member", NS)]) for m in ms)
    assert got == [("L1", ns, [("A", "1")]), ("L2", ns, [])]
    rr = ok(query(ep, "ListMetrics", [("Namespace", ns), ("Dimensions.member.1.Name", "A")]), "ListMetrics")
    assert [m.find("cw:MetricName", NS).text for m in rr.findall("cw:ListMetricsResult/cw:Metrics/cw:member")] == \
        ["L1"]


def test_get_metric_data(ep, ns):
    t = minute_ago(4)
    ok(query(ep, "PutMetricData", [("Namespace", ns)] + metric_datum(1, "D", Timestamp=java_ts(t), Value="5")),
       "PutMetricData")
    q = [("MetricDataQueries.member.1.Id", "m1"),
         ("MetricDataQueries.member.1.MetricStat.Metric.Namespace", ns),
         ("MetricDataQueries.member.1.MetricStat.Metric.MetricName", "D"),
         ("MetricDataQueries.member.1.MetricStat.Period", "60"),
         ("MetricDataQueries.member.1.MetricStat.Stat", "Sum"),
         ("MetricDataQueries.member.2.Id", "e1"),
         ("MetricDataQueries.member.2.Expression", "m1 * 3"),
         ("StartTime", java_ts(t)), ("EndTime", java_ts(t + dt.timedelta(seconds=60)))]

    def get():
        rr = ok(query(ep, "GetMetricData", q), "GetMetricData")
        res = {}
        for m in rr.findall("cw:GetMetricDataResult/cw:MetricDataResults/cw:member"):
            res[m.find("cw:Id", NS).text] = (
                [parse_ts(x.text) for x in m.findall("cw:Timestamps/cw:member", NS)],
                [float(x.text) for x in m.findall("cw:Values/cw:member", NS)],
                m.find("cw:StatusCode", NS).text)
        return res if res.get("m1", ([], []))[1] else None
    res = wait_for(get, what="GetMetricData values")
    assert res["m1"] == ([t], [5.0], "Complete")
    assert res["e1"] == ([t], [15.0], "Complete")


def test_errors_are_xml(ep, ns):
    t = minute_ago(3)
    err(query(ep, "GetMetricStatistics", gms_params(ns, "x", t, period=45)), "InvalidParameterValue")
    err(query(ep, "GetMetricStatistics", [p for p in gms_params(ns, "x", t) if p[0] != "MetricName"]),
        "MissingParameter")
    start = t - dt.timedelta(days=2)
    err(query(ep, "GetMetricStatistics", gms_params(ns, "x", start, seconds=1441 * 60)), "InvalidParameterCombination")
    err(query(ep, "PutMetricData", [("Namespace", ns)] + metric_datum(1, "old", Value="1", Timestamp=java_ts(
        cwh.now() - dt.timedelta(days=15)))), "InvalidParameterValue")
    r = query(ep, "PutMetricData", [("Namespace", ns), ("MetricData.member.1.Value", "1")])
    err(r, "MissingParameter")
    assert r.headers.get("x-amzn-requestid"), r.headers


def test_unknown_action(ep):
    r = query(ep, "NoSuchAction", [])
    assert r.status == 400, r
    err(r, "InvalidAction")


def test_unsigned_request_rejected(ep, ns):
    r = query(ep, "ListMetrics", [("Namespace", ns)], sign=False)
    assert 400 <= r.status < 500, r
    assert r.xml is not None and r.xml.tag.endswith("ErrorResponse"), r


# ------------------------------------------------------------------------------------------------- Scaling Utility

@pytest.mark.timeout(90)
def test_scaling_utility_style_put_records_bytes(ep, kin, new_stream):
    """The Kinesis Scaling Utility's StreamMonitor: GetMetricStatistics over query for AWS/Kinesis
    PutRecords.Bytes, dimension StreamName, Period 60, Statistics Sum, a window ending now. The summed Sum equals
    the bytes written (data + partition key, cwhelpers.record_bytes) and agrees with boto3 over JSON 1.0."""
    name = new_stream(shards=1)
    recs = [{"Data": b"x" * (10 + i), "PartitionKey": "pk%d" % i} for i in range(20)]
    start = cwh.floor_to(cwh.now(), 60) - dt.timedelta(minutes=1)
    r = kin.put_records(StreamName=name, Records=recs)
    assert r["FailedRecordCount"] == 0
    want = sum(cwh.record_bytes(x["Data"], x["PartitionKey"]) for x in recs)
    params = [("Namespace", "AWS/Kinesis"), ("MetricName", "PutRecords.Bytes"),
              ("Dimensions.member.1.Name", "StreamName"), ("Dimensions.member.1.Value", name),
              ("StartTime", java_ts(start)), ("EndTime", java_ts(cwh.now() + dt.timedelta(minutes=2))),
              ("Period", "60"), ("Statistics.member.1", "Sum")]

    def get():
        rr = ok(query(ep, "GetMetricStatistics", params), "GetMetricStatistics")
        total = sum(p["Sum"] for p in datapoints(rr))
        return (total, rr) if total >= want else None
    total, rr = wait_for(get, what="PutRecords.Bytes Sum of %d" % want)
    assert total == want
    assert {p["Unit"] for p in datapoints(rr)} == {"Bytes"}
    cw = cwh.make_cw(ep)
    pts = cwh.stats(cw, "AWS/Kinesis", "PutRecords.Bytes", cwh.dims(StreamName=name), start,
                    cwh.now() + dt.timedelta(minutes=2), 60, ("Sum",))
    assert sum(p["Sum"] for p in pts) == total
