#include "plugins/image_gateway/request_log.h"

#include <algorithm>

namespace picbot::gateway {

void RequestLog::add(RequestRecord record) {
  Totals& totals = per_key_[record.key];
  ++totals.requests;
  totals.images += record.images;
  if (record.status >= 400) ++totals.failures;
  totals.last_ms = std::max(totals.last_ms, record.time_ms);
  recent_.push_front(std::move(record));
  if (recent_.size() > kKept) recent_.pop_back();
}

nlohmann::json RequestLog::to_json() const {
  nlohmann::json recent = nlohmann::json::array();
  for (const RequestRecord& r : recent_) {
    recent.push_back({{"time_ms", r.time_ms},
                      {"key", r.key},
                      {"route", r.route},
                      {"model", r.model},
                      {"status", r.status},
                      {"duration_ms", r.duration_ms},
                      {"images", r.images}});
  }
  nlohmann::json per_key = nlohmann::json::object();
  for (const auto& [name, totals] : per_key_) {
    per_key[name] = {{"requests", totals.requests},
                     {"images", totals.images},
                     {"failures", totals.failures},
                     {"last_ms", totals.last_ms}};
  }
  return {{"recent", std::move(recent)}, {"per_key", std::move(per_key)}};
}

RequestLog::Totals RequestLog::totals(const std::string& name) const {
  const auto found = per_key_.find(name);
  return found == per_key_.end() ? Totals{} : found->second;
}

}  // namespace picbot::gateway
