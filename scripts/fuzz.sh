#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang-14 (ASan + UBSan) in
# build-fuzz/ and runs each one on its seed corpus.
# Usage: scripts/fuzz.sh [--seconds N] [--jobs J] [--build-only] [target...]
#   --seconds N   run each target for N seconds (default 30)
#   --jobs J      run J targets at once (default 1)
#   --build-only  build, do not run
# Each run works on a copy of the seed corpus (build-fuzz/corpus/<target>/),
# so new inputs never land in the repository; crashes go to
# build-fuzz/crashes/<target>/ and make the script fail. Logs:
# build-fuzz/logs/<target>.log. PICBOT_FUZZ_BUILD_DIR overrides build-fuzz.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=30
jobs=1
build_only=0
targets=()
while (($#)); do
  case $1 in
    --seconds) seconds=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --build-only) build_only=1; shift ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
"$root/scripts/install-deps.sh" --fuzz
build_dir=${PICBOT_FUZZ_BUILD_DIR:-$root/build-fuzz}
cmake -S "$root" -B "$build_dir" -G Ninja -DCMAKE_CXX_COMPILER=clang++-14 \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" -DPICBOT_FUZZ=ON \
  -DPICBOT_BUILD_TESTS=OFF -DPICBOT_BUILD_BENCH=OFF >/dev/null
cmake --build "$build_dir" -j "$(nproc)" --target picbot_fuzz_targets
((build_only)) && exit 0

if ((${#targets[@]} == 0)); then
  for dir in "$root"/tests/fuzz/corpus/*/; do targets+=("$(basename "$dir")"); done
fi
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
mkdir -p "$build_dir/logs"
run_target() {
  local target=$1 corpus="$build_dir/corpus/$1" crashes="$build_dir/crashes/$1"
  mkdir -p "$corpus" "$crashes"
  cp -n "$root/tests/fuzz/corpus/$target/"* "$corpus/"
  local options=()
  [[ -f $root/tests/fuzz/$target.options ]] && read -ra options <"$root/tests/fuzz/$target.options"
  if "$build_dir/tests/fuzz/$target" "$corpus" \
      -max_total_time="$seconds" -timeout=60 -artifact_prefix="$crashes/" -print_final_stats=1 \
      "${options[@]}" >"$build_dir/logs/$target.log" 2>&1; then
    echo "fuzz: $target: ok ($(grep -o 'cov: [0-9]*' "$build_dir/logs/$target.log" | tail -1)," \
      "$(grep -o 'stat::number_of_executed_units: [0-9]*' "$build_dir/logs/$target.log" | grep -o '[0-9]*$') execs)"
  else
    echo "fuzz: $target: FAILED, see $build_dir/logs/$target.log and $crashes/" >&2
    tail -40 "$build_dir/logs/$target.log" >&2
    return 1
  fi
}
failed=0
pids=()
for target in "${targets[@]}"; do
  run_target "$target" & pids+=($!)
  if ((${#pids[@]} >= jobs)); then
    wait "${pids[0]}" || failed=1
    pids=("${pids[@]:1}")
  fi
done
for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
exit "$failed"
