"""Helpers for the observability suites: GET /metrics, a parser for the text exposition format, and a
real Prometheus server (Debian's `prometheus` package) scraping Sluice."""
import http.client
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request

import kinhelpers as kh

PROMETHEUS_BIN = os.environ.get("SLUICE_PROMETHEUS_BIN", shutil.which("prometheus") or "/usr/bin/prometheus")
PROMTOOL_BIN = shutil.which("promtool") or "/usr/bin/promtool"

_SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: \S+)?$')
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?')


def http_get(endpoint, path, headers=None, method="GET"):
    host, port = endpoint.replace("http://", "").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        conn.request(method, path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def unescape(v):
    return v.replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")


def parse_exposition(text):
    """{(name, ((label, value), ...sorted)): float} for every sample line."""
    samples = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = _SAMPLE.match(line)
        assert m, "unparseable sample line: %r" % line
        labels = tuple(sorted((k, unescape(v)) for k, v in _LABEL.findall(m.group(2) or "")))
        samples[(m.group(1), labels)] = float(m.group(3))
    return samples


def sample(samples, name, **labels):
    return samples.get((name, tuple(sorted(labels.items()))))


def scrape(endpoint, accept=None):
    status, headers, body = http_get(endpoint, "/metrics", {"Accept": accept} if accept else None)
    assert status == 200, (status, body[:300])
    return headers, body.decode()


def promtool_check(text):
    """promtool's lint of a text exposition: (returncode, output). Lint findings (not errors) exit 3 on newer
    versions; parse errors exit 1."""
    proc = subprocess.run([PROMTOOL_BIN, "check", "metrics"], input=text.encode(), capture_output=True, timeout=60)
    return proc.returncode, (proc.stdout + proc.stderr).decode()


class Prometheus:
    """A Prometheus server scraping one target every second, with its TSDB in a temp dir."""

    def __init__(self, target_endpoint, scrape_interval="1s"):
        self.workdir = tempfile.mkdtemp(prefix="sluice-prom-")
        self.port = kh.free_port()
        target = target_endpoint.replace("http://", "")
        config = ("global:\n  scrape_interval: %s\n  evaluation_interval: %s\n"
                  "scrape_configs:\n  - job_name: sluice\n    scrape_interval: %s\n    scrape_timeout: %s\n"
                  "    static_configs:\n      - targets: ['%s']\n"
                  % (scrape_interval, scrape_interval, scrape_interval, scrape_interval, target))
        self.config_path = os.path.join(self.workdir, "prometheus.yml")
        with open(self.config_path, "w") as f:
            f.write(config)
        self.log_path = os.path.join(self.workdir, "prometheus.log")
        cmd = [PROMETHEUS_BIN, "--config.file", self.config_path,
               "--storage.tsdb.path", os.path.join(self.workdir, "tsdb"),
               "--web.listen-address", "127.0.0.1:%d" % self.port]
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(cmd, cwd=self.workdir, stdin=subprocess.DEVNULL, stdout=log,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        kh.wait_port(self.port, self.proc, 30, self.log_path)
        self.wait_ready()

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def wait_ready(self, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/-/ready", timeout=5) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise AssertionError("prometheus not ready:\n" + kh.tail(self.log_path))

    def query(self, expr):
        """Instant query: list of (labels dict, float value)."""
        url = self.url + "/api/v1/query?" + urllib.parse.urlencode({"query": expr})
        with urllib.request.urlopen(url, timeout=10) as r:
            doc = json.loads(r.read())
        assert doc["status"] == "success", doc
        data = doc["data"]
        if data["resultType"] in ("scalar", "string"):
            return [({}, float(data["result"][1]))]
        return [(item["metric"], float(item["value"][1])) for item in data["result"]]

    def targets(self):
        with urllib.request.urlopen(self.url + "/api/v1/targets", timeout=10) as r:
            return json.loads(r.read())["data"]["activeTargets"]

    def log_tail(self):
        return kh.tail(self.log_path)

    def stop(self):
        # Same process handling as the servers under test: SIGTERM to the group, SIGKILL after 5 s, temp dir removed.
        kh.Server("prometheus", self.proc, self.port, self.workdir, self.log_path).stop()
