#include "tests/integration/console_client.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>

#include "tests/support/wait.h"

namespace picbot::testing {
using nlohmann::json;
using namespace std::chrono_literals;

net::HttpResponse blocking_request(net::HttpRequest request) {
  boost::asio::io_context io;
  net::HttpClient client(io.get_executor());
  const std::string what = request.method + " " + request.url;
  request.total_timeout = 10s;
  std::optional<Result<net::HttpResponse, net::HttpError>> outcome;
  boost::asio::co_spawn(
      io,
      [&]() -> boost::asio::awaitable<void> { outcome.emplace(co_await client.request(std::move(request))); },
      boost::asio::detached);
  io.run();
  if (!outcome || !*outcome) {
    ADD_FAILURE() << what << " failed: " << (outcome ? outcome->error().message : "no outcome");
    return {};
  }
  return std::move(outcome->value());
}

net::HttpResponse ConsoleClient::raw(const std::string& method, const std::string& path,
                                     std::vector<std::pair<std::string, std::string>> headers,
                                     std::string body) {
  net::HttpRequest request;
  request.method = method;
  request.url = base_ + path;
  request.headers = std::move(headers);
  request.body = std::move(body);
  return blocking_request(std::move(request));
}

net::HttpResponse ConsoleClient::login(const std::string& password) {
  auto response =
      raw("POST", "/login", {{"Content-Type", "application/json"}}, json{{"password", password}}.dump());
  if (response.status == 200) {
    const std::string set_cookie = response.header("set-cookie");
    cookie_ = set_cookie.substr(0, set_cookie.find(';'));
    csrf_ = json::parse(response.body).value("csrf", "");
  }
  return response;
}

net::HttpResponse ConsoleClient::get(const std::string& path,
                                     std::vector<std::pair<std::string, std::string>> headers) {
  if (!cookie_.empty()) headers.emplace_back("Cookie", cookie_);
  return raw("GET", path, std::move(headers));
}

net::HttpResponse ConsoleClient::post(const std::string& path, const json& body) {
  return post_with_csrf(path, body, csrf_);
}

net::HttpResponse ConsoleClient::post_with_csrf(const std::string& path, const json& body,
                                                std::optional<std::string> csrf) {
  std::vector<std::pair<std::string, std::string>> headers{{"Content-Type", "application/json"}};
  if (!cookie_.empty()) headers.emplace_back("Cookie", cookie_);
  if (csrf) headers.emplace_back("X-CSRF-Token", *csrf);
  return raw("POST", path, std::move(headers), body.dump());
}

std::optional<json> ConsoleClient::sandbox_reply(std::int64_t user_id, std::int64_t group_id, bool admin,
                                                 const std::string& text, std::chrono::milliseconds timeout,
                                                 std::function<bool(const json&)> match) {
  return sandbox_reply(json{{"user_id", user_id}, {"group_id", group_id}, {"admin", admin}, {"text", text}},
                       timeout, std::move(match));
}

json ConsoleClient::sandbox_messages(std::uint64_t after) {
  auto answer = get("/api/sandbox/messages?after=" + std::to_string(after));
  if (answer.status != 200) return json::array();
  return json::parse(answer.body)["messages"];
}

std::optional<json> ConsoleClient::sandbox_reply(const json& body, std::chrono::milliseconds timeout,
                                                 std::function<bool(const json&)> match) {
  auto sent = post("/api/sandbox/send", body);
  if (sent.status != 200) {
    ADD_FAILURE() << "sandbox send: " << sent.status << " " << sent.body;
    return std::nullopt;
  }
  sandbox_seen_ = json::parse(sent.body)["id"].get<std::uint64_t>();
  std::optional<json> reply;
  wait_until(
      [&] {
        auto answer = get("/api/sandbox/messages?after=" + std::to_string(sandbox_seen_));
        if (answer.status != 200) return false;
        const json body = json::parse(answer.body);
        for (const auto& m : body["messages"]) {
          sandbox_seen_ = std::max(sandbox_seen_, m["id"].get<std::uint64_t>());
          if (m["direction"] == "out" && (!match || match(m))) {
            reply = m;
            return true;
          }
        }
        return false;
      },
      timeout);
  return reply;
}

}  // namespace picbot::testing

namespace picbot::testing {
std::string ConsoleClient::text_of(const json& message) {
  std::string text;
  for (const auto& seg : message["segments"]) {
    if (seg.value("type", "") == "text") text += seg["data"].value("text", "");
  }
  return text;
}
}  // namespace picbot::testing
