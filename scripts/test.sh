#!/usr/bin/env bash
# Installs, builds and runs the whole test suite through CTest.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh" --test
build_dir=${PICBOT_BUILD_DIR:-$root/build-test}
# Line tables only (-g1): enough for stack traces, and faster to build than -g.
PICBOT_BUILD_DIR=$build_dir "$root/scripts/build.sh" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" -DPICBOT_BUILD_TESTS=ON
cd "$build_dir"
ctest --output-on-failure -j "$(nproc)" "$@"
