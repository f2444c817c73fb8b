// ConsoleClient: a blocking HTTP client for the web console in integration
// tests. It keeps the session cookie and CSRF token after login(), and sends
// them with every request (the CSRF header only on writes).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bot/net/http_client.h"

namespace picbot::testing {

// Sends one request with picbot's own HttpClient on a private io_context
// (10 s total timeout) and blocks until it finishes; a transport failure is
// reported as a test failure and yields an empty response.
net::HttpResponse blocking_request(net::HttpRequest request);

class ConsoleClient {
 public:
  explicit ConsoleClient(std::uint16_t port) : base_("http://127.0.0.1:" + std::to_string(port)) {}

  // POST /login; on 200 keeps the cookie and CSRF token. Returns the response.
  net::HttpResponse login(const std::string& password);

  net::HttpResponse get(const std::string& path,
                        std::vector<std::pair<std::string, std::string>> headers = {});
  // POST with a JSON body; csrf: send the session's token (default), or the
  // given one, or none (nullopt).
  net::HttpResponse post(const std::string& path, const nlohmann::json& body);
  net::HttpResponse post_with_csrf(const std::string& path, const nlohmann::json& body,
                                   std::optional<std::string> csrf);
  // Any request, exactly as given (no cookie, no CSRF unless in headers).
  net::HttpResponse raw(const std::string& method, const std::string& path,
                        std::vector<std::pair<std::string, std::string>> headers, std::string body = {});

  // Sends a sandbox message and waits for the first reply after it that
  // matches (any reply when match is empty); returns that message entry
  // ({direction, segments, ...}).
  std::optional<nlohmann::json> sandbox_reply(std::int64_t user_id, std::int64_t group_id, bool admin,
                                              const std::string& text, std::chrono::milliseconds timeout,
                                              std::function<bool(const nlohmann::json&)> match = nullptr);
  // The same for a whole /api/sandbox/send body (image, reply_to, ...).
  std::optional<nlohmann::json> sandbox_reply(const nlohmann::json& body, std::chrono::milliseconds timeout,
                                              std::function<bool(const nlohmann::json&)> match = nullptr);
  // The sandbox transcript entries after entry id after.
  nlohmann::json sandbox_messages(std::uint64_t after = 0);

  // The concatenated text segments of a sandbox message entry.
  static std::string text_of(const nlohmann::json& message);

  const std::string& cookie() const { return cookie_; }
  const std::string& csrf() const { return csrf_; }
  const std::string& base() const { return base_; }

 private:
  std::string base_;
  std::string cookie_;  // "picbot_session=..."
  std::string csrf_;
  std::uint64_t sandbox_seen_ = 0;
};

}  // namespace picbot::testing
