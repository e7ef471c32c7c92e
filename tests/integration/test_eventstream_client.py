"""Offline self-test of eventstream_client (no Sluice needed): the codec against the reference test vector (the
same bytes src/protocol/event_stream_test.cc checks) and against botocore's own event-stream parser, corruption
handling, the KCL validity rule, request bodies, and both transports against small in-process fake servers (an
HTTP/1.1 chunked one and an h2c one built on python3-h2)."""
import json
import socket
import threading
import uuid

import pytest

import eventstream_client as es
from test_wire_formats import Tag, cbor_decode

# kinesis-protocol.md 4.12: the initial-response message (:message-type event, :event-type initial-response,
# :content-type application/json, payload {}).
VECTOR = bytes.fromhex(
    "00000068000000564e681724"
    "0d3a6d6573736167652d74797065070005" "6576656e74"
    "0b3a6576656e742d74797065070010" "696e697469616c2d726573706f6e7365"
    "0d3a636f6e74656e742d74797065070010" "6170706c69636174696f6e2f6a736f6e"
    "7b7d" "fe942c1d")

ALL_TYPES = [("t", es.BOOL_TRUE, True), ("f", es.BOOL_FALSE, False), ("b", es.BYTE, -128), ("s", es.INT16, -300),
             ("i", es.INT32, 2**31 - 1), ("l", es.INT64, -2**63), ("y", es.BYTES, b"\x00\xff"),
             ("str", es.STRING, "h\u00e9llo"), (":date", es.TIMESTAMP, 1767323045678),
             ("id", es.UUID, uuid.UUID(int=0x0123456789abcdef0123456789abcdef)), ("empty", es.STRING, "")]


def test_reference_vector():
    assert es.event_message("initial-response", b"{}") == VECTOR
    msg, n = es.decode_message(VECTOR)
    assert n == 104
    assert msg.headers == {":message-type": "event", ":event-type": "initial-response",
                           ":content-type": "application/json"}
    assert msg.payload == b"{}"
    ev = es.Event(msg)
    assert ev.is_initial_response and ev.payload == {}


def test_every_header_type_round_trips():
    data = es.encode_message(ALL_TYPES, b"\x00payload")
    msg, n = es.decode_message(b"junk" + data, offset=4)
    assert n == len(data)
    assert msg.header_list == ALL_TYPES
    assert msg.payload == b"\x00payload"
    # dict form infers types
    msg2, _ = es.decode_message(es.encode_message({"a": "x", "b": b"y", "c": True, "d": 5}))
    assert msg2.header_types == {"a": es.STRING, "b": es.BYTES, "c": es.BOOL_TRUE, "d": es.INT64}


def test_botocore_parser_agrees():
    """An independent decoder (botocore's) reads what this encoder writes, header types included."""
    from botocore.eventstream import EventStreamBuffer
    buf = EventStreamBuffer()
    data = es.encode_message(ALL_TYPES, b"p") + VECTOR
    buf.add_data(data)
    msgs = list(buf)
    assert len(msgs) == 2
    h = msgs[0].headers
    assert h["t"] is True and h["f"] is False and h["b"] == -128 and h["s"] == -300 and h["l"] == -2**63
    assert h["y"] == b"\x00\xff" and h["str"] == "h\u00e9llo" and h["empty"] == ""
    assert msgs[0].payload == b"p"
    assert msgs[1].headers[":event-type"] == "initial-response" and msgs[1].payload == b"{}"


def test_incremental_decoder_byte_by_byte():
    stream = VECTOR + es.event_message("SubscribeToShardEvent", b'{"Records":[]}') + es.encode_message([], b"")
    dec = es.Decoder()
    got = []
    for i in range(len(stream)):
        got += dec.feed(stream[i:i + 1])
    dec.close()
    assert [m.headers.get(":event-type") for m in got] == ["initial-response", "SubscribeToShardEvent", None]
    assert len(es.decode_all(stream)) == 3
    dec = es.Decoder()
    dec.feed(VECTOR[:50])
    assert dec.pending == 50
    with pytest.raises(es.EventStreamError, match="ended inside a message"):
        dec.close()


def test_prefix_asks_for_more():
    for n in range(len(VECTOR)):
        assert es.decode_message(VECTOR[:n]) == (None, 0)


def test_every_flipped_bit_is_corruption():
    for i in range(len(VECTOR)):
        for bit in range(8):
            bad = bytearray(VECTOR)
            bad[i] ^= 1 << bit
            with pytest.raises(es.EventStreamError):
                es.decode_message(bytes(bad))


def _raw(block, payload=b"p"):
    """A message with a hand-made headers block and valid CRCs."""
    import struct
    total = 12 + len(block) + len(payload) + 4
    pre = struct.pack(">II", total, len(block))
    pre += struct.pack(">I", es.crc32(pre))
    body = pre + block + payload
    return body + struct.pack(">I", es.crc32(body))


@pytest.mark.parametrize("block,why", [
    (b"\x01a\x07\x00\x03hi", "header past"),
    (b"\x01a\x06\x00", "header past"),
    (b"\x05ab", "header past"),
    (b"\x01a\x05123", "header past"),
    (b"\x01a\x0912345", "header past"),
    (b"\x00\x00", "empty header name"),
    (b"\x01a\x0a", "unknown header type"),
    (b"\x01a\xff", "unknown header type"),
])
def test_bad_headers(block, why):
    with pytest.raises(es.EventStreamError, match=why):
        es.decode_message(_raw(block))


@pytest.mark.parametrize("total,hlen", [(es.MAX_MESSAGE_BYTES + 1, 0), (15, 0), (1024, es.MAX_HEADERS_BYTES + 1),
                                        (100, 85)])
def test_impossible_lengths_from_prelude_alone(total, hlen):
    import struct
    pre = struct.pack(">II", total, hlen)
    with pytest.raises(es.EventStreamError):
        es.decode_message(pre + struct.pack(">I", es.crc32(pre)))


def _ste(payload, ct=es.JSON_CT):
    enc = json.dumps(payload).encode() if ct == es.JSON_CT else es.cbor2.dumps(payload)
    return es.Event(es.decode_message(es.event_message("SubscribeToShardEvent", enc, ct))[0])


def test_kcl_rule():
    child = {"ShardId": "shardId-000000000002", "ParentShards": ["shardId-000000000000"],
             "HashKeyRange": {"StartingHashKey": "0", "EndingHashKey": "9"}}
    assert es.check_kcl_valid(_ste({"Records": [], "ContinuationSequenceNumber": "1", "MillisBehindLatest": 0}))
    assert es.check_kcl_valid(_ste({"Records": [], "ContinuationSequenceNumber": "1", "ChildShards": []}))
    assert es.check_kcl_valid(_ste({"Records": [], "MillisBehindLatest": 0, "ChildShards": [child]}))
    for bad in ({"Records": []},                                                    # shard end without children
                {"Records": [], "ChildShards": []},
                {"Records": [], "ContinuationSequenceNumber": "5", "ChildShards": [child]},  # ferrokinesis's bug
                {"Records": [], "ChildShards": [dict(child, ParentShards=[])]},
                {"Records": [], "ChildShards": [{"ShardId": "shardId-000000000002"}]}):
        with pytest.raises(AssertionError, match="isValidResult"):
            es.check_kcl_valid(_ste(bad))
    assert es.check_kcl_valid(es.Event(es.decode_message(VECTOR)[0]))  # not a SubscribeToShardEvent


def test_records_normalised_for_json_and_cbor():
    js = _ste({"Records": [{"Data": "aGk=", "PartitionKey": "k", "SequenceNumber": "7",
                            "ApproximateArrivalTimestamp": 1767323045.678}],
               "ContinuationSequenceNumber": "7", "MillisBehindLatest": 3})
    if es.cbor2 is None:
        pytest.skip("python3-cbor2 missing")
    cb = _ste({"Records": [{"Data": b"hi", "PartitionKey": "k", "SequenceNumber": "7",
                            "ApproximateArrivalTimestamp": es.cbor2.CBORTag(1, 1767323045678)}],
               "ContinuationSequenceNumber": "7", "MillisBehindLatest": 3}, es.CBOR_CT)
    assert isinstance(cb.payload["Records"][0]["ApproximateArrivalTimestamp"], Tag)
    assert js.records() == cb.records() == [{"Data": b"hi", "PartitionKey": "k", "SequenceNumber": "7",
                                             "ApproximateArrivalTimestamp": 1767323045.678}]
    assert js.continuation == cb.continuation == "7" and js.millis_behind_latest == 3


def test_exception_and_error_frames():
    ex = es.Event(es.decode_message(es.exception_message("ResourceInUseException", b'{"message":"taken over"}'))[0])
    assert ex.is_exception and ex.error_code == "ResourceInUseException" and ex.error_message == "taken over"
    er = es.Event(es.decode_message(es.encode_message([(":message-type", es.STRING, "error"),
                                                       (":error-code", es.STRING, "InternalFailure"),
                                                       (":error-message", es.STRING, "boom")]))[0])
    assert er.is_exception and er.error_code == "InternalFailure" and er.error_message == "boom" and er.payload is None


def test_check_body():
    good = VECTOR + EV1 + EV2
    assert [e.event_type for e in es.check_body(good)] == ["initial-response", "SubscribeToShardEvent",
                                                           "SubscribeToShardEvent"]
    assert len(es.check_body(good + EV2[:30], partial_ok=True)) == 3
    with pytest.raises(es.EventStreamError, match="inside a message"):
        es.check_body(good + EV2[:30])
    with pytest.raises(AssertionError, match="first message"):
        es.check_body(EV1 + VECTOR)
    with pytest.raises(AssertionError, match="content-type"):
        es.check_body(good, content_type=es.CBOR_CT)
    shard_end_without_children = es.event_message("SubscribeToShardEvent", b'{"Records":[],"MillisBehindLatest":0}')
    with pytest.raises(AssertionError, match="isValidResult"):
        es.check_body(VECTOR + shard_end_without_children)
    ex = es.exception_message("ResourceInUseException", b'{"message":"x"}')
    assert es.check_body(VECTOR + ex)[-1].is_exception
    with pytest.raises(AssertionError, match="after an exception"):
        es.check_body(VECTOR + ex + EV2)


def test_request_bodies():
    body, ct = es.request_body("arn:c", "shardId-000000000000", {"Type": "AT_TIMESTAMP", "Timestamp": 1767323045.5})
    assert ct == "application/x-amz-json-1.1"
    assert json.loads(body) == {"ConsumerARN": "arn:c", "ShardId": "shardId-000000000000",
                                "StartingPosition": {"Type": "AT_TIMESTAMP", "Timestamp": 1767323045.5}}
    body, ct = es.request_body("arn:c", "shardId-000000000000", {"Type": "AT_TIMESTAMP", "Timestamp": 1767323045.5},
                               encoding="cbor")
    assert ct == "application/x-amz-cbor-1.1"
    doc = cbor_decode(body)
    ts = doc["StartingPosition"]["Timestamp"]
    assert isinstance(ts, Tag) and ts.tag == 1 and ts.value == 1767323045500  # tag 1 + integer milliseconds
    assert doc["ConsumerARN"] == "arn:c"


# ------------------------------------------------------------------------------------------------- fake servers

def _serve(handler):
    """Accepts one connection on a free loopback port in a thread; handler(conn) runs there. Returns (endpoint,
    thread, result dict the handler fills)."""
    lsock = socket.socket()
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(1)
    port = lsock.getsockname()[1]
    result = {}

    def run():
        conn, _ = lsock.accept()
        lsock.close()
        conn.settimeout(10)
        try:
            handler(conn, result)
        except Exception as e:  # reported through the result, asserted by the test
            result["error"] = repr(e)
        finally:
            conn.close()
    t = threading.Thread(target=run, daemon=True)
    t.start()
    return "http://127.0.0.1:%d" % port, t, result


def _read_http1_request(conn):
    data = b""
    while b"\r\n\r\n" not in data:
        data += conn.recv(65536)
    head, body = data.split(b"\r\n\r\n", 1)
    lines = head.decode().split("\r\n")
    headers = {k.lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}
    while len(body) < int(headers.get("content-length", 0)):
        body += conn.recv(65536)
    return lines[0], headers, body


def _http1_handler(chunks, status=200, content_type=es.EVENTSTREAM_CT):
    def handler(conn, result):
        result["request"] = _read_http1_request(conn)
        out = b"HTTP/1.1 %d X\r\nContent-Type: %s\r\nTransfer-Encoding: chunked\r\n\r\n" % (status,
                                                                                           content_type.encode())
        for c in chunks:
            out += b"%x\r\n%s\r\n" % (len(c), c)
        conn.sendall(out + b"0\r\n\r\n")
        conn.recv(1)  # until the client closes
    return handler


EV1 = es.event_message("SubscribeToShardEvent",
                       b'{"Records":[{"Data":"aGk=","PartitionKey":"k","SequenceNumber":"1",'
                       b'"ApproximateArrivalTimestamp":1.5}],"ContinuationSequenceNumber":"1","MillisBehindLatest":0}')
EV2 = es.event_message("SubscribeToShardEvent", b'{"Records":[],"ContinuationSequenceNumber":"1","MillisBehindLatest":0}')


def test_http1_client_against_fake_server():
    # initial-response alone, then EV1 split over two chunks, then EV2 and another message in one chunk
    chunks = [VECTOR, EV1[:20], EV1[20:], EV2 + VECTOR]
    ep, t, result = _serve(_http1_handler(chunks))
    with es.subscribe(ep, "arn:aws:kinesis:us-east-1:000000000000:stream/s/consumer/c:1", "shardId-000000000000",
                      {"Type": "LATEST"}) as sub:
        assert sub.status == 200 and sub.headers["content-type"] == es.EVENTSTREAM_CT
        evs = list(sub.events())
    t.join(10)
    assert "error" not in result, result
    line, headers, body = result["request"]
    assert line == "POST / HTTP/1.1"
    assert headers["x-amz-target"] == "Kinesis_20131202.SubscribeToShard"
    assert headers["authorization"].startswith("AWS4-HMAC-SHA256 Credential=")
    assert json.loads(body)["StartingPosition"] == {"Type": "LATEST"}
    assert [e.event_type for e in evs] == ["initial-response", "SubscribeToShardEvent", "SubscribeToShardEvent",
                                           "initial-response"]
    assert [e.units for e in evs] == [(0, 0), (1, 2), (3, 3), (3, 3)]
    assert sub.units == 4 and sub.units_with_several_messages == 1 and sub.end == "eof"
    assert evs[1].records()[0]["Data"] == b"hi"


def test_http1_error_response():
    body = b'{"__type":"ResourceNotFoundException","message":"no such consumer"}'

    def handler(conn, result):
        _read_http1_request(conn)
        conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: %d\r\n"
                     b"\r\n%s" % (len(body), body))
        conn.recv(1)
    ep, t, _ = _serve(handler)
    with es.subscribe(ep, "arn:c", "shardId-000000000000", {"Type": "LATEST"}) as sub:
        assert sub.status == 400 and sub.error_code == "ResourceNotFoundException"
        with pytest.raises(es.SubscribeError):
            next(sub.events())
    t.join(10)


def test_http1_corrupt_body_raises():
    bad = bytearray(EV2)
    bad[40] ^= 4
    ep, t, _ = _serve(_http1_handler([VECTOR, bytes(bad)]))
    with es.subscribe(ep, "arn:c", "shardId-000000000000", {"Type": "LATEST"}) as sub:
        it = sub.events()
        assert next(it).is_initial_response
        with pytest.raises(es.EventStreamError, match="message CRC"):
            next(it)
    t.join(10)


def _h2_handler(frames, content_type=es.CBOR_CT):
    import h2.config
    import h2.connection
    import h2.events

    def handler(conn, result):
        c = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=False, header_encoding="utf-8"))
        c.initiate_connection()
        conn.sendall(c.data_to_send())
        body, headers, done = b"", None, False
        while not done:
            data = conn.recv(65536)
            if not data:
                return
            for ev in c.receive_data(data):
                if isinstance(ev, h2.events.RequestReceived):
                    headers = dict(ev.headers)
                elif isinstance(ev, h2.events.DataReceived):
                    body += ev.data
                    c.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
                elif isinstance(ev, h2.events.StreamEnded):
                    sid, done = ev.stream_id, True
            conn.sendall(c.data_to_send())
        result["request"] = (headers, body)
        result["remote_window"] = c.remote_settings.initial_window_size
        c.send_headers(sid, [(":status", "200"), ("content-type", es.EVENTSTREAM_CT)])
        for f in frames:
            c.send_data(sid, f)
            conn.sendall(c.data_to_send())
        c.end_stream(sid)
        conn.sendall(c.data_to_send())
        while conn.recv(65536):
            pass
    return handler


def test_h2c_client_against_fake_server():
    if es._h2 is None or es.cbor2 is None:
        pytest.skip("python3-h2 / python3-cbor2 missing (scripts/install-deps.sh --test)")
    ir = es.event_message("initial-response", b"\xa0", es.CBOR_CT)
    ev = es.event_message("SubscribeToShardEvent", es.cbor2.dumps(
        {"Records": [{"Data": b"hi", "PartitionKey": "k", "SequenceNumber": "1",
                      "ApproximateArrivalTimestamp": es.cbor2.CBORTag(1, 1500)}],
         "ContinuationSequenceNumber": "1", "MillisBehindLatest": 0}), es.CBOR_CT)
    ep, t, result = _serve(_h2_handler([ir, ev[:30], ev[30:]]))
    with es.subscribe(ep, "arn:c", "shardId-000000000001", {"Type": "AT_TIMESTAMP", "Timestamp": 1.5},
                      transport="h2c", encoding="cbor", initial_window=1 << 20) as sub:
        assert sub.status == 200
        evs = list(sub.events())
    t.join(10)
    assert "error" not in result, result
    headers, body = result["request"]
    assert headers[":authority"] == ep.split("//")[1] and headers[":method"] == "POST"
    assert headers["content-type"] == "application/x-amz-cbor-1.1"
    assert headers["authorization"].startswith("AWS4-HMAC-SHA256")
    assert cbor_decode(body)["StartingPosition"]["Timestamp"].value == 1500
    assert result["remote_window"] == 1 << 20
    assert evs[0].is_initial_response and evs[0].payload == {}
    assert evs[1].records()[0] == {"Data": b"hi", "PartitionKey": "k", "SequenceNumber": "1",
                                   "ApproximateArrivalTimestamp": 1.5}
    assert [e.units for e in evs] == [(0, 0), (1, 2)] and sub.end == "stream-ended"
    es.check_kcl_valid(evs[1])
