"""Newer API members exercised over raw signed HTTP, so they run whatever botocore is installed (Debian's 1.29
lacks StreamARN, TagResource, MaxRecordSizeInKiB, UpdateMaxRecordSize, DescribeAccountSettings, ListStreams
NextToken). The boto3 versions of these tests skip on old botocore; these do not."""
import pytest

import kinhelpers as kh
from kinhelpers import raw_call

NO_ARN = "kinesalite 3.3.3 predates StreamARN"


@pytest.fixture
def ep(server):
    return server.endpoint


def ok(r):
    assert r.status == 200, r
    return r.json


def err(r, code):
    assert r.status == 400 and r.error_type == code, "expected %s, got %r" % (code, r)
    assert r.request_id


def create(ep, name=None, **kw):
    name = name or kh.unique_name("rawnew")
    body = {"StreamName": name, "ShardCount": 1}
    body.update(kw)
    ok(raw_call(ep, "CreateStream", body))
    import time
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        j = raw_call(ep, "DescribeStreamSummary", {"StreamName": name}).json
        if j and j["StreamDescriptionSummary"]["StreamStatus"] == "ACTIVE":
            return name, j["StreamDescriptionSummary"]
        time.sleep(0.05)
    raise AssertionError("not ACTIVE")


@pytest.mark.deviates("kinesalite", NO_ARN)
def test_raw_stream_arn_addressing(ep):
    name, s = create(ep)
    arn = s["StreamARN"]
    assert arn == "arn:aws:kinesis:us-east-1:%s:stream/%s" % (kh.DEFAULT_ACCOUNT, name)
    assert ok(raw_call(ep, "DescribeStreamSummary", {"StreamARN": arn}))["StreamDescriptionSummary"]["StreamName"] == name
    p = ok(raw_call(ep, "PutRecord", {"StreamARN": arn, "Data": kh.b64(b"x"), "PartitionKey": "k"}))
    it = ok(raw_call(ep, "GetShardIterator", {"StreamARN": arn, "ShardId": p["ShardId"],
                                              "ShardIteratorType": "TRIM_HORIZON"}))["ShardIterator"]
    recs = ok(raw_call(ep, "GetRecords", {"ShardIterator": it, "StreamARN": arn}))["Records"]
    assert [r["Data"] for r in recs] == [kh.b64(b"x")]
    ok(raw_call(ep, "ListShards", {"StreamARN": arn}))
    other, _ = create(ep)
    err(raw_call(ep, "DescribeStreamSummary", {"StreamARN": arn, "StreamName": other}), "InvalidArgumentException")
    err(raw_call(ep, "PutRecord", {"StreamARN": arn, "StreamName": other, "Data": "eA==", "PartitionKey": "k"}),
        "InvalidArgumentException")
    err(raw_call(ep, "DescribeStreamSummary", {"StreamARN": "arn:aws:kinesis:us-east-1:1:stream/x"}),
        "ValidationException")
    ok(raw_call(ep, "DeleteStream", {"StreamARN": arn}))


@pytest.mark.deviates("kinesalite", "kinesalite 3.3.3 has no TagResource/UntagResource/ListTagsForResource")
def test_raw_resource_tags(ep):
    name, s = create(ep, Tags={"a": "1"})
    arn = s["StreamARN"]
    ok(raw_call(ep, "TagResource", {"ResourceARN": arn, "Tags": {"b": "2"}}))
    tags = ok(raw_call(ep, "ListTagsForResource", {"ResourceARN": arn}))["Tags"]
    assert tags == [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}]
    ok(raw_call(ep, "UntagResource", {"ResourceARN": arn, "TagKeys": ["a"]}))
    assert ok(raw_call(ep, "ListTagsForStream", {"StreamName": name}))["Tags"] == [{"Key": "b", "Value": "2"}]
    err(raw_call(ep, "TagResource", {"ResourceARN": arn.replace(name, name + "-nope"), "Tags": {"c": "3"}}),
        "ResourceNotFoundException")


@pytest.mark.deviates("kinesalite", "kinesalite 3.3.3 has no MaxRecordSizeInKiB/UpdateMaxRecordSize")
@pytest.mark.timeout(120)
def test_raw_max_record_size(ep):
    name, s = create(ep, MaxRecordSizeInKiB=1024)
    assert s.get("MaxRecordSizeInKiB", 1024) == 1024
    arn = s["StreamARN"]
    two = kh.b64(b"z" * (2 * 1024 * 1024 - 100))
    err(raw_call(ep, "PutRecord", {"StreamName": name, "Data": two, "PartitionKey": "k"}), "ValidationException")
    r = raw_call(ep, "UpdateMaxRecordSize", {"StreamARN": arn, "MaxRecordSizeInKiB": 2048})
    assert r.status == 200 and r.body in (b"", b"{}"), r
    s2 = ok(raw_call(ep, "DescribeStreamSummary", {"StreamName": name}))["StreamDescriptionSummary"]
    assert s2["MaxRecordSizeInKiB"] == 2048
    ok(raw_call(ep, "PutRecord", {"StreamName": name, "Data": two, "PartitionKey": "k"}))
    err(raw_call(ep, "UpdateMaxRecordSize", {"StreamARN": arn, "MaxRecordSizeInKiB": 10241}), "ValidationException")
    err(raw_call(ep, "CreateStream", {"StreamName": kh.unique_name(), "ShardCount": 1, "MaxRecordSizeInKiB": 100}),
        "ValidationException")
    big, s3 = create(ep, MaxRecordSizeInKiB=3072)
    assert s3["MaxRecordSizeInKiB"] == 3072


@pytest.mark.deviates("kinesalite", "no DescribeAccountSettings")
@pytest.mark.deviates("kinesis-local", "MinimumThroughputBillingCommitment is null")
def test_raw_describe_account_settings(ep):
    j = ok(raw_call(ep, "DescribeAccountSettings", {}))
    assert j["MinimumThroughputBillingCommitment"]["Status"] in ("ENABLED", "DISABLED",
                                                                 "ENABLED_UNTIL_EARLIEST_ALLOWED_END")


@pytest.mark.deviates(("kinesalite", "kinesis-local"), "no StreamSummaries/NextToken in ListStreams")
def test_raw_list_streams_next_token(ep):
    acct = "777788889999"
    names = sorted("%s-%d" % (kh.unique_name("rawls"), i) for i in range(3))
    for n in names:
        ok(raw_call(ep, "CreateStream", {"StreamName": n, "ShardCount": 1}, access_key=acct))
    j = ok(raw_call(ep, "ListStreams", {"Limit": 2}, access_key=acct))
    assert j["StreamNames"] == names[:2] and j["HasMoreStreams"] is True
    assert [s["StreamName"] for s in j["StreamSummaries"]] == names[:2]
    j2 = ok(raw_call(ep, "ListStreams", {"NextToken": j["NextToken"]}, access_key=acct))
    assert j2["StreamNames"] == names[2:] and j2["HasMoreStreams"] is False
    assert "NextToken" not in j2
    for n in names:
        raw_call(ep, "DeleteStream", {"StreamName": n}, access_key=acct)
