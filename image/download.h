// Downloads an image a provider answered with by URL (DALL·E, Seedream,
// DashScope...). The URL comes from the upstream, so private and loopback
// addresses are refused unless allowed (the SSRF guard of net::HttpClient).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>

#include "bot/core/result.h"
#include "bot/llm/provider_error.h"
#include "bot/net/http_client.h"
#include "image/generated_image.h"

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

// The image of an answer, complete: when url is set, image.bytes are
// downloaded from it (download_image), then finish_image.
boost::asio::awaitable<Result<GeneratedImage, llm::ProviderError>> complete_image(
    net::HttpClient& http, GeneratedImage image, const std::string& url, const DownloadOptions& options,
    int status);

// complete_image's work once the bytes are here: downloaded bytes (when not
// nullopt) replace image.bytes and are verified, mime and extension taken
// from the magic bytes; then kBadResponse when the bytes exceed max_bytes
// ("image of N bytes exceeds max_image_bytes"; status is the answer's HTTP
// status, for the error).
Result<GeneratedImage, llm::ProviderError> finish_image(GeneratedImage image,
                                                        std::optional<std::string> downloaded,
                                                        std::size_t max_bytes, int status);

}  // namespace picbot::image
