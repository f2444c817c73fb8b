#!/usr/bin/env bash
# Installs everything picbot needs to build, run and test, from Debian 12's
# own packages. Safe to run again; does nothing when all is installed.
#
#   scripts/install-deps.sh [--test] [--bench]
#
# --test is accepted for symmetry (the test deps are always installed).
# --bench adds what bench/run.sh --callgrind / --peer need: valgrind, Node.js
# and npm (from apt only when `node`/`npm` are missing), then `npm ci` in
# bench/peer (Koishi 4.18 + koishi-plugin-adapter-onebot 6.9, pinned by its
# package-lock.json, into bench/peer/node_modules).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bench=0
for arg in "$@"; do
  case "$arg" in
    --test) ;;
    --bench) bench=1 ;;
    *) echo "usage: scripts/install-deps.sh [--test] [--bench]" >&2; exit 2 ;;
  esac
done
packages=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  libboost1.81-dev libssl-dev nlohmann-json3-dev libcurl4-openssl-dev libsqlite3-dev
  libyaml-cpp-dev libspdlog-dev libfmt-dev libgtest-dev libgmock-dev libbenchmark-dev
  python3  # bench/report.py (bench/run.sh, also in CI)
)
if ((bench)); then
  packages+=(valgrind)
  command -v node >/dev/null || packages+=(nodejs)
  command -v npm >/dev/null || packages+=(npm)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo_cmd=""
  [[ $(id -u) -ne 0 ]] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
if ((bench)); then
  (cd "$root/bench/peer" && npm ci --no-audit --no-fund --loglevel=error)
fi
