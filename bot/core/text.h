// ASCII text helpers shared by parsers of headers, config values and options.
// Bytes >= 0x80 (UTF-8) pass through unchanged; nothing depends on the locale.
#pragma once

#include <string>
#include <string_view>

namespace picbot {

// The ASCII whitespace of the "C" locale: space, \t, \n, \v, \f, \r.
inline constexpr std::string_view kAsciiWhitespace = " \t\n\v\f\r";

// text without the leading and trailing characters found in `strip`. The
// result views text's storage.
std::string_view trim(std::string_view text, std::string_view strip = kAsciiWhitespace);

// A copy of text with 'A'-'Z' turned into 'a'-'z'.
std::string to_lower(std::string_view text);

}  // namespace picbot
