#include "bot/net/transfer_encoding.h"

#include <cctype>

namespace picbot::net {

bool is_plain_chunked(std::string_view value) {
  const auto is_space = [](char c) { return c == ' ' || c == '\t'; };
  while (!value.empty() && is_space(value.front())) value.remove_prefix(1);
  while (!value.empty() && is_space(value.back())) value.remove_suffix(1);
  constexpr std::string_view kChunked = "chunked";
  if (value.size() != kChunked.size()) return false;
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(value[i])) != kChunked[i]) return false;
  }
  return true;
}

}  // namespace picbot::net
