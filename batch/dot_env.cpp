#include "batch/dot_env.h"

#include <fstream>
#include <sstream>

#include "bot/core/text.h"

namespace picbot::batch {
namespace {

bool is_key_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
}

}  // namespace

DotEnv parse_dot_env(std::string_view text) {
  DotEnv env;
  int number = 0;
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    ++number;
    if (static_cast<std::size_t>(number) > kMaxDotEnvLines) {
      env.ignored_lines.push_back(number);
      break;
    }
    line = trim(line);
    if (line.empty() || line.front() == '#') continue;
    if (line.starts_with("export ")) line = trim(line.substr(7));
    const std::size_t eq = line.find('=');
    const std::string_view key = eq == std::string_view::npos ? line : trim(line.substr(0, eq));
    bool valid = eq != std::string_view::npos && !key.empty();
    for (char c : key) valid = valid && is_key_char(c);
    if (!valid) {
      env.ignored_lines.push_back(number);
      continue;
    }
    std::string_view value = trim(line.substr(eq + 1));
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'')) {
      const std::size_t close = value.find(value.front(), 1);
      value = close == std::string_view::npos ? value.substr(1) : value.substr(1, close - 1);
    } else if (const std::size_t comment = value.find(" #"); comment != std::string_view::npos) {
      value = trim(value.substr(0, comment));
    }
    env.values[std::string(key)] = std::string(value);
  }
  return env;
}

Result<DotEnv> read_dot_env(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return DotEnv{};
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) return Error::make("bad_env_file", path.string() + ": " + ec.message());
  if (size > kMaxDotEnvBytes) {
    return Error::make("bad_env_file",
                       path.string() + ": larger than " + std::to_string(kMaxDotEnvBytes) + " bytes");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error::make("bad_env_file", path.string() + ": cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_dot_env(text.str());
}

}  // namespace picbot::batch
