// Base64 (RFC 4648, standard alphabet, padded) for images sent to and received
// from NapCat and upstream image APIs. Both directions are a single pass over
// the input with one allocation for the output.
#pragma once

#include <string>
#include <string_view>

#include "bot/core/result.h"

namespace picbot::onebot {

// Returns the padded base64 encoding of bytes.
std::string base64_encode(std::string_view bytes);

// Appends the padded base64 encoding of bytes to out (lets callers build
// "base64://..." without a second copy of a large image).
void base64_encode_append(std::string_view bytes, std::string& out);

// Decodes padded base64. ASCII whitespace (space, tab, CR, LF) anywhere is
// skipped. Fails with code "bad_base64" and a message naming the offset when
// the input holds a character outside the alphabet, misplaced padding, data
// after the padding, or ends inside a 4-character group (truncated input;
// unpadded base64 is therefore rejected too).
Result<std::string> base64_decode(std::string_view text);

}  // namespace picbot::onebot
