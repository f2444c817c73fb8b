#include "bot/config/shared_fields.h"

namespace picbot::config {

Field retry_attempts_field(long long max_attempts) {
  return int_field("max_retry_attempts", 3, "每个密钥的最大尝试次数（遇到临时错误时重试；1 = 不重试）。",
                   "Attempts per key (transient errors are retried; 1 = no retry).", 1,
                   static_cast<double>(max_attempts));
}

Field backoff_initial_field(double max_seconds) {
  return float_field("backoff_initial_seconds", 2, "首次重试前的等待时间（秒），之后每次翻倍。",
                     "Wait before the first retry, in seconds; doubled for each further retry.", 0,
                     max_seconds);
}

Field backoff_max_field() {
  return float_field("backoff_max_seconds", 10, "两次重试之间的最长等待时间（秒）。",
                     "Longest wait between two retries, in seconds.", 0, 600);
}

Field proxy_field(const std::string& what_zh, const std::string& what_en) {
  return string_field(
      "proxy", "", what_zh + "，如 http://127.0.0.1:7890 或 socks5://127.0.0.1:1080；留空表示直连。",
      what_en + ", e.g. http://127.0.0.1:7890 or socks5://127.0.0.1:1080; empty means direct.");
}

}  // namespace picbot::config
