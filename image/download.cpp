#include "image/download.h"

#include "bot/llm/provider_error.h"
#include "image/format.h"

namespace picbot::image {

using llm::FailureClass;
using llm::ProviderError;

boost::asio::awaitable<Result<std::string, ProviderError>> download_image(net::HttpClient& http,
                                                                          const std::string& url,
                                                                          const DownloadOptions& options) {
  net::HttpRequest http_request;
  http_request.url = url;
  http_request.total_timeout = options.timeout;
  http_request.max_response_bytes = options.max_bytes;
  http_request.proxy = options.proxy;
  http_request.max_redirects = 3;
  http_request.block_private_addresses = !options.allow_private_addresses;
  auto response = co_await http.request(std::move(http_request));
  if (!response.ok()) {
    ProviderError error = llm::classify_transport_error(response.error());
    error.message = "image download failed: " + error.message;
    // A refused address or a bad URL is the provider's answer being wrong, not our request.
    if (error.cls == FailureClass::kBadRequest) error.cls = FailureClass::kBadResponse;
    co_return error;
  }
  const int status = static_cast<int>(response->status);
  if (status < 200 || status > 299) {
    const FailureClass cls = llm::classify_status(status) == FailureClass::kTransient
                                 ? FailureClass::kTransient
                                 : FailureClass::kBadResponse;
    co_return ProviderError{cls, status, "image download failed with HTTP " + std::to_string(status),
                            std::nullopt};
  }
  co_return std::move(response->body);
}

boost::asio::awaitable<Result<GeneratedImage, ProviderError>> complete_image(net::HttpClient& http,
                                                                             GeneratedImage image,
                                                                             const std::string& url,
                                                                             const DownloadOptions& options,
                                                                             int status) {
  std::optional<std::string> downloaded;
  if (!url.empty()) {
    auto bytes = co_await download_image(http, url, options);
    if (!bytes.ok()) co_return bytes.error();
    downloaded.emplace(std::move(bytes).value());
  }
  co_return finish_image(std::move(image), std::move(downloaded), options.max_bytes, status);
}

Result<GeneratedImage, ProviderError> finish_image(GeneratedImage image,
                                                   std::optional<std::string> downloaded,
                                                   std::size_t max_bytes, int status) {
  if (downloaded) {
    image.bytes = std::move(*downloaded);
    auto format = verify_image(image.bytes);
    if (!format.ok()) return format.error();
    image.mime = image_mime(*format);
    image.extension = image_extension(*format);
  }
  if (image.bytes.size() > max_bytes) {
    return ProviderError{FailureClass::kBadResponse, status,
                         "image of " + std::to_string(image.bytes.size()) + " bytes exceeds max_image_bytes",
                         std::nullopt};
  }
  return image;
}

}  // namespace picbot::image
