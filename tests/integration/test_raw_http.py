"""Raw HTTP: framework-level errors (serialization, unknown operation, authentication, body cap), response
headers, and 'a failed request changes nothing'. Signed with botocore.auth.SigV4Auth where a signature is needed."""
import json
import socket

import pytest

import kinhelpers as kh
from kinhelpers import raw_call

UUID_RE = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"


def assert_error(resp, code, status=400):
    assert resp.status == status, "status %s, body %r" % (resp.status, resp.body[:300])
    assert resp.error_type == code, "expected %s, got body %r" % (code, resp.body[:300])
    assert resp.request_id, "missing x-amzn-RequestId on %s" % code
    ct = resp.headers.get("content-type", "")
    assert ct.split(";")[0].strip() == kh.AMZ_JSON, "content-type %r" % ct


@pytest.fixture
def ep(server):
    return server.endpoint


@pytest.fixture
def stream(new_stream):
    return new_stream(shards=1)


def records_in(kin, name):
    it = kin.get_shard_iterator(StreamName=name, ShardId=kh.shard_id(0),
                                ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    return kin.get_records(ShardIterator=it)["Records"]


def test_success_headers(ep):
    r = raw_call(ep, "ListStreams", {})
    assert r.status == 200
    assert r.request_id
    assert r.headers.get("content-type", "").split(";")[0] == kh.AMZ_JSON
    assert isinstance(r.json["StreamNames"], list)


def test_create_stream_empty_success_body(ep, kin):
    name = kh.unique_name("raw")
    r = raw_call(ep, "CreateStream", {"StreamName": name, "ShardCount": 1})
    try:
        assert r.status == 200
        assert r.body in (b"", b"{}"), r.body
        assert r.request_id
    finally:
        kh.wait_status(kin, name)
        kin.delete_stream(StreamName=name)


@pytest.mark.parametrize("body", [b"{not json", b"\"str\"", b"{\"StreamName\": ", b"\xff\xfe"])
def test_invalid_json_is_serialization_exception(ep, body):
    assert_error(raw_call(ep, "ListStreams", body), "SerializationException")


@pytest.mark.parametrize("op,payload", [
    ("CreateStream", {"StreamName": "x", "ShardCount": "3"}),
    ("CreateStream", {"StreamName": 5, "ShardCount": 1}),
    ("ListStreams", {"Limit": True}),
    ("PutRecords", {"StreamName": "x", "Records": "notalist"}),
    ("GetShardIterator", {"StreamName": "x", "ShardId": "shardId-000000000000", "ShardIteratorType": "AT_TIMESTAMP",
                          "Timestamp": "yesterday"}),
])
def test_wrong_member_type_is_serialization_exception(ep, op, payload):
    assert_error(raw_call(ep, op, payload), "SerializationException")


def test_invalid_base64_is_serialization_exception(ep, stream, kin):
    r = raw_call(ep, "PutRecord", {"StreamName": stream, "Data": "abc", "PartitionKey": "k"})
    assert_error(r, "SerializationException")
    r = raw_call(ep, "PutRecords", {"StreamName": stream, "Records": [
        {"Data": kh.b64(b"ok"), "PartitionKey": "k"}, {"Data": "!!!!", "PartitionKey": "k"}]})
    assert_error(r, "SerializationException")
    assert records_in(kin, stream) == []


@pytest.mark.parametrize("tgt", ["Kinesis_20131202.FlyToTheMoon", "Kinesis_20131202.", "Kinesis_20991231.ListStreams",
                                    "ListStreams", None])
def test_unknown_operation(ep, tgt):
    if tgt is None:
        r = kh.raw_request(ep, kh.signed_headers(ep, None, b"{}"), b"{}")
    else:
        r = raw_call(ep, None, {}, target=tgt)
    assert_error(r, "UnknownOperationException")


def test_missing_authentication_token(ep):
    r = raw_call(ep, "ListStreams", {}, sign=False)
    assert_error(r, "MissingAuthenticationTokenException")
    assert "Missing Authentication Token" in (r.json.get("message") or r.json.get("Message") or "")


@pytest.mark.parametrize("auth", [
    "AWS4-HMAC-SHA256 garbage",
    "AWS4-HMAC-SHA256 Credential=AKID/20250101/us-east-1/kinesis/aws4_request",
    "AWS4-HMAC-SHA256 Credential=AKID/20250101/us-east-1/kinesis/aws4_request, SignedHeaders=host;x-amz-date",
    "AWS4-HMAC-SHA256 SignedHeaders=host, Signature=abcdef",
])
def test_garbled_authorization(ep, auth):
    body = b"{}"
    headers = kh.signed_headers(ep, "Kinesis_20131202.ListStreams", body)
    headers["Authorization"] = auth
    assert_error(kh.raw_request(ep, headers, body), "IncompleteSignatureException")


def test_authorization_without_date(ep):
    body = b"{}"
    headers = kh.signed_headers(ep, "Kinesis_20131202.ListStreams", body)
    headers.pop("X-Amz-Date", None)
    r = kh.raw_request(ep, headers, body)
    assert_error(r, "IncompleteSignatureException")


def test_every_error_has_request_id(ep, stream):
    cases = [
        raw_call(ep, "DescribeStream", {"StreamName": kh.unique_name("missing")}),
        raw_call(ep, "CreateStream", {"StreamName": stream, "ShardCount": 1}),
        raw_call(ep, "PutRecord", {"StreamName": stream, "Data": "", "PartitionKey": ""}),
        raw_call(ep, "GetRecords", {"ShardIterator": "bogus"}),
        raw_call(ep, "ListStreams", b"{"),
        raw_call(ep, "Nope", {}),
        raw_call(ep, "ListStreams", {}, sign=False),
    ]
    ids = set()
    for r in cases:
        assert r.status >= 400
        assert r.request_id, r
        assert r.error_type, r
        ids.add(r.request_id)
    assert len(ids) == len(cases), "request ids are not unique"


def test_error_body_shape(ep):
    r = raw_call(ep, "DescribeStream", {"StreamName": kh.unique_name("missing")})
    assert_error(r, "ResourceNotFoundException")
    j = r.json
    assert set(j) == {"__type", "message"}, j
    assert "#" not in j["__type"]
    assert "not found" in j["message"]


def test_validation_error_shape(ep):
    r = raw_call(ep, "CreateStream", {"StreamName": "bad name", "ShardCount": 1})
    assert_error(r, "ValidationException")
    msg = r.json.get("message") or r.json.get("Message")
    assert msg.startswith("1 validation error detected: Value 'bad name' at 'streamName' failed to satisfy "
                          "constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"), msg


def test_unknown_members_ignored(ep, kin):
    name = kh.unique_name("raw")
    r = raw_call(ep, "CreateStream", {"StreamName": name, "ShardCount": 1, "NoSuchMember": {"x": 1}})
    assert r.status == 200, r
    kh.wait_status(kin, name)
    kin.delete_stream(StreamName=name)


def test_null_member_is_absent(ep, stream):
    r = raw_call(ep, "DescribeStream", {"StreamName": stream, "ExclusiveStartShardId": None, "Limit": None})
    assert r.status == 200, r
    assert len(r.json["StreamDescription"]["Shards"]) == 1


def test_failed_requests_change_nothing(ep, kin, stream):
    bad = [
        raw_call(ep, "PutRecords", b'{"StreamName": "%s", "Records": [' % stream.encode()),
        raw_call(ep, "PutRecords", {"StreamName": stream, "Records": [{"Data": "b2s=", "PartitionKey": "k"}]},
                 sign=False),
        raw_call(ep, "PutRecords", {"StreamName": stream, "Records": [{"Data": "b2s=", "PartitionKey": "k"},
                                                                      {"Data": "b2s=", "PartitionKey": ""}]}),
        raw_call(ep, "PutRecord", {"StreamName": stream, "Data": "b2s=", "PartitionKey": "k",
                                   "ExplicitHashKey": str(2**128)}),
        raw_call(ep, "PutRecord", {"StreamName": stream, "Data": "b2s=", "PartitionKey": "k"},
                 target="Kinesis_20131202.PutRecordz"),
    ]
    for r in bad:
        assert r.status == 400, r
    assert records_in(kin, stream) == []
    name = kh.unique_name("raw")
    assert raw_call(ep, "CreateStream", b'{"StreamName": "%s", "ShardCount": ' % name.encode()).status == 400
    assert raw_call(ep, "CreateStream", {"StreamName": name, "ShardCount": 1}, sign=False).status == 400
    assert raw_call(ep, "CreateStream", {"StreamName": name, "ShardCount": "1"}).status == 400
    with pytest.raises(kin.exceptions.ResourceNotFoundException):
        kin.describe_stream_summary(StreamName=name)
    assert raw_call(ep, "AddTagsToStream", {"StreamName": stream, "Tags": {"a": "b"}}, sign=False).status == 400
    assert kin.list_tags_for_stream(StreamName=stream)["Tags"] == []


@pytest.mark.deviates("kinesalite", "kinesalite answers 413 before reading the body, without x-amzn-RequestId")
@pytest.mark.timeout(120)
def test_body_over_cap(server, kin, stream):
    """A body far above any cap (64 MiB) gets an error status, not a crash; nothing is written."""
    size = 64 * 1024 * 1024
    head = ('{"StreamName": "%s", "PartitionKey": "k", "Data": "' % stream).encode()
    tail = b'"}'
    total = len(head) + size + len(tail)
    headers = kh.signed_headers(server.endpoint, "Kinesis_20131202.PutRecord", b"")  # signature irrelevant here
    lines = ["POST / HTTP/1.1", "Host: 127.0.0.1:%d" % server.port, "Content-Length: %d" % total]
    lines += ["%s: %s" % (k, v) for k, v in headers.items() if k.lower() not in ("content-length", "host")]
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=30)
    resp = b""
    try:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + head)
        chunk = b"A" * (1024 * 1024)
        try:
            for _ in range(size // len(chunk)):
                sock.sendall(chunk)
            sock.sendall(tail)
        except (BrokenPipeError, ConnectionResetError, socket.timeout):
            pass
        try:
            while b"\r\n\r\n" not in resp and len(resp) < 65536:
                part = sock.recv(65536)
                if not part:
                    break
                resp += part
        except (ConnectionResetError, socket.timeout):
            pass
    finally:
        sock.close()
    assert resp.startswith(b"HTTP/1.1 "), "no HTTP response to an oversized body: %r" % resp[:200]
    status = int(resp.split(b" ")[1])
    assert status in (400, 413), resp[:300]
    assert b"x-amzn-requestid" in resp.lower(), resp[:500]
    assert records_in(kin, stream) == []
    assert server.alive()
    kin.list_streams()


def test_request_id_is_uuid(ep):
    import re
    r = raw_call(ep, "ListStreams", {})
    assert re.fullmatch(UUID_RE, r.request_id), r.request_id


def test_timestamps_are_epoch_numbers(ep, stream):
    r = raw_call(ep, "DescribeStreamSummary", {"StreamName": stream})
    ts = r.json["StreamDescriptionSummary"]["StreamCreationTimestamp"]
    assert isinstance(ts, (int, float)) and not isinstance(ts, bool)
    assert 1.5e9 < ts < 4e9
    raw_call(ep, "PutRecord", {"StreamName": stream, "Data": kh.b64(b"hi"), "PartitionKey": "k"})
    it = raw_call(ep, "GetShardIterator", {"StreamName": stream, "ShardId": kh.shard_id(0),
                                           "ShardIteratorType": "TRIM_HORIZON"}).json["ShardIterator"]
    g = raw_call(ep, "GetRecords", {"ShardIterator": it}).json
    rec = g["Records"][0]
    assert isinstance(rec["ApproximateArrivalTimestamp"], (int, float))
    assert rec["Data"] == kh.b64(b"hi")
    assert isinstance(g["MillisBehindLatest"], int)


def test_timestamp_input_accepts_integer_and_fraction(ep, stream, kin):
    import time
    time.sleep(1.1)
    now = int(time.time()) - 1
    stamps = ["%d" % now, "%.3f" % (now + 0.25), "%.9E" % now]  # integer, fraction, Java-style exponent
    time.sleep(0.1)
    kin.put_record(StreamName=stream, Data=b"x", PartitionKey="k")  # a record after the timestamps
    for ts in stamps:
        body = ('{"StreamName": "%s", "ShardId": "%s", "ShardIteratorType": "AT_TIMESTAMP", "Timestamp": %s}'
                % (stream, kh.shard_id(0), ts))
        r = raw_call(ep, "GetShardIterator", body)
        assert r.status == 200, (ts, r)


def test_content_type_with_charset(ep):
    body = b"{}"
    headers = kh.signed_headers(ep, "Kinesis_20131202.ListStreams", body,
                                content_type=kh.AMZ_JSON + "; charset=utf-8")
    r = kh.raw_request(ep, headers, body)
    assert r.status == 200, r


# ---------------------------------------------------------------------------------------------- signature checks


def _signed_at(ep, minutes):
    import datetime
    when = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=minutes)
    body = b"{}"
    return kh.raw_request(ep, kh.signed_headers(ep, "Kinesis_20131202.ListStreams", body, when=when), body)


def test_signing_time_helper_works(ep):
    r = _signed_at(ep, 0)
    assert r.status == 200, r


@pytest.mark.deviates(("kinesalite", "kinesis-local"), "no request-time check")
@pytest.mark.parametrize("minutes,text", [(-10, "Signature expired"), (10, "Signature not yet current")])
def test_clock_skew_rejected(ep, minutes, text):
    r = _signed_at(ep, minutes)
    assert_error(r, "InvalidSignatureException")
    msg = r.json.get("message") or r.json.get("Message") or ""
    assert text in msg, msg


VERIFY_AKID, VERIFY_SECRET = "AKIDVERIFYEXAMPLE", "verify-secret/Key+1"


@pytest.fixture
def verify_ep(server_pool, target):
    if target != "sluice":
        pytest.skip("--auth verify is a Sluice option")
    return server_pool.get("sluice", extra_args=("--auth", "verify", "--credentials",
                                                 "%s:%s" % (VERIFY_AKID, VERIFY_SECRET))).endpoint


def test_verify_mode_accepts_good_signature(verify_ep):
    r = raw_call(verify_ep, "ListStreams", {}, access_key=VERIFY_AKID, secret_key=VERIFY_SECRET)
    assert r.status == 200, r


def test_verify_mode_rejects_wrong_secret(verify_ep):
    r = raw_call(verify_ep, "ListStreams", {}, access_key=VERIFY_AKID, secret_key="wrong")
    assert_error(r, "InvalidSignatureException")


def test_verify_mode_rejects_unknown_key(verify_ep):
    r = raw_call(verify_ep, "ListStreams", {}, access_key="AKIDNOBODY", secret_key=VERIFY_SECRET)
    assert_error(r, "UnrecognizedClientException")


def test_verify_mode_rejects_tampered_body(verify_ep):
    body = json.dumps({"StreamName": "a", "ShardCount": 1}).encode()
    headers = kh.signed_headers(verify_ep, "Kinesis_20131202.CreateStream", body, access_key=VERIFY_AKID,
                                secret_key=VERIFY_SECRET)
    tampered = body.replace(b'"a"', b'"b"')
    r = kh.raw_request(verify_ep, headers, tampered)
    assert_error(r, "InvalidSignatureException")
    ok = raw_call(verify_ep, "DescribeStreamSummary", {"StreamName": "b"}, access_key=VERIFY_AKID,
                  secret_key=VERIFY_SECRET)
    assert ok.error_type == "ResourceNotFoundException", ok


def test_verify_mode_boto3_client(verify_ep):
    c = kh.make_client(verify_ep, access_key=VERIFY_AKID, secret_key=VERIFY_SECRET)
    name = kh.unique_name("verify")
    c.create_stream(StreamName=name, ShardCount=1)
    kh.wait_status(c, name)
    c.put_record(StreamName=name, Data=b"x", PartitionKey="k")
    bad = kh.make_client(verify_ep, access_key=VERIFY_AKID, secret_key="nope")
    with pytest.raises(bad.exceptions.ClientError) as ei:
        bad.list_streams()
    assert kh.error_code(ei.value) == "InvalidSignatureException"
    c.delete_stream(StreamName=name)


# ---------------------------------------------------------------------------------------------- robustness


@pytest.mark.parametrize("body", [
    b'{"StreamName": ' + b"[" * 100000 + b"]" * 100000 + b"}",
    b'{"StreamName": "\xff\xfe"}',
    b'{"StreamName": "x", "ShardCount": 1e400}',
    b'{"StreamName": "x", "ShardCount": 99999999999999999999999}',
    b'{"StreamName": "\\ud800", "ShardCount": 1}',
    b"\x00" * 64,
], ids=["deep-nesting", "invalid-utf8", "huge-float", "huge-int", "lone-surrogate", "nul-bytes"])
def test_hostile_json_is_a_400_not_a_crash(server, body):
    r = raw_call(server.endpoint, "CreateStream", body)
    assert r.status == 400, r
    assert r.error_type in ("SerializationException", "ValidationException", "InvalidArgumentException"), r
    assert r.request_id
    assert server.alive()
    assert raw_call(server.endpoint, "ListStreams", {}).status == 200


def test_keep_alive_many_requests_one_connection(server):
    import http.client
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        for i in range(50):
            body = b"{}" if i % 2 == 0 else b"{bad"
            headers = kh.signed_headers(server.endpoint, "Kinesis_20131202.ListStreams", body)
            conn.request("POST", "/", body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            assert resp.status == (200 if i % 2 == 0 else 400), (i, resp.status, data[:200])
    finally:
        conn.close()


# ---------------------------------------------------------------------------------------------- HTTP/1.1 details


def _raw_exchange(port, payload, read_until_count=1, timeout=10):
    """Send raw bytes, read until `read_until_count` complete HTTP responses (Content-Length framed) or EOF."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    data = b""
    try:
        sock.sendall(payload)
        responses = []
        while len(responses) < read_until_count:
            while b"\r\n\r\n" not in data:
                part = sock.recv(65536)
                if not part:
                    return responses, data
                data += part
            head, _, rest = data.partition(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n")[1:]:
                k, _, v = line.partition(b":")
                if k.strip().lower() == b"content-length":
                    length = int(v.strip())
            while len(rest) < length:
                part = sock.recv(65536)
                if not part:
                    break
                rest += part
            responses.append((head, rest[:length]))
            data = rest[length:]
        return responses, data
    finally:
        sock.close()


def _request_bytes(server, target, body, extra_headers=(), lower=False):
    headers = kh.signed_headers(server.endpoint, target, body)
    lines = ["POST / HTTP/1.1", "Host: 127.0.0.1:%d" % server.port, "Content-Length: %d" % len(body)]
    for k, v in headers.items():
        if k.lower() in ("host", "content-length"):
            continue
        lines.append("%s: %s" % (k.lower() if lower else k, v))
    lines += list(extra_headers)
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def test_pipelined_requests(server):
    one = _request_bytes(server, "Kinesis_20131202.ListStreams", b"{}")
    two = _request_bytes(server, "Kinesis_20131202.DescribeStream", b'{"StreamName": "pipelined-missing"}')
    responses, _ = _raw_exchange(server.port, one + two, read_until_count=2)
    assert len(responses) == 2, responses
    assert responses[0][0].startswith(b"HTTP/1.1 200"), responses[0]
    assert responses[1][0].startswith(b"HTTP/1.1 400"), responses[1]
    assert b"ResourceNotFoundException" in responses[1][1]


def test_lowercase_header_names(server):
    responses, _ = _raw_exchange(server.port, _request_bytes(server, "Kinesis_20131202.ListStreams", b"{}",
                                                             lower=True))
    assert responses and responses[0][0].startswith(b"HTTP/1.1 200"), responses


def test_expect_100_continue(server):
    body = b"{}"
    req = _request_bytes(server, "Kinesis_20131202.ListStreams", body, extra_headers=("Expect: 100-continue",))
    head, body_part = req[:-len(body)], req[-len(body):]
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    try:
        sock.sendall(head)
        sock.settimeout(1.0)
        got = b""
        try:
            got = sock.recv(65536)  # "HTTP/1.1 100 Continue" (or nothing; clients then send the body anyway)
        except socket.timeout:
            pass
        sock.settimeout(10)
        sock.sendall(body_part)
        while b"HTTP/1.1 200" not in got and b"HTTP/1.1 4" not in got and b"HTTP/1.1 5" not in got:
            part = sock.recv(65536)
            if not part:
                break
            got += part
    finally:
        sock.close()
    assert b"HTTP/1.1 200" in got, got[:300]


def test_unsupported_content_type(server):
    body = b"{}"
    headers = kh.signed_headers(server.endpoint, "Kinesis_20131202.ListStreams", body, content_type="text/plain")
    r = kh.raw_request(server.endpoint, headers, body)
    assert 400 <= r.status < 500, r
    assert b"UnknownOperationException" in r.body or r.error_type == "UnknownOperationException", r


def test_standard_response_headers(ep):
    r = raw_call(ep, "ListStreams", {})
    assert r.headers.get("x-amz-id-2"), r.headers
    assert r.headers.get("date"), r.headers
    r = raw_call(ep, "DescribeStream", {"StreamName": kh.unique_name("missing")})
    assert r.headers.get("x-amz-id-2") and r.headers.get("date"), r.headers


def test_cors(ep):
    r = raw_call(ep, "ListStreams", {}, extra_headers={"Origin": "http://example.test"})
    assert r.status == 200
    assert r.headers.get("access-control-allow-origin") == "*", r.headers
    expose = r.headers.get("access-control-expose-headers", "").lower()
    assert "x-amzn-requestid" in expose, r.headers
    import http.client
    host, port = ep.replace("http://", "").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        conn.request("OPTIONS", "/", headers={"Origin": "http://example.test",
                                              "Access-Control-Request-Method": "POST",
                                              "Access-Control-Request-Headers": "content-type,x-amz-target"})
        resp = conn.getresponse()
        resp.read()
        h = {k.lower(): v for k, v in resp.getheaders()}
    finally:
        conn.close()
    assert resp.status == 200
    assert h.get("access-control-allow-origin") == "*"
    assert "x-amz-target" in h.get("access-control-allow-headers", "").lower()
    assert "POST" in h.get("access-control-allow-methods", "")
    assert h.get("access-control-max-age") == "172800"
