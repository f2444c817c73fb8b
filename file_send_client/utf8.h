// Minimal UTF-8 checks for names and paths crossing the wire.
#pragma once

#include <cstddef>
#include <string_view>

namespace picbot::filesend {

// Length (1-4) of the well-formed UTF-8 sequence starting at text[i], or 0
// when it is malformed, overlong, a surrogate or beyond U+10FFFF.
// REQUIRES: i < text.size().
std::size_t utf8_sequence_length(std::string_view text, std::size_t i);

// True when text is well-formed UTF-8 without ASCII control characters.
bool is_clean_utf8(std::string_view text);

}  // namespace picbot::filesend
