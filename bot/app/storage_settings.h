// The `storage` config section as the host's image store takes it, with
// the deprecated plugins.<name>.image_ttl_minutes as an alias of
// storage.local.ttl_minutes (where the key lived before the store became the
// host's).
#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "bot/config/config_loader.h"
#include "image/storage/s3/s3_settings.h"

namespace picbot {

struct StorageSettings {
  std::string backend = "local";  // "local" | "s3"
  std::chrono::minutes ttl{15};
  std::uint64_t max_cache_bytes = 0;  // 0: no cap
  std::chrono::hours metadata_retention{24 * 365};
  bool delete_remote_on_expiry = false;
  // Set when the TTL came from the deprecated key: its dotted path.
  std::optional<std::string> ttl_alias;
  image::s3::S3Settings s3;  // storage.s3, used when backend is "s3"
};

// Reads values (validated). The alias applies while
// storage.local.ttl_minutes is at its default (15); a set
// storage.local.ttl_minutes wins.
StorageSettings storage_settings(const nlohmann::json& values);

// What App::start refuses in the storage section: with backend s3, bucket
// settings S3Settings::validate() refuses (in the log language). Empty when
// there is none.
std::vector<config::ConfigIssue> storage_problems(const nlohmann::json& values);

}  // namespace picbot
