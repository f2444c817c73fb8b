// GET /images/<id>: the host's route for stored images. Mounted by bot/app
// on the web server, so every plugin's images share one URL space.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "bot/core/clock.h"
#include "bot/web/http_types.h"
#include "image/storage/image_store.h"

namespace picbot::image {

inline constexpr std::string_view kImageRoutePrefix = "/images/";

// Answers GET /images/<id> from store: the bytes with their MIME type and a
// private Cache-Control until the local copy expires. Anything else (a
// malformed id, an unknown, expired or deleted image) is 404, and no path
// reaches the disk.
boost::asio::awaitable<web::HttpResponse> serve_stored_image(ImageStore& store, const Clock& clock,
                                                             const web::HttpRequest& request);

}  // namespace picbot::image
