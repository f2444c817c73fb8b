#include "tests/fakes/napcat/cq_encode.h"

namespace picbot::testing {
namespace {

std::string escape(std::string_view in, bool escape_comma) {
  std::string out;
  out.reserve(in.size());
  for (const char c : in) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '[':
        out += "&#91;";
        break;
      case ']':
        out += "&#93;";
        break;
      case ',':
        out += escape_comma ? "&#44;" : ",";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace

std::string escape_cq_text(std::string_view text) { return escape(text, false); }

std::string escape_cq_value(std::string_view value) { return escape(value, true); }

std::string to_cq_string(const nlohmann::json& message) {
  if (message.is_string()) return escape_cq_text(message.get_ref<const std::string&>());
  std::string out;
  if (!message.is_array()) return out;
  for (const auto& segment : message) {
    const std::string type = segment.value("type", "");
    const nlohmann::json data = segment.contains("data") ? segment["data"] : nlohmann::json::object();
    if (type == "text") {
      out += escape_cq_text(data.value("text", ""));
      continue;
    }
    out += "[CQ:" + type;
    if (data.is_object()) {
      for (const auto& [key, value] : data.items()) {
        if (value.is_null()) continue;
        out += "," + key + "=" + escape_cq_value(value.is_string() ? value.get<std::string>() : value.dump());
      }
    }
    out += "]";
  }
  return out;
}

}  // namespace picbot::testing
