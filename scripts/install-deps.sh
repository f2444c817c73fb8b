#!/usr/bin/env bash
# Installs everything picbot needs to build, run and test, from Debian 12's
# own packages. Safe to run again; does nothing when all is installed.
# Usage: install-deps.sh [--test] [--fuzz]
#   --fuzz  also clang-14 and its libFuzzer/sanitizer runtime (scripts/fuzz.sh)
set -euo pipefail
packages=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  libboost1.81-dev libssl-dev nlohmann-json3-dev libcurl4-openssl-dev libsqlite3-dev
  libyaml-cpp-dev libspdlog-dev libfmt-dev libgtest-dev libgmock-dev libbenchmark-dev
)
for arg in "$@"; do
  case $arg in
    --test) ;;  # the test build needs nothing beyond the list above
    --fuzz) packages+=(clang-14 libclang-rt-14-dev) ;;
    *) echo "install-deps.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done
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
