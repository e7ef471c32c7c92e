#!/usr/bin/env bash
# SubscribeToShard through curl, checked with the suite's own event-stream decoder
# (tests/integration/eventstream_client.py): curl is a client that shares no code with the AWS SDKs, so this
# checks the server's framing and CRCs as any HTTP/2 or HTTP/1.1 client sees them.
#
#   SLUICE_ENDPOINT=http://127.0.0.1:4567 tests/integration/curl_event_stream.sh [--http1.1] [--cbor] [--seconds N]
#
# It creates a one-shard stream, puts one record, registers a consumer, waits for it to be ACTIVE, then runs
# `curl --http2-prior-knowledge` (or --http1.1) with --aws-sigv4 for N seconds (default 3) from TRIM_HORIZON,
# saves the raw body and checks: HTTP 200, Content-Type application/vnd.amazon.eventstream, both CRCs of every
# message, initial-response first, every SubscribeToShardEvent valid for the KCL, the record delivered once with
# its data. The stream is deleted at the end.
# Environment: SLUICE_ENDPOINT (required), SLUICE_PYTHON (interpreter; default /usr/bin/python3 if it exists),
# SLUICE_PY_EXTRA_PATH (appended to sys.path, as scripts/run-integration.sh sets it), KEEP_DIR (keep the body).
# Exit status: 0 checks passed; 77 skipped (no endpoint, curl without --aws-sigv4, or a server without
# SubscribeToShard); anything else a failure.
set -euo pipefail
IT_DIR=$(cd "$(dirname "$0")" && pwd)
export IT_DIR

proto=(--http2-prior-knowledge)
encoding=json
seconds=3
while [ $# -gt 0 ]; do
  case "$1" in
    --http1.1) proto=(--http1.1); shift ;;
    --cbor) encoding=cbor; shift ;;
    --seconds) seconds=$2; shift 2 ;;
    *) echo "usage: $0 [--http1.1] [--cbor] [--seconds N]" >&2; exit 2 ;;
  esac
done

skip() { echo "curl_event_stream: SKIP: $*"; exit 77; }
[ -n "${SLUICE_ENDPOINT:-}" ] || skip "SLUICE_ENDPOINT is not set"
command -v curl >/dev/null || skip "no curl"
curl --help all 2>/dev/null | grep -q -- --aws-sigv4 || skip "this curl has no --aws-sigv4"
PY=${SLUICE_PYTHON:-}
if [ -z "$PY" ]; then
  if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=python3; fi
fi

work=$(mktemp -d)
cleanup() {
  if [ -n "${stream:-}" ]; then py_run delete "$stream" >/dev/null 2>&1 || true; fi
  if [ -n "${KEEP_DIR:-}" ]; then cp -r "$work"/. "$KEEP_DIR"/ 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# py_run ACTION ARGS...: the Python side (setup, request body, body check), sharing kinhelpers and the decoder.
py_run() {
  "$PY" - "$@" <<'EOF'
import os, sys, time
for p in filter(None, os.environ.get("SLUICE_PY_EXTRA_PATH", "").split(os.pathsep)):
    sys.path.append(p)
sys.path.insert(0, os.environ["IT_DIR"])
import kinhelpers as kh
import eventstream_client as es

ep = os.environ["SLUICE_ENDPOINT"].rstrip("/")
action, args = sys.argv[1], sys.argv[2:]


def call(op, payload, ok=(200,)):
    r = kh.raw_call(ep, op, payload)
    if r.status not in ok:
        if r.error_type == "UnknownOperationException":
            print("UNSUPPORTED %s" % op)
            sys.exit(77)
        sys.exit("%s failed: HTTP %d %r" % (op, r.status, r.body))
    return r.json or {}


def wait(op, payload, path, want="ACTIVE", timeout=20):
    deadline = time.monotonic() + timeout
    while True:
        doc = call(op, payload)
        for p in path:
            doc = doc[p]
        if doc == want:
            return
        if time.monotonic() > deadline:
            sys.exit("%s stayed %s" % (op, doc))
        time.sleep(0.1)


if action == "setup":
    name = kh.unique_name("curl-es")
    call("CreateStream", {"StreamName": name, "ShardCount": 1})
    print(name, flush=True)  # the caller deletes it even if a later step fails
    wait("DescribeStreamSummary", {"StreamName": name}, ["StreamDescriptionSummary", "StreamStatus"])
    arn = call("DescribeStreamSummary", {"StreamName": name})["StreamDescriptionSummary"]["StreamARN"]
    call("PutRecord", {"StreamName": name, "PartitionKey": "k", "Data": kh.b64(b"curl-check")})
    consumer = call("RegisterStreamConsumer", {"StreamARN": arn, "ConsumerName": "curl"})["Consumer"]["ConsumerARN"]
    wait("DescribeStreamConsumer", {"ConsumerARN": consumer}, ["ConsumerDescription", "ConsumerStatus"])
    print(consumer)
elif action == "body":
    consumer, encoding, out = args
    body, _ = es.request_body(consumer, kh.shard_id(0), {"Type": "TRIM_HORIZON"}, encoding)
    with open(out, "wb") as f:
        f.write(body)
elif action == "check":
    raw_path, encoding, partial_ok = args
    with open(raw_path, "rb") as f:
        raw = f.read()
    ct = es.CBOR_CT if encoding == "cbor" else es.JSON_CT
    events = es.check_body(raw, ct, partial_ok=partial_ok == "1")
    data = [r["Data"] for ev in events if ev.is_subscribe_event for r in ev.records()]
    assert data == [b"curl-check"], "records delivered: %r" % data
    assert not any(ev.is_exception for ev in events), [ev for ev in events if ev.is_exception]
    print("%d bytes, %d messages (%d SubscribeToShardEvent), CRCs and framing valid"
          % (len(raw), len(events), sum(ev.is_subscribe_event for ev in events)))
elif action == "delete":
    kh.raw_call(ep, "DeleteStream", {"StreamName": args[0], "EnforceConsumerDeletion": True})
EOF
}

set +e
setup=$(py_run setup)
rc=$?
set -e
stream=$(printf '%s\n' "$setup" | sed -n 1p)
[ $rc -eq 77 ] && skip "server lacks ${setup##*UNSUPPORTED }"
[ $rc -eq 0 ] || { echo "curl_event_stream: setup failed" >&2; exit 1; }
consumer=$(printf '%s\n' "$setup" | sed -n 2p)

py_run body "$consumer" "$encoding" "$work/body"
ctype=application/x-amz-json-1.1
[ "$encoding" = cbor ] && ctype=application/x-amz-cbor-1.1

set +e
curl -sS "${proto[@]}" --max-time "$seconds" \
  --aws-sigv4 "aws:amz:us-east-1:kinesis" --user "AKIDSLUICETESTKEY:sluice-test-secret" \
  -H "X-Amz-Target: Kinesis_20131202.SubscribeToShard" -H "Content-Type: $ctype" \
  --data-binary "@$work/body" -D "$work/headers" -o "$work/raw" "${SLUICE_ENDPOINT%/}/"
crc=$?
set -e
# 28: --max-time cut the stream (the server keeps it open for minutes); anything else is a transport failure.
[ $crc -eq 0 ] || [ $crc -eq 28 ] || { echo "curl_event_stream: curl failed with $crc" >&2; exit 1; }
status=$(sed -n '1s/^HTTP\/[0-9.]* \([0-9]*\).*/\1/p' "$work/headers")
if [ "$status" != 200 ]; then
  if grep -q UnknownOperationException "$work/raw" 2>/dev/null; then skip "server lacks SubscribeToShard"; fi
  echo "curl_event_stream: HTTP $status: $(head -c 500 "$work/raw")" >&2
  exit 1
fi
grep -qi '^content-type: application/vnd.amazon.eventstream' "$work/headers" ||
  { echo "curl_event_stream: wrong Content-Type: $(grep -i '^content-type' "$work/headers")" >&2; exit 1; }
partial=0
[ $crc -eq 28 ] && partial=1
py_run check "$work/raw" "$encoding" "$partial"
echo "curl_event_stream: OK (${proto[*]}, $encoding)"
