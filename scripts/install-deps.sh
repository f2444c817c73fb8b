#!/usr/bin/env bash
# Installs everything picbot needs to build, run and test, from Debian 12's
# own packages. Safe to run again; does nothing when all is installed.
#   --test  also what the tests need: chromium and node/npm for the web
#           console's browser test, and its npm packages (npm ci in tests/browser).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
with_tests=0
[[ "${1:-}" == "--test" ]] && with_tests=1
packages=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  libboost1.81-dev libssl-dev nlohmann-json3-dev libcurl4-openssl-dev libsqlite3-dev
  libyaml-cpp-dev libspdlog-dev libfmt-dev libgtest-dev libgmock-dev libbenchmark-dev
)
if ((with_tests)); then
  packages+=(chromium)
  # A node from elsewhere (e.g. NodeSource, which bundles npm) is kept.
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

if ((with_tests)); then
  # playwright-core only drives the browser; it downloads nothing.
  (cd "$root/tests/browser" && npm ci --no-audit --no-fund --loglevel=error)
fi
