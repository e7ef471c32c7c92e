"""Wire formats beyond botocore's JSON over HTTP/1.1: AWS CBOR 1.1 (the Java SDK's default for Kinesis,
reference 1.4) and the cleartext HTTP/2 preface (Java v2 / JS v3 use prior-knowledge h2c, reference 1.2).
Minimal hand-written CBOR codec; the full HTTP/2 client path is covered by the JS SDK suite."""
import socket
import struct
import time

import pytest

import kinhelpers as kh

CBOR = "application/x-amz-cbor-1.1"


class Tag:
    def __init__(self, tag, value):
        self.tag, self.value = tag, value

    def __repr__(self):
        return "Tag(%d, %r)" % (self.tag, self.value)


def _head(major, n):
    if n < 24:
        return bytes([major << 5 | n])
    for ai, fmt in ((24, ">B"), (25, ">H"), (26, ">I"), (27, ">Q")):
        if n < 1 << (8 * struct.calcsize(fmt)):
            return bytes([major << 5 | ai]) + struct.pack(fmt, n)
    raise ValueError(n)


def cbor_encode(v, indefinite=False):
    if isinstance(v, bool):
        return b"\xf5" if v else b"\xf4"
    if isinstance(v, int):
        return _head(0, v) if v >= 0 else _head(1, -1 - v)
    if isinstance(v, bytes):
        return _head(2, len(v)) + v
    if isinstance(v, str):
        b = v.encode()
        return _head(3, len(b)) + b
    if isinstance(v, Tag):
        return _head(6, v.tag) + cbor_encode(v.value)
    if isinstance(v, list):
        if indefinite:
            return b"\x9f" + b"".join(cbor_encode(x, indefinite) for x in v) + b"\xff"
        return _head(4, len(v)) + b"".join(cbor_encode(x) for x in v)
    if isinstance(v, dict):
        items = b"".join(cbor_encode(k) + cbor_encode(x, indefinite) for k, x in v.items())
        return (b"\xbf" + items + b"\xff") if indefinite else _head(5, len(v)) + items
    raise TypeError(type(v))


def cbor_decode(data):
    def item(i):
        ib = data[i]
        major, ai = ib >> 5, ib & 31
        i += 1
        if ai < 24:
            n = ai
        elif ai in (24, 25, 26, 27):
            size = 1 << (ai - 24)
            n = int.from_bytes(data[i:i + size], "big")
            i += size
        elif ai == 31:
            n = None
        else:
            raise ValueError("bad additional info %d" % ai)
        if major == 0:
            return n, i
        if major == 1:
            return -1 - n, i
        if major in (2, 3):
            if n is None:
                chunks = []
                while data[i] != 0xff:
                    c, i = item(i)
                    chunks.append(c)
                joined = b"".join(c if isinstance(c, bytes) else c.encode() for c in chunks)
                return (joined if major == 2 else joined.decode()), i + 1
            raw = data[i:i + n]
            return (bytes(raw) if major == 2 else raw.decode()), i + n
        if major == 4:
            out = []
            while (n is None and data[i] != 0xff) or (n is not None and len(out) < n):
                x, i = item(i)
                out.append(x)
            return out, (i + 1 if n is None else i)
        if major == 5:
            out, count = {}, 0
            while (n is None and data[i] != 0xff) or (n is not None and count < n):
                k, i = item(i)
                out[k], i = item(i)
                count += 1
            return out, (i + 1 if n is None else i)
        if major == 6:
            v, i = item(i)
            return Tag(n, v), i
        if major == 7:
            if ai == 20:
                return False, i
            if ai == 21:
                return True, i
            if ai in (22, 23):
                return None, i
            if ai == 25:
                return _half(data[i - 2:i]), i
            if ai == 26:
                return struct.unpack(">f", data[i - 4:i])[0], i
            if ai == 27:
                return struct.unpack(">d", data[i - 8:i])[0], i
        raise ValueError("unsupported CBOR item 0x%02x" % ib)

    v, end = item(0)
    assert end == len(data), "trailing bytes after CBOR item"
    return v


def _half(b):
    h = int.from_bytes(b, "big")
    exp, frac = (h >> 10) & 0x1f, h & 0x3ff
    val = frac * 2.0 ** -24 if exp == 0 else (float("inf") if exp == 31 else (1 + frac / 1024.0) * 2.0 ** (exp - 15))
    return -val if h & 0x8000 else val


def cbor_call(ep, op, payload, indefinite=False):
    body = cbor_encode(payload, indefinite)
    headers = kh.signed_headers(ep, kh.TARGET_PREFIX + op, body, content_type=CBOR)
    r = kh.raw_request(ep, headers, body)
    assert r.headers.get("content-type", "").split(";")[0] == CBOR, "reply to CBOR must be CBOR: %r" % (r.headers,)
    return r.status, (cbor_decode(r.body) if r.body else None), r


def test_cbor_codec_self_check():
    v = {"a": [1, -2, b"\x00\xff", "x" * 30, {"n": 2 ** 40}], "t": Tag(1, 1700000000000)}
    for indef in (False, True):
        got = cbor_decode(cbor_encode(v, indef))
        assert got["a"] == v["a"] and got["t"].tag == 1 and got["t"].value == 1700000000000


@pytest.mark.beyond_issue
@pytest.mark.deviates("kinesis-local", "no CBOR support")
@pytest.mark.deviates("kinesalite", "returns blobs as a {type: Buffer, data: [...]} map instead of a byte string")
@pytest.mark.parametrize("indefinite", [False, True], ids=["definite", "indefinite-length (Jackson)"])
def test_cbor_round_trip(server, kin, new_stream, indefinite):
    ep = server.endpoint
    name = new_stream(shards=1)
    status, j, _ = cbor_call(ep, "ListStreams", {}, indefinite)
    assert status == 200 and isinstance(j["StreamNames"], list)
    data = bytes(range(256)) * 4
    status, j, _ = cbor_call(ep, "PutRecord", {"StreamName": name, "Data": data, "PartitionKey": "k"}, indefinite)
    assert status == 200, j
    assert j["ShardId"] == kh.shard_id(0) and len(j["SequenceNumber"]) == 56
    status, j, _ = cbor_call(ep, "GetShardIterator", {"StreamName": name, "ShardId": kh.shard_id(0),
                                                      "ShardIteratorType": "TRIM_HORIZON"}, indefinite)
    assert status == 200, j
    status, g, _ = cbor_call(ep, "GetRecords", {"ShardIterator": j["ShardIterator"]}, indefinite)
    assert status == 200, g
    rec = g["Records"][0]
    assert rec["Data"] == data, "blob must be a CBOR byte string"
    ts = rec["ApproximateArrivalTimestamp"]
    millis = ts.value if isinstance(ts, Tag) else ts
    if isinstance(ts, Tag):
        assert ts.tag == 1
    assert isinstance(millis, int), "CBOR timestamps are integer epoch milliseconds (reference 1.4): %r" % (ts,)
    assert abs(millis - time.time() * 1000) < 120000, millis
    assert isinstance(g["MillisBehindLatest"], int)


@pytest.mark.beyond_issue
@pytest.mark.deviates("kinesis-local", "no CBOR support")
@pytest.mark.deviates("kinesalite", "rejects a tag-1 CBOR timestamp")
def test_cbor_timestamp_input_and_errors(server, new_stream):
    ep = server.endpoint
    name = new_stream(shards=1)
    time.sleep(1.1)
    ms = int(time.time() * 1000) - 500
    kh.raw_call(ep, "PutRecord", {"StreamName": name, "Data": kh.b64(b"after"), "PartitionKey": "k"})
    status, j, _ = cbor_call(ep, "GetShardIterator", {"StreamName": name, "ShardId": kh.shard_id(0),
                                                      "ShardIteratorType": "AT_TIMESTAMP", "Timestamp": Tag(1, ms)})
    assert status == 200, j
    status, g, _ = cbor_call(ep, "GetRecords", {"ShardIterator": j["ShardIterator"]})
    assert [r["Data"] for r in g["Records"]] == [b"after"]
    status, e, r = cbor_call(ep, "DescribeStream", {"StreamName": kh.unique_name("missing")})
    assert status == 400 and e["__type"] == "ResourceNotFoundException", e
    assert r.request_id


PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"


@pytest.mark.deviates("kinesalite", "HTTP/1.1 only")
def test_h2c_prior_knowledge_preface(server):
    """The server must recognise the HTTP/2 connection preface on a cleartext port and answer with SETTINGS."""
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    try:
        sock.sendall(PREFACE + b"\x00\x00\x00\x04\x00\x00\x00\x00\x00")  # empty SETTINGS frame
        header = b""
        while len(header) < 9:
            part = sock.recv(9 - len(header))
            if not part:
                break
            header += part
    finally:
        sock.close()
    assert len(header) == 9, "no HTTP/2 frame in reply: %r" % header
    assert header[3] == 0x04, "first server frame must be SETTINGS, got type %d (%r)" % (header[3], header)
