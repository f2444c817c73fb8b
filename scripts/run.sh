#!/usr/bin/env bash
# Quick start: install, build, and run picbot with config/picbot.yaml
# (copied from config/picbot.example.yaml on first run).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
PICBOT_BUILD_DIR=${PICBOT_BUILD_DIR:-$root/build} "$root/scripts/build.sh" -DCMAKE_BUILD_TYPE=Release -DPICBOT_BUILD_TESTS=OFF -DPICBOT_BUILD_BENCH=OFF
config="$root/config/picbot.yaml"
if [[ ! -f "$config" ]]; then
  cp "$root/config/picbot.example.yaml" "$config"
  echo "Created $config from the example; edit it, then restart."
fi
exec "${PICBOT_BUILD_DIR:-$root/build}/bot/app/picbot" --config "$config" "$@"
