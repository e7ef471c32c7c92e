"""Shared helpers for the Sluice integration, CLI and differential suites.

Nothing here depends on pytest, so the module can also be used from a REPL to poke at a server:

    from kinhelpers import start_server, raw_call
    srv = start_server("kinesalite"); print(raw_call(srv.endpoint, "ListStreams", {}))
"""
import atexit
import base64
import hashlib
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid

import botocore
import botocore.auth
import botocore.awsrequest
import botocore.credentials
import botocore.session

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
JS_DIR = os.path.join(REPO, "tests", "js")
NODE_BIN = os.path.join(JS_DIR, "node_modules", ".bin")

HASH_MAX = 2**128 - 1
DEFAULT_ACCOUNT = "000000000000"
REGION = "us-east-1"
FAKE_AKID = "AKIDSLUICETESTKEY"
FAKE_SECRET = "sluice-test-secret"
TARGET_PREFIX = "Kinesis_20131202."
AMZ_JSON = "application/x-amz-json-1.1"

SERVER_KINDS = ("sluice", "kinesalite", "kinesis-local")


# ---------------------------------------------------------------------------------------------
# botocore capabilities (the Debian python3-boto3 1.26 knows far fewer members than botocore 1.4x)

_SERVICE_MODEL = None


def service_model():
    global _SERVICE_MODEL
    if _SERVICE_MODEL is None:
        _SERVICE_MODEL = botocore.session.get_session().get_service_model("kinesis")
    return _SERVICE_MODEL


def botocore_has(operation, *members):
    """True when the local botocore model has the operation and every listed input member."""
    sm = service_model()
    if operation not in sm.operation_names:
        return False
    shape = sm.operation_model(operation).input_shape
    have = set(shape.members) if shape is not None else set()
    return all(m in have for m in members)


def botocore_output_has(operation, *path):
    """True when the output shape of `operation` has the nested member path (e.g. 'StreamDescriptionSummary',
    'MaxRecordSizeInKiB')."""
    sm = service_model()
    if operation not in sm.operation_names:
        return False
    shape = sm.operation_model(operation).output_shape
    for p in path:
        if shape is None or shape.type_name != "structure" or p not in shape.members:
            return False
        shape = shape.members[p]
    return True


def botocore_version():
    return botocore.__version__


# ---------------------------------------------------------------------------------------------
# hashing and routing

def md5_hash_key(partition_key):
    return int.from_bytes(hashlib.md5(partition_key.encode("utf-8")).digest(), "big")


def even_ranges(n):
    """Hash ranges AWS gives a new stream with n shards (reference 4.2)."""
    w = 2**128 // n
    out = []
    for i in range(n):
        start = i * w
        end = HASH_MAX if i == n - 1 else (i + 1) * w - 1
        out.append((start, end))
    return out


def shard_for_hash(shards, h):
    """shards: list of Shard dicts (ListShards/DescribeStream). Returns the open shard id containing h."""
    for s in shards:
        if "EndingSequenceNumber" in s.get("SequenceNumberRange", {}):
            continue
        r = s["HashKeyRange"]
        if int(r["StartingHashKey"]) <= h <= int(r["EndingHashKey"]):
            return s["ShardId"]
    raise AssertionError("no open shard contains hash %d" % h)


def shard_id(i):
    return "shardId-%012d" % i


def unique_name(prefix="it"):
    return "%s-%s" % (prefix, uuid.uuid4().hex[:12])


# ---------------------------------------------------------------------------------------------
# server processes

def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, timeout, log_path=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("server exited with code %s before listening:\n%s"
                               % (proc.returncode, tail(log_path)))
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("server did not listen on port %d within %ss:\n%s" % (port, timeout, tail(log_path)))


def tail(path, n=4000):
    if not path or not os.path.exists(path):
        return ""
    with open(path, "rb") as f:
        data = f.read()
    return data[-n:].decode("utf-8", "replace")


def sluice_bin():
    """Path of the Sluice binary: $SLUICE_BIN, else build/sluice. None when neither exists."""
    cand = os.environ.get("SLUICE_BIN") or os.path.join(REPO, "build", "sluice")
    return cand if os.path.isfile(cand) and os.access(cand, os.X_OK) else None


def kind_available(kind):
    if kind == "sluice":
        return sluice_bin() is not None
    if not shutil.which("node"):
        return False
    if kind == "kinesalite":
        return os.path.exists(os.path.join(JS_DIR, "node_modules", "kinesalite", "cli.js"))
    if kind == "kinesis-local":
        return os.path.exists(os.path.join(JS_DIR, "node_modules", "kinesis-local", "main.js"))
    return False


def unavailable_reason(kind):
    if kind == "sluice":
        return "Sluice binary not found (set SLUICE_BIN or build build/sluice)"
    return "%s not installed (run scripts/install-deps.sh --test: npm install in tests/js)" % kind


class Server:
    def __init__(self, kind, proc, port, workdir, log_path, account=DEFAULT_ACCOUNT, region=REGION):
        self.kind = kind
        self.proc = proc
        self.port = port
        self.workdir = workdir
        self.log_path = log_path
        self.account = account
        self.region = region

    @property
    def endpoint(self):
        return "http://127.0.0.1:%d" % self.port

    def alive(self):
        return self.proc.poll() is None

    def log_tail(self):
        return tail(self.log_path)

    def stop(self):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(timeout=5)
        shutil.rmtree(self.workdir, ignore_errors=True)

    def __repr__(self):
        return "<Server %s %s>" % (self.kind, self.endpoint)


def start_server(kind, create_delay_ms=0, startup_timeout=30, extra_args=()):
    """Start a server of the given kind on a free loopback port in a fresh temp dir."""
    workdir = tempfile.mkdtemp(prefix="sluice-it-%s-" % kind)
    log_path = os.path.join(workdir, "server.log")
    port = free_port()
    env = dict(os.environ)
    # "env:NAME=VALUE" entries in extra_args set the server's environment (kinesis-mock and kinesalite read some
    # settings from it); the rest are command-line arguments
    env_extra = dict(a[4:].partition("=")[::2] for a in extra_args if a.startswith("env:"))
    extra_args = [a for a in extra_args if not a.startswith("env:")]
    if kind == "sluice":
        binary = sluice_bin()
        if binary is None:
            raise RuntimeError(unavailable_reason(kind))
        data_dir = os.path.join(workdir, "data")
        os.makedirs(data_dir)
        # Control-plane TPS quotas off: the suites create, describe and delete streams far faster than AWS's
        # 5-20 calls/s per account, with client retries disabled. Data-plane limits stay AWS's (the default).
        # test_throttling.py turns the quotas back on (later flags win).
        cmd = [binary, "serve", "--host", "127.0.0.1", "--port", str(port), "--data-dir", data_dir,
               "--region", REGION, "--account-id", DEFAULT_ACCOUNT, "--control-plane-limits", "off"]
        if create_delay_ms:
            cmd += ["--create-stream-delay-ms", str(create_delay_ms)]
        cmd += list(extra_args)
        cwd = workdir
    elif kind == "kinesalite":
        # kinesalite's defaults keep streams CREATING/DELETING/UPDATING for 500 ms; its shard limit (10) would
        # trip over the streams of a whole session. It has no host flag (binds all interfaces); we only talk to
        # 127.0.0.1.
        opts = {"--createStreamMs": str(create_delay_ms), "--deleteStreamMs": "0", "--updateStreamMs": "0",
                "--shardLimit": "10000"}
        extra = list(extra_args)
        opts.update(dict(zip(extra[::2], extra[1::2])))  # minimist turns a repeated flag into an array: merge
        cmd = ["node", os.path.join(JS_DIR, "node_modules", "kinesalite", "cli.js"), "--port", str(port)]
        for k, v in opts.items():
            cmd += [k, v]
        cwd = workdir
    elif kind == "kinesis-local":
        pkg = os.path.join(JS_DIR, "node_modules", "kinesis-local")
        # kinesis-mock is configured through environment variables; it needs its TLS certificate file even when
        # only the plain port is used (KINESIS_MOCK_CERT_PATH, default ./server.json relative to the cwd).
        env.update({
            "KINESIS_MOCK_PLAIN_PORT": str(port),
            "KINESIS_MOCK_TLS_PORT": str(free_port()),
            "KINESIS_MOCK_CERT_PATH": os.path.join(pkg, "server.json"),
            "CREATE_STREAM_DURATION": "%dms" % create_delay_ms,
            "DELETE_STREAM_DURATION": "0ms",
            "UPDATE_SHARD_COUNT_DURATION": "0ms",
            "SPLIT_SHARD_DURATION": "0ms",
            "MERGE_SHARDS_DURATION": "0ms",
            "UPDATE_STREAM_MODE_DURATION": "0ms",
            "SHARD_LIMIT": "500",
            "ON_DEMAND_STREAM_COUNT_LIMIT": "50",
            "AWS_ACCOUNT_ID": DEFAULT_ACCOUNT,
            "AWS_REGION": REGION,
            "LOG_LEVEL": "WARN",
            "SHOULD_PERSIST_DATA": "false",
        })
        cmd = ["node", os.path.join(pkg, "main.js")]
        cwd = workdir
    else:
        raise ValueError(kind)
    env.update(env_extra)
    log = open(log_path, "wb")
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    log.close()
    srv = Server(kind, proc, port, workdir, log_path)
    atexit.register(srv.stop)  # idempotent; covers interpreters that exit without the fixtures' teardown
    try:
        wait_port(port, proc, startup_timeout, log_path)
    except Exception:
        srv.stop()
        raise
    return srv


# ---------------------------------------------------------------------------------------------
# boto3 clients

def make_client(endpoint, region=REGION, access_key=FAKE_AKID, secret_key=FAKE_SECRET, validate=False):
    import boto3
    from botocore.config import Config
    cfg = Config(retries={"max_attempts": 0, "mode": "legacy"}, connect_timeout=5, read_timeout=60,
                 parameter_validation=validate)
    client = boto3.client("kinesis", endpoint_url=endpoint, region_name=region, aws_access_key_id=access_key,
                          aws_secret_access_key=secret_key, config=cfg)
    client.meta.events.register("before-parameter-build.kinesis", _skip_unknown_members)
    return client


def _skip_unknown_members(params, model, **kwargs):
    """With parameter validation off, botocore silently drops members its model lacks (old Debian botocore):
    skip the test instead of letting it run without them."""
    shape = model.input_shape
    known = set(shape.members) if shape is not None else set()
    missing = sorted(set(params) - known)
    if missing:
        import pytest
        pytest.skip("botocore %s lacks %s(%s); covered by the JS SDK suite (tests/js)"
                    % (botocore_version(), model.name, ", ".join(missing)))


def wait_status(client, name=None, arn=None, want="ACTIVE", timeout=20.0):
    kw = {"StreamARN": arn} if arn else {"StreamName": name}
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = client.describe_stream_summary(**kw)["StreamDescriptionSummary"]["StreamStatus"]
        if last == want:
            return
        time.sleep(0.05)
    raise AssertionError("stream %s stayed %s, wanted %s" % (name or arn, last, want))


def wait_gone(client, name, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            client.describe_stream_summary(StreamName=name)
        except client.exceptions.ResourceNotFoundException:
            return
        time.sleep(0.05)
    raise AssertionError("stream %s still exists after %ss" % (name, timeout))


def error_code(exc):
    return exc.response.get("Error", {}).get("Code")


def error_message(exc):
    return exc.response.get("Error", {}).get("Message", "")


def read_all(client, shard_iterator, max_calls=50, **kw):
    """Read from an iterator until a call returns no records; returns (records, last_response)."""
    out, resp = [], None
    it = shard_iterator
    for _ in range(max_calls):
        resp = client.get_records(ShardIterator=it, **kw)
        out.extend(resp["Records"])
        it = resp.get("NextShardIterator")
        if not resp["Records"] or not it:
            break
    return out, resp


# ---------------------------------------------------------------------------------------------
# raw HTTP

class RawResponse:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = {k.lower(): v for k, v in headers}
        self.body = body

    @property
    def json(self):
        if not self.body:
            return None
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    @property
    def error_type(self):
        j = self.json
        if isinstance(j, dict) and "__type" in j:
            t = j["__type"]
            return t.split("#")[-1].split(":")[0]
        return None

    @property
    def request_id(self):
        return self.headers.get("x-amzn-requestid")

    def __repr__(self):
        return "<RawResponse %s %r>" % (self.status, self.body[:300])


def signed_headers(endpoint, target, body, region=REGION, access_key=FAKE_AKID, secret_key=FAKE_SECRET,
                   content_type=AMZ_JSON, when=None):
    """SigV4-sign a request with botocore; `when` (datetime, UTC) overrides the signing time."""
    headers = {"Content-Type": content_type}
    if target is not None:
        headers["X-Amz-Target"] = target
    req = botocore.awsrequest.AWSRequest(method="POST", url=endpoint + "/", data=body, headers=headers)
    creds = botocore.credentials.Credentials(access_key, secret_key)
    signer = botocore.auth.SigV4Auth(creds, "kinesis", region)
    if when is None:
        signer.add_auth(req)
    else:
        import unittest.mock
        import datetime as _dt

        class _Fixed(_dt.datetime):
            @classmethod
            def utcnow(cls):
                return when.replace(tzinfo=None)

            @classmethod
            def now(cls, tz=None):
                return when if tz else when.replace(tzinfo=None)
        with unittest.mock.patch("botocore.auth.datetime.datetime", _Fixed):
            signer.add_auth(req)
    return dict(req.headers.items())


def raw_request(endpoint, headers, body, timeout=30):
    host, port = endpoint.replace("http://", "").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        conn.request("POST", "/", body=body, headers=headers)
        resp = conn.getresponse()
        return RawResponse(resp.status, resp.getheaders(), resp.read())
    finally:
        conn.close()


def raw_call(endpoint, operation, payload, region=REGION, access_key=FAKE_AKID, sign=True, extra_headers=None,
             target=None, secret_key=FAKE_SECRET):
    """POST one AWS JSON 1.1 request. payload: dict (JSON-encoded) or bytes/str (sent as is)."""
    if isinstance(payload, (dict, list)):
        body = json.dumps(payload).encode()
    elif isinstance(payload, str):
        body = payload.encode()
    else:
        body = payload
    tgt = target if target is not None else (TARGET_PREFIX + operation if operation else None)
    if sign:
        headers = signed_headers(endpoint, tgt, body, region=region, access_key=access_key, secret_key=secret_key)
    else:
        headers = {"Content-Type": AMZ_JSON}
        if tgt is not None:
            headers["X-Amz-Target"] = tgt
    if extra_headers:
        headers.update(extra_headers)
    return raw_request(endpoint, headers, body)


def b64(data):
    return base64.b64encode(data).decode()


def needs_botocore(operation, *members, output=None):
    """pytest skip marker for tests that need an operation/member the local botocore model lacks."""
    import pytest
    ok = botocore_has(operation, *members)
    if ok and output:
        ok = botocore_output_has(operation, *output)
    what = operation + ("(" + ", ".join(members) + ")" if members else "")
    if output:
        what += " -> " + ".".join(output)
    return pytest.mark.skipif(not ok, reason="botocore %s lacks %s; covered by the JS SDK suite (tests/js)"
                              % (botocore_version(), what))
