// Checks for requests that block private addresses but go through a proxy.
// The proxy connects for us, so the socket checks of HttpClient would only
// see the proxy: instead each hop's host is resolved and checked here before
// its URL is handed to the proxy, and redirects are followed one checked hop
// at a time (HttpClient::request does both).
//
// Left open: the proxy resolves the name again and could get another answer
// (DNS rebinding); only an operator's own proxy can close that.
//
// REQUIRES for all functions: libcurl is loaded (CurlLibrary::load()).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string>

#include "bot/core/result.h"
#include "bot/net/http_client.h"

namespace picbot::net {

// Returns ok when url is http(s) and its host is public: a public IP literal,
// or a name every address of which (resolved here, asynchronously) is public.
// Errors: kBlockedAddress for a private literal, "localhost", "*.localhost" or
// a name with any private address; kResolveFailed when the name does not
// resolve here (it cannot be checked); kBadUrl for a malformed URL or another
// scheme.
boost::asio::awaitable<Result<void, HttpError>> check_proxied_target(const std::string& url);

// The request for the next hop when response is a redirect (301, 302, 303,
// 307, 308 with a Location), nullopt for any other response. Location is
// resolved against request.url; 303, and 301/302 after a POST, become a GET
// without body; Authorization and Cookie are dropped when the origin changes.
// Error kBadUrl when Location is malformed or not http/https.
Result<std::optional<HttpRequest>, HttpError> redirect_request(const HttpRequest& request,
                                                               const HttpResponse& response);

}  // namespace picbot::net
