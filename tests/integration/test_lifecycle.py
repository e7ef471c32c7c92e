"""Stream status lifecycle with a creation delay: the target server is started a second time with
--create-stream-delay-ms 300 (kinesalite: --createStreamMs 300; kinesis-local: CREATE_STREAM_DURATION=300ms)."""
import time

import pytest

import kinhelpers as kh
from kinhelpers import error_code, error_message

DELAY_MS = 300


@pytest.fixture
def slow_server(server_pool, target):
    return server_pool.get(target, create_delay_ms=DELAY_MS)


@pytest.fixture
def slow(slow_server):
    return kh.make_client(slow_server.endpoint)


def status(c, name):
    return c.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamStatus"]


def test_creating_then_active(slow):
    name = kh.unique_name("life")
    t0 = time.monotonic()
    slow.create_stream(StreamName=name, ShardCount=2)
    try:
        assert status(slow, name) == "CREATING"
        d = slow.describe_stream(StreamName=name)["StreamDescription"]
        assert d["StreamStatus"] == "CREATING"
        ls = slow.list_streams()
        assert name in ls["StreamNames"]
        for s in ls.get("StreamSummaries", []):
            if s["StreamName"] == name:
                assert s["StreamStatus"] in ("CREATING", "ACTIVE")
        kh.wait_status(slow, name, timeout=10)
        elapsed = time.monotonic() - t0
        assert elapsed >= DELAY_MS / 1000.0 * 0.8, "became ACTIVE after %.3fs, delay is %dms" % (elapsed, DELAY_MS)
        assert len(slow.describe_stream(StreamName=name)["StreamDescription"]["Shards"]) == 2
    finally:
        _cleanup(slow, name)


def _cleanup(c, name):
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            c.delete_stream(StreamName=name)
            return
        except c.exceptions.ResourceInUseException:
            time.sleep(0.1)
        except c.exceptions.ResourceNotFoundException:
            return


def test_data_ops_on_creating_stream_fail(slow):
    name = kh.unique_name("life")
    slow.create_stream(StreamName=name, ShardCount=1)
    try:
        assert status(slow, name) == "CREATING"
        with pytest.raises(slow.exceptions.ResourceNotFoundException):
            slow.put_record(StreamName=name, Data=b"x", PartitionKey="k")
        with pytest.raises(slow.exceptions.ResourceNotFoundException):
            slow.put_records(StreamName=name, Records=[{"Data": b"x", "PartitionKey": "k"}])
        with pytest.raises(slow.exceptions.ClientError) as ei:
            slow.get_shard_iterator(StreamName=name, ShardId=kh.shard_id(0), ShardIteratorType="TRIM_HORIZON")
        assert error_code(ei.value) in ("ResourceNotFoundException", "ResourceInUseException"), error_message(ei.value)
        assert status(slow, name) == "CREATING", "test too slow for the configured delay"
        kh.wait_status(slow, name, timeout=10)
        slow.put_record(StreamName=name, Data=b"x", PartitionKey="k")
    finally:
        _cleanup(slow, name)


@pytest.mark.deviates("kinesalite", "allows tag/retention changes while CREATING")
def test_control_ops_on_creating_stream_refused(slow):
    name = kh.unique_name("life")
    slow.create_stream(StreamName=name, ShardCount=1)
    try:
        with pytest.raises(slow.exceptions.ResourceInUseException):
            slow.add_tags_to_stream(StreamName=name, Tags={"a": "b"})
        with pytest.raises(slow.exceptions.ResourceInUseException):
            slow.increase_stream_retention_period(StreamName=name, RetentionPeriodHours=48)
        with pytest.raises(slow.exceptions.ResourceInUseException):
            slow.create_stream(StreamName=name, ShardCount=1)
        assert status(slow, name) == "CREATING", "test too slow for the configured delay"
        kh.wait_status(slow, name, timeout=10)
        slow.add_tags_to_stream(StreamName=name, Tags={"a": "b"})
        assert slow.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["RetentionPeriodHours"] == 24
    finally:
        _cleanup(slow, name)


@pytest.mark.deviates("kinesalite", "CreateStream ignores Tags")
def test_tags_given_at_creation_apply_while_creating(slow):
    name = kh.unique_name("life")
    slow.create_stream(StreamName=name, ShardCount=1, Tags={"k": "v"})
    try:
        assert slow.list_tags_for_stream(StreamName=name)["Tags"] == [{"Key": "k", "Value": "v"}]
    finally:
        kh.wait_status(slow, name, timeout=10)
        _cleanup(slow, name)


def test_stream_exists_waiter(slow):
    name = kh.unique_name("life")
    slow.create_stream(StreamName=name, ShardCount=1)
    try:
        t0 = time.monotonic()
        slow.get_waiter("stream_exists").wait(StreamName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 10})
        assert time.monotonic() - t0 < 5
        assert status(slow, name) == "ACTIVE"
    finally:
        _cleanup(slow, name)


def test_stream_not_exists_waiter(slow):
    name = kh.unique_name("life")
    slow.create_stream(StreamName=name, ShardCount=1)
    kh.wait_status(slow, name, timeout=10)
    slow.delete_stream(StreamName=name)
    slow.get_waiter("stream_not_exists").wait(StreamName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 10})
    with pytest.raises(slow.exceptions.ResourceNotFoundException):
        slow.describe_stream(StreamName=name)


def test_delete_reports_deleting_or_gone(slow):
    name = kh.unique_name("life")
    slow.create_stream(StreamName=name, ShardCount=1)
    kh.wait_status(slow, name, timeout=10)
    slow.delete_stream(StreamName=name)
    try:
        st = status(slow, name)
        assert st == "DELETING"
    except slow.exceptions.ResourceNotFoundException:
        pass
    kh.wait_gone(slow, name)


DELETE_DELAY_MS = 400


@pytest.fixture
def slow_delete(server_pool, target):
    if target == "sluice":
        extra = ("--delete-stream-delay-ms", str(DELETE_DELAY_MS))
    elif target == "kinesalite":
        extra = ("--deleteStreamMs", str(DELETE_DELAY_MS))
    else:
        extra = ("env:DELETE_STREAM_DURATION=%dms" % DELETE_DELAY_MS,)
    return kh.make_client(server_pool.get(target, extra_args=extra).endpoint)


def test_deleting_state(slow_delete):
    c = slow_delete
    name = kh.unique_name("del")
    c.create_stream(StreamName=name, ShardCount=1)
    kh.wait_status(c, name, timeout=10)
    c.delete_stream(StreamName=name)
    assert status(c, name) == "DELETING"
    with pytest.raises(c.exceptions.ResourceInUseException):
        c.create_stream(StreamName=name, ShardCount=1)
    kh.wait_gone(c, name, timeout=10)
    c.create_stream(StreamName=name, ShardCount=1)
    kh.wait_status(c, name, timeout=10)
    c.delete_stream(StreamName=name)
