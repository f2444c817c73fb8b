// Downloads an image a provider answered with by URL (DALL·E, Seedream,
// DashScope...). The URL comes from the upstream, so private and loopback
// addresses are refused unless allowed (the SSRF guard of net::HttpClient).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <string>

#include "bot/core/result.h"
#include "bot/llm/provider_error.h"
#include "bot/net/http_client.h"

namespace picbot::image {

struct DownloadOptions {
  std::chrono::milliseconds timeout{180'000};
  std::size_t max_bytes = 32 * 1024 * 1024;
  std::string proxy;  // "" = direct
  bool allow_private_addresses = false;
};

// The body of GET url (up to 3 redirects). Errors: kTransient for a transport
// failure or a retryable status (5xx, 429), kBadResponse for any other
// non-2xx status, a refused address or an unusable URL (the provider's answer
// is wrong, not our request). The bytes are not checked to be an image.
boost::asio::awaitable<Result<std::string, llm::ProviderError>> download_image(
    net::HttpClient& http, const std::string& url, const DownloadOptions& options);

}  // namespace picbot::image
