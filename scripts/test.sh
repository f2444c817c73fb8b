#!/usr/bin/env bash
# Installs, builds and runs the whole test suite through CTest.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh" --test
build_dir=${PICBOT_BUILD_DIR:-$root/build-test}
PICBOT_BUILD_DIR=$build_dir "$root/scripts/build.sh" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPICBOT_BUILD_TESTS=ON
cd "$build_dir"
ctest --output-on-failure -j "$(nproc)" "$@"
