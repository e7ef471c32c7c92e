"""Throughput limits (issue 4): per-shard write/read throttling, control-plane rates, `--limits off|custom`,
fault injection, and botocore's standard retry mode against them. Sluice only: the reference servers do not throttle.

Every test runs on a server of its own flags (not the shared suite server), so budgets used here never leak into
other tests and vice versa."""
import time

import pytest
from botocore.config import Config

import kinhelpers as kh
from kinhelpers import error_code, error_message

pytestmark = pytest.mark.beyond_issue

PTE = "ProvisionedThroughputExceededException"


@pytest.fixture
def sluice_with(server_pool, target):
    if target != "sluice":
        pytest.skip("throttling is Sluice's: kinesalite and kinesis-local do not throttle")

    def start(*flags):
        # the suites' servers run without control-plane quotas (kinhelpers.start_server); AWS's apply here
        if "--control-plane-limits" not in flags and ("--limits", "off") != tuple(flags[:2]):
            flags += ("--control-plane-limits", "on")
        srv = server_pool.get("sluice", extra_args=tuple(flags))
        return kh.make_client(srv.endpoint)
    return start


@pytest.fixture
def streams():
    created = []

    def make(client, shards=1):
        name = kh.unique_name("thr")
        client.create_stream(StreamName=name, ShardCount=shards)
        kh.wait_status(client, name)
        created.append((client, name))
        return name
    yield make
    for client, name in created:
        try:
            client.delete_stream(StreamName=name)
        except Exception:  # noqa: BLE001 - best effort
            pass


def rate_message(name, shard=0):
    return "Rate exceeded for shard %s in stream %s under account %s." % (kh.shard_id(shard), name,
                                                                         kh.DEFAULT_ACCOUNT)


def put_batch(kin, name, n, tag, size=8):
    entries = [{"Data": (b"%s-%d-" % (tag, i)).ljust(size, b"x"), "PartitionKey": "k"} for i in range(n)]
    r = kin.put_records(StreamName=name, Records=entries)
    assert len(r["Records"]) == n
    ok, failed = [], 0
    for e, res in zip(entries, r["Records"]):
        if "ErrorCode" in res:
            failed += 1
            assert set(res) == {"ErrorCode", "ErrorMessage"}, res
            assert res["ErrorCode"] == PTE, res
            assert res["ErrorMessage"] == rate_message(name), res
        else:
            assert set(res) == {"SequenceNumber", "ShardId"}, res
            ok.append(e["Data"])
    assert r["FailedRecordCount"] == failed
    return ok, failed


@pytest.mark.timeout(90)
def test_producer_at_twice_the_write_limit_sees_about_half_throttled(sluice_with, streams):
    """1000 records/s per shard with a 1 s burst: once the burst is spent, a producer at 2000 records/s gets
    about half of its records refused, each with the exact per-entry error; only the admitted ones are stored."""
    kin = sluice_with("--limits", "aws")
    name = streams(kin)
    ok_all, _ = put_batch(kin, name, 500, b"burst")
    for i in range(3):  # spend the burst
        ok, _ = put_batch(kin, name, 500, b"spend%d" % i)
        ok_all += ok
    sent = admitted = 0
    t0 = time.monotonic()
    for step in range(12):  # 3 s at 2000 records/s, 500 every 250 ms
        delay = t0 + step * 0.25 - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        ok, failed = put_batch(kin, name, 500, b"p%d" % step)
        ok_all += ok
        sent += 500
        admitted += len(ok)
    elapsed = time.monotonic() - t0
    throttled = sent - admitted
    assert 0.3 * sent <= throttled <= 0.7 * sent, (sent, admitted, elapsed)
    # refills are exact: what was admitted is what 1000/s over the elapsed time (plus one batch) allows
    assert admitted <= 1000 * elapsed + 500 + 50, (admitted, elapsed)
    got = []
    it = kin.get_shard_iterator(StreamName=name, ShardId=kh.shard_id(0), ShardIteratorType="TRIM_HORIZON")[
        "ShardIterator"]
    while True:
        r = kin.get_records(ShardIterator=it, Limit=10000)
        got += [x["Data"] for x in r["Records"]]
        if not r["Records"]:
            break
        it = r["NextShardIterator"]
        time.sleep(0.25)
    assert sorted(got) == sorted(ok_all), "throttled entries were written (or successes lost)"


@pytest.mark.timeout(60)
def test_write_bytes_limit_and_put_record_whole_call(sluice_with, streams):
    """1 MiB/s per shard: 3 MiB at once gets about 1 MiB through; PutRecord then fails as a whole (HTTP 400)."""
    kin = sluice_with("--limits", "aws")
    name = streams(kin)
    admitted = 0
    for i in range(3):
        ok, _ = put_batch(kin, name, 100, b"b%d" % i, size=10 * 1024)
        admitted += len(ok)
    assert 100 <= admitted <= 130, admitted
    with pytest.raises(kin.exceptions.ClientError) as ei:
        for _ in range(200):
            kin.put_record(StreamName=name, Data=b"x" * 10 * 1024, PartitionKey="k")
    assert error_code(ei.value) == PTE
    assert error_message(ei.value) == rate_message(name)
    assert ei.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


@pytest.mark.timeout(60)
def test_limits_off_never_throttles(sluice_with, streams):
    kin = sluice_with("--limits", "off")
    name = streams(kin)
    for i in range(8):
        _, failed = put_batch(kin, name, 500, b"off%d" % i)
        assert failed == 0
    it = kin.get_shard_iterator(StreamName=name, ShardId=kh.shard_id(0), ShardIteratorType="TRIM_HORIZON")[
        "ShardIterator"]
    for _ in range(20):
        kin.get_records(ShardIterator=it, Limit=10)
    for _ in range(20):  # control-plane rates are off too
        kin.describe_limits()


@pytest.mark.timeout(60)
def test_get_records_at_ten_calls_per_second_is_throttled(sluice_with, streams):
    kin = sluice_with("--limits", "aws")
    name = streams(kin)
    put_batch(kin, name, 10, b"r")
    it = kin.get_shard_iterator(StreamName=name, ShardId=kh.shard_id(0), ShardIteratorType="TRIM_HORIZON")[
        "ShardIterator"]
    ok = throttled = 0
    t0 = time.monotonic()
    for step in range(20):  # 2 s at 10 calls/s; iterators are reusable
        delay = t0 + step * 0.1 - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        try:
            r = kin.get_records(ShardIterator=it)
            assert len(r["Records"]) == 10
            ok += 1
        except kin.exceptions.ClientError as e:
            assert error_code(e) == PTE
            assert error_message(e) == rate_message(name)
            assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 400
            throttled += 1
    assert throttled >= 3 and ok >= 8, (ok, throttled)


@pytest.mark.timeout(60)
def test_large_read_is_charged_against_the_following_seconds(sluice_with, streams):
    """Custom read budget of 100 KiB/s: one call returning 500 KiB is served, then the shard refuses reads for the
    ~4 s its excess takes to refill (AWS: 10 MiB against 2 MiB/s throttles the next 5 s)."""
    kin = sluice_with("--shard-read-bytes-per-sec", "100K")
    name = streams(kin)
    put_batch(kin, name, 5, b"big", size=100 * 1024)
    it = kin.get_shard_iterator(StreamName=name, ShardId=kh.shard_id(0), ShardIteratorType="TRIM_HORIZON")[
        "ShardIterator"]
    assert len(kin.get_records(ShardIterator=it)["Records"]) == 5
    t0 = time.monotonic()
    with pytest.raises(kin.exceptions.ProvisionedThroughputExceededException):
        kin.get_records(ShardIterator=it)
    time.sleep(max(0.0, 2.0 - (time.monotonic() - t0)))
    with pytest.raises(kin.exceptions.ProvisionedThroughputExceededException):
        kin.get_records(ShardIterator=it)
    time.sleep(max(0.0, 4.3 - (time.monotonic() - t0)))
    assert len(kin.get_records(ShardIterator=it)["Records"]) == 5


@pytest.mark.timeout(60)
def test_control_plane_rates(sluice_with, streams):
    kin = sluice_with("--limits", "aws")
    name = streams(kin)
    time.sleep(1.1)  # a full DescribeLimits bucket (1/s)
    kin.describe_limits()
    with pytest.raises(kin.exceptions.LimitExceededException) as ei:
        kin.describe_limits()
    assert error_message(ei.value) == "Rate exceeded for account %s." % kh.DEFAULT_ACCOUNT
    with pytest.raises(kin.exceptions.LimitExceededException) as ei:
        for _ in range(30):  # 10/s per account
            kin.describe_stream(StreamName=name)
    assert error_message(ei.value) == "Rate exceeded for stream %s under account %s." % (name, kh.DEFAULT_ACCOUNT)
    assert ei.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    # another account has its own budget
    other = kh.make_client(kin.meta.endpoint_url, access_key="111122223333")
    other.describe_limits()


@pytest.mark.timeout(60)
def test_control_plane_limits_can_be_turned_off(sluice_with):
    kin = sluice_with("--limits", "aws", "--control-plane-limits", "off")
    for _ in range(5):
        kin.describe_limits()


@pytest.mark.timeout(90)
def test_boto3_standard_retries_absorb_throttling(sluice_with, streams):
    """botocore's standard retry mode retries ProvisionedThroughputExceededException (and LimitExceededException)
    with backoff: every call eventually succeeds, and some needed retries."""
    plain = sluice_with("--shard-write-records-per-sec", "10", "--shard-read-calls-per-sec", "2")
    cfg = Config(retries={"mode": "standard", "max_attempts": 10}, connect_timeout=5, read_timeout=60)
    import boto3
    kin = boto3.client("kinesis", endpoint_url=plain.meta.endpoint_url, region_name=kh.REGION,
                       aws_access_key_id=kh.FAKE_AKID, aws_secret_access_key=kh.FAKE_SECRET, config=cfg)
    name = streams(plain)
    retried = 0
    for i in range(25):
        r = kin.put_record(StreamName=name, Data=b"%d" % i, PartitionKey="k")
        retried += r["ResponseMetadata"]["RetryAttempts"]
    it = kin.get_shard_iterator(StreamName=name, ShardId=kh.shard_id(0), ShardIteratorType="TRIM_HORIZON")[
        "ShardIterator"]
    for _ in range(6):
        r = kin.get_records(ShardIterator=it)
        assert len(r["Records"]) == 25
        retried += r["ResponseMetadata"]["RetryAttempts"]
    assert retried > 0


@pytest.mark.timeout(60)
def test_fault_injection(sluice_with, streams):
    kin = sluice_with("--limits", "off", "--inject-error-rate", "0.5")
    name = streams(kin)
    entries = [{"Data": b"%d" % i, "PartitionKey": "k%d" % i} for i in range(500)]
    r = kin.put_records(StreamName=name, Records=entries)
    codes = [x.get("ErrorCode") for x in r["Records"]]
    assert r["FailedRecordCount"] == sum(c is not None for c in codes)
    assert 150 <= r["FailedRecordCount"] <= 350
    assert {PTE, "InternalFailure"} == set(codes) - {None}
    for x in r["Records"]:
        if x.get("ErrorCode") == "InternalFailure":
            assert x["ErrorMessage"] == "Internal service failure."

    slow = sluice_with("--limits", "off", "--inject-latency-ms", "300")
    name = streams(slow)
    t0 = time.monotonic()
    slow.put_record(StreamName=name, Data=b"x", PartitionKey="k")
    assert time.monotonic() - t0 >= 0.3
