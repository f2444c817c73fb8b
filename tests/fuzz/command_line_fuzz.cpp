// Fuzz target: command declarations (bot/plugin/command_spec.h) and the
// argument parser, on arbitrary text. The first line is a declaration, the
// rest a command line as a user types it; a second fixed declaration with
// every type reads the same line, with an @ mention in play.
// Invariants: nothing crashes; a declaration either parses or fails with
// "bad_command"; a parsed line has every required argument, and an error
// names a declared argument (or the subcommand).
#include <cstdint>
#include <string>
#include <string_view>

#include "bot/plugin/command_spec.h"
#include "tests/fuzz/fuzz_check.h"

using namespace picbot;

namespace {

void check_line(const CommandSpec& spec, std::string_view line) {
  const std::vector<Mention> mentions{{"42", "@小明"}, {"all", "@全体成员"}};
  auto args = parse_arguments(spec, line, mentions);
  if (args) {
    for (const auto& arg : spec.positionals) FUZZ_CHECK(!arg.required || args->has(arg.name));
    return;
  }
  const ArgError& error = args.error();
  bool named = error.kind == ArgError::kBadSubcommand;
  for (const auto& arg : spec.positionals) named = named || arg.name == error.arg;
  // An option is named by itself when its value is missing, by its value's
  // name ("--ar <ratio>": ratio) when the value is bad.
  for (const auto& option : spec.options)
    named = named || option.name == error.arg || option.value.name == error.arg;
  FUZZ_CHECK(named);
  FUZZ_CHECK(error.given.size() <= 40 + std::string_view("…").size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t newline = input.find('\n');
  const std::string_view declaration = input.substr(0, newline);
  const std::string_view line =
      newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1);

  auto spec = parse_declaration(declaration);
  if (spec) {
    check_line(*spec, line);
    (void)render_usage(*spec, "en", "/");
  } else {
    FUZZ_CHECK(spec.error().code == "bad_command");
  }
  static const CommandSpec every_type =
      parse_declaration("t <w:string> <n:integer> <u:user> [x:number] [rest:text] --o <v:integer>").value();
  check_line(every_type, line);
  static const CommandSpec with_keyword = parse_declaration("k sub|子 [name:string] [save]").value();
  check_line(with_keyword, line);
  return 0;
}
