// CQ code strings, the text form of a OneBot message: "hi [CQ:at,qq=123] there".
// NapCat always sends raw_message in this form, and sends message in it when an
// operator set messagePostFormat to "string".
#pragma once

#include <string>
#include <string_view>

#include "bot/core/result.h"
#include "bot/onebot/segment.h"

namespace picbot::onebot {

// Parses a CQ string into segments. Text between codes becomes Text segments
// (unescaped; adjacent pieces merged). Codes go through segment_from_json, so
// they get the same lenient typing. Malformed codes (unterminated "[CQ:", a bad
// type name, a parameter without '=', a known type missing its required field)
// are kept as literal text, so this never fails on user-controlled input.
Result<Message> parse_cq(std::string_view text);

// Returns the CQ form of message. Data values are written as text; nested
// JSON in Unknown data is written as compact JSON. Parameters appear in key
// order.
std::string to_cq(const Message& message);

// Escapes text for a CQ string: & -> &amp;, [ -> &#91;, ] -> &#93;, and when
// in_param (a parameter value) also , -> &#44;.
std::string cq_escape(std::string_view text, bool in_param);

// Reverses cq_escape in one left-to-right pass, which has the effect of
// unescaping &amp; last: "&amp;#91;" becomes "&#91;", not "[". Unknown
// entities are left as they are.
std::string cq_unescape(std::string_view text);

}  // namespace picbot::onebot
