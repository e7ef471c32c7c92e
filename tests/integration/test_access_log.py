"""--access-log: one CloudTrail-like JSON line per API call, no record data, size rotation, stdout.

Sluice only: each test starts its own server with the flags it needs.
"""
import base64
import json
import os
import tempfile
import time

import pytest

import kinhelpers as kh

SECRET = b"SECRET-PAYLOAD-do-not-log"
SECRET_KEY = "pk-secret-partition"


@pytest.fixture
def logdir():
    d = tempfile.mkdtemp(prefix="sluice-access-")
    yield d
    import shutil
    shutil.rmtree(d, ignore_errors=True)


def start(target, *flags):
    if target != "sluice":
        pytest.skip("the access log is a Sluice feature")
    return kh.start_server("sluice", extra_args=("--storage", "memory", "--limits", "off") + tuple(flags))


def read_lines(path, want, timeout=10.0, until=None):
    """The file's lines once there are `want` of them (and one satisfies `until`, if given)."""
    deadline = time.monotonic() + timeout
    lines = []
    while time.monotonic() < deadline:
        if os.path.exists(path):
            with open(path) as f:
                lines = [json.loads(l) for l in f if l.strip()]
            if len(lines) >= want and (until is None or any(until(l) for l in lines)):
                return lines
        time.sleep(0.1)
    return lines


def write_and_read(kin):
    """CreateStream, PutRecord, PutRecords (3), GetShardIterator, GetRecords (4): (stream name, PutRecord's reply)."""
    name = kh.unique_name("alog")
    kin.create_stream(StreamName=name, ShardCount=1)
    kh.wait_status(kin, name)
    put = kin.put_record(StreamName=name, Data=SECRET, PartitionKey=SECRET_KEY)
    kin.put_records(StreamName=name, Records=[{"Data": SECRET, "PartitionKey": SECRET_KEY}] * 3)
    it = kin.get_shard_iterator(StreamName=name, ShardId=put["ShardId"],
                                ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    assert len(kin.get_records(ShardIterator=it)["Records"]) == 4
    return name, put


def test_lines_for_boto3_calls(target, logdir):
    path = os.path.join(logdir, "access.log")
    srv = start(target, "--access-log", path)
    try:
        kin = kh.make_client(srv.endpoint)
        name, put = write_and_read(kin)
        with pytest.raises(Exception) as err:
            kin.describe_stream_summary(StreamName=name + "-missing")
        missing_request_id = err.value.response["ResponseMetadata"]["RequestId"]
        put_request_id = put["ResponseMetadata"]["RequestId"]

        lines = read_lines(path, 6, until=lambda l: l.get("requestID") == missing_request_id)
        with open(path, "rb") as f:
            raw = f.read()
    finally:
        srv.stop()

    # Never record data: neither the bytes, their base64, nor partition keys.
    assert SECRET not in raw
    assert base64.b64encode(SECRET) not in raw
    assert SECRET_KEY.encode() not in raw

    by_name = {}
    for l in lines:
        by_name.setdefault(l["eventName"], []).append(l)
    for op in ("CreateStream", "PutRecord", "PutRecords", "GetShardIterator", "GetRecords", "DescribeStreamSummary"):
        assert op in by_name, (op, sorted(by_name))
    for l in lines:
        assert l["eventVersion"] == "1.08"
        assert l["eventSource"] == "kinesis.amazonaws.com"
        assert l["eventType"] == "AwsApiCall"
        assert l["awsRegion"] == kh.REGION
        assert l["sourceIPAddress"] == "127.0.0.1"
        assert "Boto3" in l["userAgent"] or "botocore" in l["userAgent"]
        assert l["userIdentity"]["accessKeyId"] == kh.FAKE_AKID
        assert l["userIdentity"]["accountId"] == kh.DEFAULT_ACCOUNT
        assert l["eventTime"].endswith("Z") and l["eventTime"][:2] == "20"
        assert l["protocol"] == "HTTP/1.1"
        assert l["latency"] >= 0 and l["bytesIn"] > 0 and l["bytesOut"] >= 0
        assert len(l["eventID"]) == 36 and len(l["requestID"]) == 36

    p = by_name["PutRecord"][0]
    assert p["requestID"] == put_request_id and p["httpStatus"] == 200
    assert "errorCode" not in p
    e = [l for l in by_name["DescribeStreamSummary"] if l["requestID"] == missing_request_id][0]
    assert e["httpStatus"] == 400
    assert e["errorCode"] == "ResourceNotFoundException"
    assert name + "-missing" in e["errorMessage"]


def test_request_parameters_from_the_handlers(target, logdir):
    """requestParameters/responseElements come from the handlers' CallLogFields."""
    path = os.path.join(logdir, "access.log")
    srv = start(target, "--access-log", path)
    try:
        name, put = write_and_read(kh.make_client(srv.endpoint))
        lines = read_lines(path, 5, until=lambda l: l["eventName"] == "GetRecords")
    finally:
        srv.stop()
    by_name = {l["eventName"]: l for l in lines}
    assert by_name["PutRecord"]["requestParameters"]["streamName"] == name
    pr = by_name["PutRecords"]
    assert pr["requestParameters"]["streamName"] == name
    assert by_name["GetShardIterator"]["requestParameters"]["shardId"] == put["ShardId"]
    # Counts only the handlers know (CallLogFields).
    assert pr["requestParameters"]["recordCount"] == 3
    assert pr["responseElements"]["failedRecordCount"] == 0
    assert by_name["GetRecords"]["responseElements"]["recordCount"] == 4


def test_transport_errors_are_logged(target, logdir):
    path = os.path.join(logdir, "access.log")
    srv = start(target, "--access-log", path)
    try:
        r = kh.raw_call(srv.endpoint, "ListStreams", {}, sign=False)
        assert r.status == 400
        lines = read_lines(path, 1)
    finally:
        srv.stop()
    assert lines[-1]["eventName"] == "ListStreams"
    assert lines[-1]["errorCode"] == "MissingAuthenticationTokenException"
    assert lines[-1]["errorMessage"] == "Missing Authentication Token"
    assert lines[-1]["userIdentity"]["accessKeyId"] is None


def test_cloudwatch_calls_are_logged_with_their_source(target, logdir):
    path = os.path.join(logdir, "access.log")
    srv = start(target, "--access-log", path)
    try:
        import boto3
        from botocore.config import Config
        cw = boto3.client("cloudwatch", endpoint_url=srv.endpoint, region_name=kh.REGION,
                          aws_access_key_id=kh.FAKE_AKID, aws_secret_access_key=kh.FAKE_SECRET,
                          config=Config(retries={"max_attempts": 0}))
        try:
            cw.list_metrics(Namespace="AWS/Kinesis")
        except Exception as e:  # noqa: BLE001
            pytest.skip("no CloudWatch API in this build: %s" % e)
        lines = read_lines(path, 1)
    finally:
        srv.stop()
    assert lines[-1]["eventSource"] == "monitoring.amazonaws.com"
    assert lines[-1]["eventName"] == "ListMetrics"


def test_rotation_by_size(target, logdir):
    path = os.path.join(logdir, "access.log")
    srv = start(target, "--access-log", path, "--access-log-max-bytes", "4096", "--access-log-max-files", "2")
    try:
        for _ in range(80):  # ~600 bytes a line: several files' worth
            assert kh.raw_call(srv.endpoint, "ListStreams", {}).status == 200
            time.sleep(0.01)
        time.sleep(1.0)
    finally:
        srv.stop()  # a clean stop writes what is queued
    files = sorted(os.listdir(logdir))
    assert files == ["access.log", "access.log.1", "access.log.2"], files
    for f in files:
        size = os.path.getsize(os.path.join(logdir, f))
        assert 0 < size <= 4096, (f, size)
        with open(os.path.join(logdir, f)) as fh:
            for line in fh:
                assert json.loads(line)["eventName"] == "ListStreams"


def test_stdout(target):
    srv = start(target, "--access-log", "-")
    try:
        assert kh.raw_call(srv.endpoint, "ListStreams", {}).status == 200
        deadline = time.monotonic() + 10
        found = None
        while time.monotonic() < deadline and not found:
            with open(srv.log_path) as f:
                found = [l for l in f if l.startswith('{"eventVersion"')]
            time.sleep(0.1)
    finally:
        srv.stop()
    assert found and json.loads(found[0])["eventName"] == "ListStreams"


def test_off_by_default(target, logdir):
    srv = start(target)
    try:
        assert kh.raw_call(srv.endpoint, "ListStreams", {}).status == 200
        with open(srv.log_path) as f:
            assert '"eventVersion"' not in f.read()
    finally:
        srv.stop()
