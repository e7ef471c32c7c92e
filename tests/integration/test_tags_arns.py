"""Tags (stream API and resource API), StreamARN addressing, account and region namespacing."""
import pytest

import kinhelpers as kh
from kinhelpers import error_code, error_message, needs_botocore
from test_streams import CORAL_1, NO_ARN, assert_client_error

NO_TAG_RESOURCE = "kinesalite 3.3.3 has no TagResource/UntagResource/ListTagsForResource"
NO_NAMESPACE = "kinesalite 3.3.3 has one global namespace (no account/region separation)"


def tag_list(d):
    return [{"Key": k, "Value": v} for k, v in sorted(d.items())]


# ---------------------------------------------------------------------------------------------- stream tag API


def test_stream_tags_lifecycle(kin, new_stream):
    name = new_stream(shards=1)
    r = kin.list_tags_for_stream(StreamName=name)
    assert r["Tags"] == [] and r["HasMoreTags"] is False
    kin.add_tags_to_stream(StreamName=name, Tags={"b": "2", "a": "1", "c": ""})
    r = kin.list_tags_for_stream(StreamName=name)
    assert r["Tags"] == tag_list({"a": "1", "b": "2", "c": ""})
    assert r["HasMoreTags"] is False
    kin.add_tags_to_stream(StreamName=name, Tags={"a": "one"})  # overwrite
    assert kin.list_tags_for_stream(StreamName=name)["Tags"] == tag_list({"a": "one", "b": "2", "c": ""})
    r = kin.list_tags_for_stream(StreamName=name, Limit=1)
    assert r["Tags"] == tag_list({"a": "one"}) and r["HasMoreTags"] is True
    r = kin.list_tags_for_stream(StreamName=name, ExclusiveStartTagKey="a", Limit=1)
    assert r["Tags"] == tag_list({"b": "2"}) and r["HasMoreTags"] is True
    r = kin.list_tags_for_stream(StreamName=name, ExclusiveStartTagKey="b")
    assert r["Tags"] == tag_list({"c": ""}) and r["HasMoreTags"] is False
    kin.remove_tags_from_stream(StreamName=name, TagKeys=["a", "does-not-exist"])
    assert kin.list_tags_for_stream(StreamName=name)["Tags"] == tag_list({"b": "2", "c": ""})


@pytest.mark.deviates("kinesalite", "rejects ':' in tags (reference 3.6)")
def test_tag_allowed_characters(kin, new_stream):
    name = new_stream(shards=1)
    tags = {"Team Name_1.:/=+-@": "v a_l.u:e/=+-@", "\u00e9t\u00e9": "\u6f22\u5b57"}
    kin.add_tags_to_stream(StreamName=name, Tags=tags)
    got = {t["Key"]: t["Value"] for t in kin.list_tags_for_stream(StreamName=name)["Tags"]}
    assert got == tags


@pytest.mark.parametrize("tags", [{"bad#key": "v"}, {"key": "bad%value"}, {"a*": "b"}])
def test_tag_illegal_characters(kin, new_stream, tags):
    name = new_stream(shards=1)
    with pytest.raises(kin.exceptions.ClientError) as ei:
        kin.add_tags_to_stream(StreamName=name, Tags=tags)
    assert_client_error(ei, "InvalidArgumentException")
    assert kin.list_tags_for_stream(StreamName=name)["Tags"] == []


@pytest.mark.parametrize("tags,path", [({"k" * 129: "v"}, "tags"), ({"k": "v" * 257}, "tags")])
def test_tag_length_limits(kin, new_stream, tags, path):
    name = new_stream(shards=1)
    with pytest.raises(kin.exceptions.ClientError) as ei:
        kin.add_tags_to_stream(StreamName=name, Tags=tags)
    assert_client_error(ei, "ValidationException", message_start=CORAL_1)
    assert kin.list_tags_for_stream(StreamName=name)["Tags"] == []


@pytest.mark.deviates("kinesalite", "old limit of 10 tags per stream")
def test_tag_count_limit(kin, new_stream):
    name = new_stream(shards=1)
    kin.add_tags_to_stream(StreamName=name, Tags={"k%02d" % i: "v" for i in range(50)})
    assert len(kin.list_tags_for_stream(StreamName=name, Limit=50)["Tags"]) == 50
    with pytest.raises(kin.exceptions.ClientError) as ei:
        kin.add_tags_to_stream(StreamName=name, Tags={"one-too-many": "v"})
    assert_client_error(ei, "LimitExceededException")
    kin.add_tags_to_stream(StreamName=name, Tags={"k00": "overwrite is fine"})


@pytest.mark.deviates("kinesalite", "old limit of 10 tags per stream")
def test_tag_count_limit_single_call(kin, new_stream):
    name = new_stream(shards=1)
    with pytest.raises(kin.exceptions.ClientError) as ei:
        kin.add_tags_to_stream(StreamName=name, Tags={"k%02d" % i: "v" for i in range(51)})
    assert error_code(ei.value) in ("LimitExceededException", "InvalidArgumentException")
    assert kin.list_tags_for_stream(StreamName=name)["Tags"] == []


def test_tag_empty_map_rejected(kin, new_stream):
    name = new_stream(shards=1)
    with pytest.raises(kin.exceptions.ClientError) as ei:
        kin.add_tags_to_stream(StreamName=name, Tags={})
    assert_client_error(ei, "ValidationException", message_start=CORAL_1, message_has=("at 'tags'",))
    with pytest.raises(kin.exceptions.ClientError) as ei:
        kin.remove_tags_from_stream(StreamName=name, TagKeys=[])
    assert_client_error(ei, "ValidationException", message_start=CORAL_1, message_has=("at 'tagKeys'",))


@pytest.mark.deviates("kinesalite", "old ListTagsForStream Limit max 10")
def test_list_tags_limit_bounds(kin, new_stream):
    name = new_stream(shards=1)
    with pytest.raises(kin.exceptions.ClientError) as ei:
        kin.list_tags_for_stream(StreamName=name, Limit=51)
    assert_client_error(ei, "ValidationException", message_start=CORAL_1,
                        message_has=("at 'limit'", "less than or equal to 50"))


def test_tags_unknown_stream(kin):
    missing = kh.unique_name("missing")
    for call in (lambda: kin.add_tags_to_stream(StreamName=missing, Tags={"a": "b"}),
                 lambda: kin.remove_tags_from_stream(StreamName=missing, TagKeys=["a"]),
                 lambda: kin.list_tags_for_stream(StreamName=missing)):
        with pytest.raises(kin.exceptions.ResourceNotFoundException):
            call()


# ---------------------------------------------------------------------------------------------- resource tag API


@needs_botocore("TagResource", "ResourceARN")
@pytest.mark.deviates("kinesalite", NO_TAG_RESOURCE)
def test_resource_tags(kin, new_stream, arn_of):
    name = new_stream(shards=1, Tags={"created": "yes"})
    arn = arn_of(name)
    r = kin.list_tags_for_resource(ResourceARN=arn)
    assert r["Tags"] == tag_list({"created": "yes"})
    kin.tag_resource(ResourceARN=arn, Tags={"x": "1", "y": "2"})
    assert kin.list_tags_for_resource(ResourceARN=arn)["Tags"] == tag_list({"created": "yes", "x": "1", "y": "2"})
    # both APIs see the same tags
    assert kin.list_tags_for_stream(StreamName=name)["Tags"] == tag_list({"created": "yes", "x": "1", "y": "2"})
    kin.add_tags_to_stream(StreamName=name, Tags={"z": "3"})
    kin.untag_resource(ResourceARN=arn, TagKeys=["x", "created", "nope"])
    assert kin.list_tags_for_resource(ResourceARN=arn)["Tags"] == tag_list({"y": "2", "z": "3"})


@needs_botocore("TagResource", "ResourceARN")
@pytest.mark.deviates("kinesalite", NO_TAG_RESOURCE)
def test_resource_tags_errors(kin, new_stream, arn_of):
    name = new_stream(shards=1)
    arn = arn_of(name)
    missing = "arn:aws:kinesis:us-east-1:%s:stream/%s" % (kh.DEFAULT_ACCOUNT, kh.unique_name("missing"))
    with pytest.raises(kin.exceptions.ResourceNotFoundException):
        kin.tag_resource(ResourceARN=missing, Tags={"a": "b"})
    with pytest.raises(kin.exceptions.ResourceNotFoundException):
        kin.list_tags_for_resource(ResourceARN=missing)
    with pytest.raises(kin.exceptions.ClientError) as ei:
        kin.tag_resource(ResourceARN=arn, Tags={"bad#": "v"})
    assert_client_error(ei, "InvalidArgumentException")
    with pytest.raises(kin.exceptions.ClientError) as ei:
        kin.tag_resource(ResourceARN="not-an-arn", Tags={"a": "b"})
    assert_client_error(ei, "ValidationException", message_start=CORAL_1, message_has=("at 'resourceARN'",))
    assert kin.list_tags_for_resource(ResourceARN=arn)["Tags"] == []


# ---------------------------------------------------------------------------------------------- ARNs


@needs_botocore("PutRecord", "StreamARN")
@pytest.mark.deviates("kinesalite", NO_ARN)
def test_stream_arn_everywhere(kin, new_stream, arn_of):
    name = new_stream(shards=2)
    arn = arn_of(name)
    assert arn == "arn:aws:kinesis:us-east-1:%s:stream/%s" % (kh.DEFAULT_ACCOUNT, name)
    assert kin.describe_stream(StreamARN=arn)["StreamDescription"]["StreamName"] == name
    assert kin.describe_stream_summary(StreamARN=arn)["StreamDescriptionSummary"]["StreamName"] == name
    assert len(kin.list_shards(StreamARN=arn)["Shards"]) == 2
    p = kin.put_record(StreamARN=arn, Data=b"via-arn", PartitionKey="k", ExplicitHashKey="0")
    assert p["ShardId"] == kh.shard_id(0)
    pr = kin.put_records(StreamARN=arn, Records=[{"Data": b"batch", "PartitionKey": "k", "ExplicitHashKey": "0"}])
    assert pr["FailedRecordCount"] == 0
    it = kin.get_shard_iterator(StreamARN=arn, ShardId=kh.shard_id(0),
                                ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    recs = kin.get_records(ShardIterator=it, StreamARN=arn)["Records"]
    assert [r["Data"] for r in recs] == [b"via-arn", b"batch"]
    kin.add_tags_to_stream(StreamARN=arn, Tags={"a": "b"})
    assert kin.list_tags_for_stream(StreamARN=arn)["Tags"] == [{"Key": "a", "Value": "b"}]
    kin.remove_tags_from_stream(StreamARN=arn, TagKeys=["a"])
    kin.increase_stream_retention_period(StreamARN=arn, RetentionPeriodHours=48)
    kin.decrease_stream_retention_period(StreamARN=arn, RetentionPeriodHours=24)
    kin.delete_stream(StreamARN=arn)
    kh.wait_gone(kin, name)


@needs_botocore("DescribeStreamSummary", "StreamARN")
@pytest.mark.deviates("kinesalite", NO_ARN)
def test_stream_name_and_arn_both(kin, new_stream, arn_of):
    name = new_stream(shards=1)
    other = new_stream(shards=1)
    arn = arn_of(name)
    s = kin.describe_stream_summary(StreamName=name, StreamARN=arn)["StreamDescriptionSummary"]
    assert s["StreamName"] == name
    kin.put_record(StreamName=name, StreamARN=arn, Data=b"x", PartitionKey="k")
    with pytest.raises(kin.exceptions.ClientError) as ei:
        kin.describe_stream_summary(StreamName=other, StreamARN=arn)
    assert_client_error(ei, "InvalidArgumentException")
    with pytest.raises(kin.exceptions.ClientError) as ei:
        kin.put_record(StreamName=other, StreamARN=arn, Data=b"x", PartitionKey="k")
    assert_client_error(ei, "InvalidArgumentException")
    it = kin.get_shard_iterator(StreamName=other, ShardId=kh.shard_id(0),
                                ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    assert kin.get_records(ShardIterator=it)["Records"] == [], "mismatching request wrote a record"


def test_neither_name_nor_arn(kin):
    with pytest.raises(kin.exceptions.ClientError) as ei:
        kin.describe_stream_summary()
    assert error_code(ei.value) in ("InvalidArgumentException", "ValidationException")
    with pytest.raises(kin.exceptions.ClientError) as ei:
        kin.put_record(Data=b"x", PartitionKey="k")
    assert error_code(ei.value) in ("InvalidArgumentException", "ValidationException")


@needs_botocore("DescribeStreamSummary", "StreamARN")
@pytest.mark.deviates("kinesalite", NO_ARN)
@pytest.mark.parametrize("arn", ["arn:aws:kinesis:us-east-1:12345:stream/x", "stream/x",
                                 "arn:aws:s3:::bucket"])
def test_malformed_arn(kin, arn):
    with pytest.raises(kin.exceptions.ClientError) as ei:
        kin.describe_stream_summary(StreamARN=arn)
    assert_client_error(ei, "ValidationException", message_start=CORAL_1, message_has=("at 'streamARN'",))


@needs_botocore("DescribeStreamSummary", "StreamARN")
@pytest.mark.deviates("kinesalite", NO_ARN)
def test_arn_of_unknown_stream(kin):
    arn = "arn:aws:kinesis:us-east-1:%s:stream/%s" % (kh.DEFAULT_ACCOUNT, kh.unique_name("missing"))
    with pytest.raises(kin.exceptions.ResourceNotFoundException):
        kin.describe_stream_summary(StreamARN=arn)


# ---------------------------------------------------------------------------------------------- namespaces


@pytest.mark.deviates("kinesalite", NO_NAMESPACE)
def test_account_from_access_key_id(kin, client_for, new_stream):
    acct = "123456789012"
    c = client_for(access_key=acct)
    name = new_stream(shards=1, client=c)
    s = c.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]
    assert s["StreamARN"] == "arn:aws:kinesis:us-east-1:%s:stream/%s" % (acct, name)
    # invisible to the default account (non-numeric access key id -> --account-id)
    with pytest.raises(kin.exceptions.ResourceNotFoundException):
        kin.describe_stream_summary(StreamName=name)
    assert name not in kin.list_streams()["StreamNames"]
    assert name in c.list_streams()["StreamNames"]
    # another 12-digit key is another account
    other = client_for(access_key="210987654321")
    with pytest.raises(other.exceptions.ResourceNotFoundException):
        other.describe_stream_summary(StreamName=name)
    # the same name can exist in both accounts independently
    new_stream(shards=2, client=kin, name=name)
    assert kin.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["OpenShardCount"] == 2
    assert c.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["OpenShardCount"] == 1


def test_non_numeric_access_key_uses_default_account(kin, client_for, new_stream):
    c = client_for(access_key="AKIAIOSFODNN7EXAMPLE")
    name = new_stream(shards=1, client=c)
    arn = c.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamARN"]
    assert arn == "arn:aws:kinesis:us-east-1:%s:stream/%s" % (kh.DEFAULT_ACCOUNT, name)
    assert kin.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamARN"] == arn


@pytest.mark.deviates("kinesalite", NO_NAMESPACE)
def test_region_from_signing_scope(kin, client_for, new_stream):
    eu = client_for(region="eu-west-1")
    name = new_stream(shards=1, client=eu)
    arn = eu.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamARN"]
    assert arn == "arn:aws:kinesis:eu-west-1:%s:stream/%s" % (kh.DEFAULT_ACCOUNT, name)
    with pytest.raises(kin.exceptions.ResourceNotFoundException):
        kin.describe_stream_summary(StreamName=name)
    assert name not in kin.list_streams()["StreamNames"]
    assert name in eu.list_streams()["StreamNames"]
    r = eu.put_record(StreamName=name, Data=b"eu", PartitionKey="k")
    with pytest.raises(kin.exceptions.ResourceNotFoundException):
        kin.get_shard_iterator(StreamName=name, ShardId=r["ShardId"], ShardIteratorType="TRIM_HORIZON")


@pytest.mark.deviates("kinesalite", NO_NAMESPACE)
def test_iterator_not_usable_from_another_account_or_region(kin, client_for, new_stream):
    name = new_stream(shards=1)
    kin.put_record(StreamName=name, Data=b"secret", PartitionKey="k")
    it = kin.get_shard_iterator(StreamName=name, ShardId=kh.shard_id(0),
                                ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    for other in (client_for(access_key="999988887777"), client_for(region="ap-southeast-2")):
        with pytest.raises(other.exceptions.ClientError) as ei:
            other.get_records(ShardIterator=it)
        assert error_code(ei.value) in ("InvalidArgumentException", "ResourceNotFoundException",
                                        "AccessDeniedException")
    assert [r["Data"] for r in kin.get_records(ShardIterator=it)["Records"]] == [b"secret"]


@needs_botocore("DescribeStreamSummary", "StreamARN")
@pytest.mark.deviates("kinesalite", NO_ARN)
def test_arn_of_another_account_is_not_visible(kin, client_for, new_stream, arn_of):
    name = new_stream(shards=1)
    arn = arn_of(name)
    other = client_for(access_key="999988887777")
    with pytest.raises(other.exceptions.ClientError) as ei:
        other.describe_stream_summary(StreamARN=arn)
    assert error_code(ei.value) in ("ResourceNotFoundException", "AccessDeniedException")
    with pytest.raises(other.exceptions.ClientError) as ei:
        other.put_record(StreamARN=arn, Data=b"x", PartitionKey="k")
    assert error_code(ei.value) in ("ResourceNotFoundException", "AccessDeniedException")
    it = kin.get_shard_iterator(StreamName=name, ShardId=kh.shard_id(0),
                                ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    assert kin.get_records(ShardIterator=it)["Records"] == []


@pytest.mark.deviates("kinesalite", "kinesalite 3.3.3 has no DescribeLimits")
def test_describe_limits_per_account_and_region(kin, client_for, new_stream):
    eu = client_for(region="eu-central-1")
    acct = client_for(access_key="121212121212")
    eu_before, acct_before = eu.describe_limits(), acct.describe_limits()
    new_stream(shards=3)
    assert eu.describe_limits()["OpenShardCount"] == eu_before["OpenShardCount"]
    assert acct.describe_limits()["OpenShardCount"] == acct_before["OpenShardCount"]


def test_stream_name_128_chars_and_charset(kin, new_stream):
    name = new_stream(shards=1, name=("A-z_0.9" + kh.unique_name("x")) + "n" * (128 - 7 - 14))
    assert len(name) == 128
    assert kin.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamName"] == name


CUSTOM_ACCOUNT = "246813579024"


@pytest.fixture
def custom_account_client(server_pool, target):
    if target == "sluice":
        extra = ("--account-id", CUSTOM_ACCOUNT)
    else:  # kinesalite and kinesis-mock read AWS_ACCOUNT_ID
        extra = ("env:AWS_ACCOUNT_ID=" + CUSTOM_ACCOUNT,)
    srv = server_pool.get(target, extra_args=extra)
    return kh.make_client(srv.endpoint)


def test_server_account_id_option(custom_account_client):
    c = custom_account_client
    name = kh.unique_name("acct")
    c.create_stream(StreamName=name, ShardCount=1)
    kh.wait_status(c, name)
    s = c.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]
    assert s["StreamARN"] == "arn:aws:kinesis:us-east-1:%s:stream/%s" % (CUSTOM_ACCOUNT, name)
    with pytest.raises(c.exceptions.ResourceNotFoundException) as ei:
        c.describe_stream_summary(StreamName=name + "-missing")
    assert CUSTOM_ACCOUNT in error_message(ei.value)
    c.delete_stream(StreamName=name)
