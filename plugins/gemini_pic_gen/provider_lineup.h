// ProviderLineup: the plugin's image provider instances (every configured
// one, PluginSettings::instances) and the chain that draws
// (PluginSettings::providers, or another instance moved first by
// /banana provider until the next reload). A reload builds a new chain;
// instances whose name and type stay are kept and reconfigured, so their
// keys' states survive. A drawing holds the chain it started with
// (shared ownership) and ends on it, whatever happens meanwhile.
// Thread-safety: io_context thread only.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bot/core/result.h"
#include "image/fallback_chain.h"
#include "image/provider.h"
#include "plugins/gemini_pic_gen/plugin_settings.h"

namespace picbot::gemini {

class ProviderLineup {
 public:
  // One configured instance, for /banana provider.
  struct Instance {
    std::string name;
    std::string type;
    std::string model;                    // "" when it could not be built
    std::optional<std::size_t> position;  // in the chain in use; nullopt: not in it
    std::string problem;                  // why it cannot draw ("" when it can)
  };

  // deps must outlive this; observer (may be empty) hears every member's
  // outcome, of every chain built here.
  ProviderLineup(image::ProviderDeps deps, image::FallbackChain::Observer observer);

  // Builds the instances and the chain, in the configured order. An instance
  // of the chain that cannot be built is an error and changes nothing; any
  // other is listed with its problem.
  Status apply(const PluginSettings& settings);

  // The chain in use (never null after a successful apply()).
  std::shared_ptr<image::FallbackChain> chain() const { return chain_; }

  // Puts the instance named name first; the others of the configured chain
  // follow in their order. "not_found" naming the instances for an unknown
  // name; "unavailable" with the problem for one that cannot be built.
  Status make_first(std::string_view name);

  // The configured instance named name, whether in the chain or not; null
  // when none is configured by that name or it could not be built.
  std::shared_ptr<image::Provider> instance(std::string_view name) const;

  // Every configured instance, in configuration order.
  std::vector<Instance> instances() const;
  // The names of the chain in use, in order.
  std::vector<std::string> chain_names() const;

 private:
  struct Built {
    image::ProviderConfig config;
    std::shared_ptr<image::Provider> provider;  // null when it could not be built
    std::string problem;
  };

  std::shared_ptr<image::FallbackChain> make_chain(const std::vector<std::string>& names) const;
  const Built* find(std::string_view name) const;

  image::ProviderDeps deps_;
  image::FallbackChain::Observer observer_;
  std::vector<Built> instances_;
  std::vector<std::string> configured_;  // PluginSettings::providers' names
  std::shared_ptr<image::FallbackChain> chain_;
};

}  // namespace picbot::gemini
