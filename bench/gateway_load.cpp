// gateway_load: the image gateway's own cost per request (issue 19,
// Performance). Starts the real picbot binary with plugins.image_gateway on
// its own listener, whose alias draws through the "openai" provider type
// against an in-process fake OpenAI Images upstream that answers every
// POST /v1/images/generations after --delay-ms (default 1000) with a PNG of
// --image-bytes (default 2 MB) as b64_json. --requests N (default 200)
// requests go at once (response_format --format, b64_json by default;
// picbot's own HttpClient on this side), and each one's latency is read
// against the upstream's scripted delay.
//
//   gateway_load [--requests N] [--delay-ms MS] [--image-bytes B]
//                [--format url|b64_json] [--no-warmup] [--picbot PATH] [--json]
//
// One request is sent and answered before the measured ones (--no-warmup
// measures a cold process), so the figures are the steady state, not
// picbot's first outbound call.
// Overhead of a request = its latency here − the scripted delay: everything
// the gateway adds (parsing, the upstream request and the 2.7 MB of base64
// over loopback, decoding, verifying, storing or encoding again) plus the
// queueing of N requests on two cores. Reports p50/p99/max overhead,
// picbot's VmHWM while they are in flight, and picbot's CPU time (user +
// system, all threads, /proc/<pid>/stat) over the N requests divided by N.
// Exit status 0 when every request got a 200 with its image, 1 otherwise,
// 2 on a usage error.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "bench/rss_sampler.h"
#include "bot/net/http_client.h"
#include "bot/onebot/base64.h"
#include "tests/fakes/http/fake_http_server.h"
#include "tests/fakes/openrouter/fake_images.h"
#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace {
namespace asio = boost::asio;
using namespace std::chrono_literals;
using picbot::testing::ChildProcess;
using picbot::testing::FakeHttpResponse;
using picbot::testing::FakeHttpServer;

struct Args {
  int requests = 200;
  int delay_ms = 1000;
  std::size_t image_bytes = 2 * 1024 * 1024;
  std::string format = "b64_json";
  bool warmup = true;
  std::string picbot = PICBOT_DEFAULT_BINARY;
  bool json = false;
};

// utime + stime of pid, all threads, in milliseconds; -1 when unreadable.
double cpu_ms(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto close = stat.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream fields(stat.substr(close + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {  // fields 14 and 15 of proc(5)
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  return 1000.0 * static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const auto index = static_cast<std::size_t>(std::ceil(p / 100.0 * values.size())) - 1;
  return values[std::min(index, values.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--requests")
      args.requests = std::stoi(next());
    else if (a == "--delay-ms")
      args.delay_ms = std::stoi(next());
    else if (a == "--image-bytes")
      args.image_bytes = std::stoul(next());
    else if (a == "--format")
      args.format = next();
    else if (a == "--no-warmup")
      args.warmup = false;
    else if (a == "--picbot")
      args.picbot = next();
    else if (a == "--json")
      args.json = true;
    else
      args.requests = -1;
  }
  if (args.requests < 1 || (args.format != "url" && args.format != "b64_json")) {
    std::fprintf(
        stderr,
        "usage: gateway_load [--requests N] [--delay-ms MS] [--image-bytes B] [--format url|b64_json] "
        "[--no-warmup] [--picbot PATH] [--json]\n");
    return 2;
  }
  const std::string png = picbot::testing::make_png("gateway-load", args.image_bytes);
  const std::string answer =
      R"({"created":1,"data":[{"b64_json":")" + picbot::onebot::base64_encode(png) + R"("}]})";
  FakeHttpServer upstream;
  upstream.on("POST", "/v1/images/generations", [&](const picbot::testing::FakeHttpRequest&) {
    FakeHttpResponse response{200, {{"Content-Type", "application/json"}}, answer};
    response.delay = std::chrono::milliseconds(args.delay_ms);
    return response;
  });

  picbot::testing::TempDir dir;
  const std::string yaml =
      "data_dir: \"" + (dir.path() / "data").string() +
      "\"\nlog_level: info\nonebot:\n  mode: reverse\n  listen: \"127.0.0.1:0\"\n  access_token: "
      "\"bench-token-0123456789\"\n"
      "web:\n  listen: \"127.0.0.1:0\"\n"
      "image_providers:\n  fake:\n    type: openai\n    api_base: \"" +
      upstream.base_url() +
      "/v1\"\n    api_keys: [\"sk-bench-upstream-0000\"]\n    model: gpt-image-1\n    max_retry_attempts: 1\n"
      "plugins:\n  image_gateway:\n    listen: \"127.0.0.1:0\"\n    public_base_url: \"http://127.0.0.1\"\n  "
      "  api_keys: [{name: bench, key: "
      "\"sk-gw-bench-0000\"}]\n"
      "    models: [{id: bench-image, provider: fake}]\n";
  const auto config = dir.write_file("picbot.yaml", yaml);
  auto child = ChildProcess::start({args.picbot, "--config", config.string(), "--lang", "en"});
  if (!child.ok()) {
    std::fprintf(stderr, "cannot start picbot: %s\n", child.error().message.c_str());
    return 1;
  }
  const std::regex listening("image gateway listening on 127\\.0\\.0\\.1:(\\d+)");
  if (!(*child)->wait_for_line(listening, 10s)) {
    std::fprintf(stderr, "picbot did not start:\n%s\n", (*child)->output().c_str());
    return 1;
  }
  std::smatch port;
  const std::string output = (*child)->output();
  std::regex_search(output, port, listening);
  const std::string url = "http://127.0.0.1:" + port[1].str() + "/v1/images/generations";

  asio::io_context io;
  picbot::net::HttpClient client(io.get_executor());
  const std::string wanted = args.format == "url" ? "\"url\"" : "\"b64_json\"";
  // One request: its overhead in ms, or nullopt when it failed.
  const auto one = [&](int i) -> asio::awaitable<std::optional<double>> {
    picbot::net::HttpRequest request;
    request.method = "POST";
    request.url = url;
    request.total_timeout = 120s;
    request.headers = {{"Content-Type", "application/json"}, {"Authorization", "Bearer sk-gw-bench-0000"}};
    request.body = R"({"model":"bench-image","prompt":"bench )" + std::to_string(i) +
                   R"(","response_format":")" + args.format + R"("})";
    const auto started = std::chrono::steady_clock::now();
    auto response = co_await client.request(std::move(request));
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
    if (!response || response->status != 200 || response->body.find(wanted) == std::string::npos)
      co_return std::nullopt;
    co_return ms - args.delay_ms;
  };
  std::optional<double> first_ms;
  if (args.warmup) {
    asio::co_spawn(
        io, [&]() -> asio::awaitable<void> { first_ms = co_await one(-1); }, asio::detached);
    io.run_for(30s);
    io.restart();
  }
  picbot::bench::RssSampler rss((*child)->pid(), 20ms);
  const double cpu_before = cpu_ms((*child)->pid());
  std::vector<double> overhead_ms;
  std::atomic<int> ok = 0;
  for (int i = 0; i < args.requests; ++i) {
    asio::co_spawn(
        io,
        [&, i]() -> asio::awaitable<void> {
          if (auto overhead = co_await one(i)) {
            ++ok;
            overhead_ms.push_back(*overhead);
          }
        },
        asio::detached);
  }
  io.run_for(180s);
  const double cpu_per_request = (cpu_ms((*child)->pid()) - cpu_before) / args.requests;
  const auto peak = rss.peak_kb();
  rss.stop();
  (*child)->signal(SIGTERM);
  static_cast<void>((*child)->wait_exit(5s));
  const double p50 = percentile(overhead_ms, 50), p99 = percentile(overhead_ms, 99),
               max = percentile(overhead_ms, 100);
  if (args.json) {
    std::printf("%s\n", nlohmann::json{{"requests", args.requests},
                                       {"ok", ok.load()},
                                       {"overhead_p50_ms", p50},
                                       {"overhead_p99_ms", p99},
                                       {"overhead_max_ms", max},
                                       {"format", args.format},
                                       {"first_request_overhead_ms", first_ms.value_or(-1)},
                                       {"picbot_cpu_ms_per_request", cpu_per_request},
                                       {"picbot_peak_rss_mb", peak / 1024.0}}
                            .dump()
                            .c_str());
  } else {
    std::printf("gateway_load: %d requests at once (%s), upstream %d ms with a %zu-byte PNG\n", args.requests,
                args.format.c_str(), args.delay_ms, args.image_bytes);
    if (first_ms) std::printf("  warm-up request overhead %.1f ms\n", *first_ms);
    std::printf(
        "  ok %d/%d\n  overhead p50 %.1f ms, p99 %.1f ms, max %.1f ms\n  picbot CPU %.1f ms per request\n"
        "  picbot peak RSS %.1f MB\n",
        ok.load(), args.requests, p50, p99, max, cpu_per_request, peak / 1024.0);
  }
  return ok == args.requests ? 0 : 1;
}
