// ping_flood: a load generator that plays NapCat against the real picbot
// binary in reverse mode, on loopback, and measures what one connection full
// of "/ping" costs the bot.
//
//   ping_flood [--messages N] [--window K] [--picbot PATH] [--json] [--keep-running]
//              [--log-level LEVEL] [--timeout SECONDS] [--perf FILE]
//   ping_flood --callgrind [--messages N] [--callgrind-dir DIR]
//   ping_flood --koishi [--messages N] [--window K] [--peer-dir DIR] [--json]
//
// One run: start picbot with a temporary reverse config (127.0.0.1:0, token,
// data_dir in the temp dir), read "reverse WS listening on 127.0.0.1:<port>"
// and "picbot ready in X ms" from its output, switch its log level to
// --log-level (default warn) through a SIGHUP reload, connect as NapCat
// (X-Self-ID, Authorization), send the lifecycle event and one warm-up /ping,
// then write N group message events "/ping" (NapCat's full shape, array
// message) as fast as the socket takes them (or at most K unanswered with
// --window K), answering every send_group_msg with a NapCat response. Event i
// carries group_id kFloodGroup+i, so each reply is matched to its event (and
// checked to be "pong" to that group) and timed. A last "sentinel" /ping is
// written after every answer: once its reply is back, the bot has digested
// the whole flood, and its CPU time is read.
//
// The NapCat side is RawNapCatLink (bench/raw_napcat_link.h): events are one
// masked template frame with their digits patched, written a batch per send(),
// and the bot's calls are scanned for action, group_id, echo and "pong"
// (bench/ws_frames.h) instead of parsed, so the generator's own CPU per
// message (generator_cpu_us_per_msg in the JSON) stays a small fraction of
// the bot's and replies/s measures the bot.
//
// Why the SIGHUP: picbot prints its port and ready lines at info level, and at
// info it also logs one line per reply, which would dominate the profile. The
// reload config carries an unknown key, so picbot logs a warning naming it
// when the reload has been applied.
//
// --callgrind runs picbot under valgrind --tool=callgrind twice, with 0 and
// with N pings (default 2000), and reports (Ir(N) - Ir(0)) / N: everything
// else (startup, connect, warm-up, sentinel, shutdown) is the same in both
// runs and cancels out.
//
// --koishi floods picbot, then Koishi (bench/peer/app.js: Koishi 4.18 with
// koishi-plugin-adapter-onebot 6.9 in ws-reverse mode, /ping -> pong) with the
// same events on the same kind of link, and reports both and the ratios.
// Koishi gets the same treatment: started fresh, ready line, lifecycle event,
// warm-up /ping, flood, sentinel, SIGTERM.
//
// Exit status: 0 when every event got its pong, 1 on a failure (crash, hang,
// wrong or missing reply), 2 on a usage error.
#include <netinet/in.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "bench/raw_napcat_link.h"
#include "bench/rss_sampler.h"
#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using nlohmann::json;
using nlohmann::ordered_json;
using picbot::bench::CallFields;
using picbot::bench::EventRun;
using picbot::bench::FloodOutcome;
using picbot::bench::RawNapCatLink;
using picbot::testing::ChildProcess;
using picbot::testing::TempDir;

constexpr char kToken[] = "ping-flood-token-0123456789";
constexpr char kPath[] = "/onebot/v11/ws";
constexpr std::int64_t kSelfId = 10001;
constexpr char kReloadMarker[] = "ping_flood_reload_marker";
// Each batch of events gets its own group id range, so replies map to events.
constexpr std::int64_t kFloodGroup = 100'000'000;
constexpr std::int64_t kWarmupGroup = 800'000'000;
constexpr std::int64_t kSentinelGroup = 900'000'000;

std::atomic<bool> g_interrupted{false};

void on_signal(int) { g_interrupted = true; }

void install_signal_handlers() {
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

struct Options {
  std::size_t messages = 20'000;
  bool messages_given = false;
  std::size_t window = 0;  // 0: unlimited
  std::string picbot = PICBOT_DEFAULT_BINARY;
  bool json_output = false;
  bool keep_running = false;
  bool callgrind = false;
  std::string callgrind_dir;  // empty: a temp dir, removed
  std::string log_level = "warn";
  std::chrono::seconds timeout{0};  // 0: a default per mode
  std::string perf_file;
  bool koishi = false;
  std::string peer_dir = PICBOT_SOURCE_DIR "/bench/peer";
};

// The bot under test.
enum class Bot { picbot, koishi };

const char* bot_name(Bot bot) { return bot == Bot::koishi ? "koishi" : "picbot"; }

// What one bot run measured.
struct RunResult {
  bool ok = false;
  std::string error;
  double startup_reported_ms = -1;  // "picbot ready in X ms"
  double startup_wall_ms = -1;      // spawn -> ready line read through the pipe
  std::uint16_t port = 0;
  std::int64_t rss_ready_kb = 0;  // after the ready line, before any link
  std::int64_t rss_idle_kb = 0;   // linked, one warm-up ping answered
  std::int64_t rss_idle_anon_kb = 0;
  std::int64_t rss_idle_file_kb = 0;
  std::int64_t rss_peak_kb = 0;   // largest sampled VmRSS during the flood
  std::int64_t hwm_kb = 0;        // VmHWM after the flood
  std::int64_t rss_after_kb = 0;  // VmRSS after the flood
  std::int64_t rss_samples = 0;
  double cpu_flood_s = 0;    // picbot CPU, flood start -> sentinel reply
  double client_cpu_s = 0;   // this generator's CPU over the same span
  double flood_wall_s = 0;   // first event sent -> last reply read
  double digest_wall_s = 0;  // flood start -> sentinel reply
  FloodOutcome flood;
  double load_before = -1;
  double load_after = -1;
  std::optional<int> exit_code;
  std::int64_t callgrind_ir = -1;
};

double seconds_between(picbot::bench::SteadyTime a, picbot::bench::SteadyTime b) {
  return std::chrono::duration<double>(b - a).count();
}

double process_cpu_s() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

std::string config_yaml(const fs::path& data_dir, const std::string& log_level, bool with_marker) {
  std::string yaml;
  yaml += "data_dir: \"" + data_dir.string() + "\"\n";
  yaml += "log_level: " + log_level + "\n";
  yaml += "onebot:\n";
  yaml += "  mode: reverse\n";
  yaml += "  listen: \"127.0.0.1:0\"\n";
  yaml += std::string("  path: ") + kPath + "\n";
  yaml += std::string("  access_token: \"") + kToken + "\"\n";
  yaml += "bot:\n";
  yaml += "  admins: [1]\n";
  // The console stays on, as deployed, on a port of its own.
  yaml += "web:\n";
  yaml += "  listen: \"127.0.0.1:0\"\n";
  // A bot's steady state: the console password is set (or its hash was
  // stored at the first start), so no one-off scrypt runs at start-up.
  yaml += "  password: \"ping-flood-console\"\n";
  if (with_marker) yaml += std::string(kReloadMarker) + ": 1\n";
  return yaml;
}

std::int64_t unix_seconds() { return static_cast<std::int64_t>(std::time(nullptr)); }

// A NapCat group message event "/ping" in the shape NapCat posts it
// (messagePostFormat "array"); key order as NapCat sends it.
std::string ping_event(std::int64_t message_id, std::int64_t group_id, std::int64_t user_id,
                       const std::string& group_suffix) {
  ordered_json event;
  event["self_id"] = kSelfId;
  event["user_id"] = user_id;
  event["time"] = unix_seconds();
  event["message_id"] = message_id;
  event["message_seq"] = message_id;
  event["real_id"] = message_id;
  event["real_seq"] = std::to_string(message_id);
  event["message_type"] = "group";
  event["sender"] = {{"user_id", user_id}, {"nickname", "tester"}, {"card", ""}, {"role", "member"}};
  event["raw_message"] = "/ping";
  event["font"] = 14;
  event["sub_type"] = "normal";
  event["message"] = ordered_json::array({{{"type", "text"}, {"data", {{"text", "/ping"}}}}});
  event["message_format"] = "array";
  event["post_type"] = "message";
  event["group_id"] = group_id;
  event["group_name"] = "测试群" + group_suffix;
  return event.dump();
}

std::string lifecycle_event() {
  ordered_json event;
  event["time"] = unix_seconds();
  event["self_id"] = kSelfId;
  event["post_type"] = "meta_event";
  event["meta_event_type"] = "lifecycle";
  event["sub_type"] = "connect";
  return event.dump();
}

// Event i of a batch: group_id = group_base + i (9 digits), message id
// next_message_id + i (10 digits: NapCat's ids are int32), 50 different
// senders (5 digits), group name "测试群" + the group id's last 3 digits. Every
// number keeps its width, so one masked template serves the whole batch and
// writing event i only patches its digits in place.
constexpr std::int64_t kFirstMessageId = 1'000'000'001;
constexpr std::int64_t kIdMarker = 1'987'654'321;
constexpr std::int64_t kGroupMarker = 876'543'219;
constexpr std::int64_t kUserMarker = 29'876;
constexpr picbot::bench::MaskKey kEventKey = {0x3c, 0x91, 0x0e, 0xa7};

EventRun ping_batch(std::size_t count, std::int64_t group_base, std::int64_t& next_message_id) {
  const std::string payload = ping_event(kIdMarker, kGroupMarker, kUserMarker, "NNN");
  struct Field {
    std::vector<std::size_t> at;
    std::size_t width;
  };
  auto field = [&](const std::string& marker, std::size_t expected) {
    Field f{picbot::bench::find_all(payload, marker), marker.size()};
    if (f.at.size() != expected) {
      std::fprintf(stderr, "ping_flood: marker %s found %zu times in the event template, not %zu\n",
                   marker.c_str(), f.at.size(), expected);
      std::exit(2);
    }
    return f;
  };
  const Field id = field(std::to_string(kIdMarker), 4);  // message_id, message_seq, real_id, real_seq
  const Field group = field(std::to_string(kGroupMarker), 1);
  const Field user = field(std::to_string(kUserMarker), 2);  // user_id, sender.user_id
  const Field suffix = field("NNN", 1);
  EventRun run;
  run.frame = picbot::bench::masked_frame(picbot::bench::Opcode::text, payload, kEventKey);
  run.count = count;
  const std::int64_t first_id = next_message_id;
  next_message_id += static_cast<std::int64_t>(count);
  run.patch = [=, offset = run.frame.payload_offset](std::size_t i, char* bytes) {
    char digits[10];
    auto put = [&](const Field& f, std::uint64_t value) {
      picbot::bench::write_digits(digits, f.width, value);
      for (const std::size_t at : f.at)
        picbot::bench::patch_masked(bytes, offset, kEventKey, at, std::string_view(digits, f.width));
    };
    const auto index = static_cast<std::int64_t>(i);
    put(id, static_cast<std::uint64_t>(first_id + index));
    put(group, static_cast<std::uint64_t>(group_base + index));
    put(user, static_cast<std::uint64_t>(20'000 + index % 50));
    put(suffix, static_cast<std::uint64_t>((group_base + index) % 1000));
  };
  return run;
}

// A reply to event i of a batch is send_group_msg to group_base+i with the
// text "pong" (the scan finds the JSON string "pong" anywhere in the call).
RawNapCatLink::Matcher pong_matcher(std::int64_t group_base, std::size_t count) {
  return [group_base, count](const CallFields& call) -> std::optional<std::size_t> {
    if (call.action != "send_group_msg" || !call.group_id || !call.says_pong) return std::nullopt;
    const std::int64_t index = *call.group_id - group_base;
    if (index < 0 || index >= static_cast<std::int64_t>(count)) return std::nullopt;
    return static_cast<std::size_t>(index);
  };
}

std::optional<std::int64_t> callgrind_total(const fs::path& file) {
  std::ifstream in(file);
  std::optional<std::int64_t> totals;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("summary:", 0) == 0) return std::stoll(line.substr(8));
    if (line.rfind("totals:", 0) == 0) totals = std::stoll(line.substr(7));
  }
  return totals;
}

std::string output_tail(const ChildProcess& process, std::size_t lines = 30) {
  const auto all = process.lines();
  std::string out;
  for (std::size_t i = all.size() > lines ? all.size() - lines : 0; i < all.size(); ++i) out += all[i] + "\n";
  return out;
}

// Stops the bot: SIGTERM, then SIGKILL if it has not exited in time.
std::optional<int> stop_bot(ChildProcess& process, std::chrono::milliseconds grace) {
  process.signal(SIGTERM);
  auto code = process.wait_exit(grace);
  if (!code) {
    process.kill9();
    process.wait_exit(5s);
  }
  return code;
}

struct RunPlan {
  std::size_t messages = 0;
  std::size_t window = 0;
  std::vector<std::string> wrapper;  // e.g. valgrind ... (empty: none)
  std::chrono::milliseconds ready_timeout{10s};
  std::chrono::milliseconds step_timeout{10s};
  std::chrono::milliseconds flood_timeout{120s};
  std::chrono::milliseconds stop_grace{5s};
  std::string perf_file;
  bool keep_running = false;
  Bot bot = Bot::picbot;
};

// A loopback port that was free a moment ago (Koishi's server plugin cannot
// listen on port 0 and report the port; it moves on when this one is taken).
std::optional<std::uint16_t> free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return std::nullopt;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  std::optional<std::uint16_t> port;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  ::close(fd);
  return port;
}

void wait_until_interrupted(ChildProcess& bot, const RunResult& result) {
  std::fprintf(stderr, "the bot (pid %d) keeps running on 127.0.0.1:%u%s; Ctrl-C stops it\n",
               static_cast<int>(bot.pid()), result.port, kPath);
  while (!g_interrupted && bot.running()) std::this_thread::sleep_for(100ms);
}

RunResult run_once(const Options& options, const RunPlan& plan) {
  RunResult result;
  TempDir dir;
  const fs::path config = dir.path() / "picbot.yaml";
  const fs::path data_dir = dir.path() / "data";
  std::ofstream(config) << config_yaml(data_dir, "info", false);

  std::vector<std::string> argv = plan.wrapper;
  std::regex ready_line(R"(picbot ready in ([0-9.]+) ms)");
  if (plan.bot == Bot::koishi) {
    const auto port = free_loopback_port();
    if (!port) {
      result.error = "no free loopback port for Koishi";
      return result;
    }
    argv.insert(argv.end(), {"node", (fs::path(options.peer_dir) / "app.js").string(), "--port",
                             std::to_string(*port), "--path", kPath, "--self-id", std::to_string(kSelfId)});
    ready_line = std::regex(R"(koishi ready in ([0-9.]+) ms, reverse WS listening on 127\.0\.0\.1:(\d+))");
  } else {
    // --lang en: the ready, port and reload lines are matched in English.
    argv.insert(argv.end(), {options.picbot, "--config", config.string(), "--lang", "en"});
  }
  const auto spawned_at = std::chrono::steady_clock::now();
  auto started = ChildProcess::start(argv, {}, dir.path());
  if (!started) {
    result.error = std::string("cannot start ") + bot_name(plan.bot) + ": " + started.error().message;
    return result;
  }
  ChildProcess& bot = *started.value();
  auto fail = [&](std::string why) {
    result.error = std::move(why) + "\n--- " + bot_name(plan.bot) + " output (tail) ---\n" + output_tail(bot);
    result.exit_code = stop_bot(bot, plan.stop_grace);
    return result;
  };

  std::vector<std::string> captures;
  if (!bot.wait_for_line(ready_line, plan.ready_timeout, &captures)) {
    return fail(std::string(bot_name(plan.bot)) + " did not print its ready line within " +
                std::to_string(plan.ready_timeout.count()) + " ms");
  }
  result.startup_wall_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - spawned_at).count();
  result.startup_reported_ms = std::stod(captures[1]);
  if (plan.bot == Bot::koishi) {
    result.port = static_cast<std::uint16_t>(std::stoi(captures[2]));
  } else if (!bot.wait_for_line(std::regex(R"(reverse WS listening on 127\.0\.0\.1:(\d+))"), 0ms,
                                &captures)) {
    return fail("no 'reverse WS listening on 127.0.0.1:<port>' line");
  } else {
    result.port = static_cast<std::uint16_t>(std::stoi(captures[1]));
  }

  if (plan.bot == Bot::picbot && options.log_level != "info") {
    std::ofstream(config, std::ios::trunc) << config_yaml(data_dir, options.log_level, true);
    bot.signal(SIGHUP);
    if (!bot.wait_for_line(std::regex(kReloadMarker), plan.step_timeout)) {
      return fail("picbot did not reload its config after SIGHUP");
    }
  }
  if (auto memory = picbot::bench::read_memory(bot.pid())) result.rss_ready_kb = memory->rss_kb;

  RawNapCatLink link(g_interrupted);
  if (auto error = link.connect(result.port, kPath, kSelfId, kToken, plan.step_timeout)) return fail(*error);
  if (auto error = link.send(lifecycle_event(), plan.step_timeout)) return fail(*error);

  std::int64_t next_message_id = kFirstMessageId;
  const EventRun warmup_run = ping_batch(1, kWarmupGroup, next_message_id);
  auto warmup = link.flood(warmup_run, 0, pong_matcher(kWarmupGroup, 1), plan.step_timeout);
  if (!warmup.error.empty()) return fail("warm-up /ping: " + warmup.error);
  if (auto memory = picbot::bench::read_memory(bot.pid())) {
    result.rss_idle_kb = memory->rss_kb;
    result.rss_idle_anon_kb = memory->anon_kb;
    result.rss_idle_file_kb = memory->file_kb;
  }

  const EventRun events = ping_batch(plan.messages, kFloodGroup, next_message_id);
  const EventRun sentinel = ping_batch(1, kSentinelGroup, next_message_id);

  std::unique_ptr<ChildProcess> perf;
  if (!plan.perf_file.empty()) {
    auto perf_started = ChildProcess::start({"perf", "record", "-e", "cpu-clock", "-F", "4000", "-p",
                                             std::to_string(bot.pid()), "-o", plan.perf_file});
    if (!perf_started) return fail("cannot start perf: " + perf_started.error().message);
    perf = std::move(perf_started.value());
    // perf prints nothing once attached; picbot is idle until the flood, so
    // starting early only costs wall time, not samples.
    std::this_thread::sleep_for(500ms);
  }

  result.load_before = picbot::bench::load_average_1min();
  picbot::bench::RssSampler sampler(bot.pid(), 10ms);
  const auto cpu_before = picbot::bench::read_cpu_ns(bot.pid());
  const double client_cpu_before = process_cpu_s();
  const auto flood_started = std::chrono::steady_clock::now();
  if (plan.messages > 0) {
    result.flood =
        link.flood(events, plan.window, pong_matcher(kFloodGroup, plan.messages), plan.flood_timeout);
  }
  auto last = link.flood(sentinel, 0, pong_matcher(kSentinelGroup, 1), plan.step_timeout);
  const auto digested = std::chrono::steady_clock::now();
  const auto cpu_after = picbot::bench::read_cpu_ns(bot.pid());
  result.client_cpu_s = process_cpu_s() - client_cpu_before;
  sampler.stop();
  result.load_after = picbot::bench::load_average_1min();
  if (perf) {
    perf->signal(SIGINT);
    if (!perf->wait_exit(60s)) perf->kill9();
  }

  result.rss_peak_kb = sampler.peak_kb();
  result.rss_samples = sampler.samples();
  if (auto memory = picbot::bench::read_memory(bot.pid())) {
    result.hwm_kb = memory->hwm_kb;
    result.rss_after_kb = memory->rss_kb;
    result.rss_peak_kb = std::max(result.rss_peak_kb, memory->rss_kb);
  }
  if (cpu_before && cpu_after) result.cpu_flood_s = static_cast<double>(*cpu_after - *cpu_before) / 1e9;
  result.digest_wall_s = std::chrono::duration<double>(digested - flood_started).count();
  if (plan.messages > 0 && result.flood.replies > 0) {
    result.flood_wall_s = seconds_between(result.flood.first_sent, result.flood.last_reply);
  }
  if (plan.messages > 0 && !result.flood.error.empty()) return fail("flood: " + result.flood.error);
  if (result.flood.bad_calls > 0)
    return fail("flood: " + std::to_string(result.flood.bad_calls) + " unexpected calls");
  if (!last.error.empty()) return fail("sentinel /ping: " + last.error);

  if (plan.keep_running) wait_until_interrupted(bot, result);
  link.close(plan.step_timeout);
  result.exit_code = stop_bot(bot, plan.stop_grace);
  if (result.exit_code != 0) {
    result.error = std::string(bot_name(plan.bot)) + " did not exit cleanly after SIGTERM (exit " +
                   (result.exit_code ? std::to_string(*result.exit_code) : std::string("timeout")) + ")\n" +
                   output_tail(bot);
    return result;
  }
  result.ok = true;
  return result;
}

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const std::size_t rank =
      static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(values.size())));
  return values[std::min(values.size() - 1, rank == 0 ? 0 : rank - 1)];
}

double mib(std::int64_t kb) { return static_cast<double>(kb) / 1024.0; }

std::string window_text(std::size_t window) { return window == 0 ? "unlimited" : std::to_string(window); }

json result_json(const Options& options, const RunPlan& plan, const RunResult& r) {
  const auto& lat = r.flood.latency_us;
  json out = {
      {"ok", r.ok},
      {"bot", bot_name(plan.bot)},
      {"messages", plan.messages},
      {"window", plan.window},
      {"log_level", options.log_level},
      {"startup_reported_ms", r.startup_reported_ms},
      {"startup_wall_ms", r.startup_wall_ms},
      {"rss_ready_kb", r.rss_ready_kb},
      {"rss_idle_kb", r.rss_idle_kb},
      {"rss_idle_anon_kb", r.rss_idle_anon_kb},
      {"rss_idle_file_kb", r.rss_idle_file_kb},
      {"rss_peak_kb", r.rss_peak_kb},
      {"vm_hwm_kb", r.hwm_kb},
      {"rss_after_kb", r.rss_after_kb},
      {"rss_samples", r.rss_samples},
      {"replies", r.flood.replies},
      {"out_of_order", r.flood.out_of_order},
      {"bad_calls", r.flood.bad_calls},
      {"flood_s", r.flood_wall_s},
      {"digest_s", r.digest_wall_s},
      {"replies_per_s", r.flood_wall_s > 0 ? static_cast<double>(r.flood.replies) / r.flood_wall_s : 0.0},
      {"latency_us",
       {{"p50", percentile(lat, 50)},
        {"p90", percentile(lat, 90)},
        {"p99", percentile(lat, 99)},
        {"max", percentile(lat, 100)}}},
      {"cpu_flood_s", r.cpu_flood_s},
      {"cpu_us_per_msg", plan.messages > 0 ? r.cpu_flood_s * 1e6 / static_cast<double>(plan.messages) : 0.0},
      {"generator_cpu_s", r.client_cpu_s},
      {"generator_cpu_us_per_msg",
       plan.messages > 0 ? r.client_cpu_s * 1e6 / static_cast<double>(plan.messages) : 0.0},
      {"load_avg_before", r.load_before},
      {"load_avg_after", r.load_after},
  };
  if (!r.error.empty()) out["error"] = r.error;
  return out;
}

void print_table(const Options& options, const RunPlan& plan, const RunResult& r) {
  const double n = static_cast<double>(plan.messages);
  const auto& lat = r.flood.latency_us;
  std::printf(
      "ping_flood: %s, %zu x /ping on 1 connection, window %s, log_level %s, load avg (1 min) %.2f "
      "before / %.2f after\n",
      bot_name(plan.bot), plan.messages, window_text(plan.window).c_str(),
      plan.bot == Bot::koishi ? "warn (app.js)" : options.log_level.c_str(), r.load_before, r.load_after);
  std::printf("  %-34s %s\n", "metric", "value");
  std::printf("  %-34s %.1f ms\n", "startup (the bot's ready line)", r.startup_reported_ms);
  std::printf("  %-34s %.1f ms\n", "startup (spawn -> ready line read)", r.startup_wall_ms);
  std::printf("  %-34s %.1f MiB\n", "RSS after ready (no link)", mib(r.rss_ready_kb));
  std::printf("  %-34s %.1f MiB (anonymous %.1f + files/libraries %.1f)\n",
              "RSS idle (linked, 1 ping served)", mib(r.rss_idle_kb), mib(r.rss_idle_anon_kb),
              mib(r.rss_idle_file_kb));
  std::printf("  %-34s %.1f MiB (VmRSS every 10 ms, %lld samples)\n", "RSS peak during flood",
              mib(r.rss_peak_kb), static_cast<long long>(r.rss_samples));
  std::printf("  %-34s %.1f MiB\n", "VmHWM after flood", mib(r.hwm_kb));
  std::printf("  %-34s %.1f MiB\n", "RSS after flood", mib(r.rss_after_kb));
  if (r.flood_wall_s > 0) {
    std::printf("  %-34s %.0f replies/s (%zu in %.3f s, first event sent -> last reply read)\n", "throughput",
                static_cast<double>(r.flood.replies) / r.flood_wall_s, r.flood.replies, r.flood_wall_s);
    std::printf("  %-34s %.0f / %.0f / %.0f / %.0f us (event written -> reply read)\n",
                "latency p50 / p90 / p99 / max", percentile(lat, 50), percentile(lat, 90),
                percentile(lat, 99), percentile(lat, 100));
  }
  if (n > 0) {
    std::printf("  %-34s %.2f us per message (%.3f s for the flood, all threads)\n", "bot CPU",
                r.cpu_flood_s * 1e6 / n, r.cpu_flood_s);
    std::printf("  %-34s %.2f us per message\n", "generator CPU (this process)", r.client_cpu_s * 1e6 / n);
  }
  std::printf("  %-34s %zu/%zu pong to the right group, %zu out of order, %zu unexpected calls\n", "replies",
              r.flood.replies, plan.messages, r.flood.out_of_order, r.flood.bad_calls);
}

int run_callgrind(const Options& options) {
  const std::size_t messages = options.messages_given ? options.messages : 2000;
  std::optional<TempDir> scratch;
  fs::path dir = options.callgrind_dir;
  if (dir.empty()) {
    scratch.emplace();
    dir = scratch->path();
  }
  fs::create_directories(dir);
  std::int64_t totals[2] = {0, 0};
  const std::size_t counts[2] = {0, messages};
  for (int i = 0; i < 2; ++i) {
    const fs::path out = dir / ("callgrind.ping" + std::to_string(counts[i]) + ".out");
    RunPlan plan;
    plan.messages = counts[i];
    plan.window = options.window;
    plan.wrapper = {"valgrind", "--tool=callgrind", "--dump-instr=yes",
                    "--callgrind-out-file=" + out.string()};
    plan.ready_timeout = 120s;
    plan.step_timeout = 60s;
    plan.flood_timeout = options.timeout.count() > 0 ? std::chrono::milliseconds(options.timeout) : 900s;
    plan.stop_grace = 60s;
    std::fprintf(stderr, "callgrind run with %zu pings (load avg %.2f)...\n", counts[i],
                 picbot::bench::load_average_1min());
    const RunResult result = run_once(options, plan);
    if (!result.ok) {
      std::fprintf(stderr, "callgrind run with %zu pings failed: %s\n", counts[i], result.error.c_str());
      return 1;
    }
    const auto total = callgrind_total(out);
    if (!total) {
      std::fprintf(stderr, "no totals in %s\n", out.c_str());
      return 1;
    }
    totals[i] = *total;
  }
  const double per_ping = static_cast<double>(totals[1] - totals[0]) / static_cast<double>(messages);
  if (options.json_output) {
    std::printf("%s\n", json{{"ok", true},
                             {"messages", messages},
                             {"ir_baseline", totals[0]},
                             {"ir_with_pings", totals[1]},
                             {"ir_per_ping", per_ping},
                             {"callgrind_dir", options.callgrind_dir}}
                            .dump()
                            .c_str());
  } else {
    std::printf("callgrind: Ir with 0 pings %lld, with %zu pings %lld -> %.0f instructions per /ping\n",
                static_cast<long long>(totals[0]), messages, static_cast<long long>(totals[1]), per_ping);
    if (!options.callgrind_dir.empty()) {
      std::printf("profiles kept in %s (callgrind_annotate --inclusive=no <file>)\n", dir.c_str());
    }
  }
  return 0;
}

// picbot, then Koishi, with the same plan; ratios are Koishi / picbot for
// costs and picbot / Koishi for throughput, so "x times better" reads > 1.
int run_side_by_side(const Options& options) {
  const fs::path app = fs::path(options.peer_dir) / "app.js";
  if (!fs::exists(app) || !fs::exists(fs::path(options.peer_dir) / "node_modules" / "koishi")) {
    std::fprintf(stderr, "ping_flood: no Koishi in %s (scripts/install-deps.sh --bench runs npm ci there)\n",
                 options.peer_dir.c_str());
    return 2;
  }
  RunPlan plans[2];
  RunResult results[2];
  for (int i = 0; i < 2; ++i) {
    plans[i].messages = options.messages;
    plans[i].window = options.window;
    plans[i].bot = i == 0 ? Bot::picbot : Bot::koishi;
    plans[i].ready_timeout = 60s;  // node loads ~170 packages
    plans[i].flood_timeout = options.timeout.count() > 0 ? std::chrono::milliseconds(options.timeout) : 900s;
    std::fprintf(stderr, "flooding %s with %zu x /ping (load avg %.2f)...\n", bot_name(plans[i].bot),
                 plans[i].messages, picbot::bench::load_average_1min());
    results[i] = run_once(options, plans[i]);
    if (!results[i].ok) {
      std::fprintf(stderr, "ping_flood: %s FAILED: %s\n", bot_name(plans[i].bot), results[i].error.c_str());
      return 1;
    }
  }
  const RunResult& p = results[0];
  const RunResult& k = results[1];
  auto rate = [](const RunResult& r) {
    return r.flood_wall_s > 0 ? static_cast<double>(r.flood.replies) / r.flood_wall_s : 0.0;
  };
  auto ratio = [](double a, double b) { return b > 0 ? a / b : 0.0; };
  const json ratios = {
      {"throughput_picbot_over_koishi", ratio(rate(p), rate(k))},
      {"cpu_per_msg_koishi_over_picbot", ratio(k.cpu_flood_s, p.cpu_flood_s)},
      {"rss_idle_koishi_over_picbot",
       ratio(static_cast<double>(k.rss_idle_kb), static_cast<double>(p.rss_idle_kb))},
      {"rss_peak_koishi_over_picbot", ratio(static_cast<double>(std::max(k.rss_peak_kb, k.hwm_kb)),
                                            static_cast<double>(std::max(p.rss_peak_kb, p.hwm_kb)))},
      {"startup_koishi_over_picbot", ratio(k.startup_wall_ms, p.startup_wall_ms)},
  };
  if (options.json_output) {
    std::printf("%s\n", json{{"ok", true},
                             {"picbot", result_json(options, plans[0], p)},
                             {"koishi", result_json(options, plans[1], k)},
                             {"ratios", ratios}}
                            .dump()
                            .c_str());
    return 0;
  }
  print_table(options, plans[0], p);
  print_table(options, plans[1], k);
  std::printf(
      "side by side: picbot %.1fx Koishi's throughput; Koishi uses %.1fx the CPU per /ping, %.1fx the "
      "idle RSS, %.1fx the flood RSS\n",
      ratios["throughput_picbot_over_koishi"].get<double>(),
      ratios["cpu_per_msg_koishi_over_picbot"].get<double>(),
      ratios["rss_idle_koishi_over_picbot"].get<double>(),
      ratios["rss_peak_koishi_over_picbot"].get<double>());
  return 0;
}

constexpr char kUsage[] =
    "usage: ping_flood [--messages N] [--window K] [--picbot PATH] [--json] [--keep-running]\n"
    "                  [--log-level LEVEL] [--timeout SECONDS] [--perf FILE]\n"
    "       ping_flood --callgrind [--messages N] [--callgrind-dir DIR] [--json]\n"
    "       ping_flood --koishi [--messages N] [--window K] [--peer-dir DIR] [--json]\n"
    "  --messages N       /ping events in the flood (default 20000; 2000 with --callgrind)\n"
    "  --window K         at most K events unanswered (default 0: write them all at once)\n"
    "  --picbot PATH      the picbot binary (default: the one of this build)\n"
    "  --json             print one JSON object instead of the table\n"
    "  --keep-running     leave picbot running after the report until Ctrl-C\n"
    "  --log-level LEVEL  picbot's log level during the flood (default warn)\n"
    "  --timeout SECONDS  give up on the flood after this long (default 120; 900 under callgrind)\n"
    "  --perf FILE        record a perf cpu-clock profile of picbot during the flood into FILE\n"
    "  --callgrind        instructions per /ping under valgrind (runs with 0 and N pings)\n"
    "  --callgrind-dir D  keep the callgrind profiles in D\n"
    "  --koishi           flood picbot, then Koishi (bench/peer/app.js), and report the ratios\n"
    "  --peer-dir DIR     where app.js and its node_modules are (default: the source tree's bench/peer)\n";

std::optional<Options> parse_options(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--messages" && has_value) {
      options.messages = std::strtoull(argv[++i], nullptr, 10);
      options.messages_given = true;
    } else if (arg == "--window" && has_value) {
      options.window = std::strtoull(argv[++i], nullptr, 10);
    } else if (arg == "--picbot" && has_value) {
      options.picbot = argv[++i];
    } else if (arg == "--log-level" && has_value) {
      options.log_level = argv[++i];
    } else if (arg == "--timeout" && has_value) {
      options.timeout = std::chrono::seconds(std::max(1LL, std::atoll(argv[++i])));
    } else if (arg == "--perf" && has_value) {
      options.perf_file = argv[++i];
    } else if (arg == "--callgrind-dir" && has_value) {
      options.callgrind_dir = argv[++i];
    } else if (arg == "--json") {
      options.json_output = true;
    } else if (arg == "--keep-running") {
      options.keep_running = true;
    } else if (arg == "--callgrind") {
      options.callgrind = true;
    } else if (arg == "--koishi") {
      options.koishi = true;
    } else if (arg == "--peer-dir" && has_value) {
      options.peer_dir = argv[++i];
    } else {
      return std::nullopt;
    }
  }
  return options;
}

}  // namespace

int main(int argc, char** argv) {
  const auto options = parse_options(argc, argv);
  if (!options) {
    std::fprintf(stderr, "%s", kUsage);
    return 2;
  }
  if (!fs::exists(options->picbot)) {
    std::fprintf(stderr, "ping_flood: no picbot binary at %s (use --picbot PATH)\n", options->picbot.c_str());
    return 2;
  }
  install_signal_handlers();
  if (options->callgrind) return run_callgrind(*options);
  if (options->koishi) return run_side_by_side(*options);

  RunPlan plan;
  plan.messages = options->messages;
  plan.window = options->window;
  plan.perf_file = options->perf_file;
  plan.keep_running = options->keep_running;
  if (options->timeout.count() > 0) plan.flood_timeout = options->timeout;
  const RunResult result = run_once(*options, plan);
  if (options->json_output) {
    std::printf("%s\n", result_json(*options, plan, result).dump().c_str());
  } else if (result.ok) {
    print_table(*options, plan, result);
  }
  if (!result.ok) {
    std::fprintf(stderr, "ping_flood: FAILED: %s\n", result.error.c_str());
    return 1;
  }
  return 0;
}
