"""Upgrade: data directories written by a previous release (tests/fixtures/datadir-<rev>.tar.gz, made by
scripts/make-upgrade-fixture.sh) open with the binary under test, and every acknowledged record reads back exactly
as the manifest in the tarball says: same shards (closed parents included), order, sequence numbers, data,
partition keys and a plausible ApproximateArrivalTimestamp; the streams keep their shards, parents, hash ranges,
retention, tags and enhanced monitoring. Then more records go in, the server restarts, and everything (old and
new) reads back again; after a clean stop `sluice log verify` finds no problem.

Two fixtures per tarball: `clean` (the old server stopped with SIGTERM) and `crash` (SIGKILL right after the last
acknowledged put, under --durability sync). Sluice only (suite `upgrade`).
"""
import glob
import json
import os
import shutil
import signal
import subprocess
import tarfile
import tempfile

import pytest

import kinhelpers as kh
import upgradehelpers as uh

FIXTURE_DIR = os.path.join(kh.REPO, "tests", "fixtures")
TARBALLS = sorted(glob.glob(os.path.join(FIXTURE_DIR, "datadir-*.tar.gz")))
# slack around the writer's clock readings for ApproximateArrivalTimestamp (same machine clock, ms rounding)
ARRIVAL_SLACK_MS = 1000


def cases():
    out = []
    for tb in TARBALLS:
        rev = os.path.basename(tb)[len("datadir-"):-len(".tar.gz")]
        for name in ("clean", "crash"):
            out.append(pytest.param((tb, name), id="%s-%s" % (rev, name)))
    return out


@pytest.fixture
def upgraded(request, target, tmp_path_factory):
    """(server on the untarred fixture data dir, its manifest entry, the manifest) — server not yet started."""
    if target != "sluice":
        pytest.skip("the upgrade test is for Sluice's own data directories")
    if kh.sluice_bin() is None:
        pytest.skip(kh.unavailable_reason("sluice"))
    tarball, name = request.param
    work = tempfile.mkdtemp(prefix="sluice-upgrade-")
    try:
        with tarfile.open(tarball) as tf:
            if hasattr(tarfile, "data_filter"):
                tf.extractall(work, filter="data")
            else:
                tf.extractall(work)
        with open(os.path.join(work, "manifest.json")) as f:
            manifest = json.load(f)
        assert manifest["format"] == uh.MANIFEST_FORMAT, manifest["format"]
        fx = manifest["fixtures"][name]
        srv = uh.Server(kh.sluice_bin(), os.path.join(work, fx["dir"]), os.path.join(work, "server.log"),
                        manifest["server_flags"])
        yield srv, fx, manifest
    finally:
        if "srv" in locals() and srv.proc is not None and srv.proc.poll() is None:
            srv.proc.kill()
            srv.proc.wait()
        shutil.rmtree(work, ignore_errors=True)


def check_streams(client, fx):
    names = []
    resp = client.list_streams()
    names.extend(resp["StreamNames"])
    while resp.get("HasMoreStreams"):
        resp = client.list_streams(ExclusiveStartStreamName=names[-1])
        names.extend(resp["StreamNames"])
    assert sorted(names) == sorted(s["name"] for s in fx["streams"])
    for want in fx["streams"]:
        got = uh.describe(client, want["name"])
        want_desc = {k: v for k, v in want.items() if k != "records"}
        assert abs(got.pop("creation_timestamp") - want_desc.pop("creation_timestamp")) < 0.002, want["name"]
        assert got == want_desc, "DescribeStream of %s changed across the upgrade" % want["name"]


def check_records(client, fx, added):
    """Every shard reads back exactly the manifest's records plus `added` (stream -> shard -> [entry])."""
    total = 0
    for s in fx["streams"]:
        for shard in s["shards"]:
            want = list(s["records"].get(shard["id"], [])) + added.get(s["name"], {}).get(shard["id"], [])
            got = uh.read_shard(client, s["name"], shard["id"])
            where = "%s/%s" % (s["name"], shard["id"])
            assert [r["SequenceNumber"] for r in got] == [w["seq"] for w in want], \
                "%s: sequence numbers differ (%d read, %d expected)" % (where, len(got), len(want))
            for r, w in zip(got, want):
                assert r["PartitionKey"] == w["pk"], (where, w["seq"])
                assert len(r["Data"]) == w["size"] and uh.sha256(r["Data"]) == w["sha256"], (where, w["seq"])
                arrival_ms = r["ApproximateArrivalTimestamp"].timestamp() * 1000
                assert w["t0_ms"] - ARRIVAL_SLACK_MS <= arrival_ms <= w["t1_ms"] + ARRIVAL_SLACK_MS, \
                    "%s seq %s: arrival %.0f outside the put's [%d, %d] ms" % (where, w["seq"], arrival_ms,
                                                                             w["t0_ms"], w["t1_ms"])
            total += len(got)
    return total


def manifest_is_ordered(fx):
    for s in fx["streams"]:
        for shard, recs in s["records"].items():
            seqs = [int(r["seq"]) for r in recs]
            assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs), (s["name"], shard)


@pytest.mark.timeout(600)
@pytest.mark.parametrize("upgraded", cases(), indirect=True)
def test_upgrade_reads_previous_release(upgraded):
    srv, fx, manifest = upgraded
    manifest_is_ordered(fx)
    n_manifest = sum(len(v) for s in fx["streams"] for v in s["records"].values())
    assert n_manifest > 0

    srv.start(timeout=120)
    client = kh.make_client(srv.endpoint)
    check_streams(client, fx)
    assert check_records(client, fx, {}) == n_manifest

    # new records on every open shard of every stream, from a different seed (contents never seen before)
    writer = uh.Writer(client, manifest["seed"] + 1)
    for s in fx["streams"]:
        for shard in s["shards"]:
            if shard["seq_range"][1] is None:
                lo, hi = int(shard["hash_range"][0]), int(shard["hash_range"][1])
                writer.put_records(s["name"], [(size, lo + (hi - lo) // 3) for size in (1, 700, 9000, 100 * 1024)])
                writer.put_record(s["name"], 64, hash_key=hi)
    added = writer.records
    for s in fx["streams"]:
        for shard_id, recs in added.get(s["name"], {}).items():
            old = s["records"].get(shard_id, [])
            if old:
                assert int(recs[0]["seq"]) > int(old[-1]["seq"]), (s["name"], shard_id)
    n_added = sum(len(v) for d in added.values() for v in d.values())

    # the crash fixture restarts through another SIGKILL, the clean one through a clean stop
    sig = signal.SIGKILL if fx["stop"] == "SIGKILL" else signal.SIGTERM
    rc = srv.stop(sig)
    if sig == signal.SIGTERM:
        assert rc == 0, srv.log_tail()
    srv.start(timeout=120)
    client = kh.make_client(srv.endpoint)
    check_streams(client, fx)
    assert check_records(client, fx, added) == n_manifest + n_added

    assert srv.stop(signal.SIGTERM) == 0, srv.log_tail()
    verify = subprocess.run([srv.binary, "log", "verify", "--data-dir", srv.data_dir], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, timeout=300)
    assert verify.returncode == 0, "sluice log verify on the upgraded dir:\n" + verify.stdout.decode()[-4000:]


def test_fixture_present():
    """At least one previous release's data dir is checked in (the parametrised test above needs one)."""
    assert TARBALLS, "no tests/fixtures/datadir-*.tar.gz (scripts/make-upgrade-fixture.sh writes one)"
