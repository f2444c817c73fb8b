// EmbeddedAsset: a file compiled into the binary by picbot_embed_assets()
// (cmake/embed_assets.cmake), so the web console needs no files at run time.
// The generated function returns every asset of one set; data lives for the
// whole program.
#pragma once

#include <span>
#include <string_view>

namespace picbot::web {

struct EmbeddedAsset {
  std::string_view path;          // relative to the set's base directory: "js/app.js"
  std::string_view content_type;  // from the extension: "text/javascript; charset=utf-8"
  std::string_view data;
};

// The asset at path in assets, or nullptr.
inline const EmbeddedAsset* find_asset(std::span<const EmbeddedAsset> assets, std::string_view path) {
  for (const auto& asset : assets) {
    if (asset.path == path) return &asset;
  }
  return nullptr;
}

}  // namespace picbot::web
