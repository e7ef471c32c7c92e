"""SubscribeToShard through curl (HTTP/2 prior knowledge and HTTP/1.1 chunked, JSON and CBOR request bodies), the
saved body checked by eventstream_client: tests/integration/curl_event_stream.sh does the work; this runs it against
the suite's server. Skips (exit 77) while the server has no RegisterStreamConsumer/SubscribeToShard or the curl has
no --aws-sigv4."""
import os
import subprocess
import sys

import pytest

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "curl_event_stream.sh")


@pytest.mark.timeout(90)
@pytest.mark.parametrize("args", [[], ["--cbor"], ["--http1.1"], ["--http1.1", "--cbor"]],
                         ids=["h2c-json", "h2c-cbor", "http1-json", "http1-cbor"])
def test_curl_subscribe_to_shard(server, target, args):
    if target != "sluice":
        pytest.skip("curl check runs against Sluice only")
    env = dict(os.environ, SLUICE_ENDPOINT=server.endpoint, SLUICE_PYTHON=sys.executable)
    r = subprocess.run(["bash", SCRIPT, *args], env=env, capture_output=True, text=True, timeout=80)
    out = r.stdout + r.stderr
    if r.returncode == 77:
        pytest.skip(out.strip().splitlines()[-1] if out.strip() else "skipped")
    assert r.returncode == 0, out
    assert "CRCs and framing valid" in out, out
