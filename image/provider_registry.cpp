#include "image/provider_registry.h"

#include <string>

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
  return type->check(config);
}

Result<std::unique_ptr<Provider>> create_provider(const ProviderDeps& deps, const ProviderConfig& config) {
  const ProviderType* type = find_provider_type(config.type);
  if (type == nullptr) return unknown_type(config);
  return type->create(deps, config);
}

}  // namespace picbot::image
