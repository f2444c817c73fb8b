#include "bot/plugin/command_spec.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "bot/core/message_table.h"
#include "bot/core/text.h"
#include "bot/core/utf8.h"

namespace picbot {
namespace {

bool is_space(char c) { return kAsciiWhitespace.find(c) != std::string_view::npos; }

// Splits at runs of ASCII whitespace.
std::vector<std::string_view> split_words(std::string_view s) {
  std::vector<std::string_view> words;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && is_space(s[i])) ++i;
    const std::size_t start = i;
    while (i < s.size() && !is_space(s[i])) ++i;
    if (i > start) words.push_back(s.substr(start, i - start));
  }
  return words;
}

// Letters, digits, '_', '-', '.', and any non-ASCII byte (command names may
// be Chinese: "画图", preset names).
bool is_name(std::string_view s) {
  if (s.empty() || s.front() == '-') return false;
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    const bool ok = u >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

std::optional<ArgType> type_named(std::string_view s) {
  if (s == "string") return ArgType::kString;
  if (s == "text") return ArgType::kText;
  if (s == "integer") return ArgType::kInteger;
  if (s == "number") return ArgType::kNumber;
  if (s == "user") return ArgType::kUser;
  return std::nullopt;
}

// "name:type" inside brackets.
Result<ArgSpec> parse_arg(std::string_view inner, bool required, const std::string& bad) {
  const std::size_t colon = inner.find(':');
  if (colon == std::string_view::npos)
    return Error::make("bad_command", bad + "'" + std::string(inner) + "' has no :type");
  ArgSpec arg;
  arg.name = std::string(inner.substr(0, colon));
  arg.required = required;
  if (!is_name(arg.name)) return Error::make("bad_command", bad + "bad argument name '" + arg.name + "'");
  const auto type = type_named(inner.substr(colon + 1));
  if (!type) {
    return Error::make("bad_command", bad + "unknown type '" + std::string(inner.substr(colon + 1)) +
                                          "' (string, text, integer, number, user)");
  }
  arg.type = *type;
  return arg;
}

// The bracketed item starting at words[i]: "<a:t>", "[a:t]" or "[word]".
// Brackets never nest and an item is one word.
bool bracketed(std::string_view word, char open, char close) {
  return word.size() >= 2 && word.front() == open && word.back() == close;
}

// The offending word as a reply quotes it.
std::string cut(std::string_view s) { return utf8_shorten(s, 40); }

Result<std::int64_t, ArgError> to_integer(std::string_view word, const std::string& name,
                                          ArgError::Kind kind) {
  std::int64_t value = 0;
  std::string_view digits = word;
  if (digits.starts_with('+')) digits.remove_prefix(1);
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size()) {
    return ArgError{kind, name, cut(word)};
  }
  return value;
}

}  // namespace

Result<CommandSpec> parse_declaration(std::string_view declaration) {
  const std::string bad = "bad command declaration '" + cut(declaration) + "': ";
  for (const char c : declaration) {
    if (c == '\n' || c == '\r' || c == '\t') return Error::make("bad_command", bad + "control character");
  }
  const std::vector<std::string_view> words = split_words(declaration);
  if (words.empty()) return Error::make("bad_command", bad + "no command name");
  CommandSpec spec;
  spec.name = std::string(words[0]);
  if (!is_name(spec.name)) return Error::make("bad_command", bad + "bad command name '" + spec.name + "'");
  std::size_t i = 1;
  if (i < words.size() && words[i].find_first_of("<>[]") == std::string_view::npos &&
      !words[i].starts_with("--")) {
    std::string_view alternatives = words[i++];
    while (true) {
      const std::size_t bar = alternatives.find('|');
      const std::string_view word = alternatives.substr(0, bar);
      if (!is_name(word))
        return Error::make("bad_command", bad + "bad subcommand '" + std::string(word) + "'");
      spec.subcommand.emplace_back(word);
      if (bar == std::string_view::npos) break;
      alternatives.remove_prefix(bar + 1);
    }
  }
  std::vector<std::string> names;
  auto claim = [&](const std::string& name) -> Status {
    if (std::find(names.begin(), names.end(), name) != names.end())
      return Error::make("bad_command", bad + "'" + name + "' is declared twice");
    names.push_back(name);
    return {};
  };
  bool has_text = false;
  for (; i < words.size(); ++i) {
    const std::string_view word = words[i];
    if (word.starts_with("--")) {
      OptionSpec option;
      option.name = std::string(word.substr(2));
      if (!is_name(option.name))
        return Error::make("bad_command", bad + "bad option '" + std::string(word) + "'");
      if (i + 1 >= words.size() || !bracketed(words[i + 1], '<', '>'))
        return Error::make("bad_command", bad + "option " + std::string(word) + " needs a <value:type>");
      ++i;
      auto value = parse_arg(words[i].substr(1, words[i].size() - 2), true, bad);
      if (!value) return value.error();
      if (value->type == ArgType::kText || value->type == ArgType::kUser)
        return Error::make("bad_command", bad + "an option's value is string, integer or number");
      option.value = std::move(*value);
      if (Status s = claim(option.name); !s) return s.error();
      spec.options.push_back(std::move(option));
      continue;
    }
    const bool required = bracketed(word, '<', '>');
    if (!required && !bracketed(word, '[', ']'))
      return Error::make("bad_command",
                         bad + "'" + std::string(word) + "' is not <arg:type>, [arg:type] or [word]");
    const std::string_view inner = word.substr(1, word.size() - 2);
    if (inner.find_first_of("<>[]") != std::string_view::npos)
      return Error::make("bad_command", bad + "unbalanced brackets in '" + std::string(word) + "'");
    if (!required && inner.find(':') == std::string_view::npos) {
      if (!is_name(inner))
        return Error::make("bad_command", bad + "bad keyword '" + std::string(inner) + "'");
      if (Status s = claim(std::string(inner)); !s) return s.error();
      spec.keywords.emplace_back(inner);
      continue;
    }
    auto arg = parse_arg(inner, required, bad);
    if (!arg) return arg.error();
    if (has_text) return Error::make("bad_command", bad + "a text argument must be the last positional");
    if (arg->required && !spec.positionals.empty() && !spec.positionals.back().required)
      return Error::make("bad_command", bad + "required <" + arg->name + "> after an optional argument");
    has_text = arg->type == ArgType::kText;
    if (Status s = claim(arg->name); !s) return s.error();
    spec.positionals.push_back(std::move(*arg));
  }
  if (has_text && !spec.keywords.empty())
    return Error::make("bad_command", bad + "a keyword cannot share a command with a text argument");
  return spec;
}

std::string arg_label(const std::string& name, std::string_view language) {
  const std::string key = "arg." + name;
  std::string label = MessageTable::instance().lookup(language, key);
  return label == key ? name : label;
}

std::string render_usage(const CommandSpec& spec, std::string_view language, std::string_view prefix) {
  auto shown = [&](const std::string& name) { return arg_label(name, language); };
  std::string out = std::string(prefix) + spec.name;
  if (!spec.subcommand.empty()) out += " " + spec.subcommand.front();
  for (const auto& arg : spec.positionals) {
    out += arg.required ? " <" + shown(arg.name) + ">" : " [" + shown(arg.name) + "]";
  }
  for (const auto& keyword : spec.keywords) out += " [" + keyword + "]";
  for (const auto& option : spec.options)
    out += " [--" + option.name + " <" + shown(option.value.name) + ">]";
  return out;
}

std::vector<Mention> mentions_of(const onebot::MessageEvent& event) {
  std::vector<Mention> out;
  const std::string self = std::to_string(event.self_id);
  for (const auto& segment : event.message) {
    if (const auto* at = std::get_if<onebot::At>(&segment); at && at->qq != self) {
      out.push_back(Mention{at->qq, "@" + (at->name.empty() ? at->qq : at->name)});
    }
  }
  return out;
}

std::string Arguments::text(std::string_view name, std::string fallback) const {
  return get<std::string>(name, std::move(fallback));
}

std::int64_t Arguments::integer(std::string_view name, std::int64_t fallback) const {
  return get<std::int64_t>(name, fallback);
}

double Arguments::number(std::string_view name, double fallback) const { return get<double>(name, fallback); }

bool Arguments::flag(std::string_view name) const { return get<bool>(name, false); }

bool matches_subcommand(const CommandSpec& spec, std::string_view line) {
  if (spec.subcommand.empty()) return false;
  const std::vector<std::string_view> words = split_words(line.substr(0, line.find_first_of(" \t\r\n")));
  if (words.empty()) return false;
  return std::find(spec.subcommand.begin(), spec.subcommand.end(), words[0]) != spec.subcommand.end();
}

namespace {

// One typed value from a word.
Result<Arguments::Value, ArgError> convert(const ArgSpec& arg, std::string_view word) {
  switch (arg.type) {
    case ArgType::kString:
    case ArgType::kText:
      return Arguments::Value(std::string(word));
    case ArgType::kInteger: {
      auto value = to_integer(word, arg.name, ArgError::kNotInteger);
      if (!value) return value.error();
      return Arguments::Value(*value);
    }
    case ArgType::kNumber: {
      double value = 0;
      const auto [end, ec] = std::from_chars(word.data(), word.data() + word.size(), value);
      if (ec != std::errc() || end != word.data() + word.size() || !std::isfinite(value))
        return ArgError{ArgError::kNotNumber, arg.name, cut(word)};
      return Arguments::Value(value);
    }
    case ArgType::kUser: {
      auto value = to_integer(word, arg.name, ArgError::kNotUser);
      if (!value || *value <= 0) return ArgError{ArgError::kNotUser, arg.name, cut(word)};
      return Arguments::Value(*value);
    }
  }
  return ArgError{ArgError::kMissing, arg.name, {}};
}

}  // namespace

Result<Arguments, ArgError> parse_arguments(const CommandSpec& spec, std::string_view line_view,
                                            std::span<const Mention> mentions) {
  Arguments out;
  std::string line(trim(line_view));
  // Options first, anywhere in the line: "--ar 16:9" or "--ar=16:9", the
  // first occurrence at the start of a word; the text around it is joined
  // with a space.
  for (const auto& option : spec.options) {
    const std::string flag = "--" + option.name;
    for (std::size_t at = line.find(flag); at != std::string::npos; at = line.find(flag, at + 1)) {
      if (at > 0 && !is_space(line[at - 1])) continue;
      std::size_t pos = at + flag.size();
      if (pos < line.size() && line[pos] == '=') {
        ++pos;
      } else if (pos == line.size() || is_space(line[pos])) {
        while (pos < line.size() && is_space(line[pos])) ++pos;
      } else {
        continue;  // "--arx": another word
      }
      std::size_t end = pos;
      while (end < line.size() && !is_space(line[end])) ++end;
      if (end == pos) return ArgError{ArgError::kMissing, option.name, {}};
      auto value = convert(option.value, std::string_view(line).substr(pos, end - pos));
      if (!value) return value.error();
      out.set(option.name, std::move(*value));
      const std::size_t start = at > 0 ? at - 1 : at;
      line = std::string(trim(line.substr(0, start) + " " + line.substr(end)));
      break;
    }
  }
  std::string_view rest = line;
  auto next_word = [&rest]() {
    rest = trim(rest);
    std::size_t end = 0;
    while (end < rest.size() && !is_space(rest[end])) ++end;
    const std::string_view word = rest.substr(0, end);
    rest.remove_prefix(end);
    return word;
  };
  if (!spec.subcommand.empty()) {
    const std::string_view word = next_word();
    if (std::find(spec.subcommand.begin(), spec.subcommand.end(), word) == spec.subcommand.end())
      return ArgError{ArgError::kBadSubcommand, spec.subcommand.front(), cut(word)};
  }
  // Keywords: the first word equal to one, anywhere after the subcommand.
  std::string without_keywords;
  if (!spec.keywords.empty()) {
    std::vector<std::string_view> words = split_words(rest);
    for (const auto& keyword : spec.keywords) {
      const auto it = std::find(words.begin(), words.end(), keyword);
      if (it == words.end()) continue;
      out.set(keyword, true);
      words.erase(it);
    }
    for (const auto word : words) without_keywords += std::string(word) + " ";
    rest = without_keywords;
  }
  std::size_t next_mention = 0;
  for (const auto& arg : spec.positionals) {
    rest = trim(rest);
    if (arg.type == ArgType::kText) {
      if (!rest.empty()) out.set(arg.name, std::string(rest));
      if (rest.empty() && arg.required) return ArgError{ArgError::kMissing, arg.name, {}};
      rest = {};
      continue;
    }
    if (rest.empty()) {
      if (arg.required) return ArgError{ArgError::kMissing, arg.name, {}};
      continue;
    }
    if (arg.type == ArgType::kUser) {
      // An @ stands here when a mention not yet used starts the rest.
      std::size_t k = next_mention;
      while (k < mentions.size() && !rest.starts_with(mentions[k].shown)) ++k;
      if (k < mentions.size()) {
        next_mention = k + 1;
        rest.remove_prefix(mentions[k].shown.size());
        auto value = convert(arg, mentions[k].qq);
        if (!value) return ArgError{ArgError::kNotUser, arg.name, cut(mentions[k].shown)};
        out.set(arg.name, std::move(*value));
        continue;
      }
    }
    auto value = convert(arg, next_word());
    if (!value) return value.error();
    out.set(arg.name, std::move(*value));
  }
  return out;
}

}  // namespace picbot
