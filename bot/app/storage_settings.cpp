#include "bot/app/storage_settings.h"

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
  const json s3 = storage.value("s3", json::object());
  image::s3::S3Settings& bucket = settings.s3;
  bucket.endpoint = s3.value("endpoint", "");
  bucket.region = s3.value("region", "auto");
  bucket.bucket = s3.value("bucket", "");
  bucket.access_key_id = s3.value("access_key_id", "");
  bucket.secret_access_key = s3.value("secret_access_key", "");
  bucket.public_base_url = s3.value("public_base_url", "");
  bucket.key_prefix = s3.value("key_prefix", "picbot");
  bucket.path_style = s3.value("path_style", true);
  bucket.presign_seconds = static_cast<int>(integer_at(s3, "presign_seconds", 3600));
  bucket.max_parallel_uploads = static_cast<int>(integer_at(s3, "max_parallel_uploads", 4));
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

std::vector<config::ConfigIssue> storage_problems(const json& values) {
  std::vector<config::ConfigIssue> problems;
  const StorageSettings settings = storage_settings(values);
  if (settings.backend != "s3") return problems;
  const Status valid = settings.s3.validate();
  if (valid.ok()) return problems;
  // validate() says "storage.s3.<field>: <what is wrong>": the path goes
  // where every config issue has its path.
  std::string message = valid.error().message;
  std::string path = "storage.s3";
  if (const auto colon = message.find(": ");
      message.starts_with("storage.s3.") && colon != std::string::npos) {
    path = message.substr(0, colon);
    message.erase(0, colon + 2);
  }
  problems.push_back({std::move(path), std::move(message)});
  return problems;
}

}  // namespace picbot
