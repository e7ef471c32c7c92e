"""Fixtures for the Sluice integration suites.

Options:
  --target {sluice,kinesalite,kinesis-local}   server the main suite runs against (default: $SLUICE_TARGET or sluice)
  --test-timeout SECONDS                       per-test wall-clock limit (default 120; SIGALRM based)

Markers:
  deviates(kinds, reason, run=True)  the named reference servers are known to deviate from AWS here (per
                           /work/shared/reference/kinesis-protocol.md); on those targets the test is xfail(strict=False)
                           (run=False: not even run, e.g. because it crashes or hangs that server).
  timeout(seconds)         per-test override of --test-timeout.
"""
import os
import signal
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))
import kinhelpers as kh  # noqa: E402


def pytest_addoption(parser):
    parser.addoption("--target", default=os.environ.get("SLUICE_TARGET", "sluice"), choices=kh.SERVER_KINDS,
                     help="server the main suite runs against")
    parser.addoption("--test-timeout", type=float, default=float(os.environ.get("SLUICE_TEST_TIMEOUT", "120")),
                     help="per-test timeout in seconds")


def pytest_configure(config):
    config.addinivalue_line("markers", "deviates(kinds, reason): known reference-server deviation from AWS")
    config.addinivalue_line("markers", "timeout(seconds): per-test timeout override")


def pytest_report_header(config):
    import boto3
    return ["sluice-target: %s; boto3 %s / botocore %s; python %s; SLUICE_BIN=%s" % (
        config.getoption("--target"), boto3.__version__, kh.botocore_version(), sys.version.split()[0],
        kh.sluice_bin())]


def pytest_collection_modifyitems(config, items):
    target = config.getoption("--target")
    for item in items:
        for m in item.iter_markers("deviates"):
            kinds = m.args[0]
            if isinstance(kinds, str):
                kinds = (kinds,)
            if target in kinds:
                item.add_marker(pytest.mark.xfail(strict=False, run=m.kwargs.get("run", True),
                                                  reason="%s deviates: %s" % (target, m.args[1])))


# ------------------------------------------------------------------------------------------------ timeouts

class PerTestTimeout(Exception):
    pass


@pytest.fixture(autouse=True)
def _per_test_timeout(request):
    m = request.node.get_closest_marker("timeout")
    seconds = m.args[0] if m else request.config.getoption("--test-timeout")
    if not hasattr(signal, "SIGALRM"):
        yield
        return

    def on_alarm(signum, frame):
        raise PerTestTimeout("test exceeded %ss" % seconds)

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


# ------------------------------------------------------------------------------------------------ servers

class ServerPool:
    """Starts servers lazily (one per (kind, create delay)) and stops them all at session end."""

    def __init__(self):
        self.servers = {}
        self.failed = {}
        self.dead = []

    def get(self, kind, create_delay_ms=0):
        key = (kind, create_delay_ms)
        if key in self.servers:
            srv = self.servers[key]
            if srv.alive():
                return srv
            # the test during which it died already failed (see _server_health); start a fresh one
            self.dead.append(srv)
            del self.servers[key]
        if not kh.kind_available(kind):
            pytest.skip(kh.unavailable_reason(kind))
        if key in self.failed:
            pytest.fail(self.failed[key])
        try:
            srv = kh.start_server(kind, create_delay_ms=create_delay_ms)
        except Exception as e:  # noqa: BLE001
            self.failed[key] = "could not start %s: %s" % (kind, e)
            pytest.fail(self.failed[key])
        self.servers[key] = srv
        return srv

    def stop_all(self):
        for srv in list(self.servers.values()) + self.dead:
            srv.stop()
        self.servers.clear()


@pytest.fixture(scope="session")
def server_pool():
    pool = ServerPool()
    yield pool
    pool.stop_all()


@pytest.fixture(autouse=True)
def _server_health(server_pool):
    """Fail the test during which a server process died (crash), with the server's log tail."""
    before = {k: s for k, s in server_pool.servers.items() if s.alive()}
    yield
    for key, srv in list(server_pool.servers.items()):
        if not srv.alive() and (key in before or srv not in server_pool.dead):
            pytest.fail("%s server process died during this test (exit %s):\n%s"
                        % (srv.kind, srv.proc.returncode, srv.log_tail()), pytrace=False)


@pytest.fixture(scope="session")
def target(request):
    return request.config.getoption("--target")


@pytest.fixture
def server(server_pool, target):
    return server_pool.get(target)


@pytest.fixture
def kin(server):
    return kh.make_client(server.endpoint)


@pytest.fixture
def client_for(server):
    def make(region=kh.REGION, access_key=kh.FAKE_AKID):
        return kh.make_client(server.endpoint, region=region, access_key=access_key)
    return make


class StreamFactory:
    def __init__(self, default_client):
        self.default_client = default_client
        self.created = []

    def __call__(self, shards=1, client=None, name=None, wait=True, **kw):
        c = client or self.default_client
        name = name or kh.unique_name()
        args = dict(StreamName=name, **kw)
        if shards is not None and "StreamModeDetails" not in kw:
            args["ShardCount"] = shards
        c.create_stream(**args)
        self.created.append((c, name))
        if wait:
            kh.wait_status(c, name)
        return name

    def cleanup(self):
        for c, name in self.created:
            try:
                c.delete_stream(StreamName=name, EnforceConsumerDeletion=True)
            except Exception:  # noqa: BLE001 - best effort
                pass


@pytest.fixture
def new_stream(kin):
    f = StreamFactory(kin)
    yield f
    f.cleanup()


@pytest.fixture
def arn_of(kin):
    def get(name, client=None):
        c = client or kin
        return c.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamARN"]
    return get
