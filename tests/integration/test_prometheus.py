"""GET /metrics (Prometheus text format 0.0.4 and OpenMetrics 1.0.0) and a real Prometheus server scraping Sluice.

Sluice only: the module starts its own server. The scrape test needs Debian's `prometheus` package
(scripts/install-deps.sh --test installs it); without /usr/bin/prometheus it skips.
"""
import json
import os
import time

import pytest

import kinhelpers as kh
import promhelpers as ph


@pytest.fixture(scope="module")
def sluice(target):
    if target != "sluice":
        pytest.skip("Prometheus exposition is a Sluice feature")
    srv = kh.start_server("sluice", extra_args=("--storage", "memory", "--limits", "off"))
    yield srv
    srv.stop()


@pytest.fixture
def kin_s(sluice):
    return kh.make_client(sluice.endpoint)


def put(kin, stream, n, size=100):
    """PutRecords of n records of `size` bytes; returns bytes written."""
    records = [{"Data": os.urandom(size), "PartitionKey": "pk-%d" % i} for i in range(n)]
    for i in range(0, n, 500):
        out = kin.put_records(StreamName=stream, Records=records[i:i + 500])
        assert out["FailedRecordCount"] == 0
    return n * size


def wait_for(fn, timeout=15.0, interval=0.25):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = fn()
        if last:
            return last
        time.sleep(interval)
    return last


def test_text_format_basics(sluice):
    headers, text = ph.scrape(sluice.endpoint)
    assert headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    s = ph.parse_exposition(text)
    assert ph.sample(s, "sluice_build_info", version="0.1.0") == 1
    for name in ("process_resident_memory_bytes", "process_cpu_seconds_total", "process_open_fds",
                 "process_start_time_seconds", "sluice_streams", "sluice_open_shards",
                 "sluice_prometheus_series_dropped_total"):
        assert ph.sample(s, name) is not None, name
    assert ph.sample(s, "process_resident_memory_bytes") > 1 << 20
    assert abs(ph.sample(s, "process_start_time_seconds") - time.time()) < 3600
    # Every counter family ends in _total; no millisecond units anywhere.
    for line in text.splitlines():
        if line.startswith("# TYPE ") and line.endswith(" counter"):
            assert line.split()[2].endswith("_total"), line
        assert "milliseconds" not in line


def test_promtool_accepts_the_page(sluice, kin_s):
    if not os.path.exists(ph.PROMTOOL_BIN):
        pytest.skip("promtool not installed")
    name = kh.unique_name("prom")
    kin_s.create_stream(StreamName=name, ShardCount=1)
    kh.wait_status(kin_s, name)
    put(kin_s, name, 5)
    time.sleep(1.5)
    _, text = ph.scrape(sluice.endpoint)
    rc, out = ph.promtool_check(text)
    assert rc == 0, out


def test_openmetrics_when_asked(sluice):
    headers, text = ph.scrape(sluice.endpoint, accept="application/openmetrics-text;version=1.0.0,"
                                                       "text/plain;version=0.0.4;q=0.5,*/*;q=0.1")
    assert headers["content-type"] == "application/openmetrics-text; version=1.0.0; charset=utf-8"
    assert text.endswith("# EOF\n")
    assert "# TYPE sluice_build info\n" in text
    assert "# TYPE process_cpu_seconds counter\n# UNIT process_cpu_seconds seconds\n" in text


def test_other_paths_and_methods_are_404(sluice):
    assert ph.http_get(sluice.endpoint, "/metrics", method="HEAD")[0] == 404
    assert ph.http_get(sluice.endpoint, "/")[0] == 404
    assert ph.http_get(sluice.endpoint, "/metrics/x")[0] == 404
    # The API still answers on the same port.
    assert kh.raw_call(sluice.endpoint, "ListStreams", {}).status == 200


def test_stream_counters_follow_writes(sluice, kin_s):
    name = kh.unique_name("prom")
    kin_s.create_stream(StreamName=name, ShardCount=2)
    kh.wait_status(kin_s, name)
    nbytes = put(kin_s, name, 120, size=50)
    # The aggregator collects every second.
    def counters():
        s = ph.parse_exposition(ph.scrape(sluice.endpoint)[1])
        if ph.sample(s, "sluice_stream_incoming_records_total", stream=name) == 120:
            return s
        return None
    s = wait_for(counters)
    assert s, "sluice_stream_incoming_records_total{stream=%r} never reached 120" % name
    # Data bytes, plus the partition keys where the server counts them as AWS's throughput limits do.
    keys = sum(len("pk-%d" % i) for i in range(120))
    assert nbytes <= ph.sample(s, "sluice_stream_incoming_bytes_total", stream=name) <= nbytes + keys
    assert ph.sample(s, "sluice_api_requests_total", operation="PutRecords", code="OK") >= 1
    assert ph.sample(s, "sluice_api_request_duration_seconds_count", operation="PutRecords") >= 1
    assert ph.sample(s, "sluice_api_request_duration_seconds_bucket", operation="PutRecords", le="+Inf") == \
        ph.sample(s, "sluice_api_request_duration_seconds_count", operation="PutRecords")
    # A consumer reading from the start: iterator age and outgoing counters appear.
    shard = kin_s.list_shards(StreamName=name)["Shards"][0]["ShardId"]
    it = kin_s.get_shard_iterator(StreamName=name, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    got = len(kin_s.get_records(ShardIterator=it, Limit=10000)["Records"])
    assert got > 0
    s = wait_for(lambda: (lambda x: x if ph.sample(x, "sluice_stream_outgoing_records_total", stream=name) == got
                          and ph.sample(x, "sluice_stream_iterator_age_seconds", stream=name) is not None else None)(
        ph.parse_exposition(ph.scrape(sluice.endpoint)[1])))
    assert s, "no outgoing records / iterator age for %r" % name
    assert 0 <= ph.sample(s, "sluice_stream_iterator_age_seconds", stream=name) < 600
    # No enhanced monitoring: no shard-level series for this stream.
    assert not any(k[0].startswith("sluice_shard_") and ("stream", name) in k[1] for k in s)
    # Errors are counted by code.
    with pytest.raises(Exception):
        kin_s.describe_stream_summary(StreamName=name + "-missing")
    s = wait_for(lambda: (lambda x: x if ph.sample(x, "sluice_api_requests_total", operation="DescribeStreamSummary",
                                                   code="ResourceNotFoundException") else None)(
        ph.parse_exposition(ph.scrape(sluice.endpoint)[1])))
    assert s, "no sluice_api_requests_total{code=ResourceNotFoundException}"


def test_shard_series_only_with_enhanced_monitoring(sluice, kin_s):
    name = kh.unique_name("prom")
    kin_s.create_stream(StreamName=name, ShardCount=2)
    kh.wait_status(kin_s, name)
    kin_s.enable_enhanced_monitoring(StreamName=name, ShardLevelMetrics=["ALL"])
    put(kin_s, name, 40)

    def shard_series():
        s = ph.parse_exposition(ph.scrape(sluice.endpoint)[1])
        total = sum(v for (n, labels), v in s.items()
                    if n == "sluice_shard_incoming_records_total" and ("stream", name) in labels)
        return s if total == 40 else None
    s = wait_for(shard_series)
    assert s, "shard-level incoming records never added up to 40"
    shards = {dict(labels)["shard"] for (n, labels) in s if n == "sluice_shard_incoming_records_total"
              and ("stream", name) in labels}
    assert shards <= {"shardId-000000000000", "shardId-000000000001"} and shards


def test_series_cap(target):
    if target != "sluice":
        pytest.skip("Sluice only")
    srv = kh.start_server("sluice", extra_args=("--storage", "memory", "--limits", "off",
                                                "--prometheus-max-series", "1"))
    try:
        kin = kh.make_client(srv.endpoint)
        names = [kh.unique_name("cap") for _ in range(3)]
        for n in names:
            kin.create_stream(StreamName=n, ShardCount=1)
        for n in names:
            kh.wait_status(kin, n)
            put(kin, n, 3)

        def dropped():
            s = ph.parse_exposition(ph.scrape(srv.endpoint)[1])
            return s if (ph.sample(s, "sluice_prometheus_series_dropped_total") or 0) > 0 else None
        s = wait_for(dropped)
        assert s, "nothing counted as dropped with --prometheus-max-series 1"
        data = [k for k in s if k[0].startswith(("sluice_stream_", "sluice_api_", "sluice_shard_"))]
        assert len(data) <= 1
        assert ph.sample(s, "sluice_build_info", version="0.1.0") == 1  # never capped
    finally:
        srv.stop()


@pytest.mark.timeout(180)
def test_real_prometheus_scrapes_the_incoming_rate(sluice, kin_s):
    if not os.path.exists(ph.PROMETHEUS_BIN):
        pytest.skip("prometheus not installed (Debian package `prometheus`)")
    name = kh.unique_name("scraped")
    kin_s.create_stream(StreamName=name, ShardCount=1)
    kh.wait_status(kin_s, name)
    put(kin_s, name, 10)  # the series exists before Prometheus starts counting increases
    prom = ph.Prometheus(sluice.endpoint)
    try:
        series = 'sluice_stream_incoming_records_total{stream="%s"}' % name
        assert wait_for(lambda: prom.query(series), timeout=30), "never scraped:\n" + prom.log_tail()
        assert wait_for(lambda: all(t["health"] == "up" for t in prom.targets()), timeout=10), prom.targets()
        # 200 more records over ~4 s, then a few more scrapes.
        for _ in range(4):
            put(kin_s, name, 50)
            time.sleep(1)
        assert wait_for(lambda: [v for _, v in prom.query(series) if v == 210], timeout=15), prom.query(series)
        time.sleep(2)
        rate = prom.query("rate(%s[30s])" % series)
        assert rate and rate[0][1] > 0, rate
        # increase() over a window holding every scrape since the first: 200, up to Prometheus's extrapolation
        # towards the window's edges (bounded by 110% of the sampled interval on each side).
        inc = prom.query("increase(%s[1m])" % series)
        assert inc, "no increase()"
        assert 190 <= inc[0][1] <= 200 * 1.6, inc
        assert prom.query('up{job="sluice"}')[0][1] == 1
        check_dashboard_queries(prom)
    finally:
        prom.stop()


def check_dashboard_queries(prom):
    """Every query of docs/grafana/sluice-dashboard.json parses and runs (Grafana's variables filled in)."""
    path = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "grafana", "sluice-dashboard.json")
    with open(path) as f:
        dash = json.load(f)
    subst = {"$__rate_interval": "30s", "$stream": ".*", "$operation": ".*", "$shard_write_bytes": "1048576",
             "$shard_write_records": "1000"}
    exprs = [t["expr"] for p in dash["panels"] for t in p.get("targets", [])]
    assert len(exprs) > 20
    for e in exprs:
        for k, v in subst.items():
            e = e.replace(k, v)
        assert "$" not in e, e
        prom.query(e)  # asserts status success
    # The per-stream panels have data for the stream written to.
    assert prom.query('sum by (stream) (sluice_stream_open_shards)')
