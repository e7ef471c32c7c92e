"""CloudWatch alarms on Sluice: boto3 puts a high-resolution custom metric (StorageResolution 1) above a
threshold; an alarm with Period 10 goes INSUFFICIENT_DATA -> ALARM and POSTs an SNS-style notification to a
webhook served by the test (http.server on loopback, passed with --alarm-action ARN=URL); the alarm API's
errors; alarms, state, tags and history survive a restart.

Sluice only: each test starts its own server process on its own data dir."""
import datetime as dt
import http.server
import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

import kinhelpers as kh

TOPIC = "arn:aws:sns:%s:%s:sluice-alarms" % (kh.REGION, kh.DEFAULT_ACCOUNT)


class Webhook:
    """Records every POST on a loopback port."""

    def __init__(self):
        self.posts = []
        self.cond = threading.Condition()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with outer.cond:
                    outer.posts.append((self.path, dict(self.headers.items()), body))
                    outer.cond.notify_all()
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d/hook" % self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def wait(self, n, timeout):
        with self.cond:
            self.cond.wait_for(lambda: len(self.posts) >= n, timeout=timeout)
            return list(self.posts)

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class Server:
    def __init__(self, extra):
        self.workdir = tempfile.mkdtemp(prefix="sluice-alarms-")
        self.data_dir = os.path.join(self.workdir, "data")
        os.makedirs(self.data_dir)
        self.log_path = os.path.join(self.workdir, "server.log")
        self.port = kh.free_port()
        self.extra = list(extra)
        self.proc = None

    @property
    def endpoint(self):
        return "http://127.0.0.1:%d" % self.port

    def start(self):
        cmd = [kh.sluice_bin(), "serve", "--host", "127.0.0.1", "--port", str(self.port), "--data-dir", self.data_dir,
               "--region", kh.REGION, "--account-id", kh.DEFAULT_ACCOUNT, "--limits", "off"] + self.extra
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        kh.wait_port(self.port, self.proc, 30, self.log_path)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        assert self.proc.wait(timeout=15) == 0, kh.tail(self.log_path)

    def client(self):
        import boto3
        cfg = Config(retries={"max_attempts": 0, "mode": "legacy"}, connect_timeout=5, read_timeout=30)
        return boto3.client("cloudwatch", endpoint_url=self.endpoint, region_name=kh.REGION,
                            aws_access_key_id=kh.FAKE_AKID, aws_secret_access_key=kh.FAKE_SECRET, config=cfg)

    def cleanup(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.workdir, ignore_errors=True)


@pytest.fixture
def webhook():
    w = Webhook()
    yield w
    w.close()


@pytest.fixture
def server(target, webhook):
    if target != "sluice":
        pytest.skip("CloudWatch alarms are a Sluice feature")
    if kh.sluice_bin() is None:
        pytest.skip(kh.unavailable_reason("sluice"))
    srv = Server(["--alarm-action", "%s=%s" % (TOPIC, webhook.url)])
    try:
        srv.start()
        yield srv
    finally:
        srv.cleanup()


def put_high_res(cw, ns, value):
    cw.put_metric_data(Namespace=ns, MetricData=[{
        "MetricName": "QueueDepth", "Dimensions": [{"Name": "Queue", "Value": "q1"}],
        "Timestamp": dt.datetime.now(dt.timezone.utc), "Value": value, "StorageResolution": 1}])


def alarm(cw, name):
    out = cw.describe_alarms(AlarmNames=[name])["MetricAlarms"]
    assert len(out) == 1
    return out[0]


def wait_state(cw, name, state, ns, value, timeout=40):
    """Keeps the metric flowing (one point a second) until the alarm reaches `state`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        put_high_res(cw, ns, value)
        if alarm(cw, name)["StateValue"] == state:
            return
        time.sleep(1)
    raise AssertionError("alarm %s did not reach %s: %r" % (name, state, alarm(cw, name)))


def test_high_resolution_alarm_fires_webhook_and_survives_restart(server, webhook):
    cw = server.client()
    ns = "Test/" + kh.unique_name("alarms")
    name = kh.unique_name("depth")
    cw.put_metric_alarm(AlarmName=name, AlarmDescription="queue too deep", Namespace=ns, MetricName="QueueDepth",
                        Dimensions=[{"Name": "Queue", "Value": "q1"}], Statistic="Maximum", Period=10,
                        EvaluationPeriods=1, Threshold=100, ComparisonOperator="GreaterThanThreshold",
                        AlarmActions=[TOPIC], OKActions=[TOPIC], Tags=[{"Key": "team", "Value": "core"}])
    a = alarm(cw, name)
    assert a["StateValue"] == "INSUFFICIENT_DATA"
    assert a["AlarmArn"] == "arn:aws:cloudwatch:%s:%s:alarm:%s" % (kh.REGION, kh.DEFAULT_ACCOUNT, name)
    assert a["Period"] == 10 and a["Threshold"] == 100.0 and a["Dimensions"] == [{"Name": "Queue", "Value": "q1"}]

    wait_state(cw, name, "ALARM", ns, 250)
    a = alarm(cw, name)
    assert "Threshold Crossed" in a["StateReason"]
    reason_data = json.loads(a["StateReasonData"])
    assert reason_data["version"] == "1.0" and reason_data["period"] == 10 and reason_data["threshold"] == 100.0
    assert reason_data["statistic"] == "Maximum" and reason_data["recentDatapoints"]

    posts = webhook.wait(1, timeout=15)
    assert posts, "no webhook POST:\n" + kh.tail(server.log_path)
    path, headers, body = posts[0]
    assert path == "/hook"
    lower = {k.lower(): v for k, v in headers.items()}
    assert lower["x-amz-sns-message-type"] == "Notification"
    assert lower["x-amz-sns-topic-arn"] == TOPIC
    env = json.loads(body)
    assert env["Type"] == "Notification" and env["TopicArn"] == TOPIC
    msg = json.loads(env["Message"])
    assert msg["AlarmName"] == name and msg["NewStateValue"] == "ALARM"
    assert msg["OldStateValue"] == "INSUFFICIENT_DATA" and msg["AlarmArn"] == a["AlarmArn"]
    assert msg["Trigger"]["MetricName"] == "QueueDepth" and msg["Trigger"]["Period"] == 10
    assert msg["Trigger"]["ComparisonOperator"] == "GreaterThanThreshold"

    # The history has the creation, the transition and the delivered action.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        items = cw.describe_alarm_history(AlarmName=name)["AlarmHistoryItems"]
        if any(i["HistoryItemType"] == "Action" for i in items):
            break
        time.sleep(0.2)
    kinds = {i["HistoryItemType"] for i in items}
    assert kinds >= {"ConfigurationUpdate", "StateUpdate", "Action"}, items
    assert json.loads([i for i in items if i["HistoryItemType"] == "StateUpdate"][0]["HistoryData"])[
        "newState"]["stateValue"] == "ALARM"

    server.stop()
    server.start()
    cw = server.client()
    a = alarm(cw, name)
    assert a["StateValue"] == "ALARM" and a["AlarmDescription"] == "queue too deep"
    assert cw.list_tags_for_resource(ResourceARN=a["AlarmArn"])["Tags"] == [{"Key": "team", "Value": "core"}]
    after = cw.describe_alarm_history(AlarmName=name)["AlarmHistoryItems"]
    assert {i["HistoryItemType"] for i in after} >= {"ConfigurationUpdate", "StateUpdate", "Action"}

    # Back under the threshold: OK, and the OK action fires.
    wait_state(cw, name, "OK", ns, 5)
    posts = webhook.wait(2, timeout=15)
    assert json.loads(json.loads(posts[-1][2])["Message"])["NewStateValue"] == "OK"


def test_alarm_api_and_errors(server):
    cw = server.client()
    ns = "Test/" + kh.unique_name("alarms")
    base = dict(Namespace=ns, MetricName="Errors", Statistic="Sum", Period=60, EvaluationPeriods=2, Threshold=1,
                ComparisonOperator="GreaterThanOrEqualToThreshold")
    for n in ("api-a1", "api-a2", "api-b1"):
        cw.put_metric_alarm(AlarmName=n, **base)

    names = [a["AlarmName"] for a in cw.describe_alarms(AlarmNamePrefix="api-a")["MetricAlarms"]]
    assert names == ["api-a1", "api-a2"]
    page = cw.describe_alarms(MaxRecords=2)
    assert len(page["MetricAlarms"]) == 2 and page["NextToken"]
    rest = cw.describe_alarms(MaxRecords=2, NextToken=page["NextToken"])
    assert [a["AlarmName"] for a in rest["MetricAlarms"]] == ["api-b1"] and "NextToken" not in rest
    assert cw.describe_alarms(AlarmTypes=["CompositeAlarm"])["MetricAlarms"] == []
    assert len(cw.describe_alarms_for_metric(Namespace=ns, MetricName="Errors")["MetricAlarms"]) == 3

    cw.set_alarm_state(AlarmName="api-a1", StateValue="ALARM", StateReason="drill")
    a = cw.describe_alarms(StateValue="ALARM")["MetricAlarms"]
    assert [x["AlarmName"] for x in a] == ["api-a1"] and a[0]["StateReason"] == "drill"
    cw.disable_alarm_actions(AlarmNames=["api-a1"])
    assert not cw.describe_alarms(AlarmNames=["api-a1"])["MetricAlarms"][0]["ActionsEnabled"]

    def code(fn, **kw):
        with pytest.raises(ClientError) as e:
            fn(**kw)
        return e.value.response["Error"]["Code"], e.value.response["ResponseMetadata"]["HTTPStatusCode"]

    assert code(cw.put_metric_alarm, AlarmName="bad", **dict(base, Period=45)) == ("InvalidParameterValue", 400)
    assert code(cw.put_metric_alarm, AlarmName="bad", **dict(base, DatapointsToAlarm=3)) == \
        ("InvalidParameterValue", 400)
    assert code(cw.put_metric_alarm, AlarmName="bad", ExtendedStatistic="p99", **base) == \
        ("InvalidParameterCombination", 400)
    assert code(cw.put_metric_alarm, AlarmName="bad",
                **dict(base, ComparisonOperator="LessThanLowerOrGreaterThanUpperThreshold")) == \
        ("InvalidParameterValue", 400)
    assert code(cw.set_alarm_state, AlarmName="nope", StateValue="OK", StateReason="x") == ("ResourceNotFound", 404)
    assert code(cw.set_alarm_state, AlarmName="api-a1", StateValue="OK", StateReason="x",
                StateReasonData="{nope") == ("InvalidFormat", 400)
    assert code(cw.delete_alarms, AlarmNames=["api-a1", "nope"]) == ("ResourceNotFound", 404)
    assert code(cw.describe_alarms, NextToken="garbage") == ("InvalidNextToken", 400)
    arn = "arn:aws:cloudwatch:%s:%s:alarm:nope" % (kh.REGION, kh.DEFAULT_ACCOUNT)
    assert code(cw.list_tags_for_resource, ResourceARN=arn) == ("ResourceNotFoundException", 404)

    cw.delete_alarms(AlarmNames=["api-a1", "api-a2", "api-b1"])
    assert cw.describe_alarms()["MetricAlarms"] == []
