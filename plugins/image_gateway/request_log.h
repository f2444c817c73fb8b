// RequestLog: what the gateway served, for the console and /api/status: the
// last 100 requests, and requests and images per key since start.
// Thread-safety: io_context thread only.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

namespace picbot::gateway {

struct RequestRecord {
  std::int64_t time_ms = 0;  // epoch milliseconds when it arrived
  std::string key;           // key name; "" when none was accepted
  std::string route;         // "images/generations", ...
  std::string model;
  int status = 0;
  std::int64_t duration_ms = 0;
  int images = 0;
};

class RequestLog {
 public:
  static constexpr std::size_t kKept = 100;

  // One key's figures since start.
  struct Totals {
    std::int64_t requests = 0, images = 0, failures = 0;
    std::int64_t last_ms = 0;  // when its latest request arrived; 0: none yet
  };

  void add(RequestRecord record);
  // {"recent": [newest first], "per_key": {name: {"requests", "images", "failures", "last_ms"}}}
  nlohmann::json to_json() const;
  // The figures of the key named name (zero when it made no request).
  Totals totals(const std::string& name) const;

 private:
  std::deque<RequestRecord> recent_;
  std::map<std::string, Totals> per_key_;
};

}  // namespace picbot::gateway
