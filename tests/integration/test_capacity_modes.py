"""Capacity modes (issue 4): UpdateStreamMode PROVISIONED <-> ON_DEMAND through boto3 (state, quotas, the
twice-a-day limit, StreamModeDetails in DescribeStream/DescribeStreamSummary/ListStreams) and on-demand
auto-scaling end to end: a stream overloaded past one shard's write limit gains shards by itself, after which
the producer is no longer throttled. Sluice only: the reference emulators accept the call but never scale."""
import time

import pytest

import kinhelpers as kh
from kinhelpers import error_message
from test_resharding import serve_help


@pytest.fixture
def sluice_server(server_pool, target):
    """(server, client) for a Sluice server of its own flags (flags the binary does not know skip the test)."""
    if target != "sluice":
        pytest.skip("capacity modes are checked on Sluice; the reference emulators do not scale")

    def start(*flags):
        known = serve_help()
        for f in flags:
            if f.startswith("--") and f not in known:
                pytest.skip("this sluice binary has no %s flag" % f)
        srv = server_pool.get("sluice", extra_args=tuple(flags))
        return srv, kh.make_client(srv.endpoint)
    return start


def summary(kin, name):
    return kin.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]


def mode_of_listed(kin, name):
    for s in kin.list_streams()["StreamSummaries"]:
        if s["StreamName"] == name:
            return s["StreamModeDetails"]["StreamMode"]
    raise AssertionError("%s not listed" % name)


def test_update_stream_mode_both_ways(sluice_server, new_stream):
    _, kin = sluice_server("--update-stream-delay-ms", "800")
    name = new_stream(shards=2, client=kin)
    arn = summary(kin, name)["StreamARN"]

    kin.update_stream_mode(StreamARN=arn, StreamModeDetails={"StreamMode": "ON_DEMAND"})
    s = summary(kin, name)
    assert s["StreamStatus"] == "UPDATING"
    assert s["StreamModeDetails"] == {"StreamMode": "ON_DEMAND"}
    assert s["OpenShardCount"] == 2  # the shards are kept at the switch
    with pytest.raises(kin.exceptions.ResourceInUseException) as e:
        kin.update_stream_mode(StreamARN=arn, StreamModeDetails={"StreamMode": "PROVISIONED"})
    assert error_message(e.value) == "Stream %s under account %s not ACTIVE, instead in state UPDATING" % (
        name, kh.DEFAULT_ACCOUNT)
    kh.wait_status(kin, name)
    assert kin.describe_stream(StreamName=name)["StreamDescription"]["StreamModeDetails"]["StreamMode"] == "ON_DEMAND"
    assert mode_of_listed(kin, name) == "ON_DEMAND"
    # On-demand streams are resharded by the service only.
    with pytest.raises(kin.exceptions.ValidationException):
        kin.update_shard_count(StreamName=name, TargetShardCount=4, ScalingType="UNIFORM_SCALING")
    # The current mode again changes nothing (Terraform's refresh sends it).
    kin.update_stream_mode(StreamARN=arn, StreamModeDetails={"StreamMode": "ON_DEMAND"})
    assert summary(kin, name)["StreamStatus"] == "ACTIVE"

    kin.update_stream_mode(StreamARN=arn, StreamModeDetails={"StreamMode": "PROVISIONED"})
    kh.wait_status(kin, name)
    assert summary(kin, name)["StreamModeDetails"] == {"StreamMode": "PROVISIONED"}
    assert mode_of_listed(kin, name) == "PROVISIONED"
    kin.update_shard_count(StreamName=name, TargetShardCount=4, ScalingType="UNIFORM_SCALING")
    kh.wait_status(kin, name)
    with pytest.raises(kin.exceptions.LimitExceededException) as e:
        kin.update_stream_mode(StreamARN=arn, StreamModeDetails={"StreamMode": "ON_DEMAND"})
    assert "UpdateStreamMode operations per rolling 24 hour period" in error_message(e.value)


def test_update_stream_mode_validation_and_not_found(sluice_server):
    _, kin = sluice_server()
    missing = "arn:aws:kinesis:%s:%s:stream/%s" % (kh.REGION, kh.DEFAULT_ACCOUNT, kh.unique_name("nope"))
    with pytest.raises(kin.exceptions.ResourceNotFoundException):
        kin.update_stream_mode(StreamARN=missing, StreamModeDetails={"StreamMode": "ON_DEMAND"})
    with pytest.raises(kin.exceptions.ClientError) as e:
        kin.update_stream_mode(StreamARN=missing, StreamModeDetails={"StreamMode": "FAST"})
    assert kh.error_code(e.value) == "ValidationException"
    assert "streamModeDetails.streamMode" in error_message(e.value)


def test_update_stream_mode_account_quotas(sluice_server, new_stream):
    _, kin = sluice_server("--on-demand-stream-limit", "1", "--shard-limit", "5")
    od = new_stream(shards=None, client=kin, StreamModeDetails={"StreamMode": "ON_DEMAND"})
    prov = new_stream(shards=3, client=kin)
    with pytest.raises(kin.exceptions.LimitExceededException) as e:
        kin.update_stream_mode(StreamARN=summary(kin, prov)["StreamARN"], StreamModeDetails={"StreamMode": "ON_DEMAND"})
    assert "on-demand stream count limit" in error_message(e.value)
    # 3 provisioned shards + the on-demand stream's 4 would exceed the 5-shard limit.
    with pytest.raises(kin.exceptions.LimitExceededException) as e:
        kin.update_stream_mode(StreamARN=summary(kin, od)["StreamARN"], StreamModeDetails={"StreamMode": "PROVISIONED"})
    assert "shard limit" in error_message(e.value)


def open_shard_count(kin, name):
    return sum(1 for s in kin.list_shards(StreamName=name)["Shards"]
               if "EndingSequenceNumber" not in s["SequenceNumberRange"])


def test_on_demand_stream_gains_shards_under_overload(sluice_server, new_stream):
    srv, kin = sluice_server("--on-demand-scaling", "on", "--on-demand-scaling-interval-ms", "200",
                             "--on-demand-scale-up-after-ms", "2000")
    name = new_stream(shards=None, client=kin, StreamModeDetails={"StreamMode": "ON_DEMAND"})
    assert open_shard_count(kin, name) == 4
    # 1500 records/s, all in shard 0's quarter of the key space: 1.5x its write limit. Split in two, each child
    # gets 750/s, under the 80% that counts as hot, so the stream settles there.
    quarter = 2**126
    entries = [{"PartitionKey": "k", "ExplicitHashKey": str(quarter // 500 * i), "Data": b"x" * 10}
               for i in range(500)]
    deadline = time.monotonic() + 60
    throttled_before = 0
    scaled_at = None
    throttled_after = []
    next_send = time.monotonic()
    while time.monotonic() < deadline:
        r = kin.put_records(StreamName=name, Records=entries)
        if scaled_at is None:
            throttled_before += r["FailedRecordCount"]
            if open_shard_count(kin, name) > 4:
                scaled_at = time.monotonic()
        else:
            if time.monotonic() - scaled_at > 3:  # the children's first second may still see stragglers
                throttled_after.append(r["FailedRecordCount"])
            if len(throttled_after) >= 15:
                break
        next_send += 1 / 3
        time.sleep(max(0, next_send - time.monotonic()))
    assert throttled_before > 0, "the overload was throttled before scaling"
    assert scaled_at is not None, "no scale-up within 60 s; server log:\n" + srv.log_tail()
    assert len(throttled_after) >= 15
    assert sum(throttled_after) == 0, throttled_after
    s = summary(kin, name)
    assert s["StreamModeDetails"] == {"StreamMode": "ON_DEMAND"}
    assert s["OpenShardCount"] == 5
    assert "on-demand scale up" in srv.log_tail()
