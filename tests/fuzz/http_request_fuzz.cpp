// Fuzz target: raw bytes sent to the host's HttpServer (the web console's
// listener): Beast's request parser with the server's limits, keep-alive and
// pipelining, route matching (404/405, longest prefix), query and header
// access in handlers, and the error responses (400/413/431/500). The server
// runs for real on 127.0.0.1 in a background thread; each input is one
// connection that sends the bytes, half-closes and reads until the server
// closes.
// Invariants: the server always closes the connection (a hang shows up as a
// libFuzzer -timeout, or the CTest timeout in replay; no deadline here,
// because a fuzzer at low priority on a busy machine stalls for many
// seconds); what it
// sends is a sequence of well-formed HTTP/1.x responses, each with the
// security headers, and with status 200 only from a real route.
//
// The console's login, sessions and CSRF have their own target,
// console_login_fuzz.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>

#include "bot/core/json_limits.h"
#include "bot/core/logging.h"
#include "bot/web/health.h"
#include "bot/web/http_server.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/loopback_exchange.h"

namespace asio = boost::asio;
namespace http = boost::beast::http;
using namespace picbot;
using namespace picbot::web;

namespace {

struct Server {
  Server() {
    log::set_level("off");
    HttpServer::Options options;
    options.port = 0;
    options.max_header_bytes = 2048;  // small limits, so the fuzzer reaches 413 and 431
    options.max_body_bytes = 4096;
    options.read_timeout = std::chrono::seconds(5);
    options.idle_timeout = std::chrono::seconds(5);
    server = std::make_unique<HttpServer>(io.get_executor(), options);
    server->route("GET", "/health", make_health_handler([] { return std::size_t{1}; }));
    server->route("GET", "/api/", [](const HttpRequest& request) -> asio::awaitable<HttpResponse> {
      nlohmann::json echo = {{"q", request.query_param("q")},
                             {"cookie", request.header("Cookie")},
                             {"path", request.path},
                             {"body", request.body.size()}};
      co_return HttpResponse::json(echo);
    });
    server->route("POST", "/api/", [](const HttpRequest& request) -> asio::awaitable<HttpResponse> {
      // As the console's routes parse their bodies.
      const bool valid = picbot::parse_json(request.body).ok();
      co_return HttpResponse::json({{"valid_json", valid}}, valid ? 200 : 400);
    });
    server->route("POST", "/api/throw", [](const HttpRequest&) -> asio::awaitable<HttpResponse> {
      throw std::runtime_error("handler failed");
      co_return HttpResponse::text(200, "unreachable");
    });
    auto started = server->start();
    if (!started) std::abort();
    port = started.value();
    thread = std::thread([this] { io.run(); });
  }

  asio::io_context io;
  std::unique_ptr<HttpServer> server;
  std::uint16_t port = 0;
  std::thread thread;
};

Server& server() {
  static Server* s = new Server();  // runs until the process exits
  return *s;
}

// Checks that bytes are complete responses with the security headers.
void check_responses(std::string_view bytes) {
  while (!bytes.empty()) {
    http::response_parser<http::string_body> parser;
    parser.eager(true);
    boost::beast::error_code ec;
    const std::size_t used = parser.put(asio::buffer(bytes.data(), bytes.size()), ec);
    // A reset can cut the last response short; a complete one must parse.
    if (ec == http::error::need_more) return;
    FUZZ_CHECK(!ec);
    FUZZ_CHECK(parser.is_done());
    const auto& response = parser.get();
    FUZZ_CHECK(response[http::field::server] == "picbot");
    FUZZ_CHECK(response["X-Content-Type-Options"] == "nosniff");
    FUZZ_CHECK(response["Referrer-Policy"] == "no-referrer");
    FUZZ_CHECK(response.count(http::field::cache_control) == 1);
    const unsigned status = response.result_int();
    FUZZ_CHECK(status == 200 || status == 400 || status == 404 || status == 405 || status == 413 ||
               status == 431 || status == 500 || status == 503);
    bytes.remove_prefix(used);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Server& s = server();
  const std::string_view request(reinterpret_cast<const char*>(data), size);
  check_responses(fuzz::loopback_exchange(s.port, request));
  return 0;
}
