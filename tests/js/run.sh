#!/usr/bin/env bash
# Runs the JS SDK integration suite (node's built-in test runner).
#   TARGET=sluice (default) SLUICE_BIN=/path/to/sluice tests/js/run.sh
#   TARGET=kinesalite tests/js/run.sh            # validate the suite against kinesalite (HTTP/1.1)
# Extra arguments are passed to `node --test` (e.g. a single file: test/data.test.mjs).
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -d node_modules/@aws-sdk/client-kinesis ] || [ ! -d node_modules/@aws-sdk/client-cloudwatch ] \
   || [ ! -d node_modules/@smithy/node-http-handler ] \
   || [ ! -d node_modules/kinesalite ]; then
  if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
fi
export TARGET="${TARGET:-sluice}"
if [ "$#" -eq 0 ]; then
  set -- test/*.test.mjs
fi
# --no-warnings hides the SDK's "node >= 22 will be required" notice; every test bounds itself at 120 s.
exec node --no-warnings --test --test-timeout=120000 --test-reporter=spec "$@"
