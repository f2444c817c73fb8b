// The /health route: a public liveness probe for monitors and tests.
#pragma once

#include <cstddef>
#include <functional>

#include "bot/web/http_types.h"

namespace picbot::web {

// Returns a GET handler answering
// {"status":"ok","version":...,"uptime_seconds":N,"onebot":{"links":N}}.
// Uptime counts from this call. link_count is called per request on the
// io_context thread. Reveals no configuration or secrets.
HttpHandler make_health_handler(std::function<std::size_t()> link_count);

}  // namespace picbot::web
