#!/usr/bin/env bash
# Runs the SIGKILL crash test (tests/crash/crash_test.py) against a Sluice binary.
#
#   scripts/run-crash.sh [crash_test.py args...]     e.g. --kills 30, --self-test --kills 0, --seed 42
#
# Environment:
#   SLUICE_BIN           server binary (default: build/sluice)
#   SLUICE_CRASH_FLAGS   extra server flags, shell-quoted (e.g. "--durability sync")
#   CRASH_SEED           seed (printed by every run; set it to replay a run's choices)
#   CRASH_KILLS, CRASH_PRODUCERS, CRASH_BUDGET, CRASH_KEEP=1   see tests/crash/README.md
#   SLUICE_PYTHON        force an interpreter (the test needs only the Python 3.8+ standard library)
#   SLUICE_CRASH_TIMEOUT wall-clock cap in seconds (default 280)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
if [ -z "${SLUICE_BIN:-}" ] && [ -x "$ROOT/build/sluice" ]; then
  export SLUICE_BIN=$ROOT/build/sluice
fi
if [ ! -x "${SLUICE_BIN:-}" ]; then
  echo "run-crash: no Sluice binary (SLUICE_BIN='${SLUICE_BIN:-}'); build it first (make build)" >&2
  exit 2
fi
PY=""
for c in ${SLUICE_PYTHON:-} python3 /usr/bin/python3; do
  if command -v "$c" >/dev/null 2>&1 && "$c" -c 'import sys; sys.exit(sys.version_info < (3, 9))' 2>/dev/null; then
    PY=$(command -v "$c"); break
  fi
done
if [ -z "$PY" ]; then
  echo "run-crash: no python3 >= 3.9 found" >&2
  exit 2
fi
echo "run-crash: python $PY; SLUICE_BIN=$SLUICE_BIN; SLUICE_CRASH_FLAGS='${SLUICE_CRASH_FLAGS:-}'"
export PYTHONDONTWRITEBYTECODE=1
set +e
timeout --kill-after=20 "${SLUICE_CRASH_TIMEOUT:-280}" "$PY" -u "$ROOT/tests/crash/crash_test.py" "$@"
rc=$?
set -e
if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
  echo "run-crash: the crash test exceeded ${SLUICE_CRASH_TIMEOUT:-280}s and was killed" >&2
fi
exit $rc
