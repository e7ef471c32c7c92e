#!/usr/bin/env bash
# The conventions that tools check (make lint; CI runs it). Exits non-zero on the first failing
# check group, after printing everything that group found.
#
#   scripts/lint.sh              all checks
#   scripts/lint.sh format deps  only these (format | deps | rules | tidy)
#   FIX=1 scripts/lint.sh format rewrites files instead of reporting them
#
# format: clang-format (.clang-format) over every tracked .cc/.h.
# deps:   scripts/check-deps.py --strict-public (every project #include declared by its module).
# rules:  greps for what no compiler checks: clock reads outside base/clock, wording about issues
#         in src/ and docs/, AWS error names spelled outside protocol/aws_error.cc.
# tidy:   clang-tidy (.clang-tidy: bugprone, performance, concurrency) over every .cc under src/,
#         with a clang compilation database in $LINT_BUILD (default build-lint; configured, not built).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
JOBS="${JOBS:-$(nproc)}"
LINT_BUILD="${LINT_BUILD:-build-lint}"
checks=("$@")
[ ${#checks[@]} -eq 0 ] && checks=(format deps rules tidy)

fail=0
section() { echo "== lint: $*"; }

run_format() {
  section "clang-format"
  mapfile -t files < <(git ls-files '*.cc' '*.h')
  if [ "${FIX:-0}" = 1 ]; then
    clang-format -i "${files[@]}"
    return 0
  fi
  local bad
  bad=$(clang-format --dry-run --Werror "${files[@]}" 2>&1 | grep -E "^[^ ].*: (error|warning): " | cut -d: -f1 | sort -u || true)
  if [ -z "$bad" ]; then
    echo "  ${#files[@]} files formatted"
    return 0
  fi
  echo "$bad" | sed 's/^/  not formatted: /'
  echo "  run: FIX=1 scripts/lint.sh format"
  return 1
}

run_deps() {
  section "module dependencies"
  python3 scripts/check-deps.py --strict-public
}

run_rules() {
  section "project rules"
  local bad=0 hits
  # Time goes through Clock (base/clock.h): anything else that reads a clock cannot be tested
  # without sleeping. Waiting for a duration is fine; reading the time is not.
  hits=$(git grep -nE '(steady_clock|system_clock|high_resolution_clock)::now|\b(clock_gettime|gettimeofday)\(|\btime\(nullptr\)' \
    -- 'src/*.cc' 'src/*.h' ':!src/base/clock.cc' || true)
  if [ -n "$hits" ]; then
    echo "  clock read outside base/clock (inject a Clock):"; echo "$hits" | sed 's/^/    /'; bad=1
  fi
  # Comments and docs describe the code as it is, not the project plan.
  hits=$(git grep -niE '\b(later|future|next|previous|this) issues?\b|\(issue [0-9]+\)|\bissue [0-9]+\b' \
    -- 'src/*' 'docs/*' || true)
  if [ -n "$hits" ]; then
    echo "  wording about issues (describe the code as it is):"; echo "$hits" | sed 's/^/    /'; bad=1
  fi
  # AWS error names live in protocol/aws_error.cc (Kinesis) and cloudwatch/errors.cc (CloudWatch;
  # shapes_gen.cc is botocore's model, generated);
  # everything else uses the AwsErrorType / cloudwatch::ErrorCode enums.
  # A name as a string of its own or as a JSON string inside one (help text may mention names).
  hits=$(git grep -nE '^[^/]*(\\"|")[A-Z][a-zA-Z]+(Exception|Failure)(\\"|")' -- 'src/*.cc' 'src/*.h' \
    ':!src/protocol/aws_error.cc' ':!src/cloudwatch/errors.cc' ':!src/cloudwatch/shapes_gen.cc' \
    ':!src/*_test.cc' ':!src/*/testing/*' || true)
  if [ -n "$hits" ]; then
    echo "  AWS error name outside protocol/aws_error.cc and cloudwatch/errors.cc:"; echo "$hits" | sed 's/^/    /'; bad=1
  fi
  [ $bad = 0 ] && echo "  clock, wording and error-name rules hold"
  return $bad
}

run_tidy() {
  section "clang-tidy"
  if [ ! -f "$LINT_BUILD/compile_commands.json" ]; then
    CC=clang CXX=clang++ cmake -S . -B "$LINT_BUILD" -DCMAKE_BUILD_TYPE=Debug -DSLUICE_BENCH=OFF \
      -DCMAKE_DISABLE_PRECOMPILE_HEADERS=ON >/dev/null  # configured, never built: no .pch to refer to
  fi
  mapfile -t files < <(git ls-files 'src/*.cc')
  local log="$LINT_BUILD/clang-tidy.log"
  # One process per file, JOBS at a time; the log keeps only diagnostics.
  if printf '%s\n' "${files[@]}" | xargs -P "$JOBS" -n 1 clang-tidy -p "$LINT_BUILD" --quiet >"$log" 2>/dev/null; then
    echo "  ${#files[@]} files clean"
    return 0
  fi
  grep -E "(warning|error):" "$log" | sort -u | sed 's/^/  /'
  echo "  (full output: $log)"
  return 1
}

for c in "${checks[@]}"; do
  case "$c" in
    format) run_format || fail=1 ;;
    deps) run_deps || fail=1 ;;
    rules) run_rules || fail=1 ;;
    tidy) run_tidy || fail=1 ;;
    *) echo "lint: unknown check $c (format | deps | rules | tidy)" >&2; exit 2 ;;
  esac
done
exit $fail
