#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan + coverage) into build-fuzz/ and runs
# each one for N seconds (default 30) over its seed corpus in fuzz/corpus/<name>/.
# Exits non-zero if any target crashes, leaks, times out or reports undefined behaviour;
# reproducers are left in build-fuzz/fuzz-artifacts/<target>/.
#
# Usage: scripts/run-fuzz.sh [SECONDS] [TARGET...]
#   env: BUILD_DIR (default build-fuzz; a tree configured with SLUICE_FUZZ=ON is reused as it is),
#        JOBS (default 2), CXX_FUZZ (default clang++), FUZZ_ARGS (extra libFuzzer flags, e.g. "-jobs=2 -workers=2")
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SECONDS_PER_TARGET="${1:-30}"
shift || true
BUILD="${BUILD_DIR:-$ROOT/build-fuzz}"
JOBS="${JOBS:-2}"
CXX_FUZZ="${CXX_FUZZ:-clang++}"

if ! [[ "$SECONDS_PER_TARGET" =~ ^[0-9]+$ ]]; then
  echo "usage: $0 [SECONDS] [TARGET...]" >&2
  exit 2
fi

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(request_decoder_fuzz shard_iterator_fuzz base64_fuzz cbor_fuzz segment_fuzz stream_codec_fuzz
           http_request_fuzz cloudwatch_request_fuzz metric_math_fuzz journal_fuzz event_stream_fuzz)
fi

# A tree already configured with SLUICE_FUZZ=ON (make fuzz-smoke passes the ASan tree, whose
# libraries carry the fuzzer instrumentation) is used as it is; otherwise BUILD is configured here.
if ! grep -qs '^SLUICE_FUZZ:BOOL=ON$' "$BUILD/CMakeCache.txt"; then
  generator=()
  command -v ninja >/dev/null 2>&1 && [ ! -f "$BUILD/CMakeCache.txt" ] && generator=(-G Ninja)
  cmake -S "$ROOT" -B "$BUILD" "${generator[@]}" \
    -DCMAKE_CXX_COMPILER="$CXX_FUZZ" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DSLUICE_FUZZ=ON -DSLUICE_TESTS=OFF -DSLUICE_BENCH=OFF >/dev/null
fi
cmake --build "$BUILD" -j "$JOBS" --target "${targets[@]}"

# Recoverable UBSan checks must still stop the run.
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"

# fuzz_one TARGET: runs it for SECONDS_PER_TARGET; its output goes to $BUILD/fuzz-TARGET.log.
fuzz_one() {
  local t=$1 name seeds work artifacts
  name="${t%_fuzz}"
  seeds="$ROOT/fuzz/corpus/$name"
  work="$BUILD/fuzz-corpus/$name"       # grows as the fuzzer finds new coverage; seeds stay clean
  artifacts="$BUILD/fuzz-artifacts/$t"
  mkdir -p "$work" "$artifacts"
  [ -d "$seeds" ] || seeds=""
  # shellcheck disable=SC2086
  "$BUILD/fuzz/$t" -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 \
    -max_len=65536 -print_final_stats=1 -artifact_prefix="$artifacts/" ${FUZZ_ARGS:-} \
    "$work" ${seeds:+"$seeds"} >"$BUILD/fuzz-$t.log" 2>&1
}

# Each fuzzer is one single-threaded process: JOBS of them run side by side, each for the full
# SECONDS_PER_TARGET; results are reported in the order of the targets.
failed=()
for ((i = 0; i < ${#targets[@]}; i += JOBS)); do
  batch=("${targets[@]:i:JOBS}")
  pids=()
  for t in "${batch[@]}"; do
    echo "=== $t: ${SECONDS_PER_TARGET}s"
    fuzz_one "$t" &
    pids+=($!)
  done
  for j in "${!batch[@]}"; do
    t=${batch[$j]}
    log="$BUILD/fuzz-$t.log"
    if wait "${pids[$j]}"; then
      grep -E "^(stat::number_of_executed_units|stat::new_units_added)|Done [0-9]+ runs" "$log" || true
      echo "=== $t: OK"
    else
      tail -n 40 "$log"
      echo "=== $t: FAILED (log: $log, artifacts: $BUILD/fuzz-artifacts/$t)"
      failed+=("$t")
    fi
  done
done

if [ ${#failed[@]} -ne 0 ]; then
  echo "fuzzing failed: ${failed[*]}" >&2
  exit 1
fi
echo "all fuzz targets ran clean"
