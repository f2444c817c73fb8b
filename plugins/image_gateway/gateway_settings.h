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

struct ApiKey {
  std::string name;  // shown in logs, the console and quota buckets (gateway:<name>)
  std::string key;
};

struct QuotaSettings {
  bool enabled = false;
  std::int64_t limit = 100;  // images per key per window
  std::chrono::minutes window{24 * 60};
};

struct GatewaySettings {
  std::string listen;  // "host:port" of an own listener; "" = the host's web server
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
  // resolved). "bad_config" naming the key for a duplicate alias id or key
  // name, an alias whose provider the map lacks, or a bad listen address.
  static Result<GatewaySettings> from_config(const nlohmann::json& section,
                                             const nlohmann::json& image_providers = nullptr);

  // The alias named id, or nullptr.
  const ModelAlias* alias(std::string_view id) const;
};

std::vector<config::Field> gateway_schema();

// "host:port" split, the host an IP literal (or "localhost"). "bad_config"
// naming plugins.image_gateway.listen otherwise.
struct ListenAddress {
  std::string host;
  std::uint16_t port = 0;
  bool loopback = false;
};
Result<ListenAddress> parse_gateway_listen(std::string_view text);

}  // namespace picbot::gateway
