#!/usr/bin/env bash
# bench/run.sh [--quick] [--no-build]: builds picbot and the benchmarks
# (Release, in build-bench/), runs every benchmark that exists and prints one
# table: metric | value | goal | result.
#
#   --quick     CI smoke test, under a minute once built: small runs, one
#               repetition, no callgrind. It fails only when a benchmark
#               crashes or hangs; goals are shown but not enforced.
#   --no-build  use the binaries already in the build dir.
#
# Exit status: 0 all good; 1 a goal was missed (full mode only); 2 a benchmark
# crashed or hung, or picbot/ping_flood could not be built. A benchmark that
# does not exist or does not build shows as n/a.
# Environment: PICBOT_BENCH_BUILD (build dir, default build-bench),
# PICBOT_BENCH_JOBS (ninja -j, default 2), PICBOT_BINARY (picbot to measure
# instead of the one built here).
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${PICBOT_BENCH_BUILD:-$ROOT/build-bench}
JOBS=${PICBOT_BENCH_JOBS:-2}
PICBOT=${PICBOT_BINARY:-$BUILD/bot/app/picbot}
QUICK=0
BUILD_FIRST=1
for arg in "$@"; do
  case "$arg" in
    --quick) QUICK=1 ;;
    --no-build) BUILD_FIRST=0 ;;
    *) echo "usage: bench/run.sh [--quick] [--no-build]" >&2; exit 2 ;;
  esac
done

OUT=$(mktemp -d /tmp/picbot-bench-XXXXXX)
trap 'rm -rf "$OUT"' EXIT

# ---- build -------------------------------------------------------------------
build() {  # build TARGET...: quiet ninja; the log tail on failure
  ninja -C "$BUILD" -j "$JOBS" "$@" >"$OUT/build.log" 2>&1 && return 0
  grep -E "FAILED|error" "$OUT/build.log" | head -10 >&2
  return 1
}
if [[ $BUILD_FIRST == 1 ]]; then
  if [[ ! -f "$BUILD/build.ninja" ]]; then
    cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DPICBOT_BUILD_TESTS=OFF \
      -DPICBOT_TOLERATE_MISSING_SOURCES=ON >"$OUT/configure.log" 2>&1 ||
      { cat "$OUT/configure.log" >&2; echo "bench/run.sh: configure failed" >&2; exit 2; }
  fi
  required=ping_flood
  [[ -z "${PICBOT_BINARY:-}" ]] && required="picbot ping_flood"
  echo "building $required" >&2
  # shellcheck disable=SC2086  # the target list splits on purpose
  build $required || { echo "bench/run.sh: cannot build $required" >&2; exit 2; }
  available=$(ninja -C "$BUILD" -t targets all 2>/dev/null | cut -d: -f1)
  for optional in quota_bench file_transfer_bench generation_load; do
    if grep -qx "$optional" <<<"$available"; then
      echo "building $optional" >&2
      build "$optional" || { echo "  $optional does not build: shown as n/a" >&2; rm -f "$BUILD/bench/$optional"; }
    fi
  done
fi
[[ -x "$BUILD/bench/ping_flood" && -x "$PICBOT" ]] ||
  { echo "bench/run.sh: missing $BUILD/bench/ping_flood or $PICBOT" >&2; exit 2; }

# ---- run ---------------------------------------------------------------------
# run NAME TIMEOUT_S CMD...: stdout to $OUT/NAME.out, exit code to $OUT/NAME.rc
# (124 = hung and killed by timeout).
run() {
  local name=$1 limit=$2
  shift 2
  echo "running $name (load avg $(cut -d' ' -f1 /proc/loadavg)): $*" >&2
  timeout --kill-after=10 "$limit" "$@" >"$OUT/$name.out" 2>"$OUT/$name.err"
  echo $? >"$OUT/$name.rc"
  [[ $(cat "$OUT/$name.rc") == 0 ]] || { echo "  $name failed:" >&2; tail -20 "$OUT/$name.err" >&2; }
}

PING=("$BUILD/bench/ping_flood" --picbot "$PICBOT")
if [[ $QUICK == 1 ]]; then
  run ping_flood_1 60 "${PING[@]}" --messages 2000 --json
  run ping_latency 30 "${PING[@]}" --messages 200 --window 1 --json
else
  for i in 1 2 3; do run "ping_flood_$i" 300 "${PING[@]}" --messages 20000 --json; done
  run ping_latency 120 "${PING[@]}" --messages 2000 --window 1 --json
  if command -v valgrind >/dev/null; then
    run ping_callgrind 1200 "${PING[@]}" --callgrind --messages 2000 --json
  fi
fi
if [[ -x "$BUILD/bench/quota_bench" ]]; then
  if [[ $QUICK == 1 ]]; then
    run quota_bench 60 "$BUILD/bench/quota_bench" --benchmark_format=json
  else
    run quota_bench 300 "$BUILD/bench/quota_bench" --benchmark_format=json --benchmark_repetitions=3
  fi
fi
if [[ -x "$BUILD/bench/file_transfer_bench" ]]; then
  if [[ $QUICK == 1 ]]; then
    run file_transfer_bench 60 "$BUILD/bench/file_transfer_bench" --runs 2
  else
    run file_transfer_bench 600 "$BUILD/bench/file_transfer_bench" --runs 15
  fi
fi

if [[ -x "$BUILD/bench/generation_load" ]]; then
  GEN=("$BUILD/bench/generation_load" --picbot "$PICBOT" --json)
  if [[ $QUICK == 1 ]]; then
    run generation_draw 30 "${GEN[@]}" --generations 10 --delay-ms 1000
    run generation_agent 30 "${GEN[@]}" --agent --conversations 5 --delay-ms 1000
  else
    run generation_draw 240 "${GEN[@]}"
    run generation_agent 120 "${GEN[@]}" --agent
  fi
fi

# ---- report ------------------------------------------------------------------
python3 - "$OUT" "$QUICK" <<'PY'
import glob, json, os, re, statistics, sys

out, quick = sys.argv[1], sys.argv[2] == "1"
crashed = []  # benchmarks that crashed or hung
rows = []     # (metric, value, goal, result)


def load(name):
    """(rc, stdout) of a benchmark run, or (None, None) if it did not run."""
    rc_file = os.path.join(out, name + ".rc")
    if not os.path.exists(rc_file):
        return None, None
    rc = int(open(rc_file).read().strip() or 1)
    text = open(os.path.join(out, name + ".out")).read()
    if rc != 0:
        crashed.append(f"{name} (exit {rc}{', hung' if rc in (124, 137) else ''})")
    return rc, text


def ping_json(name):
    rc, text = load(name)
    if rc != 0 or not text:
        return None
    try:
        return json.loads(text.strip().splitlines()[-1])
    except (ValueError, IndexError):
        crashed.append(f"{name} (unreadable output)")
        return None


def row(metric, value, goal, passed):
    if value is None:
        rows.append((metric, "n/a", goal, "n/a"))
    elif passed is None:
        rows.append((metric, value, goal, "info"))
    else:
        rows.append((metric, value, goal, "pass" if passed else "FAIL"))


floods = [r for r in (ping_json(os.path.basename(f)[:-3]) for f in sorted(glob.glob(os.path.join(out, "ping_flood_*.rc")))) if r]
n = floods[0]["messages"] if floods else 0
loads = ", ".join(f"{r['load_avg_before']:.1f}" for r in floods)
if floods:
    rate = statistics.median(r["replies_per_s"] for r in floods)
    per_run = " / ".join(f"{r['replies_per_s']:,.0f}" for r in floods)
    row(f"/ping throughput ({n:,} msgs, 1 conn; median of {len(floods)}: {per_run}; load {loads})",
        f"{rate:,.0f}/s", ">= 50,000/s", rate >= 50_000)
    cpu = statistics.median(r["cpu_us_per_msg"] for r in floods)
    row("picbot CPU per /ping (all threads, median)", f"{cpu:.1f} us", "(info)", None)
    idle = max(r["rss_idle_kb"] for r in floods) / 1024
    row("RSS idle (linked, after 1 ping; max)", f"{idle:.1f} MiB", "<= 12 MB", idle <= 12)
    peak = max(max(r["rss_peak_kb"], r["vm_hwm_kb"]) for r in floods) / 1024
    row("RSS during flood (max of sampled VmRSS and VmHWM)", f"{peak:.1f} MiB", "<= 40 MB", peak <= 40)
    startup = statistics.median(r["startup_reported_ms"] for r in floods)
    wall = statistics.median(r["startup_wall_ms"] for r in floods)
    row(f"startup, spawn -> ready line (picbot's own 'ready in': {startup:.1f} ms)", f"{wall:.1f} ms", "<= 100 ms",
        wall <= 100)
else:
    row("/ping throughput (1 conn)", None, ">= 50,000/s", None)
    row("RSS idle", None, "<= 12 MB", None)
    row("RSS during flood", None, "<= 40 MB", None)
    row("startup", None, "<= 100 ms", None)

lat = ping_json("ping_latency")
if lat:
    l = lat["latency_us"]
    row(f"/ping round trip, window 1 (p50/p99, {lat['messages']} msgs, load {lat['load_avg_before']:.1f})",
        f"{l['p50']:.0f}/{l['p99']:.0f} us", "(info)", None)

cg = ping_json("ping_callgrind")
if cg:
    row(f"instructions per /ping (callgrind, {cg['messages']} pings)", f"{cg['ir_per_ping']:,.0f} Ir", "(info)", None)
elif not quick:
    row("instructions per /ping (callgrind)", None, "(info)", None)

rc, text = load("quota_bench")
quota = None
if rc == 0 and text:
    try:
        runs = json.loads(text)["benchmarks"]
        medians = [b for b in runs if b.get("aggregate_name") == "median"]
        pick = medians or [b for b in runs if b.get("run_type", "iteration") == "iteration"]
        quota = pick[0]["pairs_per_s"]
    except (ValueError, KeyError, IndexError):
        crashed.append("quota_bench (unreadable output)")
row("quota reserve+commit (quota_bench)", f"{quota:,.0f}/s" if quota else None, ">= 20,000/s",
    quota >= 20_000 if quota else None)

rc, text = load("file_transfer_bench")
ratios = []
if rc == 0 and text:
    for line in text.splitlines():
        m = re.match(r"\s*(\d+)MB\s+(\d+)\s+(\d+)\s+(\d+)%", line)
        if m:
            ratios.append((m.group(1), int(m.group(4))))
if ratios:
    worst = min(r for _, r in ratios)
    detail = ", ".join(f"{s} MB: {r}%" for s, r in ratios)
    row(f"receiver vs raw TCP (file_transfer_bench; {detail})", f"{worst}%", ">= 80%", worst >= 80)
else:
    row("receiver vs raw TCP (file_transfer_bench)", None, ">= 80%", None)

gen = ping_json("generation_draw")
if gen:
    p, o = gen["ping_us"], gen["image_overhead_ms"]
    row(f"/ping p99 while {gen['jobs']} /draw wait {gen['delay_ms']} ms (p50 {p['p50']:.0f} us, max {p['max']:.0f} us; "
        f"load {gen['load_avg_before']:.1f})", f"{p['p99']:.0f} us", "(info)", None)
    hwm, budget = gen["vm_hwm_kb"] / 1024, 3 * gen["images_in_flight_mib"] + 30
    row(f"VmHWM with {gen['images_in_flight_mib']:.0f} MiB of images in flight", f"{hwm:.1f} MiB",
        f"<= {budget:.0f} MiB", hwm <= budget)
    row(f"per-image overhead, upstream done -> image frame read (p50 {o['p50']:.1f} ms)", f"{o['p99']:.1f} ms p99",
        "<= 10 ms", o["p99"] <= 10)
agent = ping_json("generation_agent")
if agent:
    p = agent["ping_us"]
    row(f"/ping p99 while {agent['jobs']} agent chats wait (p50 {p['p50']:.0f} us)", f"{p['p99'] / 1000:.2f} ms",
        "<= 5 ms", p["p99"] <= 5000)

width = max(len(r[0]) for r in rows)
vwidth = max(len(r[1]) for r in rows)
gwidth = max(len(r[2]) for r in rows)
mode = "quick (smoke test: goals shown, not enforced)" if quick else "full"
print(f"\npicbot benchmarks, {mode}; nproc {os.cpu_count()}, load avg now {open('/proc/loadavg').read().split()[0]}")
print(f"{'metric':<{width}} | {'value':<{vwidth}} | {'goal':<{gwidth}} | result")
print(f"{'-' * width}-+-{'-' * vwidth}-+-{'-' * gwidth}-+-------")
for metric, value, goal, result in rows:
    if quick and result == "FAIL":
        result = "fail (not enforced)"
    print(f"{metric:<{width}} | {value:<{vwidth}} | {goal:<{gwidth}} | {result}")
if crashed:
    print("crashed or hung: " + ", ".join(crashed))
    sys.exit(2)
if not quick and any(r[3] == "FAIL" for r in rows):
    sys.exit(1)
PY
