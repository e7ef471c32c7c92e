#!/usr/bin/env bash
# The write-path alternatives for many shard logs on one disk (bench/disk/commit_strategies.cc):
# per-shard fdatasync, io_uring batching, syncfs, a shared journal (O_DIRECT and buffered), and the
# journal with a background checkpoint, at several shard counts. Run by scripts/run-bench.sh
# (COMMIT_STRATEGIES=0 skips it); the table goes to bench/results/commit-strategies.md
# (docs/performance.md, "Choosing the write path for many shards", quotes it).
#
#   bench/commit-strategies.sh
#   CS_SHARDS=4,1000 CS_SECONDS=2 bench/commit-strategies.sh
#
# Env: BUILD [build]; CS_DIR [a temp dir under DATA_ROOT, removed] where the files go: it must be
# on the same filesystem as the server's data directory; DATA_ROOT [/tmp];
# CS_SHARDS [4,64,256,1000,4000]; CS_CASES [1024x500,100x1] (record bytes x records per request,
# 32 requests per round); CS_STRATEGIES [all]; CS_SECONDS [1.5] per point (one sweep takes about
# 4-5 minutes); CS_REPEAT [1] sweeps over all points, the median run per point is reported (the
# disk is shared: use 3 when anything else runs); CS_OUT [bench/results] (commit-strategies.md,
# commit-strategies.jsonl).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
BUILD="${BUILD:-build}"
OUT="${CS_OUT:-$ROOT/bench/results}"
[ -f "$BUILD/CMakeCache.txt" ] || cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD" -j "$(nproc)" --target commit_strategies >/dev/null
dir="${CS_DIR:-}"
own=0
if [ -z "$dir" ]; then
  dir="$(mktemp -d "${DATA_ROOT:-/tmp}/commit-strategies.XXXXXX")"
  own=1
fi
trap '[ $own = 1 ] && rm -rf "$dir"' EXIT
mkdir -p "$OUT"
rm -f "$OUT/commit-strategies.jsonl"
args=(--dir "$dir/run" --seconds "${CS_SECONDS:-1.5}" --shards "${CS_SHARDS:-4,64,256,1000,4000}"
      --cases "${CS_CASES:-1024x500,100x1}" --repeat "${CS_REPEAT:-1}" --json-out "$OUT/commit-strategies.jsonl"
      --markdown-out "$OUT/commit-strategies.md")
[ -n "${CS_STRATEGIES:-}" ] && args+=(--strategies "$CS_STRATEGIES")
echo "commit-strategies: load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
"$BUILD/bench/commit_strategies" "${args[@]}"
echo "commit-strategies: load average after: $(cut -d' ' -f1-3 /proc/loadavg); table in $OUT/commit-strategies.md" >&2
