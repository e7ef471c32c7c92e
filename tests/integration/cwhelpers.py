"""Helpers for the CloudWatch-compatible API suites (test_cloudwatch_*.py, test_kinesis_metrics.py).

Everything here follows AWS's documented CloudWatch behaviour (botocore's `cloudwatch` 2010-08-01 model, the
CloudWatch API reference, the Smithy RPC v2 CBOR spec), not Sluice's implementation. The CloudWatch API is
served on the same port as Kinesis; requests are signed for SigV4 service `monitoring`.
"""
import datetime as dt
import http.client
import time

import botocore.auth
import botocore.awsrequest
import botocore.credentials
import botocore.model

import kinhelpers as kh

SERVICE = "monitoring"
TARGET_PREFIX = "GraniteServiceVersion20100801."
JSON10 = "application/x-amz-json-1.0"
CBOR_PATH = "/service/GraniteServiceVersion20100801/operation/"
QUERY_NS = "http://monitoring.amazonaws.com/doc/2010-08-01/"
FORM = "application/x-www-form-urlencoded; charset=utf-8"

UTC = dt.timezone.utc


def skip_unless_sluice(target):
    import pytest
    if target != "sluice":
        pytest.skip("the CloudWatch API is Sluice's: kinesalite and kinesis-local have none")


# ---------------------------------------------------------------------------------------------
# clients

def make_cw(endpoint, region=kh.REGION, access_key=kh.FAKE_AKID, secret_key=kh.FAKE_SECRET, validate=False,
            protocol=None, **config):
    """boto3 `cloudwatch` client against Sluice. By default botocore picks awsJson 1.0 for CloudWatch (its
    PRIORITY_ORDERED_SUPPORTED_PROTOCOLS puts json before smithy-rpc-v2-cbor and query); protocol=
    "smithy-rpc-v2-cbor" or "query" makes botocore use its own serializer/parser for that protocol instead (the
    model lists all three). Parameter validation is off so that server-side validation (MissingParameter, ...) can
    be exercised."""
    import unittest.mock

    import botocore.session
    from botocore.config import Config
    cfg = Config(retries={"max_attempts": 0, "mode": "legacy"}, connect_timeout=5, read_timeout=60,
                 parameter_validation=validate, **config)
    with unittest.mock.patch("botocore.model.PRIORITY_ORDERED_SUPPORTED_PROTOCOLS",
                             (protocol,) if protocol else botocore.model.PRIORITY_ORDERED_SUPPORTED_PROTOCOLS):
        client = botocore.session.get_session().create_client(
            "cloudwatch", endpoint_url=endpoint, region_name=region, aws_access_key_id=access_key,
            aws_secret_access_key=secret_key, config=cfg)
        got = client_protocol(client)
    if protocol and got != protocol:
        raise AssertionError("botocore resolved %s, wanted %s" % (got, protocol))
    return client


def client_protocol(client):
    """The wire protocol botocore resolved for this client (json, smithy-rpc-v2-cbor or query)."""
    sm = client.meta.service_model
    return getattr(sm, "resolved_protocol", None) or sm.protocol


# ---------------------------------------------------------------------------------------------
# raw signed requests (CBOR, query, hand-made gzip bodies)

def sign(endpoint, path, body, headers, region=kh.REGION, access_key=kh.FAKE_AKID, secret_key=kh.FAKE_SECRET,
         service=SERVICE, method="POST"):
    """SigV4-sign a request with botocore (service `monitoring`); returns the headers to send."""
    req = botocore.awsrequest.AWSRequest(method=method, url=endpoint + path, data=body, headers=dict(headers))
    creds = botocore.credentials.Credentials(access_key, secret_key)
    botocore.auth.SigV4Auth(creds, service, region).add_auth(req)
    return dict(req.headers.items())


def raw_post(endpoint, path, body, headers, timeout=30):
    host, port = endpoint.replace("http://", "").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        conn.request("POST", path, body=body, headers=headers)
        resp = conn.getresponse()
        return kh.RawResponse(resp.status, resp.getheaders(), resp.read())
    finally:
        conn.close()


def signed_post(endpoint, path, body, headers, **kw):
    return raw_post(endpoint, path, body, sign(endpoint, path, body, headers, **kw))


# ---------------------------------------------------------------------------------------------
# time

def now():
    return dt.datetime.now(UTC)


def floor_to(t, seconds):
    epoch = int(t.timestamp())
    return dt.datetime.fromtimestamp(epoch - epoch % seconds, UTC)


def minute_ago(minutes):
    """Start of the minute `minutes` minutes before the current one (a whole, closed minute for minutes >= 1)."""
    return floor_to(now(), 60) - dt.timedelta(minutes=minutes)


def epoch(t):
    return t.timestamp()


def iso(t):
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# ---------------------------------------------------------------------------------------------
# polling (metrics become visible within a couple of seconds: poll with a deadline, never sleep fixed times)

def wait_for(fn, timeout=15.0, interval=0.25, what="condition"):
    """Call fn() until it returns a truthy value; returns that value. On timeout raises AssertionError showing the
    last value fn() returned."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        last = fn()
        if last:
            return last
        if time.monotonic() >= deadline:
            raise AssertionError("%s not reached within %ss (last: %r)" % (what, timeout, last))
        time.sleep(interval)


def dims(**kv):
    return [{"Name": k, "Value": str(v)} for k, v in kv.items()]


def stats(cw, namespace, metric, dimensions, start, end, period=60, statistics=("Sum", "SampleCount", "Minimum",
                                                                                 "Maximum", "Average"), **kw):
    """GetMetricStatistics; returns the datapoints sorted by Timestamp."""
    args = dict(Namespace=namespace, MetricName=metric, Dimensions=dimensions or [], StartTime=start, EndTime=end,
                Period=period, **kw)
    if statistics:
        args["Statistics"] = list(statistics)
    r = cw.get_metric_statistics(**args)
    return sorted(r["Datapoints"], key=lambda d: d["Timestamp"])


def combine(points):
    """Merge datapoints of several periods into one {Sum, SampleCount, Minimum, Maximum} (None when empty)."""
    if not points:
        return None
    out = {}
    if all("Sum" in p for p in points):
        out["Sum"] = sum(p["Sum"] for p in points)
    if all("SampleCount" in p for p in points):
        out["SampleCount"] = sum(p["SampleCount"] for p in points)
    if all("Minimum" in p for p in points):
        out["Minimum"] = min(p["Minimum"] for p in points)
    if all("Maximum" in p for p in points):
        out["Maximum"] = max(p["Maximum"] for p in points)
    return out


def record_bytes(data, partition_key):
    """Bytes a put record counts for in the AWS/Kinesis write metrics (IncomingBytes, PutRecord(s).Bytes): the
    data blob plus the UTF-8 partition key. AWS's metric table only says "bytes successfully put"; the record size
    AWS defines everywhere else (the 1 MiB record limit, the 1 MiB/s write limit that IncomingBytes is documented
    to be compared against) is "the data blob ... added to the partition key size"."""
    return len(data) + len(partition_key.encode("utf-8"))


def read_bytes(data):
    """Bytes a returned record counts for in the read metrics (GetRecords.Bytes, OutgoingBytes): the data blob only
    (AWS's table says "bytes retrieved"; Sluice documents data-only reads in docs/kinesis-metrics.md, so reads and
    writes of the same records differ by the partition keys)."""
    return len(data)


def error_code(exc):
    return exc.response.get("Error", {}).get("Code")


def error_status(exc):
    return exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
