#!/usr/bin/env python3
"""bench/report.py OUT_DIR QUICK: the table bench/run.sh prints.

OUT_DIR holds, per benchmark run NAME, NAME.rc (exit code) and NAME.out (its
machine-readable output: one JSON object, Google Benchmark JSON, or
"RESULT <metric> <value> <unit>" lines). One row per metric of issue 8's
table, n/a when its benchmark did not run. Exit 2 when a benchmark that ran
crashed, hung or printed no result; 1 when a goal is missed outside quick
mode; else 0.
"""
import json
import os
import statistics
import sys

out, quick = sys.argv[1], sys.argv[2] == "1"
crashed = []  # benchmarks that crashed, hung or printed nothing readable
rows = []  # (metric, value, goal, result)


def load(name):
    """Stdout of a benchmark that ran and exited 0; None otherwise."""
    rc_file = os.path.join(out, name + ".rc")
    if not os.path.exists(rc_file):
        return None
    rc = int(open(rc_file).read().strip() or 1)
    if rc != 0:
        crashed.append(f"{name} (exit {rc}{', hung' if rc in (124, 137) else ''})")
        return None
    return open(os.path.join(out, name + ".out")).read()


def last_json(name):
    """The JSON object on the last line of a benchmark's output."""
    text = load(name)
    if text is None:
        return None
    try:
        return json.loads(text.strip().splitlines()[-1])
    except (ValueError, IndexError):
        crashed.append(f"{name} (unreadable output)")
        return None


def gbench(name):
    """Google Benchmark runs: the median aggregates if there are repetitions."""
    text = load(name)
    if text is None:
        return None
    try:
        runs = json.loads(text)["benchmarks"]
    except (ValueError, KeyError):
        crashed.append(f"{name} (unreadable output)")
        return None
    medians = [b for b in runs if b.get("aggregate_name") == "median"]
    picked = medians or [b for b in runs if b.get("run_type", "iteration") == "iteration"]
    if not picked:
        crashed.append(f"{name} (no benchmark ran)")
    return picked or None


def results(name):
    """{metric: (value, unit)} from "RESULT metric value unit" lines."""
    text = load(name)
    if text is None:
        return None
    found = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[0] == "RESULT":
            found[parts[1]] = (float(parts[2]), " ".join(parts[3:]))
    if not found:
        crashed.append(f"{name} (no RESULT lines)")
        return None
    return found


def in_ms(bench, field):
    """A Google Benchmark time field (real_time, cpu_time) in ms."""
    scale = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}[bench.get("time_unit", "ns")]
    return bench[field] * scale


def ms(bench):
    """A Google Benchmark's time in ms: its overhead_ms counter, else real time."""
    return bench["overhead_ms"] if "overhead_ms" in bench else in_ms(bench, "real_time")


def row(metric, value, goal, passed):
    if value is None:
        rows.append((metric, "n/a", goal, "n/a"))
    elif passed is None:
        rows.append((metric, value, goal, "info"))
    else:
        rows.append((metric, value, goal, "pass" if passed else "FAIL"))


def mib(kb):
    return kb / 1024


# ---- /ping flood: throughput, CPU, RSS, startup ---------------------------------
floods = [r for r in (last_json(f"ping_flood_{i}") for i in (1, 2, 3)) if r]
if floods:
    n = floods[0]["messages"]
    loads = ", ".join(f"{r['load_avg_before']:.1f}" for r in floods)
    rate = statistics.median(r["replies_per_s"] for r in floods)
    per_run = " / ".join(f"{r['replies_per_s']:,.0f}" for r in floods)
    row(f"/ping throughput ({n:,} msgs, 1 conn; median of {len(floods)}: {per_run}; load {loads})",
        f"{rate:,.0f}/s", ">= 50,000/s", rate >= 50_000)
    cpu = statistics.median(r["cpu_us_per_msg"] for r in floods)
    row("picbot CPU per /ping (all threads, user+kernel, median)", f"{cpu:.1f} us", "(info)", None)
    # The load generator's own CPU over the same flood (older builds did not
    # report it): the pair shows whether replies/s measured picbot or the pair.
    gen = [r["generator_cpu_us_per_msg"] for r in floods if "generator_cpu_us_per_msg" in r]
    if gen:
        g = statistics.median(gen)
        row(f"generator CPU per /ping (ping_flood itself, median; picbot {cpu:.1f} us)", f"{g:.1f} us",
            "(info)", None)
    worst = max(floods, key=lambda r: r["rss_idle_kb"])
    idle = mib(worst["rss_idle_kb"])
    row(f"RSS idle (linked, 1 ping served; anon {mib(worst['rss_idle_anon_kb']):.1f} + "
        f"files {mib(worst['rss_idle_file_kb']):.1f})", f"{idle:.1f} MiB", "<= 12 MB", idle <= 12)
    peak = mib(max(max(r["rss_peak_kb"], r["vm_hwm_kb"]) for r in floods))
    row("RSS during the flood (max of sampled VmRSS and VmHWM)", f"{peak:.1f} MiB", "<= 40 MB", peak <= 40)
    startup = statistics.median(r["startup_reported_ms"] for r in floods)
    wall = statistics.median(r["startup_wall_ms"] for r in floods)
    row(f"startup, spawn -> ready line (picbot's own 'ready in': {startup:.1f} ms)", f"{wall:.1f} ms",
        "<= 100 ms", wall <= 100)
else:
    row("/ping throughput (1 conn)", None, ">= 50,000/s", None)
    row("picbot CPU per /ping", None, "(info)", None)
    row("RSS idle", None, "<= 12 MB", None)
    row("RSS during the flood", None, "<= 40 MB", None)
    row("startup to ready", None, "<= 100 ms", None)

lat = last_json("ping_latency")
if lat:
    l = lat["latency_us"]
    row(f"/ping round trip, window 1 (p50 {l['p50']:.0f} us; {lat['messages']} msgs, "
        f"load {lat['load_avg_before']:.1f})", f"{l['p99']:.0f} us p99", "(info)", None)

cg = last_json("ping_callgrind")
if cg:
    row(f"instructions per /ping (callgrind, {cg['messages']} pings minus a 0-ping run)",
        f"{cg['ir_per_ping']:,.0f} Ir", "(info)", None)

# ---- generations: ping p99 while they wait, peak RSS, per-image cost ----------
gen = last_json("generation_draw")
if gen:
    p = gen["ping_us"]
    row(f"/ping p99 while {gen['jobs']} /draw wait {gen['delay_ms']} ms on the upstream "
        f"(p50 {p['p50']:.0f} us, max {p['max']:.0f} us; load {gen['load_avg_before']:.1f})",
        f"{p['p99'] / 1000:.2f} ms", "<= 5 ms", p["p99"] <= 5000)
    hwm, budget = mib(gen["vm_hwm_kb"]), 3 * gen["images_in_flight_mib"] + 30
    row(f"peak RSS (VmHWM), {gen['jobs']} generations, {gen['images_in_flight_mib']:.0f} MiB of images in flight",
        f"{hwm:.1f} MiB", f"<= {budget:.0f} MiB (3x + 30)", hwm <= budget)
    o = gen["image_overhead_ms"]
    row(f"picbot CPU per image ({gen['jobs']} images; upstream done -> frame read p50 {o['p50']:.0f} ms, "
        f"p99 {o['p99']:.0f} ms incl. queueing)", f"{gen['picbot_cpu_s'] * 1000 / max(gen['jobs'], 1):.1f} ms",
        "(info)", None)
else:
    row("/ping p99 while 100 generations wait on a 5 s upstream", None, "<= 5 ms", None)
    row("peak RSS, 100 generations in flight", None, "<= 3x images + 30 MB", None)

overhead = gbench("image_overhead_bench")
# BM_EngineOverhead/<answer>: the image engine per provider (issue 17); the
# others: the plugin's path to the send frame (issue 8).
engine = [b for b in overhead or [] if b.get("run_name", b["name"]).startswith("BM_EngineOverhead/")]
overhead = [b for b in overhead or [] if b not in engine]
for b in engine:
    answer = b.get("run_name", b["name"]).split("/")[1]
    cpu = f"CPU {b['cpu_ms']:.2f} ms, all threads" if "cpu_ms" in b else "CPU n/a"
    if "download_ms" in b:
        cpu += f"; 2 MB download from loopback, upstream: {b['download_ms']:.1f} ms"
    row(f"engine overhead per 2 MB image, upstream body -> ImageResult: {answer} (image_overhead_bench; {cpu})",
        f"{ms(b):.2f} ms", "<= 5 ms", ms(b) <= 5)
if not engine:
    row("engine overhead per 2 MB image, upstream body -> ImageResult, per provider", None, "<= 5 ms", None)
if overhead:
    worst = max(overhead, key=ms)
    detail = ", ".join(f"{b['name'].split('/')[0].removeprefix('BM_')}: {ms(b):.2f} ms" for b in overhead)
    row(f"added overhead per 2 MB image, upstream body -> frame written (image_overhead_bench; {detail})",
        f"{ms(worst):.2f} ms", "<= 10 ms", ms(worst) <= 10)
else:
    row("added overhead per 2 MB image (image_overhead_bench)", None, "<= 10 ms", None)

queued = gbench("upload_queue_bench")
# Issue 18: hash + save + enqueue of a 2 MB image (BM_HashSaveEnqueue; the
# other rows are its parts).
if queued:
    detail = ", ".join(f"{b['name'].split('/')[0].removeprefix('BM_')}: {ms(b):.2f} ms, CPU {b['cpu_us'] / 1000:.2f} ms"
                       for b in queued)
    worst = max(queued, key=ms)
    row(f"hash + save + enqueue of a 2 MB image for the bucket (upload_queue_bench; {detail})",
        f"{ms(worst):.2f} ms", "<= 5 ms", ms(worst) <= 5)
else:
    row("hash + save + enqueue of a 2 MB image for the bucket (upload_queue_bench)", None, "<= 5 ms", None)

limit = last_json("rate_limit_bench")
if limit:
    windows = ", ".join(f"{r:.1f}" for r in limit["window_rates"])
    row(f"upstream limit {limit['rate_limit']:g}/s, {limit['callers']}-request burst kept up {limit['seconds']} s "
        f"(rate_limit_bench; per {limit['window_seconds']} s window: {windows}/s; worst window "
        f"{limit['worst_window_deviation'] * 100:.1f}% off; CPU {limit['cpu_us_per_request']:.1f} us/request)",
        f"{limit['overall_rate']:.2f}/s ({limit['overall_deviation'] * 100:.1f}% off)", "within 5%",
        limit["overall_deviation"] <= 0.05 and limit["failures"] == 0)
else:
    row("upstream limit 10/s under a 100-request burst (rate_limit_bench)", None, "within 5%", None)

agent = last_json("generation_agent")
if agent:
    p = agent["ping_us"]
    row(f"/ping p99 while {agent['jobs']} agent chats wait (p50 {p['p50']:.0f} us)", f"{p['p99'] / 1000:.2f} ms",
        "(info)", None)

# ---- stores and transfers ----------------------------------------------------------
quota = gbench("quota_bench")
if quota:
    rate = quota[0]["pairs_per_s"]
    # Wall clock is the goal; the thread's CPU per pair tells load from code.
    cpu_us = in_ms(quota[0], "cpu_time") * 1000
    row(f"quota reserve+commit, WAL + synchronous=NORMAL (quota_bench; CPU {cpu_us:.1f} us/pair, "
        f"wall {1e6 / rate:.1f} us)", f"{rate:,.0f}/s", ">= 20,000/s", rate >= 20_000)
else:
    row("quota reserve+commit (quota_bench)", None, ">= 20,000/s", None)

transfer = results("file_transfer_bench")
if transfer:
    ratios = {k.removeprefix("receiver_ratio_"): v for k, (v, _) in transfer.items()
              if k.startswith("receiver_ratio_")}
    worst = min(ratios.values())
    detail = ", ".join(f"{size}: {r:.0f}%" for size, r in ratios.items())
    row(f"receiver vs raw TCP copy (file_transfer_bench; {detail})", f"{worst:.0f}%", ">= 80%", worst >= 80)
else:
    row("receiver vs raw TCP copy (file_transfer_bench)", None, ">= 80%", None)

polled = results("async_poll")
if polled:
    detail = f"{polled['async_tasks'][0]:.0f} tasks, {polled['async_polls'][0]:,.0f} polls"
    if polled.get("async_connections"):
        detail += f", {polled['async_connections'][0]:,.0f} connections"
    cpu = polled["async_cpu_per_poll_us"][0]
    hwm = mib(polled["async_vm_hwm_kb"][0])
    row(f"CPU per poll of an async task (async_poll_bench; {detail})", f"{cpu:.1f} us", "<= 50 us", cpu <= 50)
    row(f"peak RSS, async tasks polled at once (async_poll_bench; {detail})", f"{hwm:.1f} MiB", "<= 60 MiB",
        hwm <= 60)
else:
    row("CPU per poll of an async task (async_poll_bench)", None, "<= 50 us", None)
    row("peak RSS, async tasks polled at once (async_poll_bench)", None, "<= 60 MiB", None)

batch = results("batch")
if batch:
    detail = (f"{batch['batch_images'][0]:,.0f} images of {batch['batch_image_mb'][0]:g} MB, "
              f"{batch['batch_concurrent'][0]:.0f} at a time")
    ratio = batch["batch_wall_over_ideal"][0]
    row(f"picbot batch wall time / ideal (batch_bench; {detail}; ideal {batch['batch_ideal_s'][0]:.1f} s)",
        f"{batch['batch_wall_s'][0]:.2f} s ({ratio:.2f}x)", "<= 1.1x", ratio <= 1.1)
    rss = mib(batch["batch_peak_rss_kb"][0])
    row(f"picbot batch peak RSS (batch_bench; {detail})", f"{rss:.1f} MiB", "<= 350 MiB", rss <= 350)
    cpu = batch["batch_cpu_per_image_ms"][0]
    row(f"picbot batch CPU per image (batch_bench; {detail})", f"{cpu:.2f} ms", "<= 5 ms", cpu <= 5)
else:
    row("picbot batch wall time / ideal (batch_bench)", None, "<= 1.1x", None)
    row("picbot batch peak RSS (batch_bench)", None, "<= 350 MiB", None)
    row("picbot batch CPU per image (batch_bench)", None, "<= 5 ms", None)
uploaded = results("s3_upload")
if uploaded:
    sizes = sorted({k.removeprefix("s3_upload_ratio_") for k in uploaded if k.startswith("s3_upload_ratio_")},
                   key=lambda size: int(size.removesuffix("MB")))
    worst = min(uploaded[f"s3_upload_ratio_{size}"][0] for size in sizes)
    detail = "; ".join(f"{size}: picbot {uploaded[f's3_upload_picbot_{size}'][0]:.0f} MB/s, boto3 "
                       f"{uploaded[f's3_upload_boto3_{size}'][0]:.0f} MB/s" for size in sizes)
    row(f"S3 upload to a local S3rver vs boto3 upload_file (s3_upload_bench; {detail})", f"{worst:.0f}%",
        ">= 90%", worst >= 90)
    cpu = ", ".join(f"{size}: {uploaded[f's3_upload_cpu_{size}'][0]:.1f} ms (boto3 "
                    f"{uploaded[f's3_upload_boto3_cpu_{size}'][0]:.1f} ms)" for size in sizes)
    row(f"picbot CPU per S3 upload, all threads (s3_upload_bench; {cpu})",
        f"{uploaded[f's3_upload_cpu_{sizes[0]}'][0]:.1f} ms", "(info)", None)
else:
    row("S3 upload to a local S3rver vs boto3 upload_file (s3_upload_bench)", None, ">= 90%", None)
first = results("chat_first_byte")
if first:
    detail = f"{first['chat_streams'][0]:.0f} streams; p50 {first['chat_first_byte_p50_ms'][0]:.2f} ms"
    p99 = first["chat_first_byte_p99_ms"][0]
    row(f"streamed chat: upstream's first byte to the relay's write, p99 (chat_first_byte_bench; {detail})",
        f"{p99:.2f} ms", "<= 5 ms", p99 <= 5)
else:
    row("streamed chat: upstream's first byte to the relay's write, p99 (chat_first_byte_bench)", None, "<= 5 ms",
        None)

pgq = last_json("pg_quota")
if pgq:
    detail = (f"pg_quota_bench; {pgq['processes']} processes x {pgq['threads_per_process']} threads, "
              f"fsync on; worker CPU {pgq['worker_cpu_us_per_pair']:.0f} us/pair")
    row(f"quota reserve+commit on PostgreSQL, pairs/s ({detail})", f"{pgq['pairs_per_s']:.0f}", ">= 5000",
        pgq["pairs_per_s"] >= 5000)
    detail = (f"pg_quota_bench; p99 {pgq['reserve_pg_p99_ms']:.2f} ms on PostgreSQL, "
              f"{pgq['reserve_sqlite_p99_ms']:.2f} ms on SQLite")
    row(f"admission latency PostgreSQL adds over SQLite, p99 ({detail})", f"{pgq['added_p99_ms']:.2f} ms",
        "<= 2 ms", pgq["added_p99_ms"] <= 2)
else:
    row("quota reserve+commit on PostgreSQL, pairs/s (pg_quota_bench)", None, ">= 5000", None)

for name, shown in (("gateway_url", "url"), ("gateway_b64", "b64_json")):
    gw = last_json(name)
    if not gw:
        if name == "gateway_url":
            row("image gateway overhead p99, 200 requests at once (gateway_load)", None, "<= 5 ms", None)
        continue
    detail = (f"gateway_load; {gw['requests']} requests at once, {shown}; p50 {gw['overhead_p50_ms']:.0f} ms, "
              f"CPU {gw['picbot_cpu_ms_per_request']:.1f} ms/request")
    p99 = gw["overhead_p99_ms"]
    row(f"image gateway overhead p99 ({detail})", f"{p99:.1f} ms", "<= 5 ms", p99 <= 5)
    rss = gw["picbot_peak_rss_mb"]
    row(f"image gateway peak RSS (gateway_load; {gw['requests']} requests at once, {shown})", f"{rss:.1f} MB",
        "<= 150 MB", rss <= 150)

stream = gbench("stream_upload_bench")
if stream:
    row("2 MB image through upload_file_stream (stream_upload_bench)", f"{ms(stream[0]):.1f} ms", "(info)", None)

# ---- side by side with Koishi -----------------------------------------------------
peer = last_json("ping_peer")
if peer:
    k, p, r = peer["koishi"], peer["picbot"], peer["ratios"]
    row(f"Koishi /ping throughput (same generator, {k['messages']:,} msgs; picbot in this run "
        f"{p['replies_per_s']:,.0f}/s)", f"{k['replies_per_s']:,.0f}/s",
        f"picbot {r['throughput_picbot_over_koishi']:.1f}x", None)
    row(f"Koishi CPU per /ping (picbot {p['cpu_us_per_msg']:.1f} us)", f"{k['cpu_us_per_msg']:.1f} us",
        f"{r['cpu_per_msg_koishi_over_picbot']:.1f}x picbot", None)
    row(f"Koishi RSS idle (picbot {mib(p['rss_idle_kb']):.1f} MiB)", f"{mib(k['rss_idle_kb']):.1f} MiB",
        f"{r['rss_idle_koishi_over_picbot']:.1f}x picbot", None)
    row(f"Koishi RSS during the flood (picbot {mib(max(p['rss_peak_kb'], p['vm_hwm_kb'])):.1f} MiB)",
        f"{mib(max(k['rss_peak_kb'], k['vm_hwm_kb'])):.1f} MiB", f"{r['rss_peak_koishi_over_picbot']:.1f}x picbot",
        None)

# ---- print -------------------------------------------------------------------------
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
    print("crashed, hung or unreadable: " + ", ".join(crashed))
    sys.exit(2)
if not quick and any(r[3] == "FAIL" for r in rows):
    sys.exit(1)
