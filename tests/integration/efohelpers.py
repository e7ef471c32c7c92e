"""Helpers for the enhanced fan-out suite (test_fanout.py): registered consumers, SubscribeToShard event streams read
on a thread, the KCL validity rule applied to every event, and a reader that follows ChildShards across resharding.

Nothing here depends on pytest except `skip_unless_fanout` (which skips), so the module also works from a REPL.
"""
import itertools
import queue
import threading
import time

import botocore.eventstream
from botocore.exceptions import ClientError, EventStreamError

import kinhelpers as kh

# ------------------------------------------------------------------------------------------------ the KCL rule

# Every SubscribeToShardEvent any subscription of the suite receives is checked here; the counters let the suite
# show that the rule really saw the events (see test_fanout.py::test_kcl_rule_saw_every_event).
STATS = {"events": 0, "records": 0, "final_events": 0, "violations": []}
_STATS_LOCK = threading.Lock()


def kcl_violations(ev):
    """The KCL's DataRetrievalUtil.isValidResult for a SubscribeToShardEvent (shardEndIndicator = the
    ContinuationSequenceNumber): a null continuation needs a non-empty ChildShards list, a non-null continuation an
    empty or absent one, and every child shard must name non-empty ParentShards. Returns a list of problems."""
    problems = []
    cont = ev.get("ContinuationSequenceNumber")
    children = ev.get("ChildShards") or []
    if cont is None and not children:
        problems.append("null ContinuationSequenceNumber without ChildShards (KCL: InvalidStateException)")
    if cont is not None and children:
        problems.append("ContinuationSequenceNumber %s together with ChildShards (KCL rejects it)" % cont)
    for c in children:
        if not c.get("ParentShards"):
            problems.append("child shard %s without ParentShards" % c.get("ShardId"))
    return problems


def shape_violations(ev, last_seq):
    """Protocol invariants of one event in one subscription: Records a list with strictly increasing sequence numbers
    (also across events: `last_seq` is the previous delivered one), MillisBehindLatest a non-negative integer, the
    continuation a sequence number not below the last record of the event."""
    problems = []
    recs = ev.get("Records")
    if not isinstance(recs, list):
        problems.append("Records missing or not a list")
        recs = []
    prev = last_seq
    for r in recs:
        s = int(r["SequenceNumber"])
        if prev is not None and s <= prev:
            problems.append("sequence number %d not above the previous delivered %d" % (s, prev))
        prev = s
        for k in ("Data", "PartitionKey", "ApproximateArrivalTimestamp"):
            if k not in r:
                problems.append("record %d lacks %s" % (s, k))
    mbl = ev.get("MillisBehindLatest")
    if not isinstance(mbl, int) or mbl < 0:
        problems.append("MillisBehindLatest %r is not a non-negative integer" % (mbl,))
    cont = ev.get("ContinuationSequenceNumber")
    if cont is not None:
        if not str(cont).isdigit():
            problems.append("ContinuationSequenceNumber %r is not a sequence number" % cont)
        elif recs and int(cont) < int(recs[-1]["SequenceNumber"]):
            problems.append("ContinuationSequenceNumber %s below the event's last record" % cont)
    return problems, prev


# ------------------------------------------------------------------------------------------------ capabilities

def serve_help():
    import subprocess
    binary = kh.sluice_bin()
    if binary is None:
        return ""
    return subprocess.run([binary, "serve", "--help"], capture_output=True, text=True).stdout


def fanout_unsupported_reason(endpoint):
    """None when the server implements RegisterStreamConsumer and SubscribeToShard, else a skip reason."""
    bogus_stream = "arn:aws:kinesis:%s:%s:stream/efo-probe-absent" % (kh.REGION, kh.DEFAULT_ACCOUNT)
    probes = [("RegisterStreamConsumer", {"StreamARN": bogus_stream, "ConsumerName": "probe"}),
              ("SubscribeToShard", {"ConsumerARN": bogus_stream + "/consumer/probe:1", "ShardId": kh.shard_id(0),
                                    "StartingPosition": {"Type": "LATEST"}})]
    for op, body in probes:
        r = kh.raw_call(endpoint, op, body)
        if r.error_type == "UnknownOperationException":
            return "server answers UnknownOperationException for %s (enhanced fan-out not built yet)" % op
    return None


def tolerate_missing_initial_response():
    """Validation runs against kinesis-local ONLY: kinesis-mock sends no initial-response event, which botocore
    refuses ("First event was not of type initial-response"). This puts the first event back so the rest of the suite
    can be debugged against it. Never installed for Sluice."""
    if getattr(botocore.eventstream.EventStream, "_sluice_tolerant", False):
        return

    class _Empty:
        payload = b"{}"

    def get_initial_response(self):
        try:
            first = next(self._event_generator)
        except StopIteration:
            raise botocore.eventstream.NoInitialResponseError()
        if first.headers.get(":event-type") == "initial-response":
            return first
        self._event_generator = itertools.chain([first], self._event_generator)
        return _Empty()

    botocore.eventstream.EventStream.get_initial_response = get_initial_response
    botocore.eventstream.EventStream._sluice_tolerant = True


# ------------------------------------------------------------------------------------------------ consumers

def make_efo_client(endpoint, read_timeout=60):
    """A boto3 client for subscriptions: many pooled connections (each open subscription holds one)."""
    import boto3
    from botocore.config import Config
    cfg = Config(retries={"max_attempts": 0, "mode": "legacy"}, connect_timeout=5, read_timeout=read_timeout,
                 parameter_validation=False, max_pool_connections=100)
    return boto3.client("kinesis", endpoint_url=endpoint, region_name=kh.REGION, aws_access_key_id=kh.FAKE_AKID,
                        aws_secret_access_key=kh.FAKE_SECRET, config=cfg)


def wait_consumer(kin, consumer_arn, want="ACTIVE", timeout=15.0):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = kin.describe_stream_consumer(ConsumerARN=consumer_arn)["ConsumerDescription"]["ConsumerStatus"]
        if last == want:
            return
        time.sleep(0.05)
    raise AssertionError("consumer %s stayed %s, wanted %s" % (consumer_arn, last, want))


def register_consumer(kin, stream_arn, name=None, wait=True, timeout=15.0):
    """RegisterStreamConsumer (retrying LimitExceeded: at most 5 consumers CREATING at once) and, by default, wait
    for ACTIVE. Returns the ConsumerARN."""
    name = name or kh.unique_name("c")
    deadline = time.monotonic() + timeout
    while True:
        try:
            arn = kin.register_stream_consumer(StreamARN=stream_arn, ConsumerName=name)["Consumer"]["ConsumerARN"]
            break
        except ClientError as e:
            if kh.error_code(e) != "LimitExceededException" or time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    if wait:
        wait_consumer(kin, arn, timeout=max(1.0, deadline - time.monotonic()))
    return arn


# ------------------------------------------------------------------------------------------------ subscriptions

class Item:
    """One thing read from a subscription: kind is 'event' (ev = the SubscribeToShardEvent dict), 'error' (exc: an
    EventStreamError for an exception frame, or a transport error), 'end' (the response ended normally) or 'other'."""
    __slots__ = ("kind", "ev", "exc", "t")

    def __init__(self, kind, ev=None, exc=None):
        self.kind, self.ev, self.exc, self.t = kind, ev, exc, time.monotonic()

    @property
    def code(self):
        return kh.error_code(self.exc) if isinstance(self.exc, ClientError) else None

    def __repr__(self):
        if self.kind == "event":
            ev = dict(self.ev)
            ev["Records"] = "%d records" % len(ev.get("Records") or [])
            return "<event %r>" % ev
        return "<%s %r>" % (self.kind, self.exc)


class Subscription:
    """subscribe_to_shard, with the event stream read on a daemon thread into a queue. Every event passes through the
    KCL rule and the shape checks; a violation makes `get` raise and is also kept in `violations` (checked by the
    suite's teardown even when the test never looked at that event). Raises ClientError when the call itself fails
    (HTTP 4xx before the stream opens)."""

    def __init__(self, client, consumer_arn, shard_id, position, registry=None):
        self.consumer_arn, self.shard_id, self.position = consumer_arn, shard_id, position
        self.t_start = time.monotonic()
        self.response = client.subscribe_to_shard(ConsumerARN=consumer_arn, ShardId=shard_id,
                                                  StartingPosition=position)
        self.t_open = time.monotonic()
        self.stream = self.response["EventStream"]
        self.q = queue.Queue()
        self.violations = []
        self.items = []           # everything read so far, in order (also the ones `get` has not returned yet)
        self.records = []         # every delivered record, in order
        self.continuation = None  # last non-null ContinuationSequenceNumber
        self.final = None         # the shard-end event (ChildShards, null continuation), if seen
        self.done = None          # the terminal Item ('end' or 'error')
        self._closing = False
        self._last_seq = None
        if registry is not None:
            registry.append(self)
        self.thread = threading.Thread(target=self._run, daemon=True,
                                       name="sub-%s-%s" % (shard_id, consumer_arn.rsplit("/", 1)[-1]))
        self.thread.start()

    @property
    def status(self):
        return self.response["ResponseMetadata"]["HTTPStatusCode"]

    @property
    def headers(self):
        return self.response["ResponseMetadata"]["HTTPHeaders"]

    def _push(self, item):
        self.items.append(item)
        self.q.put(item)

    def _run(self):
        try:
            for ev in self.stream:
                if "SubscribeToShardEvent" not in ev:
                    self._push(Item("other", ev=ev))
                    continue
                e = ev["SubscribeToShardEvent"]
                problems = kcl_violations(e)
                more, self._last_seq = shape_violations(e, self._last_seq)
                problems += more
                with _STATS_LOCK:
                    STATS["events"] += 1
                    STATS["records"] += len(e.get("Records") or [])
                    if e.get("ContinuationSequenceNumber") is None:
                        STATS["final_events"] += 1
                    if problems:
                        STATS["violations"].append((self.shard_id, problems))
                if problems:
                    self.violations.append(problems)
                self.records.extend(e.get("Records") or [])
                if e.get("ContinuationSequenceNumber") is not None:
                    self.continuation = e["ContinuationSequenceNumber"]
                elif e.get("ChildShards"):
                    self.final = e
                self._push(Item("event", ev=e))
            self.done = Item("end")
        except EventStreamError as e:
            self.done = Item("error", exc=e)
        except Exception as e:  # noqa: BLE001 - transport errors (server killed, closed by us)
            self.done = Item("end" if self._closing else "error", exc=e)
        self._push(self.done)

    def get(self, timeout):
        """Next item, or None after `timeout` seconds without one."""
        try:
            item = self.q.get(timeout=max(0.0, timeout))
        except queue.Empty:
            return None
        if item.kind == "event":
            problems = kcl_violations(item.ev)
            assert not problems, "%s: %s in %r" % (self.shard_id, problems, item)
        assert not self.violations, "%s: %s" % (self.shard_id, self.violations)
        return item

    def events_until(self, pred, timeout, what="condition"):
        """Read items until pred(list of items read by this call) is true; fails on timeout or an unexpected end."""
        got = []
        deadline = time.monotonic() + timeout
        while not pred(got):
            item = self.get(deadline - time.monotonic())
            if item is None:
                raise AssertionError("%s: no %s within %ss; read %r" % (self.shard_id, what, timeout, got[-5:]))
            got.append(item)
            if item.kind in ("end", "error") and not pred(got):
                raise AssertionError("%s: subscription ended (%r) before %s; read %r"
                                     % (self.shard_id, item, what, got[-5:]))
        return got

    def records_until(self, n, timeout):
        """Read until at least n records arrived through this call; returns them."""
        recs = []

        def enough(items):
            del recs[:]
            for it in items:
                if it.kind == "event":
                    recs.extend(it.ev.get("Records") or [])
            return len(recs) >= n
        self.events_until(enough, timeout, what="%d records" % n)
        return list(recs)

    def wait_done(self, timeout):
        """Read until the stream ends; returns the terminal item."""
        items = self.events_until(lambda got: got and got[-1].kind in ("end", "error"), timeout, what="end")
        return items[-1]

    def close(self):
        self._closing = True
        try:
            self.stream.close()
        except Exception:  # noqa: BLE001
            pass
        self.thread.join(5)


def subscribe_retrying(client, consumer_arn, shard_id, position, registry=None, timeout=15.0,
                       retry_codes=("ResourceInUseException", "LimitExceededException"), transport_retry=False):
    """Subscribe, retrying the codes a KCL client backs off on (and, with transport_retry, connection errors while a
    server restarts). Returns (Subscription, attempts)."""
    deadline = time.monotonic() + timeout
    attempts = 0
    while True:
        attempts += 1
        try:
            return Subscription(client, consumer_arn, shard_id, position, registry), attempts
        except ClientError as e:
            if kh.error_code(e) not in retry_codes or time.monotonic() > deadline:
                raise
        except Exception:  # noqa: BLE001 - EndpointConnectionError & co while the server is down
            if not transport_retry or time.monotonic() > deadline:
                raise
        time.sleep(0.25)


def after(seq):
    return {"Type": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": seq}


def at(seq):
    return {"Type": "AT_SEQUENCE_NUMBER", "SequenceNumber": seq}


TRIM_HORIZON = {"Type": "TRIM_HORIZON"}
LATEST = {"Type": "LATEST"}


# ------------------------------------------------------------------------------------------------ lineage reader

class LineageReader:
    """Reads a whole stream through fan-out the way the KCL does: one subscription per shard; a parent's final event
    (null continuation, ChildShards) ends it; a child is subscribed at TRIM_HORIZON once every one of its parents
    has ended; a subscription that ends without a shard end (lifetime, restart) is resumed AFTER_SEQUENCE_NUMBER of
    its last continuation. `received` lists (shard id, record) in delivery order."""

    def __init__(self, client, consumer_arn, shard_ids, registry, transport_retry=False):
        self.client, self.consumer_arn, self.registry = client, consumer_arn, registry
        self.transport_retry = transport_retry
        self.subs = {}
        self.finished = {}       # shard id -> final event
        self.pending = {}        # child shard id -> set of parent ids
        self.received = []
        self.resubscribes = 0
        self.errors = []
        self.parent_order = []   # (child, parents) when the child was subscribed
        for sid in shard_ids:
            self.subs[sid], _ = subscribe_retrying(client, consumer_arn, sid, TRIM_HORIZON, registry)

    def pump(self, timeout=0.2):
        """Handles whatever arrived; returns when idle for `timeout`."""
        progressed = True
        deadline = time.monotonic() + timeout
        while progressed or time.monotonic() < deadline:
            progressed = False
            for sid, sub in list(self.subs.items()):
                item = sub.get(0)
                if item is None:
                    continue
                progressed = True
                if item.kind == "event":
                    for r in item.ev.get("Records") or []:
                        self.received.append((sid, r))
                    if item.ev.get("ContinuationSequenceNumber") is None:
                        self._shard_end(sid, item.ev)
                elif item.kind in ("end", "error"):
                    if sid in self.finished:
                        del self.subs[sid]
                        sub.close()
                        continue
                    if item.kind == "error" and not self.transport_retry:
                        self.errors.append((sid, item))
                        del self.subs[sid]
                        continue
                    pos = after(sub.continuation) if sub.continuation else TRIM_HORIZON
                    sub.close()
                    self.resubscribes += 1
                    self.subs[sid], _ = subscribe_retrying(self.client, self.consumer_arn, sid, pos, self.registry,
                                                           timeout=60, transport_retry=self.transport_retry)
            if not progressed:
                time.sleep(0.02)

    def _shard_end(self, sid, ev):
        self.finished[sid] = ev
        for c in ev["ChildShards"]:
            parents = set(c["ParentShards"])
            assert sid in parents, "child %s of %s does not name it as a parent: %r" % (c["ShardId"], sid, c)
            self.pending.setdefault(c["ShardId"], parents)
        for child, parents in list(self.pending.items()):
            if child not in self.subs and child not in self.finished and parents <= set(self.finished):
                del self.pending[child]
                self.parent_order.append((child, sorted(parents)))
                self.subs[child], _ = subscribe_retrying(self.client, self.consumer_arn, child, TRIM_HORIZON,
                                                         self.registry)

    def close(self):
        for sub in self.subs.values():
            sub.close()
