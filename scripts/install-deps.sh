#!/usr/bin/env bash
# Installs what Sluice needs to build (and, with --test, to run its test suites) on Debian.
# Idempotent: installs only what is missing.
set -euo pipefail
want_test=0
[ "${1:-}" = "--test" ] && want_test=1

build_pkgs=(build-essential cmake pkg-config libboost1.74-dev libsimdjson-dev libssl-dev
            libnghttp2-dev libsqlite3-dev zlib1g-dev libgtest-dev libgmock-dev libbenchmark-dev
            liburing-dev)
test_pkgs=(python3 python3-boto3 python3-pytest awscli nodejs npm clang libclang-rt-14-dev clang-format clang-tidy prometheus
           python3-cbor2 python3-h2 curl)

pkgs=("${build_pkgs[@]}")
[ $want_test = 1 ] && pkgs+=("${test_pkgs[@]}")

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js may come from outside Debian's packages (e.g. a preinstalled node); accept it.
if command -v node >/dev/null && command -v npm >/dev/null; then
  tmp=(); for p in "${missing[@]}"; do [[ $p == nodejs || $p == npm ]] || tmp+=("$p"); done
  missing=("${tmp[@]+"${tmp[@]}"}")
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ $want_test = 1 ] && [ -f tests/js/package.json ]; then
  if [ ! -d tests/js/node_modules ] || [ tests/js/package.json -nt tests/js/node_modules ]; then
    echo "install-deps: npm install in tests/js"
    (cd tests/js && npm install --no-audit --no-fund --loglevel=error)
    touch tests/js/node_modules
  fi
fi
