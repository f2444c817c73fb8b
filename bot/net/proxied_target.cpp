#include "bot/net/proxied_target.h"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cctype>
#include <memory>

#include "bot/core/text.h"
#include "bot/net/curl_library.h"

namespace picbot::net {
namespace {

const CurlLibrary& curl() { return *CurlLibrary::load().value(); }

struct CurlUrlDeleter {
  void operator()(CURLU* url) const { curl().url_cleanup(url); }
};
using CurlUrl = std::unique_ptr<CURLU, CurlUrlDeleter>;

// One part of a parsed URL, "" when absent.
std::string part(const CurlUrl& url, CURLUPart which) {
  char* text = nullptr;
  if (curl().url_get(url.get(), which, &text, 0) != CURLUE_OK || text == nullptr) return "";
  std::string out(text);
  curl().free(text);
  return out;
}

// What a hop is judged by once parsed: scheme, host (lower case, IPv6
// without brackets) and port.
struct Origin {
  std::string scheme;
  std::string host;
  std::string port;
  bool operator==(const Origin&) const = default;
};

// Parses url (relative to base when base is given) into an http(s) origin;
// the full URL goes to *absolute when asked.
Result<Origin, HttpError> parse_origin(const std::string& url, const std::string* base = nullptr,
                                       std::string* absolute = nullptr) {
  CurlUrl parsed(curl().url());
  if (!parsed) return HttpError{HttpError::Kind::kOther, "out of memory parsing a URL"};
  if ((base != nullptr && curl().url_set(parsed.get(), CURLUPART_URL, base->c_str(), 0) != CURLUE_OK) ||
      curl().url_set(parsed.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) {
    return HttpError{HttpError::Kind::kBadUrl, "malformed URL"};
  }
  Origin origin{to_lower(part(parsed, CURLUPART_SCHEME)), to_lower(part(parsed, CURLUPART_HOST)), ""};
  char* port = nullptr;
  if (curl().url_get(parsed.get(), CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK &&
      port != nullptr) {
    origin.port = port;
    curl().free(port);
  }
  if (origin.scheme != "http" && origin.scheme != "https") {
    return HttpError{HttpError::Kind::kBadUrl, "scheme is not http or https"};
  }
  if (origin.host.size() >= 2 && origin.host.front() == '[' && origin.host.back() == ']') {
    origin.host = origin.host.substr(1, origin.host.size() - 2);
  }
  if (origin.host.empty()) return HttpError{HttpError::Kind::kBadUrl, "URL has no host"};
  if (absolute != nullptr) *absolute = part(parsed, CURLUPART_URL);
  return origin;
}

HttpError blocked(const std::string& why) { return HttpError{HttpError::Kind::kBlockedAddress, why}; }

// is_private_address for a parsed address; an IPv6 zone ("fe80::1%eth0")
// does not hide the range.
bool is_private(const boost::asio::ip::address& address) {
  if (address.is_v6())
    return is_private_address(boost::asio::ip::address_v6(address.to_v6().to_bytes()).to_string());
  return is_private_address(address.to_string());
}

bool is_redirect_status(long status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

}  // namespace

boost::asio::awaitable<Result<void, HttpError>> check_proxied_target(const std::string& url) {
  auto origin = parse_origin(url);
  if (!origin.ok()) co_return origin.error();
  std::string host = origin->host;
  if (host.ends_with('.')) host.pop_back();  // "localhost." is localhost
  if (host == "localhost" || host.ends_with(".localhost")) {
    co_return blocked("target host is a private or loopback address");
  }
  boost::system::error_code not_literal;
  const auto literal = boost::asio::ip::make_address(host, not_literal);
  if (!not_literal) {
    if (is_private(literal)) co_return blocked("target host is a private or loopback address");
    co_return Result<void, HttpError>();
  }

  // The system resolver runs on Asio's resolver thread, not the event loop.
  // No AI_ADDRCONFIG: every address the name has is checked.
  boost::asio::ip::tcp::resolver resolver(co_await boost::asio::this_coro::executor);
  auto [error, results] =
      co_await resolver.async_resolve(host, "0", boost::asio::ip::tcp::resolver::numeric_service,
                                      boost::asio::as_tuple(boost::asio::use_awaitable));
  if (error) {
    HttpError unresolved{HttpError::Kind::kResolveFailed,
                         "cannot resolve " + host + " to check it before the proxy: " + error.message()};
    co_return unresolved;
  }
  for (const auto& entry : results) {
    if (is_private(entry.endpoint().address())) {
      co_return blocked(host + " resolves to a private or loopback address");
    }
  }
  co_return Result<void, HttpError>();
}

Result<std::optional<HttpRequest>, HttpError> redirect_request(const HttpRequest& request,
                                                               const HttpResponse& response) {
  const std::string location = response.header("location");
  if (!is_redirect_status(response.status) || location.empty()) return std::optional<HttpRequest>();
  auto from = parse_origin(request.url);
  if (!from.ok()) return from.error();
  std::string next_url;
  auto to = parse_origin(location, &request.url, &next_url);
  if (!to.ok()) return to.error();

  HttpRequest next = request;
  next.url = std::move(next_url);
  const bool post_becomes_get =
      request.method == "POST" && (response.status == 301 || response.status == 302);
  if (response.status == 303 || post_becomes_get) {
    next.method = "GET";
    next.body.clear();
  }
  if (!(*from == *to)) {
    // As curl does without CURLOPT_UNRESTRICTED_AUTH: credentials stay with their origin.
    std::erase_if(next.headers, [](const auto& header) {
      const std::string name = to_lower(header.first);
      return name == "authorization" || name == "cookie";
    });
  }
  return std::optional<HttpRequest>(std::move(next));
}

}  // namespace picbot::net
