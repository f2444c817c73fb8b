#include "plugins/gemini_pic_gen/provider_lineup.h"

#include <algorithm>

#include "image/provider_registry.h"

namespace picbot::gemini {

ProviderLineup::ProviderLineup(image::ProviderDeps deps, image::FallbackChain::Observer observer)
    : deps_(deps), observer_(std::move(observer)) {}

Status ProviderLineup::apply(const PluginSettings& settings) {
  std::vector<std::string> configured;
  for (const image::ProviderConfig& member : settings.providers) configured.push_back(member.name);
  const auto in_chain = [&](const std::string& name) {
    return std::find(configured.begin(), configured.end(), name) != configured.end();
  };
  // Instances missing from settings.instances (a config read without the
  // image_providers map) are the chain's own.
  std::vector<image::ProviderConfig> configs = settings.instances;
  for (const image::ProviderConfig& member : settings.providers) {
    const bool listed = std::any_of(configs.begin(), configs.end(),
                                    [&](const image::ProviderConfig& c) { return c.name == member.name; });
    if (!listed) configs.push_back(member);
  }

  // Built first, applied after: a failure leaves everything as it was.
  std::vector<Built> next;
  std::vector<std::size_t> kept;  // indices into next of instances reconfigured in place
  for (image::ProviderConfig& config : configs) {
    Built built{config, nullptr, ""};
    const Built* before = find(config.name);
    if (before != nullptr && before->provider && before->provider->type() == config.type) {
      built.provider = before->provider;
      kept.push_back(next.size());
    } else if (auto created = image::create_provider(deps_, config); created) {
      built.provider = std::move(created).value();
    } else if (in_chain(config.name)) {
      return created.error();
    } else {
      built.problem = created.error().message;
    }
    next.push_back(std::move(built));
  }
  for (std::size_t index : kept) {
    Built& built = next[index];
    if (Status s = built.provider->reconfigure(built.config); !s) {
      if (in_chain(built.config.name)) return s;
      built.provider = nullptr;
      built.problem = s.error().message;
    }
  }
  instances_ = std::move(next);
  configured_ = std::move(configured);
  chain_ = make_chain(configured_);
  return {};
}

Status ProviderLineup::make_first(std::string_view name) {
  const Built* wanted = find(name);
  if (wanted == nullptr) {
    std::string known;
    for (const Built& built : instances_) known += (known.empty() ? "" : ", ") + built.config.name;
    return Error::not_found("no image provider " + std::string(name) + " (configured: " + known + ")");
  }
  if (!wanted->provider) return Error::unavailable(wanted->problem);
  std::vector<std::string> names{std::string(name)};
  for (const std::string& member : configured_) {
    if (member != name) names.push_back(member);
  }
  chain_ = make_chain(names);
  return {};
}

std::vector<ProviderLineup::Instance> ProviderLineup::instances() const {
  const std::vector<std::string> chain = chain_names();
  std::vector<Instance> out;
  for (const Built& built : instances_) {
    Instance instance{built.config.name, built.config.type, "", std::nullopt, built.problem};
    if (built.provider) instance.model = built.provider->model();
    const auto at = std::find(chain.begin(), chain.end(), built.config.name);
    if (at != chain.end()) instance.position = static_cast<std::size_t>(at - chain.begin());
    out.push_back(std::move(instance));
  }
  return out;
}

std::shared_ptr<image::Provider> ProviderLineup::instance(std::string_view name) const {
  const Built* built = find(name);
  return built == nullptr ? nullptr : built->provider;
}

std::vector<std::string> ProviderLineup::chain_names() const {
  std::vector<std::string> names;
  if (!chain_) return names;
  for (const auto& member : chain_->members()) names.push_back(member->name());
  return names;
}

std::shared_ptr<image::FallbackChain> ProviderLineup::make_chain(
    const std::vector<std::string>& names) const {
  std::vector<std::shared_ptr<image::Provider>> members;
  for (const std::string& name : names) members.push_back(find(name)->provider);
  return std::make_shared<image::FallbackChain>(std::move(members), observer_);
}

const ProviderLineup::Built* ProviderLineup::find(std::string_view name) const {
  for (const Built& built : instances_) {
    if (built.config.name == name) return &built;
  }
  return nullptr;
}

}  // namespace picbot::gemini
