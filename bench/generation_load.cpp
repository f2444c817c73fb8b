// generation_load: what slow image generations and slow agent conversations
// cost everyone else. Plays NapCat against the real picbot binary (reverse
// mode, loopback) with an in-process FakeOpenRouter (and FakeChatServer).
//
//   generation_load [--agent] [--generations N] [--conversations N] [--delay-ms MS]
//                   [--image-bytes B] [--ping-interval-ms MS] [--burst-ms MS] [--picbot PATH]
//                   [--json]
//
// Workload A (default): N users (default 100) each send "/draw cat i" at
// once; the fake answers each with a PNG of --image-bytes (default 2 MB)
// after --delay-ms (default 5000). While they wait, a /ping from another
// user every --ping-interval-ms (default 20) is timed (event written ->
// "pong" read). Then every generation must deliver a send_group_msg with an
// image segment. Reports ping p50/p99/max, picbot's VmHWM against the bytes
// in flight, and per image the time from the fake starting to write its
// response (request arrival + scripted delay, on this process's steady
// clock) to the image frame being read here.
//
// --burst-ms W (draw only): job i's answer comes after delay + i·W/N, so the
// N images come back within W ms, and a second account (its own link, on a
// thread) sends the same /ping probes from just before the first answer until
// the last image is delivered: what a delivery burst costs another chat.
//
// Workload B (--agent): N (default 20) "@bot hi" conversations wait on a
// fake chat model answering after --delay-ms, with the same /ping probes.
//
// The link (NapCatLink) only sees calls while a flood runs, so the probes
// stop 500 ms before the upstream delay ends, and the deliveries are awaited
// with a flood of harmless heartbeat events matched to the deliveries.
//
// Exit status: 0 when every ping got its pong and every job its reply, 1 on
// a failure, 2 on a usage error. Every wait has a deadline; picbot is
// stopped (SIGTERM, then SIGKILL) at the end.
#include <signal.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "bench/load_napcat_link.h"
#include "bench/rss_sampler.h"
#include "tests/fakes/chat/fake_chat_server.h"
#include "tests/fakes/openrouter/fake_images.h"
#include "tests/fakes/openrouter/fake_openrouter.h"
#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using nlohmann::json;
using nlohmann::ordered_json;
using picbot::bench::NapCatLink;
using picbot::bench::SteadyTime;
using picbot::testing::ChatScript;
using picbot::testing::ChildProcess;
using picbot::testing::FakeChatServer;
using picbot::testing::FakeOpenRouter;
using picbot::testing::TempDir;

constexpr char kToken[] = "generation-load-token-0123456789";
constexpr char kPath[] = "/onebot/v11/ws";
constexpr char kImageKey[] = "sk-or-v1-bench-key-aaaaaaaaaaaa1111";
constexpr char kChatKey[] = "sk-chat-bench-key-bbbbbbbbbbbb2222";
constexpr std::int64_t kSelfId = 10001;
constexpr std::int64_t kJobGroup = 300'000'000;  // job i: group kJobGroup + i, user kJobUser + i
constexpr std::int64_t kJobUser = 30'000;
constexpr std::int64_t kPingGroup = 500'000'000;  // probe k: group kPingGroup + k
constexpr std::int64_t kPingUser = 20'000;
constexpr std::int64_t kProbeSelfId = 10002;           // --burst-ms: the second account's probes
constexpr std::int64_t kBurstPingGroup = 600'000'000;  // ... to these groups

std::atomic<bool> g_interrupted{false};
void on_signal(int) { g_interrupted = true; }

struct Options {
  bool agent = false;
  std::size_t jobs = 0;  // 0: 100 generations or 20 conversations
  std::chrono::milliseconds delay{5000};
  std::size_t image_bytes = 2 * 1024 * 1024;
  std::chrono::milliseconds ping_interval{20};
  std::chrono::milliseconds burst{0};  // > 0: answers spread over this, probes on a second account
  std::string picbot = PICBOT_DEFAULT_BINARY;
  bool json_output = false;
};

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(values.size())));
  return values[std::min(values.size() - 1, rank == 0 ? 0 : rank - 1)];
}

double own_cpu_s() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

std::int64_t unix_seconds() { return static_cast<std::int64_t>(std::time(nullptr)); }

std::string group_event(std::int64_t message_id, std::int64_t group_id, std::int64_t user_id,
                        const ordered_json& message, const std::string& raw, std::int64_t self_id = kSelfId) {
  ordered_json event;
  event["self_id"] = self_id;
  event["user_id"] = user_id;
  event["time"] = unix_seconds();
  event["message_id"] = message_id;
  event["message_type"] = "group";
  event["sender"] = {{"user_id", user_id}, {"nickname", "tester"}, {"card", ""}, {"role", "member"}};
  event["raw_message"] = raw;
  event["font"] = 14;
  event["sub_type"] = "normal";
  event["message"] = message;
  event["message_format"] = "array";
  event["post_type"] = "message";
  event["group_id"] = group_id;
  return event.dump();
}

std::string text_event(std::int64_t message_id, std::int64_t group_id, std::int64_t user_id,
                       const std::string& text, std::int64_t self_id = kSelfId) {
  const ordered_json message = ordered_json::array({{{"type", "text"}, {"data", {{"text", text}}}}});
  return group_event(message_id, group_id, user_id, message, text, self_id);
}

std::string at_bot_event(std::int64_t message_id, std::int64_t group_id, std::int64_t user_id,
                         const std::string& text) {
  const ordered_json message =
      ordered_json::array({{{"type", "at"}, {"data", {{"qq", std::to_string(kSelfId)}}}},
                           {{"type", "text"}, {"data", {{"text", " " + text}}}}});
  return group_event(message_id, group_id, user_id, message,
                     "[CQ:at,qq=" + std::to_string(kSelfId) + "] " + text);
}

std::string meta_event(const std::string& type, std::int64_t self_id = kSelfId) {
  ordered_json event;
  event["time"] = unix_seconds();
  event["self_id"] = self_id;
  event["post_type"] = "meta_event";
  event["meta_event_type"] = type;
  if (type == "lifecycle") {
    event["sub_type"] = "connect";
  } else {
    event["status"] = {{"online", true}, {"good", true}};
    event["interval"] = 30000;
  }
  return event.dump();
}

std::string plain_text(const json& message) {
  std::string text;
  if (message.is_string()) return message.get<std::string>();
  if (!message.is_array()) return text;
  for (const auto& segment : message) {
    if (segment.is_object() && segment.value("type", "") == "text") text += segment["data"].value("text", "");
  }
  return text;
}

bool has_image(const json& message) {
  if (!message.is_array()) return false;
  return std::any_of(message.begin(), message.end(),
                     [](const json& s) { return s.is_object() && s.value("type", "") == "image"; });
}

// send_group_msg's group id, or nullopt for other calls.
std::optional<std::int64_t> group_of(const json& call) {
  if (call.value("action", "") != "send_group_msg") return std::nullopt;
  const json params = call.value("params", json::object());
  const json group = params.value("group_id", json());
  if (!group.is_number_integer()) return std::nullopt;
  return group.get<std::int64_t>();
}

// Jobs' replies, seen by every flood's matcher.
struct Deliveries {
  explicit Deliveries(std::size_t jobs, bool agent) : agent(agent), at(jobs), message_bytes(jobs, 0) {}
  bool agent;
  std::vector<std::optional<SteadyTime>> at;  // when job i's reply was read
  std::vector<std::size_t> message_bytes;
  std::size_t delivered = 0;
  std::size_t wrong_replies = 0;  // a job reply without the image / the model's text
  std::vector<std::string> wrong_examples;

  // True when `call` is a job's reply (recorded here).
  bool take(const json& call) {
    const auto group = group_of(call);
    if (!group || *group < kJobGroup || *group >= kJobGroup + static_cast<std::int64_t>(at.size()))
      return false;
    const auto i = static_cast<std::size_t>(*group - kJobGroup);
    const json message = call["params"].value("message", json());
    const bool good = agent ? plain_text(message).find("好的") != std::string::npos : has_image(message);
    if (!good || at[i]) {
      ++wrong_replies;
      if (wrong_examples.size() < 3) wrong_examples.push_back(call.dump().substr(0, 300));  // rare
      return true;
    }
    at[i] = std::chrono::steady_clock::now();
    std::size_t bytes = 0;  // the payload strings (base64 image, text), not a re-serialisation
    for (const auto& segment : message) {
      if (!segment.is_object() || !segment.contains("data") || !segment["data"].is_object()) continue;
      for (const auto& [key, value] : segment["data"].items()) {
        if (value.is_string()) bytes += value.get_ref<const std::string&>().size();
      }
    }
    message_bytes[i] = bytes;
    ++delivered;
    return true;
  }
};

struct Result {
  bool ok = false;
  std::string error;
  std::size_t jobs = 0;
  std::vector<double> ping_us;
  std::size_t pings_sent = 0;
  std::vector<double> burst_ping_us;  // --burst-ms: the second account's probes during the deliveries
  double load_before = -1, load_after = -1;
  std::int64_t rss_idle_kb = 0, rss_peak_kb = 0, hwm_kb = 0;
  std::size_t delivered = 0, wrong_replies = 0;
  std::vector<double> overhead_ms;  // per image: fake starts writing -> image frame read
  double frame_mb = 0;              // median send_group_msg frame size
  double all_delivered_s = 0;       // jobs sent -> last delivery
  double picbot_cpu_s = 0;          // picbot's CPU, jobs sent -> last delivery
  double loop_cpu_s = 0;            // ... of its main thread (the event loop) alone
  double generator_cpu_s = 0;       // this process (fakes + link) over the same span
};

std::string config_yaml(const Options& o, const fs::path& data_dir, const std::string& image_base,
                        const std::string& chat_base) {
  std::string y;
  y += "data_dir: \"" + data_dir.string() + "\"\n";
  y += "log_level: info\n";
  y += "onebot:\n  mode: reverse\n  listen: \"127.0.0.1:0\"\n";
  y += std::string("  path: ") + kPath + "\n";
  y += std::string("  access_token: \"") + kToken + "\"\n";
  y += "bot:\n  admins: [1]\n";
  y += "web:\n  listen: \"127.0.0.1:0\"\n";  // never clashes with a running bot's console
  if (o.agent) {
    y += "llm:\n  enabled: true\n";
    y += "  api_base: \"" + chat_base + "\"\n";
    y += std::string("  api_keys: [\"") + kChatKey + "\"]\n";
    y += "  model: \"test/chat-model\"\n  max_retry_attempts: 1\n";
    y += "  request_timeout_seconds: 60\n";
  }
  y += "plugins:\n  gemini_pic_gen:\n";
  y += std::string("    openrouter_api_keys: [\"") + kImageKey + "\"]\n";
  y += "    custom_api_base: \"" + image_base + "\"\n";
  y += "    allow_private_network: true\n";
  y += "    max_retry_attempts: 1\n";
  y += "    max_concurrent_generations: 128\n";
  y += "    acknowledge: false\n";
  y += "    image_delivery: base64\n";
  return y;
}

std::string output_tail(const ChildProcess& p, std::size_t lines = 30) {
  const auto all = p.lines();
  std::string out;
  for (std::size_t i = all.size() > lines ? all.size() - lines : 0; i < all.size(); ++i) out += all[i] + "\n";
  return out;
}

Result run(const Options& o) {
  Result r;
  r.jobs = o.jobs;
  // The upstream answer: FakeOpenRouter's kPng shape, built once. The route
  // is wrapped so that the moment each response is handed to the fake's
  // server (plus its scripted delay, a timer) is known per prompt.
  const std::string png = picbot::testing::make_png("generation_load", o.image_bytes);
  const json message = {
      {"role", "assistant"},
      {"content", "Here is your picture."},
      {"images",
       json::array({{{"type", "image_url"},
                     {"image_url", {{"url", picbot::testing::make_data_url("image/png", png)}}}}})}};
  const json completion = {
      {"id", "gen-fake"},
      {"object", "chat.completion"},
      {"model", "google/gemini-2.5-flash-image"},
      {"choices", json::array({{{"index", 0}, {"finish_reason", "stop"}, {"message", message}}})}};
  const picbot::testing::FakeHttpResponse canned = picbot::testing::FakeHttpResponse::json(completion);
  std::mutex upstream_mutex;
  std::vector<std::optional<SteadyTime>> upstream_done(o.jobs);  // guarded by upstream_mutex
  std::size_t upstream_calls = 0;                                // guarded by upstream_mutex
  FakeOpenRouter openrouter;
  FakeOpenRouter::Options image_options;
  image_options.delay = o.delay;
  image_options.image_size = o.image_bytes;
  openrouter.set_default(FakeOpenRouter::Script::kPng, image_options);
  openrouter.server().on("POST", "/api/v1/chat/completions",
                         [&](const picbot::testing::FakeHttpRequest& request) {
                           picbot::testing::FakeHttpResponse response = canned;
                           response.delay = o.delay;
                           static const std::regex prompt(R"(cat (\d+))");
                           std::smatch m;
                           const std::string& body = request.body;
                           std::lock_guard lock(upstream_mutex);
                           ++upstream_calls;
                           if (std::regex_search(body, m, prompt)) {
                             const auto i = std::stoul(m[1]);
                             response.delay += o.burst * static_cast<long>(i) / static_cast<long>(o.jobs);
                             if (i < upstream_done.size())
                               upstream_done[i] = std::chrono::steady_clock::now() + response.delay;
                           }
                           return response;
                         });
  FakeChatServer chat;
  chat.set_default(ChatScript::reply("好的").after(o.delay));

  TempDir dir;
  const fs::path config = dir.path() / "picbot.yaml";
  std::ofstream(config) << config_yaml(o, dir.path() / "data", openrouter.api_base(), chat.api_base());
  // --lang en: the lines read below are matched in English.
  auto started = ChildProcess::start({o.picbot, "--config", config.string(), "--lang", "en"}, {}, dir.path());
  if (!started) {
    r.error = "cannot start picbot: " + started.error().message;
    return r;
  }
  ChildProcess& picbot = *started.value();
  auto stop = [&] {
    picbot.signal(SIGTERM);
    if (!picbot.wait_exit(10s)) {
      picbot.kill9();
      picbot.wait_exit(5s);
    }
  };
  auto fail = [&](std::string why) {
    r.error = std::move(why) + "\n--- picbot output (tail) ---\n" + output_tail(picbot);
    stop();
    return r;
  };
  std::vector<std::string> captures;
  if (!picbot.wait_for_line(std::regex(R"(picbot ready in ([0-9.]+) ms)"), 15s, &captures))
    return fail("no ready line");
  if (!picbot.wait_for_line(std::regex(R"(reverse WS listening on 127\.0\.0\.1:(\d+))"), 0ms, &captures))
    return fail("no listening line");
  const auto port = static_cast<std::uint16_t>(std::stoi(captures[1]));

  NapCatLink link(g_interrupted);
  if (auto e = link.connect(port, kPath, kSelfId, kToken, 10s)) return fail(*e);
  if (auto e = link.send(meta_event("lifecycle"), 10s)) return fail(*e);

  Deliveries deliveries(o.jobs, o.agent);
  std::int64_t next_message_id = 1;
  std::int64_t probe = 0;
  // One /ping probe: its latency, or an error. Job replies arriving meanwhile are recorded.
  auto ping_once = [&]() -> std::optional<std::string> {
    const std::int64_t group = kPingGroup + probe++;
    NapCatLink::Matcher match = [&, group](const json& call) -> std::optional<std::size_t> {
      if (deliveries.take(call)) return std::nullopt;
      const auto g = group_of(call);
      if (g && *g == group && plain_text(call["params"].value("message", json())) == "pong") return 0;
      return std::nullopt;
    };
    std::vector<std::string> events{text_event(next_message_id++, group, kPingUser, "/ping")};
    auto outcome = link.flood(std::move(events), 0, match, 10s);
    if (!outcome.error.empty()) return "/ping probe: " + outcome.error;
    r.ping_us.push_back(outcome.latency_us[0]);
    return std::nullopt;
  };
  if (auto e = ping_once()) return fail("warm-up " + *e);
  r.ping_us.clear();

  // --burst-ms: the second account, and its probes (on their own thread
  // during the deliveries; this thread drives the first link meanwhile).
  NapCatLink probe_link(g_interrupted);
  std::int64_t probe_message_id = 1;  // its probe k: group kBurstPingGroup + k
  auto second_ping_once = [&](std::vector<double>& latencies_us) -> std::optional<std::string> {
    const std::int64_t group = kBurstPingGroup + probe_message_id;
    NapCatLink::Matcher match = [group](const json& call) -> std::optional<std::size_t> {
      const auto g = group_of(call);
      if (g && *g == group && plain_text(call["params"].value("message", json())) == "pong") return 0;
      return std::nullopt;
    };
    std::vector<std::string> events{text_event(probe_message_id++, group, kPingUser, "/ping", kProbeSelfId)};
    auto outcome = probe_link.flood(std::move(events), 0, match, 10s);
    if (!outcome.error.empty()) return "second account's /ping probe: " + outcome.error;
    latencies_us.push_back(outcome.latency_us[0]);
    return std::nullopt;
  };
  if (o.burst.count() > 0) {
    if (auto e = probe_link.connect(port, kPath, kProbeSelfId, kToken, 10s)) return fail(*e);
    if (auto e = probe_link.send(meta_event("lifecycle", kProbeSelfId), 10s)) return fail(*e);
    if (auto e = second_ping_once(r.burst_ping_us)) return fail("warm-up " + *e);
    r.burst_ping_us.clear();
  }
  if (auto m = picbot::bench::read_memory(picbot.pid())) r.rss_idle_kb = m->rss_kb;

  r.load_before = picbot::bench::load_average_1min();
  picbot::bench::RssSampler sampler(picbot.pid(), 10ms);
  // All jobs at once: queued frames, written back to back.
  const auto jobs_sent = std::chrono::steady_clock::now();
  const auto cpu_before = picbot::bench::read_cpu_ns(picbot.pid());
  const auto loop_cpu_before = picbot::bench::read_thread_cpu_ns(picbot.pid(), picbot.pid());
  const double own_cpu_before = own_cpu_s();
  for (std::size_t i = 0; i < o.jobs; ++i) {
    const auto n = static_cast<std::int64_t>(i);
    const std::string frame = o.agent ? at_bot_event(next_message_id++, kJobGroup + n, kJobUser + n, "hi")
                                      : text_event(next_message_id++, kJobGroup + n, kJobUser + n,
                                                   "/draw cat " + std::to_string(i));
    if (auto e = link.send(frame, 10s)) return fail("job event: " + *e);
  }
  // Probes while the jobs wait upstream; stop before the answers come. With
  // --burst-ms on the second account: the dispatcher lets one account run
  // only so many handlers at once, so the first account's /ping would wait
  // for the drawings.
  const auto probes_end = jobs_sent + o.delay - 500ms;
  auto next_probe = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() < probes_end && !g_interrupted) {
    std::this_thread::sleep_until(next_probe);
    next_probe += o.ping_interval;
    if (auto e = o.burst.count() > 0 ? second_ping_once(r.ping_us) : ping_once()) return fail(*e);
  }
  r.pings_sent = r.ping_us.size();
  std::atomic<bool> deliveries_done{false};
  std::string burst_error;
  std::thread burst_prober;
  if (o.burst.count() > 0) {
    burst_prober = std::thread([&] {
      auto next = jobs_sent + o.delay - 100ms;
      while (!deliveries_done && !g_interrupted) {
        std::this_thread::sleep_until(next);
        next += o.ping_interval;
        if (auto e = second_ping_once(r.burst_ping_us)) {
          burst_error = *e;
          return;
        }
      }
    });
  }
  // Wait for the deliveries: one heartbeat per missing reply, each "answered" by a delivery.
  const std::size_t missing = o.jobs - deliveries.delivered;
  std::vector<std::string> fillers(missing, meta_event("heartbeat"));
  std::size_t matched = 0;
  NapCatLink::Matcher delivery_match = [&](const json& call) -> std::optional<std::size_t> {
    const std::size_t before = deliveries.delivered;
    if (deliveries.take(call) && deliveries.delivered > before) return matched++;
    return std::nullopt;
  };
  auto outcome = link.flood(std::move(fillers), 0, delivery_match, o.delay + o.burst + 120s);
  deliveries_done = true;
  if (burst_prober.joinable()) burst_prober.join();
  if (!burst_error.empty()) return fail(burst_error);
  r.load_after = picbot::bench::load_average_1min();
  const auto cpu_after = picbot::bench::read_cpu_ns(picbot.pid());
  const auto loop_cpu_after = picbot::bench::read_thread_cpu_ns(picbot.pid(), picbot.pid());
  if (loop_cpu_before && loop_cpu_after)
    r.loop_cpu_s = static_cast<double>(*loop_cpu_after - *loop_cpu_before) / 1e9;
  if (cpu_before && cpu_after) r.picbot_cpu_s = static_cast<double>(*cpu_after - *cpu_before) / 1e9;
  r.generator_cpu_s = own_cpu_s() - own_cpu_before;
  sampler.stop();
  r.rss_peak_kb = sampler.peak_kb();
  if (auto m = picbot::bench::read_memory(picbot.pid())) {
    r.hwm_kb = m->hwm_kb;
    r.rss_peak_kb = std::max(r.rss_peak_kb, m->rss_kb);
  }
  r.delivered = deliveries.delivered;
  r.wrong_replies = deliveries.wrong_replies;
  if (!outcome.error.empty()) return fail("deliveries: " + outcome.error);
  if (r.wrong_replies > 0) return fail("wrong job replies, e.g. " + deliveries.wrong_examples[0]);
  SteadyTime last = jobs_sent;
  for (const auto& t : deliveries.at) last = std::max(last, *t);
  r.all_delivered_s = std::chrono::duration<double>(last - jobs_sent).count();
  std::vector<double> sizes(deliveries.message_bytes.begin(), deliveries.message_bytes.end());
  r.frame_mb = percentile(sizes, 50) / 1e6;

  if (!o.agent) {
    std::lock_guard lock(upstream_mutex);
    for (std::size_t i = 0; i < o.jobs; ++i) {
      if (!upstream_done[i] || !deliveries.at[i]) continue;
      r.overhead_ms.push_back(
          std::chrono::duration<double, std::milli>(*deliveries.at[i] - *upstream_done[i]).count());
    }
    if (r.overhead_ms.size() != o.jobs) return fail("upstream calls do not match the jobs");
  } else if (chat.request_count() < o.jobs) {
    return fail("fewer chat requests than conversations");
  }
  link.close(5s);
  stop();
  r.ok = true;
  return r;
}

json to_json(const Options& o, const Result& r) {
  const double in_flight_mb = o.agent ? 0.0 : static_cast<double>(o.jobs * o.image_bytes) / 1048576.0;
  json out = {{"ok", r.ok},
              {"workload", o.agent ? "agent" : "generation"},
              {"jobs", r.jobs},
              {"delay_ms", o.delay.count()},
              {"delivered", r.delivered},
              {"pings", r.ping_us.size()},
              {"ping_us",
               {{"p50", percentile(r.ping_us, 50)},
                {"p99", percentile(r.ping_us, 99)},
                {"max", percentile(r.ping_us, 100)}}},
              {"rss_idle_kb", r.rss_idle_kb},
              {"rss_peak_kb", r.rss_peak_kb},
              {"vm_hwm_kb", r.hwm_kb},
              {"images_in_flight_mib", in_flight_mb},
              {"all_delivered_s", r.all_delivered_s},
              {"reply_frame_mb", r.frame_mb},
              {"picbot_cpu_s", r.picbot_cpu_s},
              {"picbot_loop_cpu_s", r.loop_cpu_s},
              {"generator_cpu_s", r.generator_cpu_s},
              {"load_avg_before", r.load_before},
              {"load_avg_after", r.load_after}};
  if (o.burst.count() > 0) {
    out["burst_ms"] = o.burst.count();
    out["burst_pings"] = r.burst_ping_us.size();
    out["burst_ping_us"] = {{"p50", percentile(r.burst_ping_us, 50)},
                            {"p99", percentile(r.burst_ping_us, 99)},
                            {"max", percentile(r.burst_ping_us, 100)}};
  }
  if (!o.agent) {
    out["image_overhead_ms"] = {{"p50", percentile(r.overhead_ms, 50)},
                                {"p99", percentile(r.overhead_ms, 99)},
                                {"max", percentile(r.overhead_ms, 100)}};
  }
  if (!r.error.empty()) out["error"] = r.error;
  return out;
}

void print_table(const Options& o, const Result& r) {
  std::printf(
      "generation_load %s: %zu jobs, upstream delay %lld ms, load avg (1 min) %.2f before / %.2f after\n",
      o.agent ? "--agent" : "(draw)", r.jobs, static_cast<long long>(o.delay.count()), r.load_before,
      r.load_after);
  std::printf("  %-40s %.0f / %.0f / %.0f us (%zu probes, one per %lld ms)\n", "/ping p50 / p99 / max",
              percentile(r.ping_us, 50), percentile(r.ping_us, 99), percentile(r.ping_us, 100),
              r.ping_us.size(), static_cast<long long>(o.ping_interval.count()));
  if (o.burst.count() > 0) {
    std::printf("  %-40s %.0f / %.0f / %.0f us (%zu probes; answers spread over %lld ms)\n",
                "second account's /ping during deliveries", percentile(r.burst_ping_us, 50),
                percentile(r.burst_ping_us, 99), percentile(r.burst_ping_us, 100), r.burst_ping_us.size(),
                static_cast<long long>(o.burst.count()));
  }
  std::printf("  %-40s %zu/%zu (last %.2f s after the jobs were sent; frame %.2f MB)\n", "replies delivered",
              r.delivered, r.jobs, r.all_delivered_s, r.frame_mb);
  std::printf(
      "  %-40s picbot %.2f s (event loop thread %.2f s), this generator (fakes + link) %.2f s (jobs sent -> "
      "last reply)\n",
      "CPU", r.picbot_cpu_s, r.loop_cpu_s, r.generator_cpu_s);
  std::printf("  %-40s idle %.1f MiB, peak VmRSS %.1f MiB, VmHWM %.1f MiB\n", "picbot memory",
              static_cast<double>(r.rss_idle_kb) / 1024, static_cast<double>(r.rss_peak_kb) / 1024,
              static_cast<double>(r.hwm_kb) / 1024);
  if (!o.agent) {
    const double in_flight = static_cast<double>(o.jobs * o.image_bytes) / 1048576.0;
    std::printf("  %-40s %.1f MiB (goal VmHWM <= 3 x that + 30 = %.0f MiB)\n", "image bytes in flight",
                in_flight, 3 * in_flight + 30);
    std::printf("  %-40s %.1f / %.1f / %.1f ms (fake starts writing -> image frame read)\n",
                "per-image overhead p50 / p99 / max", percentile(r.overhead_ms, 50),
                percentile(r.overhead_ms, 99), percentile(r.overhead_ms, 100));
  }
}

constexpr char kUsage[] =
    "usage: generation_load [--agent] [--generations N] [--conversations N] [--delay-ms MS]\n"
    "                       [--image-bytes B] [--ping-interval-ms MS] [--burst-ms MS] [--picbot PATH]\n"
    "                       [--json]\n";

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool v = i + 1 < argc;
    if (arg == "--agent") {
      o.agent = true;
    } else if ((arg == "--generations" || arg == "--conversations") && v) {
      o.jobs = std::strtoull(argv[++i], nullptr, 10);
    } else if (arg == "--delay-ms" && v) {
      o.delay = std::chrono::milliseconds(std::max(600LL, std::atoll(argv[++i])));
    } else if (arg == "--image-bytes" && v) {
      o.image_bytes = std::strtoull(argv[++i], nullptr, 10);
    } else if (arg == "--ping-interval-ms" && v) {
      o.ping_interval = std::chrono::milliseconds(std::max(1LL, std::atoll(argv[++i])));
    } else if (arg == "--burst-ms" && v) {
      o.burst = std::chrono::milliseconds(std::max(0LL, std::atoll(argv[++i])));
    } else if (arg == "--picbot" && v) {
      o.picbot = argv[++i];
    } else if (arg == "--json") {
      o.json_output = true;
    } else {
      std::fprintf(stderr, "%s", kUsage);
      return 2;
    }
  }
  if (o.jobs == 0) o.jobs = o.agent ? 20 : 100;
  if (!fs::exists(o.picbot)) {
    std::fprintf(stderr, "generation_load: no picbot binary at %s\n", o.picbot.c_str());
    return 2;
  }
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  signal(SIGPIPE, SIG_IGN);

  const Result r = run(o);
  if (o.json_output) {
    std::printf("%s\n", to_json(o, r).dump().c_str());
  } else if (r.ok) {
    print_table(o, r);
  }
  if (!r.ok) {
    std::fprintf(stderr, "generation_load: FAILED: %s\n", r.error.c_str());
    return 1;
  }
  return 0;
}
