"""Differential suite: the same raw (signed) AWS JSON 1.1 request sequences against sluice, kinesalite and
kinesis-local; the response SHAPES (status, error __type, member names, JSON types) are checked against the
shapes the protocol reference (/work/shared/reference/kinesis-protocol.md, i.e. AWS) prescribes, and Sluice's
shape is compared with each reference server that is right for the case.

Independent of --target: every available server is started (Sluice is skipped when no binary is built).

Known reference-server deviations (not asserted against; the reason is the reference section):
  kinesalite 3.3.3
    - list_streams: no StreamSummaries / NextToken (predates the 2022 ListStreams members; reference 3.1).
    - describe_limits: operation missing -> UnknownOperationException (reference 3.7).
    - describe_stream_summary: no StreamModeDetails (reference 2, StreamDescriptionSummary).
    - describe_stream: no StreamModeDetails (reference 2, StreamDescription).
    - describe_stream_arn / put_record_arn: no StreamARN addressing (reference 2, "Stream addressing rule").
    - tag_resource_list / tag_resource: no TagResource/ListTagsForResource (reference 3.6).
    - update_max_record_size, describe_account_settings: operations missing (reference 3.1, 3.7).
    - register_consumer and the other *_consumer cases: no enhanced fan-out consumers (reference 3.5).
  kinesis-local 0.6.2 (kinesis-mock)
    - describe_consumer(_by_name): a Tags member in ConsumerDescription; deregister_consumer: ResourceInUse
      while the consumer is CREATING.
    - list_streams: no StreamSummaries (reference 3.1).
    - put_record_empty_partition_key / create_stream_bad_name: InvalidArgumentException with free text
      instead of the Coral ValidationException (reference 1.6).
    - unknown_operation: AccessDeniedException instead of UnknownOperationException (reference 1.6).
    - update_max_record_size: answers with a body although the operation has no output (reference 3.1).
    - describe_account_settings: {"MinimumThroughputBillingCommitment": null} (Status is required, reference 3.7).
    - put_records_validation: InvalidArgumentException instead of ValidationException (reference 1.6).
    - bad_iterator: a forged iterator gets HTTP 500 with an empty body instead of InvalidArgumentException
      (reference 3.4).
    - hash_routing: its shard hash ranges end one below the even split (reference 4.2), so boundary
      ExplicitHashKeys land in the next shard.
    - every response: absent optional members are sent as JSON null instead of being omitted (reference 1.3).
      SDKs treat null as absent, so for kinesis-local nulls are dropped before the shape check; Sluice is
      checked strictly (the no_null_members case).
"""
import json
import time

import pytest

import kinhelpers as kh
from kinhelpers import raw_call

SERVERS = list(kh.SERVER_KINDS)

# ------------------------------------------------------------------------------------------------ shape specs
S, I, N, B = "string", "integer", "number", "boolean"


def obj(required=None, optional=None):
    return {"required": required or {}, "optional": optional or {}}


def lst(item):
    return ("list", item)


HASH_RANGE = obj({"StartingHashKey": S, "EndingHashKey": S})
SEQ_RANGE = obj({"StartingSequenceNumber": S}, {"EndingSequenceNumber": S})
SHARD = obj({"ShardId": S, "HashKeyRange": HASH_RANGE, "SequenceNumberRange": SEQ_RANGE},
            {"ParentShardId": S, "AdjacentParentShardId": S})
ENHANCED = lst(obj({"ShardLevelMetrics": lst(S)}))
MODE = obj({"StreamMode": S})
STREAM_DESCRIPTION = obj(
    {"StreamName": S, "StreamARN": S, "StreamStatus": S, "StreamModeDetails": MODE, "Shards": lst(SHARD),
     "HasMoreShards": B, "RetentionPeriodHours": I, "StreamCreationTimestamp": N, "EnhancedMonitoring": ENHANCED},
    {"EncryptionType": S, "KeyId": S})
SUMMARY = obj(
    {"StreamName": S, "StreamARN": S, "StreamStatus": S, "StreamModeDetails": MODE, "RetentionPeriodHours": I,
     "StreamCreationTimestamp": N, "EnhancedMonitoring": ENHANCED, "OpenShardCount": I},
    {"EncryptionType": S, "KeyId": S, "ConsumerCount": I, "MaxRecordSizeInKiB": I,
     "WarmThroughput": obj({}, {"TargetMiBps": I, "CurrentMiBps": I})})
STREAM_SUMMARY = obj({"StreamName": S, "StreamARN": S, "StreamStatus": S},
                     {"StreamModeDetails": MODE, "StreamCreationTimestamp": N})
RECORD = obj({"SequenceNumber": S, "Data": S, "PartitionKey": S},
             {"ApproximateArrivalTimestamp": N, "EncryptionType": S})
TAG = obj({"Key": S}, {"Value": S})
CONSUMER_MEMBERS = {"ConsumerName": S, "ConsumerARN": S, "ConsumerStatus": S, "ConsumerCreationTimestamp": N}
CONSUMER = obj(CONSUMER_MEMBERS)
CONSUMER_DESCRIPTION = obj(dict(CONSUMER_MEMBERS, StreamARN=S))

EMPTY = "empty-or-{}"


def error_spec(code):
    return ("error", code)


# ------------------------------------------------------------------------------------------------ scenarios
# Each scenario: fn(ep) -> RawResponse (the one compared); setup requests are made inside with fresh names.


def _create(ep, shards=2, name=None):
    name = name or kh.unique_name("diff")
    r = raw_call(ep, "CreateStream", {"StreamName": name, "ShardCount": shards})
    assert r.status == 200, r
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        d = raw_call(ep, "DescribeStreamSummary", {"StreamName": name})
        if d.status == 200 and d.json["StreamDescriptionSummary"]["StreamStatus"] == "ACTIVE":
            return name
        time.sleep(0.05)
    raise AssertionError("stream never became ACTIVE")


def _arn(ep, name):
    return raw_call(ep, "DescribeStreamSummary", {"StreamName": name}).json["StreamDescriptionSummary"]["StreamARN"]


def sc_create_stream(ep):
    name = kh.unique_name("diff")
    return raw_call(ep, "CreateStream", {"StreamName": name, "ShardCount": 1})


def sc_create_duplicate(ep):
    name = _create(ep, 1)
    return raw_call(ep, "CreateStream", {"StreamName": name, "ShardCount": 1})


def sc_describe_stream(ep):
    return raw_call(ep, "DescribeStream", {"StreamName": _create(ep)})


def sc_describe_stream_arn(ep):
    name = _create(ep)
    return raw_call(ep, "DescribeStream", {"StreamARN": _arn(ep, name)})


def sc_describe_stream_summary(ep):
    return raw_call(ep, "DescribeStreamSummary", {"StreamName": _create(ep)})


def sc_list_streams(ep):
    _create(ep, 1)
    return raw_call(ep, "ListStreams", {"Limit": 1})


def sc_list_shards(ep):
    return raw_call(ep, "ListShards", {"StreamName": _create(ep, 3), "MaxResults": 2})


def sc_put_record(ep):
    name = _create(ep)
    return raw_call(ep, "PutRecord", {"StreamName": name, "Data": kh.b64(b"hello"), "PartitionKey": "a"})


def sc_put_record_arn(ep):
    name = _create(ep)
    return raw_call(ep, "PutRecord", {"StreamARN": _arn(ep, name), "Data": kh.b64(b"hello"), "PartitionKey": "a"})


def sc_put_records(ep):
    name = _create(ep)
    return raw_call(ep, "PutRecords", {"StreamName": name, "Records": [
        {"Data": kh.b64(b"r%d" % i), "PartitionKey": "k%d" % i} for i in range(5)]})


def sc_get_shard_iterator(ep):
    return raw_call(ep, "GetShardIterator", {"StreamName": _create(ep), "ShardId": kh.shard_id(0),
                                             "ShardIteratorType": "TRIM_HORIZON"})


def sc_get_records(ep):
    name = _create(ep)
    for i in range(3):
        raw_call(ep, "PutRecord", {"StreamName": name, "Data": kh.b64(b"d%d" % i), "PartitionKey": "k",
                                   "ExplicitHashKey": "0"})
    it = raw_call(ep, "GetShardIterator", {"StreamName": name, "ShardId": kh.shard_id(0),
                                           "ShardIteratorType": "TRIM_HORIZON"}).json["ShardIterator"]
    return raw_call(ep, "GetRecords", {"ShardIterator": it})


def sc_list_tags(ep):
    name = _create(ep, 1)
    assert raw_call(ep, "AddTagsToStream", {"StreamName": name, "Tags": {"b": "2", "a": "1"}}).status == 200
    return raw_call(ep, "ListTagsForStream", {"StreamName": name})


def sc_add_tags(ep):
    return raw_call(ep, "AddTagsToStream", {"StreamName": _create(ep, 1), "Tags": {"a": "1"}})


def sc_tag_resource_list(ep):
    name = _create(ep, 1)
    raw_call(ep, "AddTagsToStream", {"StreamName": name, "Tags": {"a": "1"}})
    return raw_call(ep, "ListTagsForResource", {"ResourceARN": _arn(ep, name)})


def sc_describe_limits(ep):
    return raw_call(ep, "DescribeLimits", {})


def sc_unknown_stream(ep):
    return raw_call(ep, "DescribeStream", {"StreamName": kh.unique_name("missing")})


def sc_bad_iterator(ep):
    return raw_call(ep, "GetRecords", {"ShardIterator": "AAAAAAAAAAEbogusbogusbogus"})


def sc_put_record_empty_partition_key(ep):
    return raw_call(ep, "PutRecord", {"StreamName": _create(ep, 1), "Data": kh.b64(b"x"), "PartitionKey": ""})


def sc_create_stream_bad_name(ep):
    return raw_call(ep, "CreateStream", {"StreamName": "bad name!", "ShardCount": 1})


def sc_invalid_json(ep):
    return raw_call(ep, "ListStreams", b"{oops")


def sc_unknown_operation(ep):
    return raw_call(ep, "TeleportStream", {})


def sc_missing_auth(ep):
    return raw_call(ep, "ListStreams", {}, sign=False)


def sc_retention_shorter(ep):
    name = _create(ep, 1)
    raw_call(ep, "IncreaseStreamRetentionPeriod", {"StreamName": name, "RetentionPeriodHours": 48})
    return raw_call(ep, "IncreaseStreamRetentionPeriod", {"StreamName": name, "RetentionPeriodHours": 36})


def sc_unknown_shard(ep):
    return raw_call(ep, "GetShardIterator", {"StreamName": _create(ep, 1), "ShardId": kh.shard_id(9),
                                             "ShardIteratorType": "LATEST"})


def sc_bad_iterator_type_combo(ep):
    return raw_call(ep, "GetShardIterator", {"StreamName": _create(ep, 1), "ShardId": kh.shard_id(0),
                                             "ShardIteratorType": "AT_SEQUENCE_NUMBER"})


class Synthetic:
    """Wraps a value computed from several responses so it can be compared like a response."""

    def __init__(self, value):
        self.status = 200
        self.json = value
        self.body = json.dumps(value).encode()
        self.error_type = None
        self.request_id = "synthetic"
        self.headers = {}


def sc_hash_routing(ep):
    name = _create(ep, 4)
    out = []
    for h in [0, 2**126 - 1, 2**126, 2**127 - 1, 2**127, kh.HASH_MAX]:
        r = raw_call(ep, "PutRecord", {"StreamName": name, "Data": kh.b64(b"x"), "PartitionKey": "a",
                                       "ExplicitHashKey": str(h)})
        out.append(r.json.get("ShardId") if r.json else r.status)
    for pk in ("a", "partitionKey", "sluice"):
        r = raw_call(ep, "PutRecord", {"StreamName": name, "Data": kh.b64(b"x"), "PartitionKey": pk})
        out.append(r.json.get("ShardId") if r.json else r.status)
    return Synthetic(out)


def _expected_routing():
    ranges = kh.even_ranges(4)

    def shard(h):
        return next(kh.shard_id(i) for i, (a, b) in enumerate(ranges) if a <= h <= b)
    hs = [0, 2**126 - 1, 2**126, 2**127 - 1, 2**127, kh.HASH_MAX]
    return [shard(h) for h in hs] + [shard(kh.md5_hash_key(pk)) for pk in ("a", "partitionKey", "sluice")]


def sc_delete_stream(ep):
    return raw_call(ep, "DeleteStream", {"StreamName": _create(ep, 1)})


def sc_increase_retention(ep):
    return raw_call(ep, "IncreaseStreamRetentionPeriod", {"StreamName": _create(ep, 1), "RetentionPeriodHours": 48})


def sc_remove_tags(ep):
    name = _create(ep, 1)
    raw_call(ep, "AddTagsToStream", {"StreamName": name, "Tags": {"a": "1"}})
    return raw_call(ep, "RemoveTagsFromStream", {"StreamName": name, "TagKeys": ["a"]})


def sc_tag_resource(ep):
    name = _create(ep, 1)
    return raw_call(ep, "TagResource", {"ResourceARN": _arn(ep, name), "Tags": {"a": "1"}})


def sc_update_max_record_size(ep):
    name = _create(ep, 1)
    return raw_call(ep, "UpdateMaxRecordSize", {"StreamARN": _arn(ep, name), "MaxRecordSizeInKiB": 2048})


def sc_describe_account_settings(ep):
    return raw_call(ep, "DescribeAccountSettings", {})


def sc_put_records_validation(ep):
    return raw_call(ep, "PutRecords", {"StreamName": _create(ep, 1), "Records": [
        {"Data": kh.b64(b"x"), "PartitionKey": "k"}, {"Data": kh.b64(b"x"), "PartitionKey": ""}]})


def sc_list_shards_filter(ep):
    return raw_call(ep, "ListShards", {"StreamName": _create(ep, 2), "ShardFilter": {"Type": "AT_LATEST"}})


def _register(ep, name=None):
    """(stream ARN, register response) for a new consumer on a new stream."""
    sarn = _arn(ep, name or _create(ep, 1))
    return sarn, raw_call(ep, "RegisterStreamConsumer", {"StreamARN": sarn, "ConsumerName": "diff-app"})


def sc_register_consumer(ep):
    return _register(ep)[1]


def sc_register_consumer_duplicate(ep):
    sarn, _ = _register(ep)
    return raw_call(ep, "RegisterStreamConsumer", {"StreamARN": sarn, "ConsumerName": "diff-app"})


def sc_describe_consumer(ep):
    _, r = _register(ep)
    arn = (r.json or {}).get("Consumer", {}).get("ConsumerARN", "arn:aws:kinesis:x:000000000000:stream/s/consumer/c:1")
    return raw_call(ep, "DescribeStreamConsumer", {"ConsumerARN": arn})


def sc_describe_consumer_by_name(ep):
    sarn, _ = _register(ep)
    return raw_call(ep, "DescribeStreamConsumer", {"StreamARN": sarn, "ConsumerName": "diff-app"})


def sc_list_consumers(ep):
    sarn, _ = _register(ep)
    return raw_call(ep, "ListStreamConsumers", {"StreamARN": sarn})


def sc_unknown_consumer(ep):
    sarn = _arn(ep, _create(ep, 1))
    return raw_call(ep, "DescribeStreamConsumer", {"StreamARN": sarn, "ConsumerName": "nobody"})


def sc_deregister_consumer(ep):
    sarn, _ = _register(ep)
    return raw_call(ep, "DeregisterStreamConsumer", {"StreamARN": sarn, "ConsumerName": "diff-app"})


NO_CONSUMERS = {"kinesalite": "no enhanced fan-out consumers"}
# kinesis-local answers with a Tags member the model's ConsumerDescription does not have.
DESCRIBE_CONSUMER_WRONG = dict(NO_CONSUMERS, **{"kinesis-local": "ConsumerDescription carries a Tags member"})
# kinesis-local refuses to deregister a consumer that is still CREATING (AWS accepts it).
DEREGISTER_CONSUMER_WRONG = dict(NO_CONSUMERS, **{"kinesis-local": "ResourceInUse for a CREATING consumer"})

# name -> (scenario, expected spec, {server: reason it is known wrong})
CASES = {
    "create_stream": (sc_create_stream, EMPTY, {}),
    "create_duplicate": (sc_create_duplicate, error_spec("ResourceInUseException"), {}),
    "describe_stream": (sc_describe_stream, obj({"StreamDescription": STREAM_DESCRIPTION}),
                        {"kinesalite": "no StreamModeDetails"}),
    "describe_stream_arn": (sc_describe_stream_arn, obj({"StreamDescription": STREAM_DESCRIPTION}),
                            {"kinesalite": "no StreamARN addressing"}),
    "describe_stream_summary": (sc_describe_stream_summary, obj({"StreamDescriptionSummary": SUMMARY}),
                                {"kinesalite": "no StreamModeDetails"}),
    "list_streams": (sc_list_streams, obj({"StreamNames": lst(S), "HasMoreStreams": B,
                                           "StreamSummaries": lst(STREAM_SUMMARY)}, {"NextToken": S}),
                     {"kinesalite": "no StreamSummaries/NextToken", "kinesis-local": "no StreamSummaries"}),
    "list_shards": (sc_list_shards, obj({"Shards": lst(SHARD)}, {"NextToken": S}), {}),
    "put_record": (sc_put_record, obj({"ShardId": S, "SequenceNumber": S}, {"EncryptionType": S}), {}),
    "put_record_arn": (sc_put_record_arn, obj({"ShardId": S, "SequenceNumber": S}, {"EncryptionType": S}),
                       {"kinesalite": "no StreamARN addressing"}),
    "put_records": (sc_put_records, obj({"FailedRecordCount": I,
                                         "Records": lst(obj({"SequenceNumber": S, "ShardId": S}))},
                                        {"EncryptionType": S}), {}),
    "get_shard_iterator": (sc_get_shard_iterator, obj({"ShardIterator": S}), {}),
    "get_records": (sc_get_records, obj({"Records": lst(RECORD), "NextShardIterator": S, "MillisBehindLatest": I},
                                        {"ChildShards": lst("any")}), {}),
    "add_tags": (sc_add_tags, EMPTY, {}),
    "list_tags": (sc_list_tags, obj({"Tags": lst(TAG), "HasMoreTags": B}), {}),
    "tag_resource_list": (sc_tag_resource_list, obj({}, {"Tags": lst(TAG)}),
                          {"kinesalite": "no ListTagsForResource"}),
    "describe_limits": (sc_describe_limits, obj({"ShardLimit": I, "OpenShardCount": I, "OnDemandStreamCount": I,
                                                 "OnDemandStreamCountLimit": I}),
                        {"kinesalite": "no DescribeLimits"}),
    "unknown_stream": (sc_unknown_stream, error_spec("ResourceNotFoundException"), {}),
    "bad_iterator": (sc_bad_iterator, error_spec("InvalidArgumentException"),
                     {"kinesis-local": "HTTP 500 with an empty body and no x-amzn-RequestId"}),
    "put_record_empty_partition_key": (sc_put_record_empty_partition_key, error_spec("ValidationException"),
                                       {"kinesis-local": "InvalidArgumentException, not Coral ValidationException"}),
    "create_stream_bad_name": (sc_create_stream_bad_name, error_spec("ValidationException"),
                               {"kinesis-local": "InvalidArgumentException, not Coral ValidationException"}),
    "invalid_json": (sc_invalid_json, error_spec("SerializationException"), {}),
    "unknown_operation": (sc_unknown_operation, error_spec("UnknownOperationException"),
                          {"kinesis-local": "AccessDeniedException"}),
    "missing_auth": (sc_missing_auth, error_spec("MissingAuthenticationTokenException"), {}),
    "retention_shorter": (sc_retention_shorter, error_spec("InvalidArgumentException"), {}),
    "unknown_shard": (sc_unknown_shard, error_spec("ResourceNotFoundException"), {}),
    "bad_iterator_type_combo": (sc_bad_iterator_type_combo, error_spec("InvalidArgumentException"), {}),
    "delete_stream": (sc_delete_stream, EMPTY, {}),
    "increase_retention": (sc_increase_retention, EMPTY, {}),
    "remove_tags": (sc_remove_tags, EMPTY, {}),
    "tag_resource": (sc_tag_resource, EMPTY, {"kinesalite": "no TagResource"}),
    "update_max_record_size": (sc_update_max_record_size, EMPTY,
                               {"kinesalite": "no UpdateMaxRecordSize",
                                "kinesis-local": "returns a body; the model has no output (reference 3.1)"}),
    "describe_account_settings": (sc_describe_account_settings,
                                  obj({"MinimumThroughputBillingCommitment": obj(
                                      {"Status": S}, {"StartedAt": N, "EndedAt": N, "EarliestAllowedEndAt": N})}),
                                  {"kinesalite": "no DescribeAccountSettings",
                                   "kinesis-local": "MinimumThroughputBillingCommitment is null"}),
    "put_records_validation": (sc_put_records_validation, error_spec("ValidationException"),
                               {"kinesis-local": "InvalidArgumentException, not Coral ValidationException"}),
    "list_shards_filter": (sc_list_shards_filter, obj({"Shards": lst(SHARD)}, {"NextToken": S}), {}),
    "register_consumer": (sc_register_consumer, obj({"Consumer": CONSUMER}), NO_CONSUMERS),
    "register_consumer_duplicate": (sc_register_consumer_duplicate, error_spec("ResourceInUseException"),
                                    NO_CONSUMERS),
    "describe_consumer": (sc_describe_consumer, obj({"ConsumerDescription": CONSUMER_DESCRIPTION}),
                          DESCRIBE_CONSUMER_WRONG),
    "describe_consumer_by_name": (sc_describe_consumer_by_name, obj({"ConsumerDescription": CONSUMER_DESCRIPTION}),
                                  DESCRIBE_CONSUMER_WRONG),
    "list_consumers": (sc_list_consumers, obj({}, {"Consumers": lst(CONSUMER), "NextToken": S}), NO_CONSUMERS),
    "unknown_consumer": (sc_unknown_consumer, error_spec("ResourceNotFoundException"), NO_CONSUMERS),
    "deregister_consumer": (sc_deregister_consumer, EMPTY, DEREGISTER_CONSUMER_WRONG),
    "hash_routing": (sc_hash_routing, ("value", _expected_routing()),
                     {"kinesis-local": "hash ranges end one below the even split"}),
}


# ------------------------------------------------------------------------------------------------ checking

def _type_name(v):
    if isinstance(v, bool):
        return B
    if isinstance(v, int):
        return I
    if isinstance(v, float):
        return N
    if isinstance(v, str):
        return S
    if isinstance(v, list):
        return "list"
    if isinstance(v, dict):
        return "object"
    return "null"


def check_shape(value, spec, path="$"):
    """Returns a list of violations of `spec` by the JSON `value`."""
    errs = []
    if spec == "any":
        return errs
    if isinstance(spec, str):
        t = _type_name(value)
        ok = t == spec or (spec == N and t == I)
        if not ok:
            errs.append("%s: expected %s, got %s (%r)" % (path, spec, t, value))
        return errs
    if isinstance(spec, tuple) and spec[0] == "list":
        if not isinstance(value, list):
            return ["%s: expected list, got %s" % (path, _type_name(value))]
        for i, item in enumerate(value):
            errs += check_shape(item, spec[1], "%s[%d]" % (path, i))
        return errs
    if not isinstance(value, dict):
        return ["%s: expected object, got %s" % (path, _type_name(value))]
    for k, sub in spec["required"].items():
        if k not in value:
            errs.append("%s: missing required member %s" % (path, k))
        else:
            errs += check_shape(value[k], sub, path + "." + k)
    for k, v in value.items():
        if k in spec["required"]:
            continue
        if k not in spec["optional"]:
            errs.append("%s: unexpected member %s" % (path, k))
        else:
            errs += check_shape(v, spec["optional"][k], path + "." + k)
    return errs


def violations(resp, spec):
    if isinstance(spec, tuple) and spec[0] == "value":
        return [] if resp.json == spec[1] else ["value %r != expected %r" % (resp.json, spec[1])]
    if isinstance(spec, tuple) and spec[0] == "error":
        errs = []
        if resp.status != 400:
            errs.append("status %s, expected 400" % resp.status)
        if resp.error_type != spec[1]:
            errs.append("__type %r, expected %r (body %r)" % (resp.error_type, spec[1], resp.body[:200]))
        j = resp.json if isinstance(resp.json, dict) else {}
        extra = set(j) - {"__type", "message", "Message"}
        if extra:
            errs.append("unexpected error members %s" % sorted(extra))
        if not resp.request_id:
            errs.append("no x-amzn-RequestId")
        return errs
    if resp.status != 200:
        return ["status %s, expected 200 (body %r)" % (resp.status, resp.body[:300])]
    if spec == EMPTY:
        return [] if resp.body in (b"", b"{}") else ["body %r, expected empty or {}" % resp.body[:200]]
    return check_shape(resp.json, spec)


def signature(resp, spec):
    """What two correct servers must agree on: status, error type, and the required-member skeleton."""
    def skel(value, sp):
        if isinstance(sp, str):
            return _type_name(value) if sp != N else N
        if isinstance(sp, tuple) and sp[0] == "list":
            return ["list"] + ([skel(value[0], sp[1])] if isinstance(value, list) and value else [])
        if isinstance(value, dict):
            return {k: skel(value.get(k), s) for k, s in sp["required"].items()}
        return _type_name(value)
    if isinstance(spec, tuple) and spec[0] in ("error", "value"):
        return (resp.status, resp.error_type, resp.json if spec[0] == "value" else None)
    if spec == EMPTY:
        return (resp.status, resp.body in (b"", b"{}"))
    return (resp.status, skel(resp.json, spec))


# ------------------------------------------------------------------------------------------------ tests

@pytest.fixture(scope="session")
def responses():
    return {}


def run_case(server_pool, responses, case, kind):
    key = (case, kind)
    if key not in responses:
        srv = server_pool.get(kind)
        responses[key] = CASES[case][0](srv.endpoint)
    return responses[key]


def drop_nulls(v):
    if isinstance(v, dict):
        return {k: drop_nulls(x) for k, x in v.items() if x is not None}
    if isinstance(v, list):
        return [drop_nulls(x) for x in v]
    return v


class _NullsDropped:
    def __init__(self, resp):
        self.__dict__.update({k: getattr(resp, k) for k in ("status", "headers", "body", "error_type", "request_id")})
        self.json = drop_nulls(resp.json)


@pytest.mark.parametrize("kind", SERVERS)
@pytest.mark.parametrize("case", sorted(CASES))
def test_reference_shape(server_pool, responses, case, kind):
    fn, spec, wrong = CASES[case]
    if kind in wrong:
        pytest.skip("%s is known to deviate from AWS here: %s" % (kind, wrong[kind]))
    resp = run_case(server_pool, responses, case, kind)
    if kind == "kinesis-local" and not isinstance(resp, Synthetic):
        resp = _NullsDropped(resp)
    errs = violations(resp, spec)
    assert not errs, "%s / %s:\n  " % (kind, case) + "\n  ".join(errs)


@pytest.mark.parametrize("ref", ["kinesalite", "kinesis-local"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_sluice_agrees_with_reference(server_pool, responses, case, ref):
    fn, spec, wrong = CASES[case]
    if ref in wrong:
        pytest.skip("%s is known to deviate from AWS here: %s" % (ref, wrong[ref]))
    if not kh.kind_available("sluice"):
        pytest.skip(kh.unavailable_reason("sluice"))
    theirs = run_case(server_pool, responses, case, ref)
    if ref == "kinesis-local" and not isinstance(theirs, Synthetic):
        theirs = _NullsDropped(theirs)
    if violations(theirs, spec):
        pytest.skip("%s does not match the reference shape here (reported by test_reference_shape)" % ref)
    ours = run_case(server_pool, responses, case, "sluice")
    assert signature(ours, spec) == signature(theirs, spec), \
        "sluice %r\n%s %r" % (ours.body[:400], ref, theirs.body[:400])


def _contains_null(v):
    if v is None:
        return True
    if isinstance(v, dict):
        return any(_contains_null(x) for x in v.values())
    if isinstance(v, list):
        return any(_contains_null(x) for x in v)
    return False


@pytest.mark.parametrize("kind", ["sluice", "kinesalite"])
def test_no_null_members(server_pool, responses, kind):
    """Absent optional members are omitted, never null (reference 1.3); kinesis-local is known to send nulls."""
    for case in ("describe_stream", "describe_stream_summary", "list_shards", "get_records", "put_records",
                 "list_streams"):
        if kind in CASES[case][2]:
            continue
        resp = run_case(server_pool, responses, case, kind)
        assert not _contains_null(resp.json), "%s: %r" % (case, resp.body[:400])
