#!/usr/bin/env bash
# Installs everything picbot needs to build, run and test, from Debian 12's
# own packages (and, for the browser test and the Koishi comparison, npm
# packages pinned by a committed package-lock.json). Safe to run again; does
# nothing when all is installed.
#
#   scripts/install-deps.sh [--test] [--fuzz] [--bench]
#
# --test   what the tests need beyond the build: chromium and Node.js/npm for
#          the web console's browser test, then `npm ci` in tests/browser and
#          tests/gateway (the openai SDK that drives the image gateway)
#          (playwright-core only drives the browser; it downloads nothing);
#          systemd for systemd-analyze (the .deb test checks the units);
#          python3-botocore and python3-boto3 (the S3 signer's oracle, reading
#          back what picbot uploaded) and `npm ci` in tests/s3 (s3rver 3.7.1);
#          libarchive-tools (bsdtar) and unzip read picbot batch's archives;
#          postgresql-15 (initdb, postgres) for the throw-away PostgreSQL of
#          tests/support/postgres_server.h.
# --fuzz   clang-14 and its libFuzzer/sanitizer runtime (scripts/fuzz.sh).
# --bench  valgrind and Node.js/npm for bench/run.sh --callgrind / --peer, then
#          `npm ci` in bench/peer (Koishi 4.18 + koishi-plugin-adapter-onebot 6.9)
#          and tests/s3 (s3rver, with python3-boto3 for the S3 upload benchmark).
# Node.js and npm come from apt only when `node`/`npm` are missing, so a node
# from elsewhere (e.g. NodeSource, which bundles npm) is kept.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
packages=(
  build-essential cmake ninja-build ccache pkg-config git ca-certificates
  libboost1.81-dev libssl-dev nlohmann-json3-dev libcurl4-openssl-dev libsqlite3-dev
  libyaml-cpp-dev libspdlog-dev libfmt-dev libgtest-dev libgmock-dev libbenchmark-dev
  libsimdjson-dev  # OneBot frames (bot/onebot/event.cpp)
  libcli11-dev libarchive-dev  # command line; picbot batch's archives
  libexpat1-dev  # the S3 client's XML (image/storage/s3)
  libpq-dev  # PostgreSQL client (bot/store/pg: database.url)
  python3  # bench/report.py (bench/run.sh, also in CI)
)
npm_dirs=()
need_node=0
for arg in "$@"; do
  case "$arg" in
    --test) packages+=(chromium systemd libarchive-tools unzip python3-botocore python3-boto3 postgresql-15); need_node=1; npm_dirs+=(tests/browser tests/s3 tests/gateway) ;;
    --fuzz) packages+=(clang-14 libclang-rt-14-dev) ;;
    --bench) packages+=(valgrind python3-boto3 postgresql-15); need_node=1; npm_dirs+=(bench/peer tests/s3) ;;
    *) echo "usage: scripts/install-deps.sh [--test] [--fuzz] [--bench]" >&2; exit 2 ;;
  esac
done
if ((need_node)); then
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
for dir in "${npm_dirs[@]}"; do
  (cd "$root/$dir" && npm ci --no-audit --no-fund --loglevel=error)
done
