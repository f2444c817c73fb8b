#!/usr/bin/env bash
# bench/run.sh [--quick] [--no-build] [--callgrind] [--peer]: builds picbot and
# the benchmarks (Release, in build-bench/), runs every benchmark that exists
# and prints one table: metric | value | goal | result.
#
#   --quick      CI smoke test, under a minute once built: small runs, one
#                repetition, no callgrind. Goals are shown, never enforced.
#   --no-build   use the binaries already in the build dir (PICBOT_BENCH_BUILD);
#                any build type works, e.g. the RelWithDebInfo test build.
#   --callgrind  also in quick mode: instructions per /ping under valgrind
#                (full mode always runs it when valgrind is installed).
#   --peer       also flood Koishi (bench/peer, installed by
#                scripts/install-deps.sh --bench) with the same generator and
#                report picbot/Koishi ratios.
#
# Every benchmark program prints machine-readable results (ping_flood and
# generation_load: one JSON object with --json; Google Benchmarks:
# --benchmark_format=json; file_transfer_bench: "RESULT <metric> <value> <unit>"
# lines), so the table never depends on prose.
#
# Exit status: 0 all good (quick mode: whatever the figures); 1 a goal was
# missed (full mode only); 2 a benchmark crashed, hung or printed no result,
# or picbot/ping_flood are missing. A benchmark that does not exist in the
# build dir shows as n/a.
# Environment: PICBOT_BENCH_BUILD (build dir, default build-bench),
# PICBOT_BENCH_JOBS (ninja -j, default 2), PICBOT_BINARY (picbot to measure
# instead of the one in the build dir), PICBOT_BENCH_OUT (a dir that keeps each
# benchmark's raw output, NAME.out/.err/.rc; default: a temp dir, removed).
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
# Absolute: the benchmarks start picbot from their own temp dirs.
BUILD=$(realpath -m "${PICBOT_BENCH_BUILD:-$ROOT/build-bench}")
JOBS=${PICBOT_BENCH_JOBS:-2}
PICBOT=$(realpath -m "${PICBOT_BINARY:-$BUILD/bot/app/picbot}")
QUICK=0
BUILD_FIRST=1
CALLGRIND=auto
PEER=0
for arg in "$@"; do
  case "$arg" in
    --quick) QUICK=1 ;;
    --no-build) BUILD_FIRST=0 ;;
    --callgrind) CALLGRIND=1 ;;
    --peer) PEER=1 ;;
    *) echo "usage: bench/run.sh [--quick] [--no-build] [--callgrind] [--peer]" >&2; exit 2 ;;
  esac
done
[[ $CALLGRIND == auto ]] && CALLGRIND=$((1 - QUICK))
OPTIONAL_BENCHES="quota_bench image_store_bench file_transfer_bench generation_load stream_upload_bench image_overhead_bench rate_limit_bench async_poll_bench s3_upload_bench batch_bench chat_first_byte_bench upload_queue_bench gateway_load storage_page_bench pg_quota_bench"

if [[ -n "${PICBOT_BENCH_OUT:-}" ]]; then  # keep every benchmark's raw output there
  OUT=$PICBOT_BENCH_OUT
  mkdir -p "$OUT" && rm -f "$OUT"/*.rc
else
  OUT=$(mktemp -d /tmp/picbot-bench-XXXXXX)
  trap 'rm -rf "$OUT"' EXIT
fi

# ---- build -------------------------------------------------------------------
build() {  # build TARGET...: quiet ninja; the log tail on failure
  ninja -C "$BUILD" -j "$JOBS" "$@" >"$OUT/build.log" 2>&1 && return 0
  grep -E "FAILED|error" "$OUT/build.log" | head -10 >&2
  return 1
}
if [[ $BUILD_FIRST == 1 ]]; then
  if [[ ! -f "$BUILD/build.ninja" ]]; then
    # Tests ON only so the fakes generation_load and stream_upload_bench link
    # against are defined; no test binary is built.
    launcher=()
    command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
    cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DPICBOT_BUILD_TESTS=ON \
      -DPICBOT_BUILD_BENCH=ON "${launcher[@]}" >"$OUT/configure.log" 2>&1 ||
      { cat "$OUT/configure.log" >&2; echo "bench/run.sh: configure failed" >&2; exit 2; }
  fi
  required=ping_flood
  [[ -z "${PICBOT_BINARY:-}" ]] && required="picbot ping_flood"
  echo "building $required in $BUILD" >&2
  # shellcheck disable=SC2086  # the target list splits on purpose
  build $required || { echo "bench/run.sh: cannot build $required" >&2; exit 2; }
  available=$(ninja -C "$BUILD" -t targets all 2>/dev/null | cut -d: -f1)
  for optional in $OPTIONAL_BENCHES; do
    if grep -qx "$optional" <<<"$available"; then
      echo "building $optional" >&2
      build "$optional" || { echo "  $optional does not build: shown as n/a" >&2; rm -f "$BUILD/bench/$optional"; }
    fi
  done
fi
[[ -x "$BUILD/bench/ping_flood" && -x "$PICBOT" ]] ||
  { echo "bench/run.sh: missing $BUILD/bench/ping_flood or $PICBOT (build them or drop --no-build)" >&2; exit 2; }

# ---- run ---------------------------------------------------------------------
# run NAME TIMEOUT_S CMD...: stdout to $OUT/NAME.out, exit code to $OUT/NAME.rc
# (124 = hung and killed by timeout).
run() {
  local name=$1 limit=$2
  shift 2
  echo "running $name (load avg $(cut -d' ' -f1 /proc/loadavg)): ${*#"$BUILD/"}" >&2
  timeout --kill-after=10 "$limit" "$@" >"$OUT/$name.out" 2>"$OUT/$name.err"
  echo $? >"$OUT/$name.rc"
  [[ $(cat "$OUT/$name.rc") == 0 ]] || { echo "  $name failed:" >&2; tail -20 "$OUT/$name.err" >&2; }
}
has() { [[ -x "$BUILD/bench/$1" ]]; }
# Google Benchmark: quick = one short repetition.
gbench() {  # gbench NAME QUICK_TIMEOUT FULL_TIMEOUT
  has "$1" || return 0
  if [[ $QUICK == 1 ]]; then
    run "$1" "$2" "$BUILD/bench/$1" --benchmark_format=json --benchmark_min_time=0.05
  else
    run "$1" "$3" "$BUILD/bench/$1" --benchmark_format=json --benchmark_repetitions=3
  fi
}

PING=("$BUILD/bench/ping_flood" --picbot "$PICBOT")
if [[ $QUICK == 1 ]]; then
  run ping_flood_1 60 "${PING[@]}" --messages 2000 --json
  run ping_latency 30 "${PING[@]}" --messages 200 --window 1 --json
else
  for i in 1 2 3; do run "ping_flood_$i" 300 "${PING[@]}" --messages 20000 --json; done
  run ping_latency 120 "${PING[@]}" --messages 2000 --window 1 --json
fi
if [[ $CALLGRIND == 1 ]]; then
  if command -v valgrind >/dev/null; then
    pings=2000
    [[ $QUICK == 1 ]] && pings=200
    run ping_callgrind 1200 "${PING[@]}" --callgrind --messages "$pings" --json
  else
    echo "valgrind not installed (scripts/install-deps.sh --bench): no instruction count" >&2
  fi
fi
if [[ $PEER == 1 ]]; then
  peer_msgs=20000
  [[ $QUICK == 1 ]] && peer_msgs=2000
  run ping_peer 1200 "${PING[@]}" --koishi --messages "$peer_msgs" --json
fi
gbench quota_bench 30 300
gbench image_store_bench 30 300
gbench stream_upload_bench 30 300
gbench image_overhead_bench 30 300
gbench upload_queue_bench 30 300
gbench storage_page_bench 30 300
if has file_transfer_bench; then
  runs=15
  [[ $QUICK == 1 ]] && runs=2
  run file_transfer_bench 600 "$BUILD/bench/file_transfer_bench" --runs "$runs"
fi
if has rate_limit_bench; then  # real time: 30 s in full mode, 3 s in quick
  seconds=30
  [[ $QUICK == 1 ]] && seconds=3
  run rate_limit_bench 120 "$BUILD/bench/rate_limit_bench" --rate 10 --callers 100 --seconds "$seconds"
fi
if has generation_load; then
  GEN=("$BUILD/bench/generation_load" --picbot "$PICBOT" --json)
  if [[ $QUICK == 1 ]]; then
    run generation_draw 30 "${GEN[@]}" --generations 10 --delay-ms 1000
    run generation_agent 30 "${GEN[@]}" --agent --conversations 5 --delay-ms 1000
  else
    run generation_draw 240 "${GEN[@]}"
    run generation_agent 120 "${GEN[@]}" --agent
  fi
fi
if has async_poll_bench; then
  if [[ $QUICK == 1 ]]; then
    run async_poll 60 "$BUILD/bench/async_poll_bench" --tasks 100 --polls 2
  else
    run async_poll 300 "$BUILD/bench/async_poll_bench" --tasks 1000 --polls 5
  fi
fi
if has batch_bench; then  # issue 20: 1,000 images of 2 MB, 200 ms upstream, 50 at a time
  if [[ $QUICK == 1 ]]; then
    run batch 60 "$BUILD/bench/batch_bench" --picbot "$PICBOT" --images 50 --mb 0.5 --concurrent 10
  else
    run batch 300 "$BUILD/bench/batch_bench" --picbot "$PICBOT" --images 1000 --mb 2 --delay-ms 200 --concurrent 50
  fi
fi
if has s3_upload_bench; then  # needs npm ci in tests/s3 and python3-boto3 (install-deps.sh --bench)
  uploads=20
  [[ $QUICK == 1 ]] && uploads=2
  run s3_upload 300 "$BUILD/bench/s3_upload_bench" --runs "$uploads"
fi

if has pg_quota_bench; then  # issue 22: needs postgresql-15 (install-deps.sh --bench)
  seconds=10
  [[ $QUICK == 1 ]] && seconds=2
  run pg_quota 120 "$BUILD/bench/pg_quota_bench" --seconds "$seconds" --json
fi
if has chat_first_byte_bench; then
  if [[ $QUICK == 1 ]]; then
    run chat_first_byte 60 "$BUILD/bench/chat_first_byte_bench" --streams 50 --deltas 5
  else
    run chat_first_byte 120 "$BUILD/bench/chat_first_byte_bench" --streams 500 --deltas 20
  fi
fi
if has gateway_load; then  # issue 19: 200 image requests at once, 1 s upstream, 2 MB images
  GW=("$BUILD/bench/gateway_load" --picbot "$PICBOT" --json)
  if [[ $QUICK == 1 ]]; then
    run gateway_url 30 "${GW[@]}" --requests 20 --image-bytes 200000 --format url
  else
    run gateway_url 180 "${GW[@]}" --requests 200 --format url
    run gateway_b64 180 "${GW[@]}" --requests 200 --format b64_json
  fi
fi

# ---- report ------------------------------------------------------------------
python3 "$ROOT/bench/report.py" "$OUT" "$QUICK"
