// chat_first_byte_bench: how long a streamed chat answer's piece takes from
// the moment the upstream sends it until the gateway's relay hands it to the
// client's writer (issue 19: "a streamed chat answer's first byte leaves
// within 5 ms of the upstream's first byte"). In-process: a FakeChatServer
// streams (its own thread, loopback HTTP), picbot's side is the real path of
// the gateway's forwarded chat: HttpClient::open -> SseParser -> ChatStream
// -> StreamImageRewriter -> relay_stream, on one io_context. Each stream's
// clock starts before the fake writes the first delta (so it includes the
// fake's write and loopback) and stops when relay_stream calls the writer
// with that delta. The web server's own chunk write to the client is not in
// it (the route glue is the gateway plugin's).
//
// Usage: chat_first_byte_bench [--streams N] [--deltas N]
// Prints RESULT lines (bench/report.py).
#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "plugins/image_gateway/chat/chat_relay.h"
#include "tests/fakes/chat/fake_chat_server.h"
#include "tests/support/run_coroutine.h"

namespace asio = boost::asio;
using picbot::testing::ChatScript;
using picbot::testing::FakeBodyStream;
using picbot::testing::FakeChatServer;
using SteadyClock = std::chrono::steady_clock;

namespace {

double percentile(std::vector<double> values, double p) {
  std::sort(values.begin(), values.end());
  const std::size_t at = std::min(values.size() - 1, static_cast<std::size_t>(p * (values.size() - 1) + 0.5));
  return values[at];
}

}  // namespace

int main(int argc, char** argv) {
  int streams = 200;
  int deltas = 20;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--streams") == 0) streams = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--deltas") == 0) deltas = std::atoi(argv[i + 1]);
  }
  FakeChatServer chat;
  asio::io_context io;
  picbot::net::HttpClient http(io.get_executor());
  picbot::ManualClock clock;
  picbot::llm::KeyPool keys({"sk-bench-key-00000001"});
  picbot::gateway::ChatUpstream upstream;
  upstream.endpoint.api_base = chat.api_base();
  upstream.keys = &keys;
  picbot::gateway::ChatImages images(
      [](std::string, std::string) -> asio::awaitable<picbot::Result<std::string>> {
        co_return std::string("u");
      },
      picbot::gateway::ChatImageOptions{});
  const nlohmann::json body = {{"model", "m"},
                               {"messages", nlohmann::json::array({{{"role", "user"}, {"content", "hi"}}})}};
  const std::string delta = FakeChatServer::content_event("a few words of the answer, ");

  std::vector<double> first_ms;
  std::vector<double> each_ms;
  for (int s = 0; s < streams; ++s) {
    auto live = std::make_shared<FakeBodyStream>();
    chat.push(ChatScript::live_stream(live));
    int sent = 0;
    SteadyClock::time_point sent_at;
    auto send_next = [&] {
      if (sent == deltas) {
        live->send("data: [DONE]\n\n");
        live->finish();
        return;
      }
      ++sent;
      sent_at = SteadyClock::now();
      live->send(delta);
    };
    picbot::gateway::SseWrite write = [&](std::string piece) -> asio::awaitable<bool> {
      if (piece.find("\"content\"") != std::string::npos) {
        const double ms = std::chrono::duration<double, std::milli>(SteadyClock::now() - sent_at).count();
        (sent == 1 ? first_ms : each_ms).push_back(ms);
        send_next();
      }
      co_return true;
    };
    picbot::testing::run_coroutine(io, [&]() -> asio::awaitable<void> {
      auto stream = co_await picbot::gateway::open_forward_stream(http, clock, upstream, body);
      if (!stream.ok()) {
        std::fprintf(stderr, "open failed: %s\n", stream.error().to_string().c_str());
        std::exit(2);
      }
      send_next();
      co_await picbot::gateway::relay_stream(**stream, images, write);
    }());
  }
  std::printf("RESULT chat_streams %d streams\n", streams);
  std::printf("RESULT chat_first_byte_p50_ms %.3f ms\n", percentile(first_ms, 0.5));
  std::printf("RESULT chat_first_byte_p99_ms %.3f ms\n", percentile(first_ms, 0.99));
  std::printf("RESULT chat_first_byte_max_ms %.3f ms\n", percentile(first_ms, 1.0));
  std::printf("RESULT chat_delta_p50_ms %.3f ms\n", percentile(each_ms, 0.5));
  std::printf("RESULT chat_delta_p99_ms %.3f ms\n", percentile(each_ms, 0.99));
  return 0;
}
