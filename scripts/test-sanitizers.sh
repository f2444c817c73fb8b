#!/usr/bin/env bash
# Builds the whole test suite with AddressSanitizer + UndefinedBehaviorSanitizer
# (PICBOT_SANITIZE) in its own build directory and runs it through CTest.
# LeakSanitizer (part of ASan) checks every test binary and every picbot child
# the integration tests start; a report in either fails the test.
# Usage: scripts/test-sanitizers.sh [ctest args...]; PICBOT_ASAN_BUILD_DIR
# overrides the build directory (default build-asan).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh" --test
build_dir=${PICBOT_ASAN_BUILD_DIR:-$root/build-asan}
# -O1 keeps the suite fast enough; -g1 line tables are all a sanitizer report needs.
PICBOT_BUILD_DIR=$build_dir "$root/scripts/build.sh" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" -DPICBOT_SANITIZE=ON -DPICBOT_BUILD_TESTS=ON \
  -DPICBOT_BUILD_BENCH=OFF
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:check_initialization_order=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
cd "$build_dir"
ctest --output-on-failure -j "$(nproc)" "$@"
