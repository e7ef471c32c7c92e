"""AWS event-stream codec and a raw SubscribeToShard client, written from the framing spec
(docs/formats/event-stream.md, reference kinesis-protocol.md 4.12) rather than with botocore's parser, so the
integration tests check the server's bytes independently of any SDK.

Codec (no server needed):

    encode_message(headers, payload) -> bytes          # headers: list of (name, type, value) or a dict
    event_message(event_type, payload, content_type)   # the two shapes SubscribeToShard sends
    exception_message(exception_type, payload, content_type)
    decode_message(buf) -> (Message or None, consumed) # None/0: only a prefix so far; EventStreamError: corrupt
    Decoder().feed(bytes) -> [Message, ...]            # incremental; Decoder.close() rejects a partial tail

Client (both transports give the same Subscription object):

    with subscribe(endpoint, consumer_arn, "shardId-000000000000", {"Type": "TRIM_HORIZON"},
                   transport="h2c", encoding="cbor") as sub:
        assert sub.status == 200, sub.error
        for ev in sub.events():               # Event objects, decoded and CRC-checked
            check_kcl_valid(ev)
            ...
            break

    transport: "http1" (http.client, chunked body, what botocore/the CLI do) or "h2c" (prior-knowledge HTTP/2
    cleartext via python3-h2, what the Java SDK v2 / KCL and JS v3 do). encoding: "json" (application/x-amz-json-1.1)
    or "cbor" (application/x-amz-cbor-1.1, python3-cbor2 request body; the Java SDK's default).

KCL rule: check_kcl_valid(event) applies DataRetrievalUtil.isValidResult to a SubscribeToShardEvent (reference
observability-and-efo.md A.2) and raises AssertionError when the KCL would reject it.
"""
import base64
import datetime as _dt
import http.client
import json
import os
import socket
import struct
import sys
import uuid
import zlib

import kinhelpers as kh
from test_wire_formats import Tag, cbor_decode, cbor_encode


def _import_debian(name):
    """Imports a module, borrowing Debian's dist-packages (python3-h2, python3-cbor2) when the interpreter is a
    pyenv build of the same major.minor that lacks it. Returns None when unavailable."""
    try:
        return __import__(name)
    except ImportError:
        deb = "/usr/lib/python3/dist-packages"
        if os.path.isdir(os.path.join(deb, name)) and deb not in sys.path:
            sys.path.append(deb)
        try:
            return __import__(name)
        except ImportError:
            return None


cbor2 = _import_debian("cbor2")
_h2 = _import_debian("h2")
if _h2 is not None:
    import h2.config
    import h2.connection
    import h2.events
    import h2.settings

JSON_CT = "application/json"
CBOR_CT = "application/x-amz-cbor-1.1"
EVENTSTREAM_CT = "application/vnd.amazon.eventstream"
AMZ_JSON = kh.AMZ_JSON
AMZ_CBOR = CBOR_CT

PRELUDE_BYTES = 12
TRAILER_BYTES = 4
MAX_HEADERS_BYTES = 128 * 1024
MAX_MESSAGE_BYTES = 16 * 1024 * 1024

# Header value types as numbered on the wire.
BOOL_TRUE, BOOL_FALSE, BYTE, INT16, INT32, INT64, BYTES, STRING, TIMESTAMP, UUID = range(10)
_FIXED = {BYTE: ">b", INT16: ">h", INT32: ">i", INT64: ">q", TIMESTAMP: ">q"}


class EventStreamError(Exception):
    """The bytes are not a valid event-stream message (bad CRC, impossible length, header overrun, unknown type)."""


# ------------------------------------------------------------------------------------------------- codec

def crc32(data, crc=0):
    """CRC32 IEEE (zlib's), continuing from `crc`."""
    return zlib.crc32(data, crc) & 0xffffffff


def _infer_type(value):
    if value is True:
        return BOOL_TRUE
    if value is False:
        return BOOL_FALSE
    if isinstance(value, str):
        return STRING
    if isinstance(value, (bytes, bytearray)):
        return BYTES
    if isinstance(value, uuid.UUID):
        return UUID
    if isinstance(value, _dt.datetime):
        return TIMESTAMP
    if isinstance(value, int):
        return INT64
    raise TypeError("no event-stream header type for %r" % (value,))


def _encode_header(name, htype, value):
    n = name.encode() if isinstance(name, str) else bytes(name)
    if not 1 <= len(n) <= 255:
        raise ValueError("header name must be 1..255 bytes: %r" % name)
    out = bytes([len(n)]) + n + bytes([htype])
    if htype in (BOOL_TRUE, BOOL_FALSE):
        return out
    if htype == TIMESTAMP and isinstance(value, _dt.datetime):
        value = int(value.timestamp() * 1000)
    if htype in _FIXED:
        return out + struct.pack(_FIXED[htype], value)
    if htype in (BYTES, STRING):
        v = value.encode() if isinstance(value, str) else bytes(value)
        if len(v) > 0xffff:
            raise ValueError("header value over 65535 bytes")
        return out + struct.pack(">H", len(v)) + v
    if htype == UUID:
        v = value.bytes if isinstance(value, uuid.UUID) else bytes(value)
        if len(v) != 16:
            raise ValueError("uuid header needs 16 bytes")
        return out + v
    raise ValueError("unknown header type %r" % htype)


def encode_message(headers, payload=b""):
    """One event-stream message. headers: a dict name -> value (type inferred: str STRING, bytes BYTES, bool,
    int INT64, uuid.UUID, datetime TIMESTAMP) or a list of (name, type, value) tuples for exact types/order."""
    items = headers.items() if isinstance(headers, dict) else headers
    block = b"".join(_encode_header(*(h if len(h) == 3 else (h[0], _infer_type(h[1]), h[1]))) for h in items)
    if isinstance(payload, str):
        payload = payload.encode()
    total = PRELUDE_BYTES + len(block) + len(payload) + TRAILER_BYTES
    prelude = struct.pack(">II", total, len(block))
    prelude += struct.pack(">I", crc32(prelude))
    body = prelude + block + payload
    return body + struct.pack(">I", crc32(body))


def event_message(event_type, payload, content_type=JSON_CT):
    """:message-type=event, :event-type, :content-type (the order Sluice writes)."""
    return encode_message([(":message-type", STRING, "event"), (":event-type", STRING, event_type),
                           (":content-type", STRING, content_type)], payload)


def exception_message(exception_type, payload, content_type=JSON_CT):
    """:message-type=exception, :exception-type, :content-type; payload {"message": ...}."""
    return encode_message([(":message-type", STRING, "exception"), (":exception-type", STRING, exception_type),
                           (":content-type", STRING, content_type)], payload)


class Message:
    """A decoded message. headers: dict name -> value (str for STRING, bytes for BYTES, bool, int for the integer
    types and TIMESTAMP (epoch ms), uuid.UUID); header_types: dict name -> wire type; header_list: every
    (name, type, value) in wire order (duplicates kept); payload: bytes; raw: the whole message."""

    def __init__(self, header_list, payload, raw):
        self.header_list = header_list
        self.headers = {}
        self.header_types = {}
        for name, htype, value in header_list:
            self.headers.setdefault(name, value)
            self.header_types.setdefault(name, htype)
        self.payload = payload
        self.raw = raw

    def __repr__(self):
        return "Message(%r, %r)" % (self.headers, self.payload[:80])


def decode_message(buf, offset=0):
    """Decodes the message at buf[offset:]. Returns (Message, consumed) for a whole valid message, (None, 0) when
    only a prefix is there; raises EventStreamError for corruption (both CRCs are checked, lengths and header
    bounds validated, unknown header types rejected)."""
    view = memoryview(buf)[offset:]
    if len(view) < PRELUDE_BYTES:
        return None, 0
    total, hlen, pcrc = struct.unpack_from(">III", view, 0)
    if crc32(view[:8]) != pcrc:
        raise EventStreamError("prelude CRC mismatch")
    if total < PRELUDE_BYTES + TRAILER_BYTES:
        raise EventStreamError("total length %d below the minimum" % total)
    if total > MAX_MESSAGE_BYTES:
        raise EventStreamError("total length %d over the limit" % total)
    if hlen > MAX_HEADERS_BYTES or hlen > total - PRELUDE_BYTES - TRAILER_BYTES:
        raise EventStreamError("headers length %d impossible for total %d" % (hlen, total))
    if len(view) < total:
        return None, 0
    (mcrc,) = struct.unpack_from(">I", view, total - TRAILER_BYTES)
    if crc32(view[8:total - TRAILER_BYTES], pcrc) != mcrc:
        raise EventStreamError("message CRC mismatch")
    raw = bytes(view[:total])
    headers = []
    i, end = PRELUDE_BYTES, PRELUDE_BYTES + hlen
    while i < end:
        nlen = raw[i]
        i += 1
        if nlen == 0:
            raise EventStreamError("empty header name")
        if i + nlen + 1 > end:
            raise EventStreamError("header past the headers block")
        name = raw[i:i + nlen].decode("utf-8", "surrogateescape")
        htype = raw[i + nlen]
        i += nlen + 1
        if htype in (BOOL_TRUE, BOOL_FALSE):
            value = htype == BOOL_TRUE
        elif htype in _FIXED:
            size = struct.calcsize(_FIXED[htype])
            if i + size > end:
                raise EventStreamError("header past the headers block")
            (value,) = struct.unpack_from(_FIXED[htype], raw, i)
            i += size
        elif htype in (BYTES, STRING):
            if i + 2 > end:
                raise EventStreamError("header past the headers block")
            (vlen,) = struct.unpack_from(">H", raw, i)
            if i + 2 + vlen > end:
                raise EventStreamError("header past the headers block")
            value = raw[i + 2:i + 2 + vlen]
            if htype == STRING:
                value = value.decode("utf-8", "surrogateescape")
            i += 2 + vlen
        elif htype == UUID:
            if i + 16 > end:
                raise EventStreamError("header past the headers block")
            value = uuid.UUID(bytes=raw[i:i + 16])
            i += 16
        else:
            raise EventStreamError("unknown header type %d" % htype)
        headers.append((name, htype, value))
    return Message(headers, raw[end:total - TRAILER_BYTES], raw), total


class Decoder:
    """Incremental decoder: feed() transport bytes as they arrive, get whole messages back."""

    def __init__(self):
        self._buf = bytearray()

    def feed(self, data):
        """Appends data; returns the list of messages completed by it (raises EventStreamError on corruption)."""
        self._buf += data
        out, pos = [], 0
        while True:
            msg, n = decode_message(self._buf, pos)
            if msg is None:
                break
            out.append(msg)
            pos += n
        del self._buf[:pos]
        return out

    @property
    def pending(self):
        """Bytes of an incomplete message held back."""
        return len(self._buf)

    def close(self):
        """At the end of the body: raises EventStreamError if a partial message is left over."""
        if self._buf:
            raise EventStreamError("stream ended inside a message (%d bytes left)" % len(self._buf))


def decode_all(data):
    """Every message of a complete body (raises on corruption or a truncated tail)."""
    d = Decoder()
    msgs = d.feed(data)
    d.close()
    return msgs


# ------------------------------------------------------------------------------------------------- events

def _parse_payload(payload, content_type):
    if not payload:
        return None
    ct = (content_type or "").split(";")[0].strip()
    if ct == CBOR_CT:
        return cbor_decode(payload)
    return json.loads(payload)


def _cbor_timestamp_seconds(v):
    if isinstance(v, Tag):
        v = v.value
    return v / 1000.0  # AWS CBOR 1.1 timestamps are epoch milliseconds


class Event:
    """One decoded message of a SubscribeToShard response.

    headers / header_types: as in Message. payload: the parsed payload (dict from JSON, or from CBOR with tags kept
    as test_wire_formats.Tag so tag 1 + integer milliseconds stays visible); None for an empty payload.
    raw_payload: the bytes. message: the Message. units: (first, last) index of the transport units (HTTP/1.1 chunks
    or HTTP/2 DATA frames) the message arrived in; equal when it came in one unit."""

    def __init__(self, message, units=(0, 0)):
        self.message = message
        self.headers = message.headers
        self.header_types = message.header_types
        self.raw_payload = message.payload
        self.units = units
        self.payload = _parse_payload(message.payload, self.content_type)

    message_type = property(lambda self: self.headers.get(":message-type"))
    event_type = property(lambda self: self.headers.get(":event-type"))
    exception_type = property(lambda self: self.headers.get(":exception-type"))
    content_type = property(lambda self: self.headers.get(":content-type"))

    @property
    def is_exception(self):
        """An exception frame (:message-type exception) or a generic error frame (:message-type error)."""
        return self.message_type in ("exception", "error")

    @property
    def is_initial_response(self):
        return self.message_type == "event" and self.event_type == "initial-response"

    @property
    def is_subscribe_event(self):
        return self.message_type == "event" and self.event_type == "SubscribeToShardEvent"

    @property
    def error_code(self):
        """ExceptionType of an exception frame, :error-code of an error frame, else None."""
        if self.message_type == "exception":
            return self.exception_type
        if self.message_type == "error":
            return self.headers.get(":error-code")
        return None

    @property
    def error_message(self):
        if self.message_type == "error":
            return self.headers.get(":error-message")
        if isinstance(self.payload, dict):
            return self.payload.get("message", self.payload.get("Message"))
        return None

    # SubscribeToShardEvent members (None when absent).
    continuation = property(lambda self: (self.payload or {}).get("ContinuationSequenceNumber"))
    millis_behind_latest = property(lambda self: (self.payload or {}).get("MillisBehindLatest"))
    child_shards = property(lambda self: (self.payload or {}).get("ChildShards"))

    def records(self):
        """Records in one shape for both encodings: dicts with Data as bytes, ApproximateArrivalTimestamp as float
        epoch seconds, the other members as sent."""
        out = []
        cbor = (self.content_type or "").startswith(CBOR_CT)
        for r in (self.payload or {}).get("Records") or []:
            r = dict(r)
            if "Data" in r and not cbor:
                r["Data"] = base64.b64decode(r["Data"], validate=True)
            ts = r.get("ApproximateArrivalTimestamp")
            if ts is not None:
                r["ApproximateArrivalTimestamp"] = _cbor_timestamp_seconds(ts) if cbor else float(ts)
            out.append(r)
        return out

    def __repr__(self):
        return "Event(%s %s, %r)" % (self.message_type, self.event_type or self.error_code, self.payload)


def kcl_is_valid_result(shard_end_indicator, child_shards):
    """DataRetrievalUtil.isValidResult of the KCL: a null shard-end indicator (the continuation sequence number)
    needs a non-empty ChildShards list; a non-null one needs ChildShards null or empty; every child shard needs a
    non-empty ParentShards."""
    if shard_end_indicator is None and not child_shards:
        return False
    if shard_end_indicator is not None and child_shards:
        return False
    for child in child_shards or []:
        if not child.get("ParentShards"):
            return False
    return True


def check_kcl_valid(event):
    """Raises AssertionError when the KCL would reject this SubscribeToShardEvent (InvalidStateException);
    returns True otherwise (other message kinds are not subject to the rule)."""
    if not event.is_subscribe_event:
        return True
    if not kcl_is_valid_result(event.continuation, event.child_shards):
        raise AssertionError("KCL isValidResult fails: ContinuationSequenceNumber=%r ChildShards=%r"
                             % (event.continuation, event.child_shards))
    return True


def check_body(raw, content_type=JSON_CT, partial_ok=False):
    """Checks a saved SubscribeToShard response body (e.g. written by curl) and returns its Events: every message
    has valid CRCs and framing; the first is initial-response with an empty object payload ({} or CBOR a0); the
    others are SubscribeToShardEvent or exception/error frames; every message carries `content_type` (except
    generic error frames) and every SubscribeToShardEvent passes check_kcl_valid. partial_ok: a truncated last
    message is allowed (the client cut the stream, e.g. curl --max-time). Raises AssertionError or
    EventStreamError."""
    dec = Decoder()
    events = [Event(m) for m in dec.feed(raw)]
    if not partial_ok:
        dec.close()
    assert events, "no complete message in %d bytes" % len(raw)
    first = events[0]
    assert first.is_initial_response, "first message is not initial-response: %r" % first
    assert first.raw_payload in (b"{}", b"\xa0"), "initial-response payload %r" % first.raw_payload
    for i, ev in enumerate(events):
        if ev.message_type != "error":
            assert ev.content_type == content_type, "message %d has :content-type %r" % (i, ev.content_type)
        if i > 0:
            assert ev.is_subscribe_event or ev.is_exception, "message %d is %r" % (i, ev)
        check_kcl_valid(ev)
    for ev in events[:-1]:
        assert not ev.is_exception, "messages after an exception frame: %r" % ev
    return events


# ------------------------------------------------------------------------------------------------- requests

def request_body(consumer_arn, shard_id, starting_position, encoding="json", **extra):
    """The SubscribeToShard input. starting_position: {"Type": ..., "SequenceNumber": ..., "Timestamp": ...};
    Timestamp may be a datetime or epoch seconds (JSON: a number of seconds; CBOR: tag 1 + integer milliseconds,
    as the Java SDK sends). extra: more members (StreamId, ...). Returns (body bytes, content type)."""
    pos = dict(starting_position)
    ts = pos.get("Timestamp")
    if isinstance(ts, _dt.datetime):
        ts = ts.timestamp()
    payload = {"ConsumerARN": consumer_arn, "ShardId": shard_id, "StartingPosition": pos}
    payload.update(extra)
    if encoding == "json":
        if ts is not None:
            pos["Timestamp"] = ts
        return json.dumps(payload).encode(), AMZ_JSON
    if encoding != "cbor":
        raise ValueError("encoding must be json or cbor")
    if cbor2 is not None:
        if ts is not None:
            pos["Timestamp"] = cbor2.CBORTag(1, int(round(ts * 1000)))
        return cbor2.dumps(payload), AMZ_CBOR
    if ts is not None:  # no cbor2: the suite's own encoder
        pos["Timestamp"] = Tag(1, int(round(ts * 1000)))
    return cbor_encode(payload), AMZ_CBOR


def _signed(endpoint, body, content_type, region, access_key, secret_key, when):
    return kh.signed_headers(endpoint, kh.TARGET_PREFIX + "SubscribeToShard", body, region=region,
                             access_key=access_key, secret_key=secret_key, content_type=content_type, when=when)


def _host_port(endpoint):
    hp = endpoint.split("://", 1)[-1].rstrip("/")
    host, port = hp.rsplit(":", 1)
    return host, int(port)


class SubscribeError(Exception):
    """SubscribeToShard answered with a non-200 status (an ordinary AWS error response)."""

    def __init__(self, status, code, body):
        super().__init__("HTTP %d %s: %r" % (status, code, body))
        self.status, self.code, self.body = status, code, body


class Subscription:
    """An open SubscribeToShard response.

    status: HTTP status; headers: response headers (names lowercased); error: for a non-200 status, the parsed
    error body (dict with __type/message) and error_code its __type; events(): generator of Event, ending when the
    server ends the response; end: why it ended ("eof", "stream-ended", "reset:<code>", "goaway:<code>", or None
    while open); units: transport units (chunks / DATA frames) received; units_with_several_messages: how many units
    held bytes of more than one message (clients like lifion-kinesis want one message per unit).
    Use as a context manager or call close()."""

    def __init__(self):
        self.status = None
        self.headers = {}
        self.error = None
        self.error_code = None
        self.end = None
        self.units = 0
        self.units_with_several_messages = 0

    def _parse_error(self, body):
        ct = self.headers.get("content-type", "").split(";")[0]
        try:
            self.error = cbor_decode(body) if ct == AMZ_CBOR else (json.loads(body) if body else None)
        except ValueError:
            self.error = {"raw": body}
        if isinstance(self.error, dict):
            code = self.error.get("__type") or self.headers.get("x-amzn-errortype", "")
            self.error_code = code.split("#")[-1].split(":")[0] if code else None

    def _units(self):
        """Yields the response body's transport units (bytes) until the response ends."""
        raise NotImplementedError

    def events(self):
        """Decoded events in arrival order. Raises EventStreamError on a corrupt message or a body that ends
        inside one; SubscribeError if the status was not 200."""
        if self.status != 200:
            raise SubscribeError(self.status, self.error_code, self.error)
        dec = Decoder()
        start = None  # unit in which the message being assembled began
        for data in self._units():
            idx = self.units
            self.units += 1
            if dec.pending == 0:
                start = idx
            msgs = dec.feed(data)
            if len(msgs) + (1 if dec.pending else 0) > 1:
                self.units_with_several_messages += 1
            for k, m in enumerate(msgs):
                yield Event(m, (start if k == 0 else idx, idx))
            if msgs:
                start = idx  # a trailing partial message began in this unit
        dec.close()

    def collect(self, count=None, until=None):
        """Reads events until `count` were collected, `until(event)` is true (that event included), or the stream
        ends; returns the list."""
        out = []
        for ev in self.events():
            out.append(ev)
            if (count is not None and len(out) >= count) or (until is not None and until(ev)):
                break
        return out

    def close(self):
        raise NotImplementedError

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Http1Subscription(Subscription):
    """SubscribeToShard over HTTP/1.1 with http.client; a chunked body is de-chunked here so that chunk boundaries
    stay visible (units)."""

    def __init__(self, endpoint, body, headers, timeout):
        super().__init__()
        host, port = _host_port(endpoint)
        self.conn = http.client.HTTPConnection(host, port, timeout=timeout)
        self.conn.request("POST", "/", body=body, headers=headers)
        self.resp = self.conn.getresponse()
        self.status = self.resp.status
        self.headers = {k.lower(): v for k, v in self.resp.getheaders()}
        self.chunked = "chunked" in self.headers.get("transfer-encoding", "").lower()
        if self.status != 200:
            self._parse_error(self.resp.read())

    def _units(self):
        if not self.chunked:
            while True:
                data = self.resp.read1(65536)
                if not data:
                    self.end = "eof"
                    return
                yield data
        fp = self.resp.fp  # http.client has read only the status line and headers from it
        while True:
            line = fp.readline(65537)
            if not line:
                raise EventStreamError("connection closed without the last chunk")
            size = int(line.split(b";", 1)[0].strip(), 16)
            if size == 0:
                while fp.readline(65537) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                self.end = "eof"
                return
            data = fp.read(size)
            if len(data) != size or fp.read(2) != b"\r\n":
                raise EventStreamError("truncated chunk")
            yield data

    def close(self):
        self.resp.close()
        self.conn.close()


class H2cSubscription(Subscription):
    """SubscribeToShard over prior-knowledge HTTP/2 cleartext with python3-h2. initial_window: the stream window the
    client advertises (the KCL uses 512 KiB, the Java SDK default is 1 MiB); received data is acknowledged (window
    updates sent) as each DATA frame is consumed by events()."""

    def __init__(self, endpoint, body, headers, timeout, initial_window=512 * 1024, connection_window=None):
        super().__init__()
        if _h2 is None:
            raise RuntimeError("python3-h2 is not installed (scripts/install-deps.sh --test)")
        host, port = _host_port(endpoint)
        self.sock = socket.create_connection((host, port), timeout=timeout)
        cfg = h2.config.H2Configuration(client_side=True, header_encoding="utf-8")
        self.h2 = h2.connection.H2Connection(config=cfg)
        self.h2.local_settings = h2.settings.Settings(client=True, initial_values={
            h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: initial_window,
            h2.settings.SettingCodes.MAX_HEADER_LIST_SIZE: 8192,
            h2.settings.SettingCodes.ENABLE_PUSH: 0,
        })
        self.h2.initiate_connection()
        conn_window = connection_window if connection_window is not None else initial_window
        if conn_window > 65535:
            self.h2.increment_flow_control_window(conn_window - 65535)
        self.stream_id = self.h2.get_next_available_stream_id()
        req = [(":method", "POST"), (":scheme", "http"), (":authority", "%s:%d" % (host, port)), (":path", "/")]
        req += [(k.lower(), v) for k, v in headers.items() if k.lower() not in ("host", "content-length")]
        req.append(("content-length", str(len(body))))
        self.h2.send_headers(self.stream_id, req)
        self.h2.send_data(self.stream_id, body, end_stream=True)
        self._flush()
        self._pending = []  # DATA payloads received before events() asked
        self._done = False
        while self.status is None and not self._done:
            self._pump()
        if self.status is None:
            raise SubscribeError(0, None, "stream ended before response headers (%s)" % self.end)
        if self.status != 200:
            while not self._done:
                self._pump()
            self._parse_error(b"".join(d for d, _ in self._pending))

    def _flush(self):
        data = self.h2.data_to_send()
        if data:
            self.sock.sendall(data)

    def _pump(self):
        data = self.sock.recv(65536)
        if not data:
            self.end = self.end or "eof"
            self._done = True
            return
        for ev in self.h2.receive_data(data):
            sid = getattr(ev, "stream_id", None)
            if isinstance(ev, h2.events.ResponseReceived) and sid == self.stream_id:
                self.headers = {k.lower(): v for k, v in ev.headers}
                self.status = int(self.headers.pop(":status"))
            elif isinstance(ev, h2.events.DataReceived) and sid == self.stream_id:
                self._pending.append((ev.data, ev.flow_controlled_length))
            elif isinstance(ev, h2.events.StreamEnded) and sid == self.stream_id:
                self.end, self._done = "stream-ended", True
            elif isinstance(ev, h2.events.StreamReset) and sid == self.stream_id:
                self.end, self._done = "reset:%d" % ev.error_code, True
            elif isinstance(ev, h2.events.ConnectionTerminated):
                self.end, self._done = "goaway:%d" % ev.error_code, True
        self._flush()  # SETTINGS/PING acknowledgements h2 queued

    def _units(self):
        while True:
            while self._pending:
                data, flow = self._pending.pop(0)
                if flow and not self._done:
                    self.h2.acknowledge_received_data(flow, self.stream_id)
                    self._flush()
                yield data
            if self._done:
                return
            self._pump()

    def close(self):
        try:
            if not self._done:
                self.h2.reset_stream(self.stream_id)
            self.h2.close_connection()
            self._flush()
        except Exception:  # the peer may be gone already
            pass
        self.sock.close()


def subscribe(endpoint, consumer_arn, shard_id, starting_position, transport="http1", encoding="json",
              region=kh.REGION, access_key=kh.FAKE_AKID, secret_key=kh.FAKE_SECRET, timeout=30, when=None,
              extra_headers=None, **transport_options):
    """Sends a SigV4-signed SubscribeToShard and returns an open Subscription (see its docstring). transport: "http1"
    or "h2c"; encoding: "json" or "cbor"; when: signing time override (datetime, UTC); timeout: socket timeout per
    read in seconds; transport_options: initial_window / connection_window for h2c."""
    body, ct = request_body(consumer_arn, shard_id, starting_position, encoding)
    headers = _signed(endpoint, body, ct, region, access_key, secret_key, when)
    if extra_headers:
        headers.update(extra_headers)
    if transport == "http1":
        return Http1Subscription(endpoint, body, headers, timeout)
    if transport == "h2c":
        return H2cSubscription(endpoint, body, headers, timeout, **transport_options)
    raise ValueError("transport must be http1 or h2c")


def subscribe_events(*args, **kwargs):
    """Generator over the events of one subscription (arguments as subscribe()); raises SubscribeError on a non-200
    answer; closes the connection when the generator is closed or exhausted."""
    with subscribe(*args, **kwargs) as sub:
        yield from sub.events()
