"""AWS CLI suite: drives the target server with every `aws` binary found (CLI v1 from pip/pyenv, v2 from Debian),
through subprocess, asserting on the parsed JSON output."""
import base64
import json
import os
import shutil
import subprocess
import tempfile

import pytest

import kinhelpers as kh


def _aws_binaries():
    """Distinct AWS CLI installations: $SLUICE_AWS_CLI (os.pathsep-separated), `aws` on PATH, /usr/bin/aws."""
    cands = [p for p in os.environ.get("SLUICE_AWS_CLI", "").split(os.pathsep) if p]
    if shutil.which("aws"):
        cands.append(shutil.which("aws"))
    cands.append("/usr/bin/aws")
    out, seen = [], set()
    for c in cands:
        if not (os.path.isfile(c) and os.access(c, os.X_OK)):
            continue
        try:
            ver = subprocess.run([c, "--version"], capture_output=True, text=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired):
            continue
        text = (ver.stdout + ver.stderr).strip()
        if not text.startswith("aws-cli/"):
            continue
        version = text.split()[0].split("/")[1]
        if version in seen:
            continue
        seen.add(version)
        out.append((c, version))
    return out


AWS_CLIS = _aws_binaries()


@pytest.fixture(params=AWS_CLIS or [None], ids=[v for _, v in AWS_CLIS] or ["no-aws-cli"])
def aws(request, server):
    if request.param is None:
        pytest.skip("no AWS CLI installed (scripts/install-deps.sh --test installs Debian's awscli)")
    binary, version = request.param
    major = int(version.split(".")[0])
    home = tempfile.mkdtemp(prefix="sluice-cli-")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({
        "AWS_ACCESS_KEY_ID": kh.FAKE_AKID, "AWS_SECRET_ACCESS_KEY": kh.FAKE_SECRET,
        "AWS_DEFAULT_REGION": kh.REGION, "AWS_REGION": kh.REGION,
        "AWS_CONFIG_FILE": os.path.join(home, "config"), "AWS_SHARED_CREDENTIALS_FILE": os.path.join(home, "creds"),
        "AWS_PAGER": "", "AWS_MAX_ATTEMPTS": "1", "AWS_RETRY_MODE": "standard", "HOME": home,
    })

    def run(*args, expect_ok=True, timeout=120):
        cmd = [binary, "--endpoint-url", server.endpoint, "--output", "json", "kinesis"] + list(args)
        p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)
        if expect_ok:
            assert p.returncode == 0, "%s failed (%d):\n%s\n%s" % (" ".join(cmd), p.returncode, p.stdout, p.stderr)
            return json.loads(p.stdout) if p.stdout.strip() else None
        assert p.returncode != 0, "%s unexpectedly succeeded:\n%s" % (" ".join(cmd), p.stdout)
        return p.stderr

    run.major = major
    run.version = version
    yield run
    shutil.rmtree(home, ignore_errors=True)


@pytest.mark.timeout(300)
def test_cli_round_trip(aws, kin):
    name = kh.unique_name("cli")
    try:
        assert aws("create-stream", "--stream-name", name, "--shard-count", "2") is None
        # waiter: first poll immediate; a 0-delay server is ACTIVE by then, a slow one costs one 10 s delay
        aws("wait", "stream-exists", "--stream-name", name, timeout=200)
        s = aws("describe-stream-summary", "--stream-name", name)["StreamDescriptionSummary"]
        assert s["StreamName"] == name
        assert s["StreamStatus"] == "ACTIVE"
        assert s["OpenShardCount"] == 2
        assert s["StreamARN"].endswith(":stream/" + name)
        assert isinstance(s["RetentionPeriodHours"], int)

        payload = "hello from the CLI"
        data_args = ["--data", payload]
        if aws.major >= 2:  # v2 treats --data as base64 unless told otherwise
            data_args = ["--cli-binary-format", "raw-in-base64-out"] + data_args
        put = aws("put-record", "--stream-name", name, "--partition-key", "a", *data_args)
        assert put["ShardId"] == kh.shard_id(0)  # md5("a") lies in the lower half
        assert len(put["SequenceNumber"]) == 56

        it = aws("get-shard-iterator", "--stream-name", name, "--shard-id", put["ShardId"],
                 "--shard-iterator-type", "TRIM_HORIZON")["ShardIterator"]
        got = aws("get-records", "--shard-iterator", it, "--limit", "10")
        assert len(got["Records"]) == 1
        rec = got["Records"][0]
        assert base64.b64decode(rec["Data"]).decode() == payload
        assert rec["PartitionKey"] == "a"
        assert rec["SequenceNumber"] == put["SequenceNumber"]
        assert got["NextShardIterator"]
        assert got["MillisBehindLatest"] == 0

        shards = aws("list-shards", "--stream-name", name)["Shards"]
        assert [x["ShardId"] for x in shards] == [kh.shard_id(0), kh.shard_id(1)]
        assert shards[1]["HashKeyRange"]["EndingHashKey"] == str(kh.HASH_MAX)

        assert aws("add-tags-to-stream", "--stream-name", name, "--tags", "team=data,env=ci") is None
        tags = aws("list-tags-for-stream", "--stream-name", name)
        assert tags["Tags"] == [{"Key": "env", "Value": "ci"}, {"Key": "team", "Value": "data"}]
        assert tags["HasMoreTags"] is False

        names = aws("list-streams")["StreamNames"]
        assert name in names

        assert aws("delete-stream", "--stream-name", name) is None
        aws("wait", "stream-not-exists", "--stream-name", name, timeout=200)
        err = aws("describe-stream-summary", "--stream-name", name, expect_ok=False)
        assert "ResourceNotFoundException" in err
    finally:
        try:
            kin.delete_stream(StreamName=name)
        except Exception:  # noqa: BLE001
            pass


def test_cli_error_output(aws):
    err = aws("describe-stream", "--stream-name", kh.unique_name("missing"), expect_ok=False)
    assert "ResourceNotFoundException" in err
    err = aws("create-stream", "--stream-name", "bad name!", "--shard-count", "1", expect_ok=False)
    assert "ValidationException" in err or "Invalid" in err
