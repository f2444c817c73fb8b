#include "tests/integration/helpers.h"

#include <sstream>
#include <string_view>

#include "bot/onebot/base64.h"
#include "tests/support/wait.h"

namespace picbot::testing {

int wait_for_new_connection(FakeNapCat& napcat, int previous) {
  int found = -1;
  wait_until(
      [&] {
        for (int id : napcat.connection_ids()) {
          if (id > previous) found = id;
        }
        return found > 0;
      },
      std::chrono::seconds(10));
  return found;
}

const nlohmann::json& message_of(const ApiCall& call) {
  static const nlohmann::json kNone;
  const auto it = call.params.find("message");
  return it == call.params.end() ? kNone : *it;
}
using nlohmann::json;

std::string text_of(const json& message) {
  if (message.is_string()) return message.get<std::string>();
  std::string out;
  for (const auto& seg : message) {
    if (seg.value("type", "") == "text") out += seg["data"].value("text", "");
  }
  return out;
}

bool has_image(const json& message) {
  if (!message.is_array()) return false;
  for (const auto& seg : message) {
    if (seg.value("type", "") == "image") return true;
  }
  return false;
}

std::string image_file_of(const json& message) {
  if (!message.is_array()) return {};
  for (const auto& seg : message) {
    if (seg.value("type", "") == "image" && seg.contains("data") && seg["data"].is_object())
      return seg["data"].value("file", "");
  }
  return {};
}

std::string draw_in_group(FakeNapCat& napcat, int conn, const std::string& prompt) {
  const std::size_t skip = napcat.calls().size();
  napcat.send_group_message(conn, 777, 42, "/draw " + prompt);
  auto reply = napcat.wait_for_call(
      [](const ApiCall& c) { return c.action == "send_group_msg" && has_image(message_of(c)); },
      std::chrono::seconds(10), skip);
  return reply ? image_file_of(message_of(*reply)) : "";
}

json at_self(std::int64_t self_id, const std::string& text) {
  return json::array({json{{"type", "at"}, {"data", {{"qq", std::to_string(self_id)}}}},
                      json{{"type", "text"}, {"data", {{"text", " " + text}}}}});
}

std::optional<std::string> image_bytes_of(const json& message) {
  const std::string file = image_file_of(message);
  if (!file.starts_with("base64://")) return std::nullopt;
  auto decoded = onebot::base64_decode(std::string_view(file).substr(9));
  if (!decoded) return std::nullopt;
  return *decoded;
}

std::string with_onebot_keys(std::string yaml, const std::string& keys) {
  yaml.replace(yaml.find("  access_token"), 0, keys);
  return yaml;
}

std::vector<std::string> changed_lines(const std::string& before, const std::string& after) {
  auto split = [](const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
  };
  const auto a = split(before);
  const auto b = split(after);
  if (a.size() != b.size()) return {std::to_string(a.size()) + " lines became " + std::to_string(b.size())};
  std::vector<std::string> out;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i] == b[i]) continue;
    out.push_back("-" + a[i]);
    out.push_back("+" + b[i]);
  }
  return out;
}

nlohmann::json quote_of_posted_image(FakeNapCat& napcat, int conn, const std::string& image_url,
                                     const std::string& text) {
  using nlohmann::json;
  const std::int64_t quoted = napcat.send_group_message(
      conn, 777, 43,
      json::array({json{{"type", "image"}, {"data", {{"file", "ref.png"}, {"url", image_url}}}}}));
  return json::array({json{{"type", "reply"}, {"data", {{"id", std::to_string(quoted)}}}},
                      json{{"type", "text"}, {"data", {{"text", text}}}}});
}

std::string gemini_plugin_section(const std::vector<std::string>& keys, const std::string& api_base,
                                  const std::string& extra) {
  std::string list;
  for (const auto& key : keys) list += (list.empty() ? "\"" : ", \"") + key + "\"";
  return "plugins:\n"
         "  gemini_pic_gen:\n"
         "    openrouter_api_keys: [" +
         list +
         "]\n"
         "    custom_api_base: \"" +
         api_base + "\"\n" + extra;
}

}  // namespace picbot::testing
