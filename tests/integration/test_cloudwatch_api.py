"""The CloudWatch API on Sluice's port: boto3 (AWS JSON 1.0), a raw AWS Query request (form body, XML answer)
and a raw Smithy RPC v2 CBOR request (serialized and parsed by botocore's own CBOR codec), SigV4 service
`monitoring`. Sluice only (the reference Kinesis emulators have no CloudWatch)."""
import datetime as dt
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET

import botocore.auth
import botocore.awsrequest
import botocore.credentials
import botocore.parsers
import botocore.serialize
import botocore.session
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

import kinhelpers as kh

NS = "{http://monitoring.amazonaws.com/doc/2010-08-01/}"


@pytest.fixture
def sluice(server_pool, target):
    if target != "sluice":
        pytest.skip("the CloudWatch API is Sluice's own (target %s)" % target)
    return server_pool.get("sluice")


@pytest.fixture
def cw(sluice):
    import boto3
    cfg = Config(retries={"max_attempts": 0, "mode": "legacy"}, connect_timeout=5, read_timeout=30)
    return boto3.client("cloudwatch", endpoint_url=sluice.endpoint, region_name=kh.REGION,
                        aws_access_key_id=kh.FAKE_AKID, aws_secret_access_key=kh.FAKE_SECRET, config=cfg)


def now():
    return dt.datetime.now(dt.timezone.utc)


def unique_ns():
    return "Test/" + kh.unique_name("cw")


def signed(endpoint, path, body, headers, service="monitoring"):
    req = botocore.awsrequest.AWSRequest(method="POST", url=endpoint + path, data=body, headers=headers)
    botocore.auth.SigV4Auth(botocore.credentials.Credentials(kh.FAKE_AKID, kh.FAKE_SECRET), service,
                            kh.REGION).add_auth(req)
    return req


def send(req):
    r = urllib.request.Request(req.url, data=req.body, headers=dict(req.headers.items()), method="POST")
    try:
        with urllib.request.urlopen(r, timeout=30) as resp:
            return resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()


def test_boto3_put_get_list(cw):
    ns = unique_ns()
    t = now().replace(second=0, microsecond=0) - dt.timedelta(minutes=3)
    dims = [{"Name": "StreamName", "Value": "s1"}]
    cw.put_metric_data(Namespace=ns, MetricData=[
        {"MetricName": "Lag", "Dimensions": dims, "Timestamp": t, "Value": 5, "Unit": "Milliseconds"},
        {"MetricName": "Lag", "Dimensions": dims, "Timestamp": t, "Values": [1, 9], "Counts": [1, 2],
         "Unit": "Milliseconds"},
        {"MetricName": "Lag", "Dimensions": dims, "Timestamp": t + dt.timedelta(minutes=1),
         "StatisticValues": {"SampleCount": 2, "Sum": 10, "Minimum": 5, "Maximum": 5}, "Unit": "Milliseconds"},
    ])
    out = cw.get_metric_statistics(Namespace=ns, MetricName="Lag", Dimensions=dims, StartTime=t - dt.timedelta(minutes=5),
                                   EndTime=now() + dt.timedelta(minutes=1), Period=60,
                                   Statistics=["Sum", "SampleCount", "Maximum"])
    pts = sorted(out["Datapoints"], key=lambda p: p["Timestamp"])
    assert out["Label"] == "Lag"
    assert [(p["Sum"], p["SampleCount"], p["Maximum"]) for p in pts] == [(24.0, 4.0, 9.0), (10.0, 2.0, 5.0)]
    assert pts[0]["Timestamp"] == t and pts[0]["Unit"] == "Milliseconds"
    # Percentiles come in a request of their own (Statistics or ExtendedStatistics, not both).
    out = cw.get_metric_statistics(Namespace=ns, MetricName="Lag", Dimensions=dims, StartTime=t - dt.timedelta(minutes=5),
                                   EndTime=now() + dt.timedelta(minutes=1), Period=60, ExtendedStatistics=["p50"])
    pts = sorted(out["Datapoints"], key=lambda p: p["Timestamp"])
    assert "p50" in pts[0]["ExtendedStatistics"]

    metrics = cw.list_metrics(Namespace=ns)["Metrics"]
    assert metrics == [{"Namespace": ns, "MetricName": "Lag", "Dimensions": dims}]
    # Exact dimension sets: no dimensions is another metric.
    out = cw.get_metric_statistics(Namespace=ns, MetricName="Lag", StartTime=t - dt.timedelta(minutes=5),
                                   EndTime=now(), Period=60, Statistics=["Sum"])
    assert out["Datapoints"] == []


def test_boto3_get_metric_data_math_and_pages(cw):
    ns = unique_ns()
    t0 = now().replace(second=0, microsecond=0) - dt.timedelta(minutes=6)
    data = []
    for i in range(5):
        ts = t0 + dt.timedelta(minutes=i)
        data.append({"MetricName": "Requests", "Timestamp": ts, "Value": 10.0 * (i + 1)})
        data.append({"MetricName": "Errors", "Timestamp": ts, "Value": float(i)})
    cw.put_metric_data(Namespace=ns, MetricData=data)
    queries = [
        {"Id": "req", "MetricStat": {"Metric": {"Namespace": ns, "MetricName": "Requests"}, "Period": 60, "Stat": "Sum"},
         "ReturnData": False},
        {"Id": "err", "MetricStat": {"Metric": {"Namespace": ns, "MetricName": "Errors"}, "Period": 60, "Stat": "Sum"},
         "ReturnData": False},
        {"Id": "rate", "Expression": "100 * err / req", "Label": "ErrorRate"},
        {"Id": "filled", "Expression": "FILL(IF(err > 1, err), 0)"},
    ]
    out = cw.get_metric_data(MetricDataQueries=queries, StartTime=t0, EndTime=t0 + dt.timedelta(minutes=5),
                             ScanBy="TimestampAscending")
    res = {r["Id"]: r for r in out["MetricDataResults"]}
    assert res["rate"]["Label"] == "ErrorRate"
    assert res["rate"]["Values"] == [0.0, 100 * 1 / 20, 100 * 2 / 30, 100 * 3 / 40, 100 * 4 / 50]
    assert res["rate"]["Timestamps"][0] == t0
    assert res["filled"]["Values"] == [0.0, 0.0, 2.0, 3.0, 4.0]
    assert all(r["StatusCode"] == "Complete" for r in out["MetricDataResults"])

    # Descending by default; MaxDatapoints pages with NextToken.
    seen, token = [], None
    for _ in range(10):
        kw = {"NextToken": token} if token else {}
        page = cw.get_metric_data(MetricDataQueries=queries[:3], StartTime=t0, EndTime=t0 + dt.timedelta(minutes=5),
                                  MaxDatapoints=2, **kw)
        for r in page["MetricDataResults"]:
            seen.extend(r["Values"])
        token = page.get("NextToken")
        if not token:
            break
    assert seen == [100 * 4 / 50, 100 * 3 / 40, 100 * 2 / 30, 100 * 1 / 20, 0.0]


def test_boto3_errors_store_nothing(cw):
    ns = unique_ns()
    cases = [
        (dict(Namespace="AWS/Kinesis", MetricData=[{"MetricName": "M", "Value": 1}]), "InvalidParameterValue"),
        (dict(Namespace=ns, MetricData=[{"MetricName": "M", "Value": 1},
                                        {"MetricName": "M", "Value": 1, "Timestamp": now() - dt.timedelta(days=15)}]),
         "InvalidParameterValue"),
        (dict(Namespace=ns, MetricData=[{"MetricName": "M", "Value": 1},
                                        {"MetricName": "M", "Value": 1, "Timestamp": now() + dt.timedelta(hours=3)}]),
         "InvalidParameterValue"),
        (dict(Namespace=ns, MetricData=[{"MetricName": "M", "Value": 1, "StorageResolution": 30}]),
         "InvalidParameterValue"),
        (dict(Namespace=ns, MetricData=[{"MetricName": "M", "Value": 1,
                                         "StatisticValues": {"SampleCount": 1, "Sum": 1, "Minimum": 1, "Maximum": 1}}]),
         "InvalidParameterCombination"),
    ]
    for kwargs, code in cases:
        with pytest.raises(ClientError) as e:
            cw.put_metric_data(**kwargs)
        assert e.value.response["Error"]["Code"] == code, kwargs
        assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert cw.list_metrics(Namespace=ns)["Metrics"] == []

    with pytest.raises(ClientError) as e:
        cw.get_metric_statistics(Namespace=ns, MetricName="M", StartTime=now() - dt.timedelta(days=2), EndTime=now(),
                                 Period=60, Statistics=["Sum"])
    assert e.value.response["Error"]["Code"] == "InvalidParameterCombination"  # 2880 datapoints > 1440
    with pytest.raises(ClientError) as e:
        cw.get_metric_statistics(Namespace=ns, MetricName="M", StartTime=now() - dt.timedelta(hours=1), EndTime=now(),
                                 Period=45, Statistics=["Sum"])
    assert e.value.response["Error"]["Code"] == "InvalidParameterValue"


def test_boto3_gzip_request_body(sluice):
    import boto3
    cfg = Config(retries={"max_attempts": 0}, request_min_compression_size_bytes=1)
    cw = boto3.client("cloudwatch", endpoint_url=sluice.endpoint, region_name=kh.REGION,
                      aws_access_key_id=kh.FAKE_AKID, aws_secret_access_key=kh.FAKE_SECRET, config=cfg)
    seen = {}

    def record(request, **_):
        seen["enc"] = request.headers.get("Content-Encoding")  # returns None: the request is still sent

    cw.meta.events.register("before-send.cloudwatch.PutMetricData", record)
    ns = unique_ns()
    cw.put_metric_data(Namespace=ns, MetricData=[{"MetricName": "Zipped", "Value": 1}])
    assert seen["enc"] in (b"gzip", "gzip")
    assert [m["MetricName"] for m in cw.list_metrics(Namespace=ns)["Metrics"]] == ["Zipped"]


def test_query_protocol(sluice):
    ns = unique_ns()
    ts = (now() - dt.timedelta(minutes=2)).replace(second=0, microsecond=0)
    form = ("Action=PutMetricData&Version=2010-08-01&Namespace=%s&MetricData.member.1.MetricName=Bytes"
            "&MetricData.member.1.Value=42&MetricData.member.1.Unit=Bytes"
            "&MetricData.member.1.Dimensions.member.1.Name=StreamName&MetricData.member.1.Dimensions.member.1.Value=s"
            "&MetricData.member.1.Timestamp=%s") % (urllib.request.quote(ns, safe=""), ts.strftime("%Y-%m-%dT%H:%M:%SZ"))
    hdrs = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    status, headers, body = send(signed(sluice.endpoint, "/", form.encode(), hdrs))
    assert status == 200, body
    assert headers["content-type"].startswith("text/xml")
    root = ET.fromstring(body)
    assert root.tag == NS + "PutMetricDataResponse"
    assert root.find(NS + "ResponseMetadata/" + NS + "RequestId").text == headers["x-amzn-requestid"]

    # GetMetricStatistics as the Kinesis Scaling Utility sends it (Period 60, Sum), parsed by botocore's query parser.
    form = ("Action=GetMetricStatistics&Version=2010-08-01&Namespace=%s&MetricName=Bytes&Period=60"
            "&Statistics.member.1=Sum&Dimensions.member.1.Name=StreamName&Dimensions.member.1.Value=s"
            "&StartTime=%s&EndTime=%s") % (urllib.request.quote(ns, safe=""),
                                          (ts - dt.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                                          now().strftime("%Y-%m-%dT%H:%M:%SZ"))
    status, headers, body = send(signed(sluice.endpoint, "/", form.encode(), hdrs))
    assert status == 200, body
    model = botocore.session.get_session().get_service_model("cloudwatch")
    parsed = botocore.parsers.QueryParser().parse({"body": body, "headers": headers, "status_code": status},
                                                  model.operation_model("GetMetricStatistics").output_shape)
    assert [(p["Timestamp"], p["Sum"], p["Unit"]) for p in parsed["Datapoints"]] == [(ts, 42.0, "Bytes")]

    # Errors: <ErrorResponse><Error><Type/Code/Message>, and an unknown Action.
    status, _, body = send(signed(sluice.endpoint, "/", b"Action=PutMetricData&Version=2010-08-01&Namespace=AWS%2FX"
                                  b"&MetricData.member.1.MetricName=M&MetricData.member.1.Value=1", hdrs))
    assert status == 400
    err = ET.fromstring(body).find(NS + "Error")
    assert err.find(NS + "Code").text == "InvalidParameterValue" and err.find(NS + "Type").text == "Sender"
    status, _, body = send(signed(sluice.endpoint, "/", b"Action=NoSuchThing&Version=2010-08-01", hdrs))
    assert status == 400 and b"<Code>InvalidAction</Code>" in body


def cbor_request(endpoint, op, params, extra_headers=None):
    model = botocore.session.get_session().get_service_model("cloudwatch")
    om = model.operation_model(op)
    ser = botocore.serialize.create_serializer("smithy-rpc-v2-cbor")
    r = ser.serialize_to_request(params, om)
    headers = dict(r["headers"])
    headers.update(extra_headers or {})
    req = signed(endpoint, r["url_path"], r["body"], headers)
    status, hdrs, body = send(req)
    parsed = botocore.parsers.create_parser("smithy-rpc-v2-cbor").parse(
        {"body": body, "headers": hdrs, "status_code": status}, om.output_shape)
    return status, hdrs, body, parsed


def test_rpc_v2_cbor(sluice):
    ns = unique_ns()
    ts = (now() - dt.timedelta(minutes=2)).replace(second=0, microsecond=0)
    status, hdrs, body, _ = cbor_request(sluice.endpoint, "PutMetricData", {
        "Namespace": ns, "MetricData": [{"MetricName": "Cbor", "Value": 7.5, "Timestamp": ts, "Unit": "Count"}]})
    assert status == 200, body
    assert hdrs["smithy-protocol"] == "rpc-v2-cbor"
    assert hdrs["content-type"] == "application/cbor"
    status, hdrs, body, parsed = cbor_request(sluice.endpoint, "GetMetricStatistics", {
        "Namespace": ns, "MetricName": "Cbor", "StartTime": ts - dt.timedelta(minutes=5), "EndTime": now(),
        "Period": 60, "Statistics": ["Sum", "Maximum"]})
    assert status == 200, body
    assert [(p["Timestamp"], p["Sum"], p["Maximum"]) for p in parsed["Datapoints"]] == [(ts, 7.5, 7.5)]
    status, hdrs, body, parsed = cbor_request(sluice.endpoint, "ListMetrics", {"Namespace": ns})
    assert parsed["Metrics"] == [{"Namespace": ns, "MetricName": "Cbor", "Dimensions": []}]

    # Errors carry Smithy-Protocol and x-amzn-query-error; botocore maps them to the query code.
    status, hdrs, body, parsed = cbor_request(sluice.endpoint, "PutMetricData", {
        "Namespace": "AWS/Nope", "MetricData": [{"MetricName": "M", "Value": 1}]})
    assert status == 400
    assert hdrs["smithy-protocol"] == "rpc-v2-cbor"
    assert hdrs["x-amzn-query-error"] == "InvalidParameterValue;Sender"
    assert parsed["Error"]["Code"] == "InvalidParameterValue"
    # A target header is refused on the RPC v2 path.
    status, hdrs, _, _ = cbor_request(sluice.endpoint, "ListMetrics", {},
                                      {"X-Amz-Target": "GraniteServiceVersion20100801.ListMetrics"})
    assert status == 400 and hdrs["smithy-protocol"] == "rpc-v2-cbor"


def test_signing_service_must_be_monitoring(sluice):
    body = b"{}"
    hdrs = {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "GraniteServiceVersion20100801.ListMetrics"}
    status, _, out = send(signed(sluice.endpoint, "/", body, hdrs, service="kinesis"))
    assert status == 400 or status == 403
    assert b"monitoring" in out
    status, _, out = send(signed(sluice.endpoint, "/", body, hdrs))
    assert status == 200, out
    # And Kinesis still wants `kinesis`.
    r = kh.raw_call(sluice.endpoint, "ListStreams", {})
    assert r.status == 200
