#include "plugins/gemini_pic_gen/quota/quota_policy.h"

#include <charconv>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>

namespace picbot::gemini {
namespace {

using nlohmann::json;

Error bad(const std::string& key, std::string_view problem) {
  return Error::make("bad_config", key + ": " + std::string(problem));
}

std::optional<std::int64_t> as_int64(const json& value) {
  if (value.is_number_unsigned()) {
    const auto u = value.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return std::nullopt;
    return static_cast<std::int64_t>(u);
  }
  if (value.is_number_integer()) return value.get<std::int64_t>();
  return std::nullopt;
}

// Chat ids: QQ numbers are often written as strings in copied configs.
std::optional<std::int64_t> as_id(const json& value) {
  if (value.is_string()) {
    const std::string& text = value.get_ref<const std::string&>();
    std::int64_t id = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return id;
  }
  return as_int64(value);
}

Status read_bool(const json& section, const char* key, bool& out) {
  if (!section.contains(key)) return {};
  const json& value = section.at(key);
  if (!value.is_boolean()) return bad(std::string("rate_limit.") + key, "must be true or false");
  out = value.get<bool>();
  return {};
}

Status read_int(const json& section, const char* key, std::int64_t min, std::int64_t& out) {
  if (!section.contains(key)) return {};
  auto value = as_int64(section.at(key));
  const std::string name = std::string("rate_limit.") + key;
  if (!value) return bad(name, "must be an integer");
  if (*value < min) return bad(name, "must be >= " + std::to_string(min));
  out = *value;
  return {};
}

// Reads [{<id_key>: id, limit: n}, ...] into {id, limit} pairs.
Status read_limits(const json& section, const char* list_key, const char* id_key,
                   std::vector<std::pair<std::int64_t, std::int64_t>>& out) {
  if (!section.contains(list_key)) return {};
  const json& list = section.at(list_key);
  const std::string name = std::string("rate_limit.") + list_key;
  if (!list.is_array()) return bad(name, "must be a list");
  out.clear();
  for (std::size_t i = 0; i < list.size(); ++i) {
    const json& item = list[i];
    const std::string at = name + "[" + std::to_string(i) + "]";
    if (!item.is_object()) return bad(at, std::string("must be an object {") + id_key + ", limit}");
    if (!item.contains(id_key)) return bad(at, std::string("missing ") + id_key);
    if (!item.contains("limit")) return bad(at, "missing limit");
    auto id = as_id(item.at(id_key));
    if (!id || *id <= 0) return bad(at + "." + id_key, "must be a positive integer");
    auto limit = as_int64(item.at("limit"));
    if (!limit) return bad(at + ".limit", "must be an integer");
    if (*limit < -1) return bad(at + ".limit", "must be >= -1");
    for (const auto& [seen, unused] : out) {
      if (seen == *id) return bad(at + "." + id_key, std::to_string(*id) + " is listed twice");
    }
    out.emplace_back(*id, *limit);
  }
  return {};
}

const std::int64_t* find_limit(const std::vector<std::pair<std::int64_t, std::int64_t>>& limits,
                               std::int64_t id) {
  for (const auto& [key, limit] : limits) {
    if (key == id) return &limit;
  }
  return nullptr;
}

QuotaDecision decide(std::string bucket, std::int64_t limit, QuotaTier tier) {
  QuotaDecision::Kind kind = QuotaDecision::kCounted;
  if (limit < 0) kind = QuotaDecision::kUnlimited;
  if (limit == 0) kind = QuotaDecision::kBlocked;
  return QuotaDecision{kind, std::move(bucket), limit < 0 ? -1 : limit, tier};
}

}  // namespace

Result<QuotaConfig> QuotaConfig::from_json(const nlohmann::json& section) {
  QuotaConfig config;
  if (section.is_null()) return config;
  if (!section.is_object()) return bad("rate_limit", "must be an object");
  for (Status step : {read_bool(section, "enabled", config.enabled),
                      read_int(section, "default_limit", -1, config.default_limit),
                      read_int(section, "reset_interval_minutes", 1, config.reset_interval_minutes),
                      read_limits(section, "group_limits", "group_id", config.group_limits),
                      read_limits(section, "user_limits", "user_id", config.user_limits),
                      read_bool(section, "exempt_admins", config.exempt_admins)}) {
    if (!step.ok()) return step.error();
  }
  return config;
}

QuotaDecision resolve(const QuotaConfig& config, std::int64_t user_id, std::int64_t group_id, bool is_admin) {
  const std::string user_bucket = "user:" + std::to_string(user_id);
  if (!config.enabled) return {QuotaDecision::kUnlimited, user_bucket, -1, QuotaTier::kDisabled};
  if (is_admin && config.exempt_admins)
    return {QuotaDecision::kUnlimited, user_bucket, -1, QuotaTier::kAdmin};
  if (const std::int64_t* limit = find_limit(config.user_limits, user_id)) {
    return decide(user_bucket, *limit, QuotaTier::kUser);
  }
  if (group_id != 0) {
    if (const std::int64_t* limit = find_limit(config.group_limits, group_id)) {
      return decide("group:" + std::to_string(group_id), *limit, QuotaTier::kGroup);
    }
  }
  return decide(user_bucket, config.default_limit, QuotaTier::kDefault);
}

}  // namespace picbot::gemini
