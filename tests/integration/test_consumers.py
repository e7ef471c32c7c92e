"""Enhanced fan-out consumers: RegisterStreamConsumer, DescribeStreamConsumer (by ConsumerARN, or StreamARN +
ConsumerName), ListStreamConsumers (pages, paginator, StreamCreationTimestamp), DeregisterStreamConsumer (by ARN
or name) through boto3 and the AWS CLI; CREATING -> ACTIVE after --consumer-activate-delay-ms, DELETING -> gone,
the 20-per-stream and 5-CREATING limits, DeleteStream and EnforceConsumerDeletion, consumers across a restart
(raw signed HTTP there, as in test_restart.py), and the errors for malformed, foreign and unknown ARNs.
Sluice only: the reference emulators' consumer lifecycles differ (kinesalite has none)."""
import signal
import time

import pytest

import kinhelpers as kh
from kinhelpers import error_code, error_message
from test_cli import aws  # noqa: F401  (fixture)
from test_resharding import serve_help
from test_restart import call, durable, error_of, wait_active  # noqa: F401  (durable is a fixture)


@pytest.fixture(autouse=True)
def _sluice_only(target):
    if target != "sluice":
        pytest.skip("consumer lifecycle and limits are checked on Sluice")
    if "--consumer-activate-delay-ms" not in serve_help():
        pytest.skip("this sluice binary has no enhanced fan-out consumers")


@pytest.fixture
def sluice_server(server_pool):
    """A boto3 client for a Sluice server of its own flags."""
    def start(*flags):
        return kh.make_client(server_pool.get("sluice", extra_args=tuple(flags)).endpoint)
    return start


def stream_arn(kin, name):
    return kin.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamARN"]


def register(kin, sarn, name):
    """RegisterStreamConsumer, retried while the account has 5 consumers CREATING (earlier tests' consumers on
    the shared server are CREATING for a second), as the KCL retries LimitExceeded."""
    deadline = time.monotonic() + 10
    while True:
        try:
            return kin.register_stream_consumer(StreamARN=sarn, ConsumerName=name)["Consumer"]
        except kin.exceptions.LimitExceededException as e:
            if "CREATING" not in error_message(e) or time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def consumer_status(kin, arn):
    return kin.describe_stream_consumer(ConsumerARN=arn)["ConsumerDescription"]["ConsumerStatus"]


def wait_consumer(kin, arn, want, timeout=10.0):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = consumer_status(kin, arn)
        except kin.exceptions.ResourceNotFoundException:
            last = "GONE"
        if last == want:
            return time.monotonic()
        time.sleep(0.05)
    raise AssertionError("consumer %s stayed %s, wanted %s" % (arn, last, want))


def listed(kin, sarn, **kw):
    return [c["ConsumerName"] for c in kin.list_stream_consumers(StreamARN=sarn, **kw)["Consumers"]]


def test_register_creating_then_active_within_a_second(kin, new_stream):
    name = new_stream()
    sarn = stream_arn(kin, name)
    before = time.time()
    c = register(kin, sarn, "app")
    start = time.monotonic()
    assert c["ConsumerName"] == "app"
    assert c["ConsumerStatus"] == "CREATING"
    assert c["ConsumerARN"].startswith(sarn + "/consumer/app:")
    epoch = int(c["ConsumerARN"].rsplit(":", 1)[1])
    assert int(before) - 1 <= epoch <= time.time() + 1
    assert abs(c["ConsumerCreationTimestamp"].timestamp() - before) < 5
    assert consumer_status(kin, c["ConsumerARN"]) == "CREATING"
    active_at = wait_consumer(kin, c["ConsumerARN"], "ACTIVE")
    # --consumer-activate-delay-ms defaults to 1000: well inside the KCL's ten 1-second polls.
    assert 0.5 <= active_at - start < 5
    summary = kin.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]
    assert summary["ConsumerCount"] == 1


def test_describe_by_arn_or_by_stream_and_name(kin, new_stream):
    name = new_stream()
    sarn = stream_arn(kin, name)
    carn = register(kin, sarn, "app")["ConsumerARN"]
    by_arn = kin.describe_stream_consumer(ConsumerARN=carn)["ConsumerDescription"]
    by_name = kin.describe_stream_consumer(StreamARN=sarn, ConsumerName="app")["ConsumerDescription"]
    both = kin.describe_stream_consumer(StreamARN=sarn, ConsumerName="app", ConsumerARN=carn)["ConsumerDescription"]
    assert by_arn == by_name == both
    assert set(by_arn) == {"ConsumerName", "ConsumerARN", "ConsumerStatus", "ConsumerCreationTimestamp", "StreamARN"}
    assert by_arn["StreamARN"] == sarn
    assert by_arn["ConsumerARN"] == carn
    # Inconsistent or incomplete addresses.
    with pytest.raises(kin.exceptions.InvalidArgumentException):
        kin.describe_stream_consumer(ConsumerARN=carn, ConsumerName="other")
    other = new_stream()
    with pytest.raises(kin.exceptions.InvalidArgumentException):
        kin.describe_stream_consumer(ConsumerARN=carn, StreamARN=stream_arn(kin, other))
    with pytest.raises(kin.exceptions.InvalidArgumentException):
        kin.describe_stream_consumer(StreamARN=sarn)
    with pytest.raises(kin.exceptions.InvalidArgumentException):
        kin.describe_stream_consumer(ConsumerName="app")


def test_duplicate_name_is_resource_in_use(kin, new_stream):
    name = new_stream()
    sarn = stream_arn(kin, name)
    register(kin, sarn, "app")
    with pytest.raises(kin.exceptions.ResourceInUseException) as e:
        kin.register_stream_consumer(StreamARN=sarn, ConsumerName="app")
    assert "app" in error_message(e.value)
    # The same name on another stream is another consumer.
    register(kin, stream_arn(kin, new_stream()), "app")


def test_twenty_first_consumer_is_limit_exceeded(sluice_server, new_stream):
    kin = sluice_server("--consumer-activate-delay-ms", "0")
    name = new_stream(client=kin)
    sarn = stream_arn(kin, name)
    for i in range(20):
        assert kin.register_stream_consumer(StreamARN=sarn, ConsumerName="c%02d" % i)["Consumer"]["ConsumerStatus"] \
            == "ACTIVE"
    with pytest.raises(kin.exceptions.LimitExceededException):
        kin.register_stream_consumer(StreamARN=sarn, ConsumerName="c20")
    assert kin.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["ConsumerCount"] == 20


def test_consumers_per_stream_is_a_custom_limit(sluice_server, new_stream):
    kin = sluice_server("--consumer-activate-delay-ms", "0", "--limits", "custom", "--consumers-per-stream", "2")
    sarn = stream_arn(kin, new_stream(client=kin))
    kin.register_stream_consumer(StreamARN=sarn, ConsumerName="a")
    kin.register_stream_consumer(StreamARN=sarn, ConsumerName="b")
    with pytest.raises(kin.exceptions.LimitExceededException):
        kin.register_stream_consumer(StreamARN=sarn, ConsumerName="c")


def test_sixth_creating_consumer_is_limit_exceeded(sluice_server, new_stream):
    kin = sluice_server("--consumer-activate-delay-ms", "60000")
    sarn = stream_arn(kin, new_stream(client=kin))
    for i in range(5):
        kin.register_stream_consumer(StreamARN=sarn, ConsumerName="c%d" % i)
    with pytest.raises(kin.exceptions.LimitExceededException) as e:
        kin.register_stream_consumer(StreamARN=sarn, ConsumerName="c5")
    assert "CREATING" in error_message(e.value)


def test_list_pages_and_paginator(sluice_server, new_stream):
    kin = sluice_server("--consumer-activate-delay-ms", "0")
    name = new_stream(client=kin)
    sarn = stream_arn(kin, name)
    names = ["c%02d" % i for i in range(7)]
    for n in names:
        kin.register_stream_consumer(StreamARN=sarn, ConsumerName=n)
    out = kin.list_stream_consumers(StreamARN=sarn)
    assert [c["ConsumerName"] for c in out["Consumers"]] == names
    assert "NextToken" not in out
    for c in out["Consumers"]:
        assert set(c) == {"ConsumerName", "ConsumerARN", "ConsumerStatus", "ConsumerCreationTimestamp"}
        assert c["ConsumerStatus"] == "ACTIVE"
    got, pages, token = [], 0, None
    while True:
        kw = {"MaxResults": 3}
        if token:
            kw["NextToken"] = token
        page = kin.list_stream_consumers(StreamARN=sarn, **kw)
        got += [c["ConsumerName"] for c in page["Consumers"]]
        pages += 1
        token = page.get("NextToken")
        if not token:
            break
    assert got == names and pages == 3
    paginated = [c["ConsumerName"] for p in kin.get_paginator("list_stream_consumers").paginate(
        StreamARN=sarn, PaginationConfig={"PageSize": 2}) for c in p["Consumers"]]
    assert paginated == names
    created = kin.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamCreationTimestamp"]
    assert listed(kin, sarn, StreamCreationTimestamp=created) == names
    with pytest.raises(kin.exceptions.ResourceNotFoundException):
        kin.list_stream_consumers(StreamARN=sarn, StreamCreationTimestamp=1_500_000_000)
    with pytest.raises(kin.exceptions.InvalidArgumentException):
        kin.list_stream_consumers(StreamARN=sarn, NextToken="bm90IGEgdG9rZW4=")


def test_deregister_deleting_then_gone(kin, new_stream):
    name = new_stream()
    sarn = stream_arn(kin, name)
    a = register(kin, sarn, "a")["ConsumerARN"]
    register(kin, sarn, "b")
    kin.deregister_stream_consumer(ConsumerARN=a)
    kin.deregister_stream_consumer(StreamARN=sarn, ConsumerName="b")
    assert consumer_status(kin, a) == "DELETING"
    assert {c["ConsumerStatus"] for c in kin.list_stream_consumers(StreamARN=sarn)["Consumers"]} == {"DELETING"}
    wait_consumer(kin, a, "GONE")
    deadline = time.monotonic() + 10
    while listed(kin, sarn) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert listed(kin, sarn) == []
    with pytest.raises(kin.exceptions.ResourceNotFoundException):
        kin.deregister_stream_consumer(ConsumerARN=a)
    # The name is free again and gets a new ARN.
    again = register(kin, sarn, "a")["ConsumerARN"]
    assert again != a
    with pytest.raises(kin.exceptions.ResourceNotFoundException):
        kin.describe_stream_consumer(ConsumerARN=a)


def test_delete_stream_needs_enforce_consumer_deletion(kin, new_stream):
    name = new_stream()
    sarn = stream_arn(kin, name)
    carn = register(kin, sarn, "app")["ConsumerARN"]
    with pytest.raises(kin.exceptions.ResourceInUseException):
        kin.delete_stream(StreamName=name)
    kin.describe_stream_consumer(ConsumerARN=carn)  # untouched
    kin.delete_stream(StreamName=name, EnforceConsumerDeletion=True)
    kh.wait_gone(kin, name)
    with pytest.raises(kin.exceptions.ResourceNotFoundException):
        kin.describe_stream_consumer(ConsumerARN=carn)
    new_stream(name=name)
    assert listed(kin, stream_arn(kin, name)) == []
    with pytest.raises(kin.exceptions.ResourceNotFoundException):
        kin.describe_stream_consumer(ConsumerARN=carn)


@kh.needs_botocore("RegisterStreamConsumer", "Tags")
@kh.needs_botocore("TagResource", "ResourceARN")
def test_consumer_tags(kin, new_stream):
    sarn = stream_arn(kin, new_stream())
    carn = None
    deadline = time.monotonic() + 10
    while carn is None:
        try:
            carn = kin.register_stream_consumer(StreamARN=sarn, ConsumerName="tagged",
                                                Tags={"team": "data"})["Consumer"]["ConsumerARN"]
        except kin.exceptions.LimitExceededException:
            assert time.monotonic() < deadline
            time.sleep(0.1)
    assert kin.list_tags_for_resource(ResourceARN=carn)["Tags"] == [{"Key": "team", "Value": "data"}]
    kin.tag_resource(ResourceARN=carn, Tags={"env": "ci"})
    kin.untag_resource(ResourceARN=carn, TagKeys=["team"])
    assert kin.list_tags_for_resource(ResourceARN=carn)["Tags"] == [{"Key": "env", "Value": "ci"}]
    assert kin.list_tags_for_resource(ResourceARN=sarn)["Tags"] == []
    with pytest.raises(kin.exceptions.ResourceNotFoundException):
        kin.list_tags_for_resource(ResourceARN=carn + "0")


def test_arn_errors(kin, new_stream):
    name = new_stream()
    sarn = stream_arn(kin, name)
    carn = register(kin, sarn, "app")["ConsumerARN"]
    prefix, epoch = carn.rsplit(":", 1)
    for bad in (sarn, sarn + "/consumer/app", sarn + "/consumer/a b:1", "app"):
        with pytest.raises(kin.exceptions.ClientError) as e:
            kin.describe_stream_consumer(ConsumerARN=bad)
        assert error_code(e.value) == "ValidationException", bad
    with pytest.raises(kin.exceptions.ResourceNotFoundException) as e:
        kin.describe_stream_consumer(ConsumerARN="%s:%d" % (prefix, int(epoch) + 1))
    assert "not found" in error_message(e.value)
    with pytest.raises(kin.exceptions.ResourceNotFoundException):
        kin.describe_stream_consumer(ConsumerARN=carn.replace(":" + kh.REGION + ":", ":eu-west-3:"))
    with pytest.raises(kin.exceptions.ClientError) as e:
        kin.describe_stream_consumer(ConsumerARN=carn.replace(":" + kh.DEFAULT_ACCOUNT + ":", ":999999999999:"))
    assert error_code(e.value) == "AccessDeniedException"
    with pytest.raises(kin.exceptions.ResourceNotFoundException):
        kin.register_stream_consumer(StreamARN=sarn + "-missing", ConsumerName="app")
    with pytest.raises(kin.exceptions.ClientError) as e:
        kin.register_stream_consumer(StreamARN=sarn, ConsumerName="bad name")
    assert error_code(e.value) == "ValidationException"


def test_consumers_survive_restart(durable):
    srv = durable
    call(srv, "CreateStream", {"StreamName": "efo", "ShardCount": 1})
    sarn = wait_active(srv, "efo")["StreamARN"]
    keep = call(srv, "RegisterStreamConsumer", {"StreamARN": sarn, "ConsumerName": "keep"})["Consumer"]
    drop = call(srv, "RegisterStreamConsumer", {"StreamARN": sarn, "ConsumerName": "drop"})["Consumer"]
    call(srv, "DeregisterStreamConsumer", {"ConsumerARN": drop["ConsumerARN"]})
    srv.restart(signal.SIGKILL)
    got = call(srv, "DescribeStreamConsumer", {"ConsumerARN": keep["ConsumerARN"]})["ConsumerDescription"]
    assert got["ConsumerName"] == "keep"
    assert got["ConsumerCreationTimestamp"] == keep["ConsumerCreationTimestamp"]
    assert got["ConsumerStatus"] in ("CREATING", "ACTIVE")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        names = [c["ConsumerName"] for c in call(srv, "ListStreamConsumers", {"StreamARN": sarn})["Consumers"]]
        if names == ["keep"]:
            break
        time.sleep(0.05)
    assert names == ["keep"]
    srv.restart(signal.SIGTERM)
    assert [c["ConsumerARN"] for c in call(srv, "ListStreamConsumers", {"StreamARN": sarn})["Consumers"]] == \
        [keep["ConsumerARN"]]
    assert error_of(srv, "DescribeStreamConsumer", {"ConsumerARN": drop["ConsumerARN"]}) == \
        "ResourceNotFoundException"
    assert error_of(srv, "DeleteStream", {"StreamName": "efo"}) == "ResourceInUseException"
    call(srv, "DeleteStream", {"StreamName": "efo", "EnforceConsumerDeletion": True})


def test_cli_consumer_commands(aws, kin, new_stream):  # noqa: F811
    name = new_stream()
    sarn = stream_arn(kin, name)
    time.sleep(1.1)  # no consumer of the earlier tests still CREATING (at most 5 at once per account)
    c = aws("register-stream-consumer", "--stream-arn", sarn, "--consumer-name", "cli-app")["Consumer"]
    assert c["ConsumerStatus"] == "CREATING"
    d = aws("describe-stream-consumer", "--consumer-arn", c["ConsumerARN"])["ConsumerDescription"]
    assert d["StreamARN"] == sarn and d["ConsumerName"] == "cli-app"
    d = aws("describe-stream-consumer", "--stream-arn", sarn, "--consumer-name", "cli-app")["ConsumerDescription"]
    assert d["ConsumerARN"] == c["ConsumerARN"]
    assert [x["ConsumerName"] for x in aws("list-stream-consumers", "--stream-arn", sarn)["Consumers"]] == ["cli-app"]
    err = aws("register-stream-consumer", "--stream-arn", sarn, "--consumer-name", "cli-app", expect_ok=False)
    assert "ResourceInUseException" in err
    assert aws("deregister-stream-consumer", "--consumer-arn", c["ConsumerARN"]) is None
    wait_consumer(kin, c["ConsumerARN"], "GONE")
