#!/usr/bin/env bash
# Writes the upgrade-test fixture: data directories written by a given Sluice release, plus a JSON manifest
# of everything it acknowledged, tarred into tests/fixtures/datadir-<short rev>.tar.gz (read by
# tests/integration/test_upgrade.py, suite `upgrade`).
#
#   scripts/make-upgrade-fixture.sh [--rev REV] [--bin PATH] [--out FILE] [--seed N]
#
#   --rev REV   source revision of the release (default HEAD); without --bin it is checked out into a temporary
#               git worktree and `sluice` is built there (Release, ccache when present)
#   --bin PATH  use this binary instead of building; --rev must then name the revision it was built from
#   --out FILE  tarball to write (default tests/fixtures/datadir-<short rev>.tar.gz)
#   --seed N    record-content seed (default 20261207)
#
# What is written (streams, shards, record sizes, the clean and the SIGKILL-left fixture) is described in
# tests/integration/upgradehelpers.py. Needs python3 with boto3.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

rev=HEAD
bin=""
out=""
seed=20261207
while [ $# -gt 0 ]; do
  case "$1" in
    --rev) rev=$2; shift 2 ;;
    --bin) bin=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "make-upgrade-fixture: unknown argument '$1'" >&2; exit 2 ;;
  esac
done

short=$(git rev-parse --short=7 "$rev^{commit}")
full=$(git rev-parse "$rev^{commit}")
[ -n "$out" ] || out="$ROOT/tests/fixtures/datadir-$short.tar.gz"

PY=""
for c in ${SLUICE_PYTHON:-} python3 /usr/bin/python3; do
  if command -v "$c" >/dev/null 2>&1 && "$c" -c 'import boto3' 2>/dev/null; then PY=$(command -v "$c"); break; fi
done
[ -n "$PY" ] || { echo "make-upgrade-fixture: no python3 with boto3 (scripts/install-deps.sh --test)" >&2; exit 2; }

# under the checkout (ignored as /build*/) so that ccache, with base_dir above it, can reuse objects of other builds
work=$(mktemp -d "$ROOT/build-upgrade-fixture.XXXXXX")
src=""
cleanup() {
  if [ -n "$src" ]; then git -C "$ROOT" worktree remove --force "$src" >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

if [ -z "$bin" ]; then
  src="$work/src"
  git -C "$ROOT" worktree add --detach "$src" "$full" >/dev/null
  launcher=()
  command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  echo "make-upgrade-fixture: building sluice at $short in $src"
  cmake -S "$src" -B "$src/build" -DCMAKE_BUILD_TYPE=Release ${launcher[@]+"${launcher[@]}"} >"$work/cmake.log" 2>&1 ||
    { tail -30 "$work/cmake.log" >&2; exit 1; }
  cmake --build "$src/build" -j"$(nproc)" --target sluice >"$work/build.log" 2>&1 ||
    { tail -30 "$work/build.log" >&2; exit 1; }
  bin="$src/build/sluice"
fi
[ -x "$bin" ] || { echo "make-upgrade-fixture: no executable at $bin" >&2; exit 2; }
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")

echo "make-upgrade-fixture: writing data dirs with $bin ($short, seed $seed)"
PYTHONDONTWRITEBYTECODE=1 "$PY" "$ROOT/tests/integration/upgradehelpers.py" \
  --bin "$bin" --out "$work/fixture" --rev "$full" --seed "$seed"

mkdir -p "$(dirname "$out")"
# fixed names, owners and times in the archive; the data itself carries the write times
tar -C "$work/fixture" --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -cf - clean crash manifest.json |
  gzip -n -9 >"$out.tmp"
mv "$out.tmp" "$out"
echo "make-upgrade-fixture: wrote $out ($(stat -c %s "$out") bytes)"
