#!/usr/bin/env bash
# Runs the Python integration suites (tests/integration) against a server.
#
#   scripts/run-integration.sh [SUITE...] [-- PYTEST_ARGS...]
#
# SUITE: api (boto3 + raw HTTP + lifecycle), cli (AWS CLI v1/v2), diff (differential vs kinesalite and
# kinesis-local), restart (durability across restarts; Sluice only), upgrade
# (data dirs of a previous release, tests/fixtures; Sluice only), throttle (throughput limits, fault injection;
# Sluice only), cloudwatch (the CloudWatch API: boto3, query, RPC v2 CBOR; Sluice only), observe (GET /metrics
# scraped by a real Prometheus, the access log; Sluice only), consumers (enhanced fan-out consumers through boto3
# and the AWS CLI, across restarts; Sluice only), fanout (enhanced fan-out: boto3 subscribe_to_shard;
# skips while the server lacks it), tls (TLS: boto3, AWS CLI, JS SDK over https, ALPN, failed handshakes;
# signature verification off loopback; Sluice only), all (default).
# Environment:
#   SLUICE_BIN         server binary (default: build/sluice); required when the target is sluice
#   SLUICE_TARGET      sluice (default) | kinesalite | kinesis-local — server for the api and cli suites
#   SLUICE_PYTHON      force an interpreter (otherwise chosen below)
#   SLUICE_IT_TIMEOUT  wall-clock cap for the whole pytest run in seconds (default 1800)
#   SLUICE_TEST_TIMEOUT per-test cap in seconds (default 120)
#   SLUICE_IT_SKIP_BEYOND_ISSUE=1  deselect tests marked beyond_issue (CBOR, throughput throttling: reference
#                      behaviour outside the issue's API surface)
# Exit status: pytest's (non-zero on any failure); "no tests collected" counts as failure.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

suites=()
pytest_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --) shift; pytest_args=("$@"); break ;;
    api|cli|diff|restart|upgrade|throttle|cloudwatch|observe|consumers|fanout|tls|all) suites+=("$1"); shift ;;
    *) echo "run-integration: unknown suite '$1' (api, cli, diff, restart, upgrade, throttle, cloudwatch, observe, consumers, fanout, tls, all)" >&2; exit 2 ;;
  esac
done
[ ${#suites[@]} -eq 0 ] && suites=(all)

files=()
for s in "${suites[@]}"; do
  case "$s" in
    api)  files+=(test_streams.py test_data.py test_tags_arns.py test_lifecycle.py test_raw_http.py
                  test_raw_newer_ops.py test_wire_formats.py test_throttling.py test_resharding.py test_capacity_modes.py
                  test_eventstream_client.py test_curl_event_stream.py) ;;
    cli)  files+=(test_cli.py) ;;
    diff) files+=(test_differential.py) ;;
    restart) files+=(test_restart.py test_enhanced_monitoring.py) ;;
    upgrade) files+=(test_upgrade.py) ;;
    throttle) files+=(test_throttling.py) ;;
    cloudwatch) files+=(test_cloudwatch_api.py test_cloudwatch_alarms.py test_cloudwatch_clients.py test_cloudwatch_cbor.py
                        test_cloudwatch_query.py test_kinesis_metrics.py) ;;
    observe) files+=(test_prometheus.py test_access_log.py) ;;
    consumers) files+=(test_consumers.py) ;;
    fanout) files+=(test_fanout.py) ;;
    tls) files+=(test_tls.py) ;;
    all)  files+=(test_streams.py test_data.py test_tags_arns.py test_lifecycle.py test_raw_http.py test_raw_newer_ops.py test_wire_formats.py
                  test_cli.py test_differential.py test_restart.py test_enhanced_monitoring.py test_upgrade.py test_throttling.py
                  test_resharding.py test_capacity_modes.py test_eventstream_client.py test_curl_event_stream.py
                  test_cloudwatch_api.py test_cloudwatch_alarms.py test_cloudwatch_clients.py test_cloudwatch_cbor.py
                  test_cloudwatch_query.py test_kinesis_metrics.py test_prometheus.py test_access_log.py
                  test_consumers.py test_fanout.py test_tls.py) ;;
  esac
done

# test_restart.py reads shards back to back (far above 5 GetRecords/s per shard) to check durability, not
# throttling: its servers run with --limits off (flags given in SLUICE_RESTART_FLAGS come later and win).
export SLUICE_RESTART_FLAGS="--limits off ${SLUICE_RESTART_FLAGS:-}"

target=${SLUICE_TARGET:-sluice}
export SLUICE_TARGET=$target
if [ -z "${SLUICE_BIN:-}" ] && [ -x "$ROOT/build/sluice" ]; then
  export SLUICE_BIN=$ROOT/build/sluice
fi
if [ "$target" = sluice ] && [ ! -x "${SLUICE_BIN:-}" ]; then
  echo "run-integration: no Sluice binary (SLUICE_BIN='${SLUICE_BIN:-}'); build it first (make build)" >&2
  exit 2
fi

# --- interpreter choice --------------------------------------------------------------------------------------
# Prefer a python3 whose botocore is >= 1.40 (knows MaxRecordSizeInKiB, UpdateMaxRecordSize,
# DescribeAccountSettings). If that interpreter has no pytest but Debian's python3-pytest exists for the same
# major.minor, borrow it by APPENDING /usr/lib/python3/dist-packages to sys.path (its own boto3 stays first).
# Otherwise fall back to any python3 with boto3 and pytest (Debian: python3-boto3 1.26 + python3-pytest, from
# scripts/install-deps.sh --test); tests needing newer botocore then skip with a reason.
DEB_DIST=/usr/lib/python3/dist-packages
probe() {  # probe PY EXTRA -> prints "botocore_version" if boto3+botocore+pytest import, else fails
  SLUICE_PY_EXTRA_PATH="$2" "$1" - <<'EOF' 2>/dev/null
import os, sys
for p in filter(None, os.environ.get("SLUICE_PY_EXTRA_PATH", "").split(os.pathsep)):
    sys.path.append(p)
import boto3, botocore, pytest
print(botocore.__version__)
EOF
}
pyver() { "$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null; }
newer_than_140() { python3_ver=$1; IFS=. read -r a b _ <<<"$python3_ver"; [ "$a" -gt 1 ] || { [ "$a" -eq 1 ] && [ "$b" -ge 40 ]; }; }

candidates=()
[ -n "${SLUICE_PYTHON:-}" ] && candidates+=("$SLUICE_PYTHON")
command -v python3 >/dev/null && candidates+=("$(command -v python3)")
[ -x /usr/bin/python3 ] && candidates+=(/usr/bin/python3)

PY="" ; EXTRA="" ; BV=""
best_py="" ; best_extra="" ; best_bv=""
for c in "${candidates[@]}"; do
  for extra in "" "$DEB_DIST"; do
    if [ -n "$extra" ]; then
      [ -d "$extra" ] || continue
      # only borrow Debian's packages for the interpreter version they were built for
      [ "$(pyver "$c")" = "$(pyver /usr/bin/python3)" ] || continue
    fi
    bv=$(probe "$c" "$extra") || continue
    if newer_than_140 "$bv"; then PY=$c; EXTRA=$extra; BV=$bv; break 2; fi
    if [ -z "$best_py" ]; then best_py=$c; best_extra=$extra; best_bv=$bv; fi
  done
  [ -n "${SLUICE_PYTHON:-}" ] && [ "$c" = "$SLUICE_PYTHON" ] && [ -n "$best_py" ] && break
done
if [ -z "$PY" ]; then PY=$best_py; EXTRA=$best_extra; BV=$best_bv; fi
if [ -z "$PY" ]; then
  echo "run-integration: no python3 with boto3 and pytest; run scripts/install-deps.sh --test" >&2
  exit 2
fi
echo "run-integration: python $PY (botocore $BV${EXTRA:+, pytest from $EXTRA}); target $target; SLUICE_BIN=${SLUICE_BIN:-none}; suites ${suites[*]}"

marker_args=()
[ "${SLUICE_IT_SKIP_BEYOND_ISSUE:-0}" = 1 ] && marker_args=(-m "not beyond_issue")
export SLUICE_PY_EXTRA_PATH=$EXTRA
export PYTHONDONTWRITEBYTECODE=1
cd "$ROOT/tests/integration"
set +e
timeout --kill-after=30 "${SLUICE_IT_TIMEOUT:-1800}" \
  "$PY" run_pytest.py -q -ra --target "$target" ${marker_args[@]+"${marker_args[@]}"} "${files[@]}" \
  ${pytest_args[@]+"${pytest_args[@]}"}
rc=$?
set -e
if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
  echo "run-integration: pytest exceeded ${SLUICE_IT_TIMEOUT:-1800}s and was killed" >&2
fi
[ $rc -eq 5 ] && { echo "run-integration: no tests were collected" >&2; rc=1; }
exit $rc
