// A minimal CQ-string encoder, as NapCat builds raw_message and string-format
// messages. Test-side only; picbot has its own codec.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace picbot::testing {

// Text outside CQ codes: & [ ] escaped.
std::string escape_cq_text(std::string_view text);
// A CQ parameter value: also , escaped.
std::string escape_cq_value(std::string_view value);

// Encodes a message: an array of {"type","data"} segments (text segments
// become escaped text, others [CQ:type,key=value,...]; non-string values are
// written as JSON, e.g. numbers), or a string, taken as plain text.
std::string to_cq_string(const nlohmann::json& message);

}  // namespace picbot::testing
