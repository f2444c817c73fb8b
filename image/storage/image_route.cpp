#include "image/storage/image_route.h"

#include <algorithm>
#include <chrono>

#include "bot/core/logging.h"
#include "image/storage/storage_messages.h"

namespace picbot::image {

boost::asio::awaitable<web::HttpResponse> serve_stored_image(ImageStore& store, const Clock& clock,
                                                             const web::HttpRequest& request) {
  const std::string_view path = request.path;
  const std::string_view id =
      path.starts_with(kImageRoutePrefix) ? path.substr(kImageRoutePrefix.size()) : "";
  const bool well_formed = id.size() == 32 && std::all_of(id.begin(), id.end(), [](char c) {
                             return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
                           });
  std::optional<StoredImage> image = well_formed ? store.find(id) : std::nullopt;
  if (!image) co_return web::HttpResponse::text(404, "not found\n");
  auto bytes = co_await store.read(*image);
  if (!bytes) {
    if (!bytes.error().is_not_found())
      log::get("storage")->warn("{}", storage_log_text("log.storage.cannot_serve_image", fmt::arg("id", id),
                                                       fmt::arg("reason", bytes.error().message)));
    co_return web::HttpResponse::text(404, "not found\n");
  }
  const auto left = store.expires(*image) - clock.now();
  const auto max_age = std::max<long long>(0, std::chrono::duration_cast<std::chrono::seconds>(left).count());
  web::HttpResponse response;
  response.content_type = image->mime;
  response.headers.emplace_back("Cache-Control", "private, max-age=" + std::to_string(max_age));
  response.body = std::move(*bytes);
  co_return response;
}

}  // namespace picbot::image
