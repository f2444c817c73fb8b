#include "bot/web/test_fetch.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <chrono>
#include <optional>

namespace picbot::web {

net::HttpResponse fetch_on(boost::asio::io_context& io, net::HttpClient& client, std::string method,
                           std::string url, std::string body,
                           std::vector<std::pair<std::string, std::string>> headers) {
  net::HttpRequest request;
  request.method = std::move(method);
  request.url = std::move(url);
  request.body = std::move(body);
  request.headers = std::move(headers);
  request.total_timeout = std::chrono::seconds(10);
  std::optional<Result<net::HttpResponse, net::HttpError>> outcome;
  boost::asio::co_spawn(
      io,
      [&]() -> boost::asio::awaitable<void> { outcome.emplace(co_await client.request(std::move(request))); },
      [&](std::exception_ptr) { io.stop(); });
  io.run_for(std::chrono::seconds(30));
  io.restart();
  if (!outcome || !*outcome) {
    ADD_FAILURE() << "request failed: " << (outcome ? outcome->error().message : "no outcome");
    return {};
  }
  return std::move(outcome->value());
}

}  // namespace picbot::web
