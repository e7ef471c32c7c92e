"""Smithy RPC v2 CBOR front end of the CloudWatch API, driven by a small client written from the Smithy spec
(smithy-lang/smithy docs/source-2.0/additional-specs/protocols/smithy-rpc-v2.rst; reference
observability-and-efo.md C.2), the protocol of the Java SDK v2 >= 2.40.6, the Go SDK v2 >= 1.52 (Grafana, YACE),
Ruby, PHP and Swift:

- POST /service/GraniteServiceVersion20100801/operation/<Op>, `Smithy-Protocol: rpc-v2-cbor`,
  `Content-Type`/`Accept: application/cbor`, SigV4 service `monitoring`; an empty input is the body `a0`;
- timestamps are tag 1 around an integer or a float of epoch seconds (Java SDK v2 sends float64); half floats
  must decode;
- every response carries `Smithy-Protocol`; errors are HTTP 400 with a CBOR map {__type, message} (plus
  `x-amzn-query-error`, CloudWatch being query-compatible) and no `X-Amzn-ErrorType`;
- a request with X-Amz-Target on that path is rejected.

Requests are encoded by the encoder below (so the test controls integer/float/half-float widths and tags) and
cross-checked with python3-cbor2; responses are decoded by the suite's own decoder (test_wire_formats.py), which
keeps tags visible, and must also decode with cbor2.
"""
import datetime as dt
import os
import struct
import sys
import uuid

import pytest

import cwhelpers as cwh
from test_wire_formats import Tag, _head, cbor_decode
from cwhelpers import minute_ago, wait_for

try:
    import cbor2
except ImportError:  # pyenv's python borrows Debian's python3-cbor2 when the interpreter versions match
    deb = "/usr/lib/python3/dist-packages"
    if os.path.isdir(os.path.join(deb, "cbor2")) and deb not in sys.path:
        sys.path.append(deb)
    try:
        import cbor2
    except ImportError:
        cbor2 = None

pytestmark = [pytest.mark.timeout(120),
              pytest.mark.skipif(cbor2 is None, reason="python3-cbor2 missing (scripts/install-deps.sh --test)")]

CBOR = "application/cbor"


# ------------------------------------------------------------------------------------------------- mini codec

class Float:
    """A float with a forced encoding width: 16, 32 or 64 bits."""

    def __init__(self, value, bits=64):
        self.value, self.bits = value, bits


def enc(x):
    """CBOR encoder for requests: ints, floats (Float picks the width; plain floats are float64), strings, bytes,
    lists, maps, tags; datetimes become tag 1 + integer seconds when whole, else float64 (Smithy RPC v2)."""
    if isinstance(x, bool):
        return b"\xf5" if x else b"\xf4"
    if x is None:
        return b"\xf6"
    if isinstance(x, int):
        return _head(0, x) if x >= 0 else _head(1, -1 - x)
    if isinstance(x, float):
        x = Float(x)
    if isinstance(x, Float):
        code, fmt = {16: (0xf9, ">e"), 32: (0xfa, ">f"), 64: (0xfb, ">d")}[x.bits]
        return bytes([code]) + struct.pack(fmt, x.value)
    if isinstance(x, str):
        b = x.encode()
        return _head(3, len(b)) + b
    if isinstance(x, (bytes, bytearray)):
        return _head(2, len(x)) + bytes(x)
    if isinstance(x, (list, tuple)):
        return _head(4, len(x)) + b"".join(enc(v) for v in x)
    if isinstance(x, dict):
        return _head(5, len(x)) + b"".join(enc(k) + enc(v) for k, v in x.items())
    if isinstance(x, Tag):
        return _head(6, x.tag) + enc(x.value)
    if isinstance(x, dt.datetime):
        s = x.timestamp()
        return enc(Tag(1, int(s) if s == int(s) else Float(s)))
    raise TypeError(type(x))


def dec(b):
    """The suite's CBOR decoder (test_wire_formats.py): keeps tags visible as Tag(tag, value)."""
    return cbor_decode(b)


def is_tag1(v, value=None):
    return isinstance(v, Tag) and v.tag == 1 and (value is None or v.value == value)


def test_codec_agrees_with_cbor2():
    when = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    assert enc(when) == bytes.fromhex("c11a6955b900"), "reference C.2 test vector"
    assert enc({}) == b"\xa0"
    x = {"a": [1, -2, 3.5, "s", b"\x00\x01", True, None], "n": 2 ** 40}
    assert cbor2.loads(enc(x)) == x
    assert dec(cbor2.dumps(x)) == x
    assert cbor2.loads(enc(Float(1.5, 16))) == 1.5
    assert is_tag1(dec(enc(Tag(1, Float(1.5, 64)))), 1.5)
    assert is_tag1(dec(enc(when)), 1767225600)


# ------------------------------------------------------------------------------------------------- transport

class Resp:
    def __init__(self, raw):
        self.status = raw.status
        self.headers = raw.headers
        self.raw = raw.body
        self.body = dec(raw.body) if raw.body else None

    @property
    def error_type(self):
        t = (self.body or {}).get("__type", "")
        return t.split("#")[-1].split(":")[0]

    def __repr__(self):
        return "<Resp %s %r %r>" % (self.status, self.headers, self.body)


def call(endpoint, op, payload, extra_headers=None, sign_headers=True, raw_body=None, path=None):
    body = raw_body if raw_body is not None else enc(payload)
    headers = {"Smithy-Protocol": "rpc-v2-cbor", "Content-Type": CBOR, "Accept": CBOR}
    headers.update(extra_headers or {})
    path = path or cwh.CBOR_PATH + op
    if sign_headers:
        headers = cwh.sign(endpoint, path, body, headers)
    return Resp(cwh.raw_post(endpoint, path, body, headers))


@pytest.fixture
def ep(server, target):
    cwh.skip_unless_sluice(target)
    return server.endpoint


@pytest.fixture
def ns():
    return "Sluice/CBOR/%s" % uuid.uuid4().hex[:10]


def assert_ok(r):
    assert r.status == 200, r
    assert r.headers.get("smithy-protocol") == "rpc-v2-cbor", r.headers
    assert r.headers.get("content-type", "").startswith(CBOR), r.headers
    assert r.headers.get("x-amzn-requestid"), r.headers
    cbor2.loads(r.raw)  # a second, independent decoder agrees the body is valid CBOR
    assert isinstance(r.body, dict), r


# botocore's model: error code -> error shape (the __type names the shape; x-amzn-query-error carries the code)
SHAPES = {"InvalidParameterValue": "InvalidParameterValueException",
          "MissingParameter": "MissingRequiredParameterException",
          "InvalidParameterCombination": "InvalidParameterCombinationException"}


def assert_error(r, code, status=400):
    assert r.status == status, r
    assert r.headers.get("smithy-protocol") == "rpc-v2-cbor", "every response carries Smithy-Protocol: %r" % r.headers
    assert r.headers.get("content-type", "").startswith(CBOR), r.headers
    assert "x-amzn-errortype" not in r.headers, "RPC v2 CBOR sends no X-Amzn-ErrorType"
    assert isinstance(r.body, dict), r
    assert r.error_type == SHAPES[code], r.body
    assert r.body["__type"] in (SHAPES[code], "com.amazonaws.cloudwatch#" + SHAPES[code]), r.body
    assert isinstance(r.body.get("message", r.body.get("Message")), str), r.body
    assert r.headers.get("x-amzn-query-error") == code + ";Sender", r.headers
    assert r.headers.get("x-amzn-requestid"), r.headers


def datapoints(ep, ns, metric, t, seconds=60, period=60, statistics=("Sum", "SampleCount", "Minimum", "Maximum"),
               dims=None, start_float=False):
    start = Tag(1, Float(cwh.epoch(t))) if start_float else Tag(1, int(cwh.epoch(t)))
    payload = {"Namespace": ns, "MetricName": metric, "StartTime": start,
               "EndTime": Tag(1, int(cwh.epoch(t)) + seconds), "Period": period, "Statistics": list(statistics)}
    if dims:
        payload["Dimensions"] = dims
    r = call(ep, "GetMetricStatistics", payload)
    assert_ok(r)
    return r


# ------------------------------------------------------------------------------------------------- tests

def test_list_metrics_empty_body_a0(ep, ns):
    r = call(ep, "ListMetrics", None, raw_body=b"\xa0")
    assert_ok(r)
    assert isinstance(r.body.get("Metrics", []), list), r.body
    r = call(ep, "ListMetrics", {"Namespace": ns})
    assert_ok(r)
    assert r.body.get("Metrics", []) == []


@pytest.mark.parametrize("ts_kind,value_bits", [("int", 64), ("float64", 64), ("int", 32), ("int", 16)])
def test_put_and_get_with_tag1_timestamps(ep, ns, ts_kind, value_bits):
    """PutMetricData with Timestamp as tag 1 + int or float64 (Java SDK v2); values as float64, float32 or half
    floats. The GetMetricStatistics response carries tag-1 timestamps and exact statistics."""
    t = minute_ago(3)
    secs = int(cwh.epoch(t)) + 30
    ts = Tag(1, secs) if ts_kind == "int" else Tag(1, Float(secs + 0.25))
    value = Float(2.5, value_bits)
    d = [{"Name": "Host", "Value": "h1"}]
    r = call(ep, "PutMetricData", {"Namespace": ns, "MetricData": [
        {"MetricName": "C", "Dimensions": d, "Timestamp": ts, "Value": value, "Unit": "Count"},
        {"MetricName": "C", "Dimensions": d, "Timestamp": ts, "Values": [Float(1.0), 3], "Counts": [2, Float(1.0)],
         "Unit": "Count"},
        {"MetricName": "C", "Dimensions": d, "Timestamp": ts,
         "StatisticValues": {"SampleCount": Float(2.0), "Sum": Float(20.0), "Minimum": Float(9.0),
                             "Maximum": Float(11.0)}, "Unit": "Count", "StorageResolution": 60}]})
    assert_ok(r)

    def get():
        rr = datapoints(ep, ns, "C", t, dims=d, start_float=(ts_kind != "int"))
        pts = rr.body.get("Datapoints", [])
        return rr if pts and pts[0].get("SampleCount") == 6 else None
    rr = wait_for(get, what="CBOR datapoint with 6 samples")
    p = rr.body["Datapoints"][0]
    assert p["Sum"] == 2.5 + 1 + 1 + 3 + 20
    assert p["Minimum"] == 1 and p["Maximum"] == 11
    assert p["Unit"] == "Count"
    assert is_tag1(p["Timestamp"], int(cwh.epoch(t))), p
    assert rr.body.get("Label") == "C"


def test_get_metric_data_timestamps_are_tag1(ep, ns):
    t = minute_ago(4)
    r = call(ep, "PutMetricData", {"Namespace": ns, "MetricData": [
        {"MetricName": "G", "Timestamp": Tag(1, Float(cwh.epoch(t) + 1.5)), "Value": 7}]})
    assert_ok(r)
    q = {"MetricDataQueries": [{"Id": "m1", "MetricStat": {"Metric": {"Namespace": ns, "MetricName": "G"},
                                                           "Period": 60, "Stat": "Sum"}},
                               {"Id": "e1", "Expression": "m1 + 1"}],
         "StartTime": Tag(1, Float(cwh.epoch(t))), "EndTime": Tag(1, int(cwh.epoch(t)) + 60)}

    def get():
        rr = call(ep, "GetMetricData", q)
        assert_ok(rr)
        res = {x["Id"]: x for x in rr.body.get("MetricDataResults", [])}
        return res if res.get("m1", {}).get("Values") else None
    res = wait_for(get, what="GetMetricData values")
    assert res["m1"]["Values"] == [7.0] and res["e1"]["Values"] == [8.0]
    ts = res["m1"]["Timestamps"]
    assert len(ts) == 1 and is_tag1(ts[0], cwh.epoch(t)), ts
    assert res["m1"]["StatusCode"] == "Complete"


def test_list_metrics_after_put(ep, ns):
    t = minute_ago(2)
    assert_ok(call(ep, "PutMetricData", {"Namespace": ns, "MetricData": [
        {"MetricName": "L", "Dimensions": [{"Name": "A", "Value": "1"}], "Timestamp": Tag(1, int(cwh.epoch(t))),
         "Value": 1}]}))

    def get():
        r = call(ep, "ListMetrics", {"Namespace": ns})
        assert_ok(r)
        return r.body.get("Metrics")
    ms = wait_for(get, what="metric listed")
    assert ms == [{"Namespace": ns, "MetricName": "L", "Dimensions": [{"Name": "A", "Value": "1"}]}]


def test_errors_are_cbor_with_type_and_message(ep, ns):
    t = minute_ago(3)
    r = call(ep, "GetMetricStatistics", {"Namespace": ns, "MetricName": "x", "StartTime": Tag(1, int(cwh.epoch(t))),
                                         "EndTime": Tag(1, int(cwh.epoch(t)) + 60), "Period": 45,
                                         "Statistics": ["Sum"]})
    assert_error(r, "InvalidParameterValue")
    r = call(ep, "PutMetricData", {"Namespace": ns, "MetricData": [{"Value": 1}]})
    assert_error(r, "MissingParameter")
    start = int(cwh.epoch(t)) - 2 * 86400
    r = call(ep, "GetMetricStatistics", {"Namespace": ns, "MetricName": "x", "StartTime": Tag(1, start),
                                         "EndTime": Tag(1, start + 1441 * 60), "Period": 60, "Statistics": ["Sum"]})
    assert_error(r, "InvalidParameterCombination")
    old = cwh.epoch(cwh.now()) - 15 * 86400
    r = call(ep, "PutMetricData", {"Namespace": ns, "MetricData": [
        {"MetricName": "ok", "Value": 1}, {"MetricName": "old", "Timestamp": Tag(1, Float(old)), "Value": 1}]})
    assert_error(r, "InvalidParameterValue")
    # nothing of the rejected call was stored
    r = call(ep, "ListMetrics", {"Namespace": ns})
    assert_ok(r)
    assert r.body.get("Metrics", []) == []


def test_x_amz_target_on_cbor_path_rejected(ep, ns):
    """The spec: a request carrying X-Amz-Target (or X-Amzn-Target) MUST be rejected."""
    for h in ("X-Amz-Target", "X-Amzn-Target"):
        r = call(ep, "ListMetrics", {"Namespace": ns}, extra_headers={h: cwh.TARGET_PREFIX + "ListMetrics"})
        assert 400 <= r.status < 500, (h, r)


def test_malformed_cbor_is_a_client_error(ep):
    for body in (b"\xa1", b"\xff\xff", b"\x9f\x01", b"not cbor", b"\x5a\xff\xff\xff\xff"):
        r = call(ep, "ListMetrics", None, raw_body=body)
        assert 400 <= r.status < 500, (body, r)
        assert r.headers.get("smithy-protocol") == "rpc-v2-cbor", (body, r.headers)


def test_wrong_type_is_a_client_error(ep, ns):
    r = call(ep, "GetMetricStatistics", {"Namespace": ns, "MetricName": "x", "StartTime": "yesterday",
                                         "EndTime": Tag(1, 1), "Period": "60", "Statistics": ["Sum"]})
    assert 400 <= r.status < 500, r
    assert r.headers.get("smithy-protocol") == "rpc-v2-cbor", r.headers


def test_unknown_operation(ep):
    r = call(ep, "NoSuchOperation", {})
    assert 400 <= r.status < 500, r
    assert r.headers.get("smithy-protocol") == "rpc-v2-cbor", r.headers


def test_unsigned_request_rejected(ep, ns):
    r = call(ep, "ListMetrics", {"Namespace": ns}, sign_headers=False)
    assert 400 <= r.status < 500, r
    assert r.headers.get("smithy-protocol") == "rpc-v2-cbor", r.headers


def test_indefinite_length_containers_decode(ep, ns):
    """Encoders may use indefinite-length maps, arrays and strings; a CBOR server must decode them."""
    t = int(cwh.epoch(minute_ago(2)))
    body = (b"\xbf" + enc("Namespace") + b"\x7f" + enc(ns[:5]) + enc(ns[5:]) + b"\xff"
            + enc("MetricData") + b"\x9f" + b"\xbf" + enc("MetricName") + enc("I") + enc("Timestamp") + enc(Tag(1, t))
            + enc("Value") + enc(3) + b"\xff" + b"\xff" + b"\xff")
    assert cbor2.loads(body)["Namespace"] == ns
    r = call(ep, "PutMetricData", None, raw_body=body)
    assert_ok(r)
    wait_for(lambda: datapoints(ep, ns, "I", dt.datetime.fromtimestamp(t, cwh.UTC)).body.get("Datapoints"),
             what="datapoint from an indefinite-length request")


def test_routing_on_the_last_four_path_segments(ep, ns):
    """The spec routes on the last four segments (a prefix is allowed) and servers SHOULD accept the absolute
    service shape id with '#' replaced by '.'."""
    for path in ("/some/prefix/service/GraniteServiceVersion20100801/operation/ListMetrics",
                 "/service/com.amazonaws.cloudwatch.GraniteServiceVersion20100801/operation/ListMetrics"):
        r = call(ep, "ListMetrics", {"Namespace": ns}, path=path)
        assert_ok(r)
        assert r.body.get("Metrics", []) == [], (path, r)


def test_undefined_and_null_members_are_absent(ep, ns):
    """CBOR `undefined` (0xf7) decodes as null and null members are treated as absent."""
    body = b"\xa2" + enc("Namespace") + enc(ns) + enc("NextToken") + b"\xf7"
    assert_ok(call(ep, "ListMetrics", None, raw_body=body))
    assert_ok(call(ep, "ListMetrics", {"Namespace": ns, "NextToken": None}))
