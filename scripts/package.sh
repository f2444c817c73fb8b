#!/usr/bin/env bash
# Builds the Debian package: a Release build into build-package/ (or
# $PICBOT_BUILD_DIR), then CPack (cmake/packaging.cmake). Prints the .deb's
# path. Install it with: sudo apt install ./build-package/picbot_*.deb
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
build_dir=${PICBOT_BUILD_DIR:-$root/build-package}
PICBOT_BUILD_DIR=$build_dir "$root/scripts/build.sh" -DCMAKE_BUILD_TYPE=Release -DPICBOT_BUILD_TESTS=OFF \
  -DPICBOT_BUILD_BENCH=OFF "$@"
(cd "$build_dir" && cpack -G DEB >/dev/null)
ls "$build_dir"/picbot_*.deb
