// UTF-8 checks for names and paths crossing the wire, and cutting UTF-8 text
// to a budget without splitting a character.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace picbot {

// Length (1-4) of the well-formed UTF-8 sequence starting at text[i], or 0
// when it is malformed, overlong, a surrogate or beyond U+10FFFF.
// REQUIRES: i < text.size().
std::size_t utf8_sequence_length(std::string_view text, std::size_t i);

// True when text is well-formed UTF-8 without ASCII control characters.
bool is_clean_utf8(std::string_view text);

// The longest prefix of text of at most max_bytes bytes that does not end
// inside a character (all of text when it fits). Views text's storage.
std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes);

// text when it fits in max_bytes, else utf8_prefix(text, max_bytes) + "…".
std::string utf8_shorten(std::string_view text, std::size_t max_bytes);

// Number of code points in text (bytes that do not continue a character).
std::size_t count_code_points(std::string_view text);

// The first max_points code points of text (all of it when shorter). Views
// text's storage.
std::string_view code_point_prefix(std::string_view text, std::size_t max_points);

}  // namespace picbot
