#include "bot/app/storage_settings.h"

#include "bot/app/host_messages.h"
#include "bot/core/message_table.h"

namespace picbot {
namespace {
using nlohmann::json;

constexpr std::chrono::minutes kDefaultTtl{15};

std::int64_t integer_at(const json& object, const char* key, std::int64_t fallback) {
  if (!object.is_object() || !object.contains(key) || !object[key].is_number_integer()) return fallback;
  return object[key].get<std::int64_t>();
}
}  // namespace

StorageSettings storage_settings(const json& values) {
  StorageSettings settings;
  const json storage = values.value("storage", json::object());
  const json local = storage.value("local", json::object());
  settings.backend = storage.value("backend", "local");
  settings.max_cache_bytes = static_cast<std::uint64_t>(integer_at(local, "max_cache_mb", 0)) * 1024 * 1024;
  settings.metadata_retention = std::chrono::hours(24 * integer_at(storage, "metadata_retention_days", 365));
  settings.delete_remote_on_expiry = storage.value("delete_remote_on_expiry", false);
  settings.ttl = std::chrono::minutes(integer_at(local, "ttl_minutes", 15));
  if (settings.ttl != kDefaultTtl) return settings;
  const json plugins = values.value("plugins", json::object());
  for (const auto& [name, section] : plugins.items()) {
    const std::int64_t minutes = integer_at(section, "image_ttl_minutes", 0);
    if (minutes <= 0) continue;
    settings.ttl = std::chrono::minutes(minutes);
    settings.ttl_alias = "plugins." + name + ".image_ttl_minutes";
    break;
  }
  return settings;
}

std::vector<config::ConfigIssue> storage_problems(const json& values, std::string_view language) {
  register_host_messages();
  std::vector<config::ConfigIssue> problems;
  if (storage_settings(values).backend == "s3")
    problems.push_back({"storage.backend", tr(language, "host.storage_s3_not_yet")});
  return problems;
}

}  // namespace picbot
