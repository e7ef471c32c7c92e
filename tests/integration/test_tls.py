"""TLS and authentication off loopback (suite `tls`; Sluice only).

- `--tls auto`: boto3 (verify=ca.pem), the AWS CLI (--ca-bundle) and @aws-sdk/client-kinesis (its default
  NodeHttp2Handler, HTTP/2 chosen by ALPN, the CA trusted through NODE_EXTRA_CA_CERTS) over https, on the main port
  (TLS told apart from cleartext by its first byte) and on --tls-port; ALPN h2 / http/1.1 / none; cleartext HTTP/1.1
  and h2c still served on the main port; the certificate authority reused across restarts; --tls-cert/--tls-key.
- Handshakes that fail (garbage, cleartext on the TLS port, an untrusting client, TLS 1.1, a silent client past the
  handshake timeout) close that connection only.
- Bound to a non-loopback address (0.0.0.0, reached through 127.0.0.1 here): no start without credentials;
  --credentials-file verifies signatures (right key accepted, wrong secret and unknown key refused);
  --insecure-accept-any-credentials starts with a warning and accepts anything.
"""
import json
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import time

import pytest

import kinhelpers as kh
from test_cli import AWS_CLIS

pytestmark = pytest.mark.skipif(kh.sluice_bin() is None, reason=kh.unavailable_reason("sluice"))

H2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
EMPTY_SETTINGS = b"\x00\x00\x00\x04\x00\x00\x00\x00\x00"
CREDENTIALS_FILE = """\
# the format of ~/.aws/credentials
[default]
aws_access_key_id = AKIDTLSTEST0001
aws_secret_access_key = first-secret/+=

[producer]
aws_access_key_id = 123456789012
aws_secret_access_key = second-secret
region = eu-west-1
"""


def ca_of(srv):
    return os.path.join(srv.workdir, "data", "tls", "ca.pem")


def start_tls(*extra):
    """A Sluice with --tls auto; returns (server, tls_port)."""
    tls_port = kh.free_port()
    srv = kh.start_server("sluice", extra_args=["--tls", "auto", "--tls-port", str(tls_port), "--limits", "off",
                                                "--access-log", "access.log"] + list(extra))
    return srv, tls_port


def https_client(port, ca, host="127.0.0.1", access_key=kh.FAKE_AKID, secret_key=kh.FAKE_SECRET):
    import boto3
    from botocore.config import Config
    return boto3.client("kinesis", endpoint_url="https://%s:%d" % (host, port), region_name=kh.REGION,
                        aws_access_key_id=access_key, aws_secret_access_key=secret_key, verify=ca,
                        config=Config(retries={"max_attempts": 0, "mode": "legacy"}, connect_timeout=5,
                                      read_timeout=30))


def round_trip(client, name):
    """CreateStream, PutRecord, GetRecords, DeleteStream through `client`."""
    client.create_stream(StreamName=name, ShardCount=1)
    kh.wait_status(client, name)
    put = client.put_record(StreamName=name, PartitionKey="pk", Data=b"over tls")
    it = client.get_shard_iterator(StreamName=name, ShardId=put["ShardId"], ShardIteratorType="AT_SEQUENCE_NUMBER",
                                   StartingSequenceNumber=put["SequenceNumber"])["ShardIterator"]
    records = client.get_records(ShardIterator=it)["Records"]
    assert [(r["SequenceNumber"], r["Data"]) for r in records] == [(put["SequenceNumber"], b"over tls")]
    client.delete_stream(StreamName=name)


def tls_connect(port, alpn=None, ca=None, timeout=5, **ctx_settings):
    ctx = ssl.create_default_context(cafile=ca) if ca else ssl._create_unverified_context()  # noqa: SLF001
    if alpn:
        ctx.set_alpn_protocols(alpn)
    for k, v in ctx_settings.items():
        setattr(ctx, k, v)
    raw = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    return ctx.wrap_socket(raw, server_hostname="127.0.0.1")


def read_h2_frame(sock):
    head = b""
    while len(head) < 9:
        chunk = sock.recv(9 - len(head))
        assert chunk, "connection closed before an HTTP/2 frame"
        head += chunk
    length = int.from_bytes(head[:3], "big")
    payload = b""
    while len(payload) < length:
        payload += sock.recv(length - len(payload))
    return head[3], payload


def http1_get(sock, path="/metrics"):
    sock.sendall(("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n" % path).encode())
    data = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def closed_by_server(sock, timeout=5):
    """True once the peer closes (or resets) the connection within `timeout`."""
    sock.settimeout(timeout)
    try:
        while sock.recv(4096):
            pass
        return True
    except (ConnectionResetError, ssl.SSLError, OSError) as e:
        return not isinstance(e, socket.timeout)


@pytest.fixture(scope="module")
def tls():
    srv, tls_port = start_tls()
    srv.tls_port = tls_port
    srv.ca = ca_of(srv)
    yield srv
    srv.stop()


# ---------------------------------------------------------------------------------------------
# clients over https

@pytest.mark.parametrize("which", ["tls-port", "main-port"])
def test_boto3_over_https_with_the_generated_ca(tls, which):
    port = tls.tls_port if which == "tls-port" else tls.port
    round_trip(https_client(port, tls.ca), kh.unique_name("tls"))
    # the certificate names localhost too
    assert "StreamNames" in https_client(port, tls.ca, host="localhost").list_streams()


def test_certificate_is_not_trusted_without_the_ca(tls):
    import botocore.exceptions
    with pytest.raises(botocore.exceptions.SSLError):
        https_client(tls.tls_port, True).list_streams()  # the system trust store only


def test_cleartext_still_served_on_the_main_port(tls):
    kin = kh.make_client(tls.endpoint)
    assert "StreamNames" in kin.list_streams()
    if shutil.which("curl"):
        out = subprocess.run(["curl", "-sS", "--http2-prior-knowledge", "-o", "/dev/null", "-w", "%{http_version}",
                              tls.endpoint + "/metrics"], capture_output=True, text=True, timeout=30)
        assert out.stdout == "2", out.stderr


@pytest.mark.skipif(not AWS_CLIS, reason="no AWS CLI installed")
@pytest.mark.parametrize("cli", AWS_CLIS, ids=[v for _, v in AWS_CLIS])
def test_aws_cli_with_ca_bundle(tls, cli):
    binary, _ = cli
    home = tempfile.mkdtemp(prefix="sluice-tls-cli-")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({"AWS_ACCESS_KEY_ID": kh.FAKE_AKID, "AWS_SECRET_ACCESS_KEY": kh.FAKE_SECRET,
                "AWS_DEFAULT_REGION": kh.REGION, "AWS_CONFIG_FILE": os.path.join(home, "config"),
                "AWS_SHARED_CREDENTIALS_FILE": os.path.join(home, "creds"), "AWS_PAGER": "", "HOME": home})
    name = kh.unique_name("tlscli")
    try:
        def aws(*args, ca=tls.ca):
            cmd = [binary, "--endpoint-url", "https://127.0.0.1:%d" % tls.tls_port, "--output", "json"]
            cmd += ["--ca-bundle", ca] if ca else []
            return subprocess.run(cmd + ["kinesis"] + list(args), capture_output=True, text=True, env=env,
                                  timeout=120)

        p = aws("create-stream", "--stream-name", name, "--shard-count", "1")
        assert p.returncode == 0, p.stderr
        p = aws("describe-stream-summary", "--stream-name", name)
        assert p.returncode == 0, p.stderr
        assert json.loads(p.stdout)["StreamDescriptionSummary"]["StreamName"] == name
        # without the CA bundle the CLI refuses the certificate
        p = aws("list-streams", ca=None)
        assert p.returncode != 0
        assert "SSL" in p.stderr or "certificate" in p.stderr.lower(), p.stderr
    finally:
        aws("delete-stream", "--stream-name", name)
        shutil.rmtree(home, ignore_errors=True)


def _node_modules_ready():
    if not shutil.which("node"):
        return False
    if not os.path.isdir(os.path.join(kh.JS_DIR, "node_modules", "@aws-sdk", "client-kinesis")):
        if not shutil.which("npm"):
            return False
        # what tests/js/run.sh does on first use
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=kh.JS_DIR, capture_output=True, timeout=600)
    return os.path.isdir(os.path.join(kh.JS_DIR, "node_modules", "@aws-sdk", "client-kinesis"))


@pytest.mark.timeout(300)
@pytest.mark.parametrize("which", ["tls-port", "main-port"])
def test_js_sdk_v3_http2_over_tls(tls, which):
    if not _node_modules_ready():
        pytest.skip("node or tests/js/node_modules (@aws-sdk/client-kinesis) unavailable")
    port = tls.tls_port if which == "tls-port" else tls.port
    name = kh.unique_name("tlsjs")
    env = dict(os.environ, NODE_EXTRA_CA_CERTS=tls.ca, NODE_NO_WARNINGS="1")
    p = subprocess.run(["node", os.path.join(kh.JS_DIR, "tools", "tls-round-trip.mjs"), "https://127.0.0.1:%d" % port,
                        name], cwd=kh.JS_DIR, env=env, capture_output=True, text=True, timeout=240)
    assert p.returncode == 0, p.stdout + p.stderr
    out = json.loads(p.stdout.strip().splitlines()[-1])
    assert out["handler"] == "NodeHttp2Handler"
    assert out["data"] == "hello over TLS" and out["sequenceNumber"] == out["putSequenceNumber"]
    # every call of that client went over HTTP/2 (ALPN h2); the access log is written in the background
    want = {"CreateStream", "PutRecord", "GetShardIterator", "DeleteStream"}
    deadline = time.monotonic() + 10
    while True:
        with open(os.path.join(tls.workdir, "access.log")) as f:
            calls = [json.loads(line) for line in f if name in line]
        if {c["eventName"] for c in calls} >= want or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert {c["eventName"] for c in calls} >= want
    assert {c["protocol"] for c in calls} == {"h2"}


# ---------------------------------------------------------------------------------------------
# ALPN and protocol detection

@pytest.mark.parametrize("which", ["tls-port", "main-port"])
def test_alpn_h2(tls, which):
    port = tls.tls_port if which == "tls-port" else tls.port
    with tls_connect(port, alpn=["h2", "http/1.1"], ca=tls.ca) as s:
        assert s.selected_alpn_protocol() == "h2"
        assert s.version() in ("TLSv1.2", "TLSv1.3")
        s.sendall(H2_PREFACE + EMPTY_SETTINGS)
        frame_type, _ = read_h2_frame(s)
        assert frame_type == 4  # the server's SETTINGS
    if shutil.which("curl"):
        out = subprocess.run(["curl", "-sS", "--http2", "--cacert", tls.ca, "-o", "/dev/null", "-w",
                              "%{http_version} %{http_code}", "https://127.0.0.1:%d/metrics" % port],
                             capture_output=True, text=True, timeout=30)
        assert out.stdout == "2 200", out.stderr


def test_alpn_http11_and_none(tls):
    with tls_connect(tls.tls_port, alpn=["http/1.1"]) as s:
        assert s.selected_alpn_protocol() == "http/1.1"
        assert http1_get(s).startswith(b"HTTP/1.1 200")
    # no ALPN at all: the decrypted bytes decide, HTTP/1.1 ...
    with tls_connect(tls.port) as s:
        assert s.selected_alpn_protocol() is None
        assert http1_get(s).startswith(b"HTTP/1.1 200")
    # ... or HTTP/2 with prior knowledge
    with tls_connect(tls.tls_port) as s:
        s.sendall(H2_PREFACE + EMPTY_SETTINGS)
        assert read_h2_frame(s)[0] == 4
    # a protocol the server does not speak: the handshake goes on without ALPN
    with tls_connect(tls.tls_port, alpn=["spdy/3"]) as s:
        assert s.selected_alpn_protocol() is None
        assert http1_get(s).startswith(b"HTTP/1.1 200")


def test_old_protocol_versions_are_refused(tls):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # TLS 1.0/1.1 are deprecated: that is the point
        old = {"minimum_version": ssl.TLSVersion.TLSv1, "maximum_version": ssl.TLSVersion.TLSv1_1}
        with pytest.raises((ssl.SSLError, ConnectionResetError)):
            tls_connect(tls.tls_port, **old)


# ---------------------------------------------------------------------------------------------
# failed handshakes

@pytest.mark.timeout(60)
def test_bad_handshakes_do_not_break_the_server(tls):
    # a TLS record header followed by garbage, on both ports
    for port in (tls.port, tls.tls_port):
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(b"\x16\x03\x01\x00\x05hello" + os.urandom(200))
            assert closed_by_server(s)
    # cleartext HTTP on the TLS-only port
    with socket.create_connection(("127.0.0.1", tls.tls_port), timeout=5) as s:
        s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        assert closed_by_server(s)
    # half a ClientHello, then the client goes away
    with socket.create_connection(("127.0.0.1", tls.port), timeout=5) as s:
        s.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")
    # a client that does not trust the certificate aborts the handshake
    raw = socket.create_connection(("127.0.0.1", tls.tls_port), timeout=5)
    with pytest.raises(ssl.SSLCertVerificationError):
        ssl.create_default_context().wrap_socket(raw, server_hostname="127.0.0.1")  # the system trust store only
    raw.close()
    # many at once
    socks = [socket.create_connection(("127.0.0.1", tls.tls_port), timeout=5) for _ in range(20)]
    for s in socks:
        s.sendall(b"\x16\x03\x01\x00\x01\x00")
        s.close()
    # the server still answers, in cleartext and over TLS, on both ports
    assert "StreamNames" in kh.make_client(tls.endpoint).list_streams()
    for port in (tls.port, tls.tls_port):
        assert "StreamNames" in https_client(port, tls.ca).list_streams()


@pytest.mark.timeout(60)
def test_handshake_timeout():
    srv, tls_port = start_tls("--header-timeout-ms", "300")
    try:
        for port in (srv.port, tls_port):
            with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
                if port == srv.port:
                    s.sendall(b"\x16")  # a handshake begins, then nothing
                assert closed_by_server(s, timeout=8)  # long before the client's own timeout
        assert "StreamNames" in https_client(tls_port, ca_of(srv)).list_streams()
    finally:
        srv.stop()


# ---------------------------------------------------------------------------------------------
# certificates: reuse, and files given on the command line

def test_generated_ca_is_reused_across_restarts():
    data_dir = tempfile.mkdtemp(prefix="sluice-tls-data-")
    try:
        srv, _ = start_tls("--data-dir", data_dir)
        ca_path = os.path.join(data_dir, "tls", "ca.pem")
        try:
            with open(ca_path, "rb") as f:
                ca = f.read()
            with open(os.path.join(data_dir, "tls", "server.pem"), "rb") as f:
                cert = f.read()
            assert oct(os.stat(os.path.join(data_dir, "tls", "server.key")).st_mode & 0o777) == "0o600"
        finally:
            srv.stop()
        srv, tls_port = start_tls("--data-dir", data_dir)
        try:
            with open(ca_path, "rb") as f:
                assert f.read() == ca
            with open(os.path.join(data_dir, "tls", "server.pem"), "rb") as f:
                assert f.read() == cert
            assert "StreamNames" in https_client(tls_port, ca_path).list_streams()
        finally:
            srv.stop()
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def test_tls_cert_and_key_files(tls):
    tls_dir = os.path.join(tls.workdir, "data", "tls")
    srv = kh.start_server("sluice", extra_args=["--tls-cert", os.path.join(tls_dir, "server.pem"), "--tls-key",
                                                os.path.join(tls_dir, "server.key"), "--tls-port", "off"])
    try:
        round_trip(https_client(srv.port, tls.ca), kh.unique_name("tlsfile"))
        assert "StreamNames" in kh.make_client(srv.endpoint).list_streams()  # cleartext too
    finally:
        srv.stop()


def test_unusable_certificate_files_stop_the_start():
    p = run_refused("--storage", "memory", "--tls-cert", "/nonexistent/cert.pem", "--tls-key", "/nonexistent/key.pem")
    assert p.returncode != 0
    assert "cannot load TLS certificate /nonexistent/cert.pem" in p.stderr


# ---------------------------------------------------------------------------------------------
# authentication off loopback

def run_refused(*args):
    data_dir = tempfile.mkdtemp(prefix="sluice-auth-")
    try:
        return subprocess.run([kh.sluice_bin(), "serve", "--port", str(kh.free_port()), "--data-dir", data_dir]
                              + list(args), capture_output=True, text=True, timeout=30)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def test_non_loopback_host_refuses_to_start_without_credentials():
    p = run_refused("--host", "0.0.0.0")
    assert p.returncode == 2
    assert "--host 0.0.0.0 is reachable from other machines" in p.stderr
    assert "--credentials-file" in p.stderr and "--insecure-accept-any-credentials" in p.stderr
    p = run_refused("--host", "0.0.0.0", "--auth", "structural")
    assert p.returncode == 2 and "--insecure-accept-any-credentials" in p.stderr


@pytest.fixture(scope="module")
def verifying():
    workdir = tempfile.mkdtemp(prefix="sluice-creds-")
    creds = os.path.join(workdir, "credentials")
    with open(creds, "w") as f:
        f.write(CREDENTIALS_FILE)
    srv = kh.start_server("sluice", extra_args=["--host", "0.0.0.0", "--credentials-file", creds,
                                                "--tls", "auto", "--tls-port", str(kh.free_port())])
    yield srv
    srv.stop()
    shutil.rmtree(workdir, ignore_errors=True)


def test_credentials_file_verifies_signatures(verifying):
    import botocore.exceptions
    for akid, secret in (("AKIDTLSTEST0001", "first-secret/+="), ("123456789012", "second-secret")):
        kin = kh.make_client(verifying.endpoint, access_key=akid, secret_key=secret)
        assert "StreamNames" in kin.list_streams()
        # over TLS too (the certificate names 127.0.0.1 whatever the bound address)
        assert "StreamNames" in https_client(verifying.port, ca_of(verifying), access_key=akid,
                                             secret_key=secret).list_streams()
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kh.make_client(verifying.endpoint, access_key="AKIDTLSTEST0001", secret_key="wrong").list_streams()
    assert kh.error_code(e.value) == "InvalidSignatureException"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kh.make_client(verifying.endpoint, access_key="AKIDUNKNOWN00000", secret_key="x").list_streams()
    assert kh.error_code(e.value) == "UnrecognizedClientException"
    # raw: a correctly signed request and the same with one byte of the body changed after signing
    body = b"{}"
    headers = kh.signed_headers(verifying.endpoint, kh.TARGET_PREFIX + "ListStreams", body, access_key="AKIDTLSTEST0001",
                                secret_key="first-secret/+=")
    assert kh.raw_request(verifying.endpoint, headers, body).status == 200
    assert kh.raw_request(verifying.endpoint, headers, b"{ }").status == 400


def test_insecure_switch_accepts_any_key_and_says_so():
    srv = kh.start_server("sluice", extra_args=["--host", "0.0.0.0", "--insecure-accept-any-credentials"])
    try:
        kin = kh.make_client(srv.endpoint, access_key="AKIDANYTHING0000", secret_key="whatever")
        assert "StreamNames" in kin.list_streams()
        log = srv.log_tail()
        assert "WARNING: INSECURE" in log and "--insecure-accept-any-credentials" in log
    finally:
        srv.stop()
