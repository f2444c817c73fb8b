// Schema fields that more than one section declares (the llm section and
// provider plugins), so their keys, defaults and descriptions stay the same.
#pragma once

#include <string>

#include "bot/config/schema.h"

namespace picbot::config {

// "max_retry_attempts": attempts per key, default 3, from 1 to max_attempts.
Field retry_attempts_field(long long max_attempts);

// "backoff_initial_seconds": wait before the first retry (doubled after),
// default 2, from 0 to max_seconds.
Field backoff_initial_field(double max_seconds);

// "backoff_max_seconds": longest wait between two retries, default 10, 0-600.
Field backoff_max_field();

// "proxy": the proxy URL for one upstream, default "" (direct). what_zh and
// what_en name it ("访问 OpenRouter 的代理", "Proxy for OpenRouter"); the
// examples and "empty means direct" are appended.
Field proxy_field(const std::string& what_zh, const std::string& what_en);

}  // namespace picbot::config
