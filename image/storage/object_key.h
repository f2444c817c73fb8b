// Where an image's bytes live, by content: identical bytes get one name, so
// they are stored (and uploaded) once.
#pragma once

#include <string>
#include <string_view>

namespace picbot::image {

// "<key_prefix>/<sha256[0:2]>/<sha256>.<extension>" (no leading '/'; an
// empty or "/"-only prefix gives "<sha256[0:2]>/<sha256>.<extension>").
// REQUIRES: sha256 is 64 lower-case hex characters.
inline std::string object_key(std::string_view key_prefix, std::string_view sha256,
                              std::string_view extension) {
  while (!key_prefix.empty() && key_prefix.front() == '/') key_prefix.remove_prefix(1);
  while (!key_prefix.empty() && key_prefix.back() == '/') key_prefix.remove_suffix(1);
  std::string key;
  key.reserve(key_prefix.size() + sha256.size() + extension.size() + 6);
  if (!key_prefix.empty()) key.append(key_prefix).push_back('/');
  key.append(sha256.substr(0, 2)).push_back('/');
  key.append(sha256).push_back('.');
  key.append(extension);
  return key;
}

}  // namespace picbot::image
