// GatewaySettings: plugins.image_gateway in typed form (the schema is
// gateway_schema()). Immutable once built; a reload builds a new one.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bot/config/schema.h"
#include "bot/core/result.h"
#include "image/provider.h"

namespace picbot::gateway {

// One name clients send as `model`, drawn by an image provider instance.
struct ModelAlias {
  std::string id;        // what /v1/models lists and clients send
  std::string provider;  // an image_providers instance name
  std::string model;     // the upstream model; "" = the instance's own
};

// Where a key came from: the console may revoke kFile and kConsole keys;
// kEnvironment ones (PICBOT_GATEWAY_API_KEYS) only the environment can change.
enum class KeySource { kFile, kEnvironment, kConsole };

struct ApiKey {
  std::string name;  // shown in logs, the console and quota buckets (gateway:<name>)
  std::string key;
  KeySource source = KeySource::kFile;
};

// The variable that replaces plugins.image_gateway.api_keys.
inline constexpr char kKeysEnvironment[] = "PICBOT_GATEWAY_API_KEYS";

struct QuotaSettings {
  bool enabled = false;
  std::int64_t limit = 100;  // images per key per window
  std::chrono::minutes window{24 * 60};
};

struct GatewaySettings {
  std::string listen;  // "host:port" of an own listener; "" = the host's web server
  // api_keys (from the file, or the environment) then console_keys (created
  // in the console), names unique across both.
  std::vector<ApiKey> api_keys;
  std::vector<ModelAlias> models;
  // Every image_providers instance (the aliases' ones are checked to exist).
  std::vector<image::ProviderConfig> instances;
  std::size_t max_upload_bytes = 25 * 1024 * 1024;
  bool allow_external_image_fetch = false;
  bool allow_private_network = false;
  std::string public_base_url;  // links to stored images; "" = the web server's
  QuotaSettings quota;

  // REQUIRES: section validated against gateway_schema(); image_providers the
  // validated top-level map, or null when unknown (then aliases are not
  // resolved); keys_from_environment: api_keys came from kKeysEnvironment.
  // "bad_config" naming the key for a duplicate alias id or key name (in
  // api_keys and console_keys together), an alias whose provider the map
  // lacks, or a bad listen address.
  static Result<GatewaySettings> from_config(const nlohmann::json& section,
                                             const nlohmann::json& image_providers = nullptr,
                                             bool keys_from_environment = false);

  // The keys of one source, as written in the config ({name, key} objects).
  nlohmann::json keys_json(KeySource source) const;

  // The alias named id, or nullptr.
  const ModelAlias* alias(std::string_view id) const;
};

std::vector<config::Field> gateway_schema();

// True when kKeysEnvironment is set (non-empty): the loader then took
// api_keys from it instead of the file.
bool keys_from_environment();

// "host:port" split, the host an IP literal (or "localhost"). "bad_config"
// naming plugins.image_gateway.listen otherwise.
struct ListenAddress {
  std::string host;
  std::uint16_t port = 0;
  bool loopback = false;
};
Result<ListenAddress> parse_gateway_listen(std::string_view text);

}  // namespace picbot::gateway
