#include "bot/web/health.h"

#include <chrono>

namespace picbot::web {

HttpHandler make_health_handler(std::function<std::size_t()> link_count) {
  const auto started = std::chrono::steady_clock::now();
  return [started,
          link_count = std::move(link_count)](const HttpRequest&) -> boost::asio::awaitable<HttpResponse> {
    const auto uptime =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started);
    nlohmann::json body{{"status", "ok"},
                        {"version", PICBOT_VERSION},
                        {"uptime_seconds", uptime.count()},
                        {"onebot", {{"links", link_count ? link_count() : 0}}}};
    co_return HttpResponse::json(body);
  };
}

}  // namespace picbot::web
