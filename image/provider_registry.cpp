#include "image/provider_registry.h"

#include <string>

#include "image/limited_provider.h"

namespace picbot::image {
namespace {

Error unknown_type(const ProviderConfig& config) {
  std::string known;
  for (const ProviderType* type : builtin_provider_types()) {
    if (!known.empty()) known += ", ";
    known += type->type;
  }
  return Error::make("bad_config", "image provider " + config.name + ": unknown type \"" + config.type +
                                       "\" (known: " + known + ")");
}

}  // namespace

const ProviderType* find_provider_type(std::string_view type) {
  for (const ProviderType* candidate : builtin_provider_types()) {
    if (candidate->type == type) return candidate;
  }
  return nullptr;
}

Status check_provider_config(const ProviderConfig& config) {
  const ProviderType* type = find_provider_type(config.type);
  if (type == nullptr) return unknown_type(config);
  if (auto limits = rate_limits_from(config.section, config.name); !limits) return limits.error();
  return type->check(config);
}

Result<std::unique_ptr<Provider>> create_provider(const ProviderDeps& deps, const ProviderConfig& config) {
  const ProviderType* type = find_provider_type(config.type);
  if (type == nullptr) return unknown_type(config);
  auto limits = rate_limits_from(config.section, config.name);
  if (!limits) return limits.error();
  auto provider = type->create(deps, config);
  if (!provider) return provider.error();
  return std::unique_ptr<Provider>(
      std::make_unique<LimitedProvider>(std::move(provider).value(), deps.clock, *limits));
}

}  // namespace picbot::image
