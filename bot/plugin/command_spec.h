// CommandSpec: a command's declaration, written once as text and parsed at
// registration, and the argument parser that reads a command line against it
// (Koishi's `ctx.command('draw <prompt:text>')`, in a small language):
//
//   declaration := name [subcommand] item*
//   subcommand  := word ('|' word)*          "group|群": the first argument word
//   item        := '<' arg ':' type '>'      required positional
//                | '[' arg ':' type ']'      optional positional
//                | '[' word ']'              keyword: the bare word anywhere, a flag
//                | '--' word ' <' arg ':' type '>'   option: "--ar 16:9" or "--ar=16:9"
//   type        := string (one word) | text (the rest of the line) | integer
//                | number | user (an @ mention or a QQ number)
//
// Examples: "draw <prompt:text> --ar <ratio:string>",
// "reset_images group|群 <group:integer>", "banana model [name:string] [save]".
// Rules checked by parse_declaration: required positionals come before
// optional ones, `text` is the last positional, a keyword never shares a
// declaration with `text`, names are unique. Words beyond the declared
// positionals are ignored (Koishi's default).
// Thread-safety: values only; no shared state.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "bot/core/result.h"
#include "bot/onebot/event.h"

namespace picbot {

enum class ArgType { kString, kText, kInteger, kNumber, kUser };

struct ArgSpec {
  std::string name;
  ArgType type = ArgType::kString;
  bool required = false;
};

struct OptionSpec {
  std::string name;  // without the dashes: "ar"
  ArgSpec value;     // its value ("ratio"); the option is stored under `name`
};

struct CommandSpec {
  std::string name;                     // "banana"
  std::vector<std::string> subcommand;  // {"model"} or {"group", "群"}; empty: none
  std::vector<ArgSpec> positionals;
  std::vector<std::string> keywords;  // "save"
  std::vector<OptionSpec> options;
};

// Parses a declaration. Error "bad_command" whose message quotes the
// declaration and says what is wrong with it.
Result<CommandSpec> parse_declaration(std::string_view declaration);

// An argument's name as users read it: the message table's "arg.<name>"
// entry in `language` when there is one ("描述"), else the name itself.
std::string arg_label(const std::string& name, std::string_view language);

// The usage line: prefix + name, subcommand, "<prompt>", "[name]", "[save]",
// "[--ar <ratio>]", argument names through arg_label ("<描述>").
std::string render_usage(const CommandSpec& spec, std::string_view language, std::string_view prefix);

// An @ in the command line: the QQ it names and the text the wake analysis
// put in its place ("@" + name, or "@" + qq without a name).
struct Mention {
  std::string qq;
  std::string shown;
};

// The @ segments of a message other than those of `self_id`, in order.
std::vector<Mention> mentions_of(const onebot::MessageEvent& event);

// The typed values of one command line. Accessors return the value, or the
// fallback when the argument was optional and not given; asking for an
// undeclared name or the wrong type gives the fallback too.
class Arguments {
 public:
  using Value = std::variant<std::string, std::int64_t, double, bool>;

  bool has(std::string_view name) const { return values_.find(name) != values_.end(); }
  std::string text(std::string_view name, std::string fallback = {}) const;      // string and text
  std::int64_t integer(std::string_view name, std::int64_t fallback = 0) const;  // integer and user
  double number(std::string_view name, double fallback = 0) const;
  bool flag(std::string_view name) const;  // a keyword that was present

  void set(std::string name, Value value) { values_.insert_or_assign(std::move(name), std::move(value)); }

 private:
  template <class T>
  T get(std::string_view name, T fallback) const {
    const auto it = values_.find(name);
    if (it == values_.end()) return fallback;
    const T* value = std::get_if<T>(&it->second);
    return value ? *value : fallback;
  }

  std::map<std::string, Value, std::less<>> values_;
};

// Why a command line does not fit its declaration.
struct ArgError {
  enum Kind { kMissing, kNotInteger, kNotNumber, kNotUser, kBadSubcommand };
  Kind kind;
  std::string arg;    // the argument's name ("prompt"); an option's name when its value is missing,
                      // its value's name ("ratio" of --ar <ratio>) when the value is bad
  std::string given;  // the offending word, cut to 40 bytes
};

// Reads `line` (everything after the command name, trimmed) against spec.
// When spec has a subcommand, the first word must be one of its words.
// `mentions` are the message's @s (mentions_of), matched in order where a
// `user` argument stands.
Result<Arguments, ArgError> parse_arguments(const CommandSpec& spec, std::string_view line,
                                            std::span<const Mention> mentions = {});

// True when the first word of line names spec's subcommand.
bool matches_subcommand(const CommandSpec& spec, std::string_view line);

}  // namespace picbot
