#include "bot/app/command_line.h"

#include <CLI/CLI.hpp>

#include "bot/core/message_table.h"

namespace picbot {
namespace {

// The language of the messages: --lang's value when it is one we speak.
std::string language_of(const std::vector<std::string>& args) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string value;
    if (args[i] == "--lang" && i + 1 < args.size()) value = args[i + 1];
    if (args[i].starts_with("--lang=")) value = args[i].substr(7);
    if (value == "zh-CN" || value == "en") return value;
  }
  return "zh-CN";
}

// The option CLI11 names at the start of its message ("--config: 1 required TEXT missing").
std::string option_in(const std::string& what) {
  const std::size_t colon = what.find(':');
  return colon == std::string::npos ? what : what.substr(0, colon);
}

}  // namespace

Result<CommandLine, std::string> parse_command_line(const std::vector<std::string>& args) {
  CommandLine line;
  const std::string language = language_of(args);
  line.language = language;

  CLI::App app{"picbot"};
  app.set_help_flag();  // the help text is the message table's
  app.allow_extras();   // unknown arguments are reported below, in the language
  bool help = false;
  app.add_option("--config", line.config_path);
  app.add_option("--lang", line.language);
  app.add_flag("--check-config", line.check_only);
  app.add_flag("--print-example-config", line.print_example);
  app.add_flag("--version", line.version);
  app.add_flag("-h,--help", help);

  batch::BatchOptions batch;
  std::string output_dir;
  int max_concurrent = 0;
  int max_retries = 0;
  bool batch_help = false;
  CLI::App* sub = app.add_subcommand("batch");
  sub->set_help_flag();
  sub->allow_extras();
  sub->fallthrough();  // --config and --lang may stand after `batch` too
  sub->add_option("--input-dir", batch.input_dir);
  sub->add_option("--prompt", batch.prompt);
  CLI::Option* output_opt = sub->add_option("--output-dir", output_dir);
  CLI::Option* concurrent_opt = sub->add_option("--max-concurrent", max_concurrent);
  CLI::Option* retries_opt = sub->add_option("--max-retries", max_retries);
  sub->add_flag("--enable-prompt-optimization", batch.prompt_optimization);
  sub->add_option("--archive-format", batch.archive_format);
  sub->add_flag("--dry-run", batch.dry_run);
  sub->add_option("--provider", batch.provider);
  CLI::Option* size_opt = sub->add_option("--size", batch.size);
  CLI::Option* ratio_opt = sub->add_option("--ar", batch.aspect_ratio);
  size_opt->excludes(ratio_opt);
  sub->add_flag("--recursive", batch.recursive);
  sub->add_flag("--resume", batch.resume);
  sub->add_flag("--json", batch.json);
  sub->add_flag("-h,--help", batch_help);

  std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 takes the line back to front
  const auto usage = [&] { return tr(language, sub->parsed() ? "batch.usage" : "cli.usage"); };
  try {
    app.parse(reversed);
  } catch (const CLI::ExcludesError&) {
    return tr(language, "cli.excludes", fmt::arg("first", "--size"), fmt::arg("second", "--ar")) + "\n" +
           usage();
  } catch (const CLI::ConversionError& e) {
    return tr(language, "cli.bad_value", fmt::arg("detail", e.what())) + "\n" + usage();
  } catch (const CLI::ArgumentMismatch& e) {
    return tr(language, "cli.missing_value", fmt::arg("option", option_in(e.what()))) + "\n" + usage();
  } catch (const CLI::ParseError& e) {
    return tr(language, "cli.bad_value", fmt::arg("detail", e.what())) + "\n" + usage();
  }
  std::vector<std::string> extras = sub->parsed() ? sub->remaining() : app.remaining();
  if (extras.empty()) extras = app.remaining();
  if (!extras.empty()) {
    return tr(language, "cli.unknown_argument", fmt::arg("argument", extras.front())) + "\n" + usage();
  }
  if (app.count("--lang") > 0) {
    if (line.language != "zh-CN" && line.language != "en") {
      return tr(language, "cli.bad_language", fmt::arg("value", line.language)) + "\n" + usage();
    }
    line.language_given = true;
  }
  line.config_given = app.count("--config") > 0;
  if (help) line.help = tr(language, "cli.usage");
  if (sub->parsed()) {
    if (batch_help) line.help = tr(language, "batch.usage");
    if (output_opt->count() > 0) batch.output_dir = output_dir;
    if (concurrent_opt->count() > 0) batch.max_concurrent = max_concurrent;
    if (retries_opt->count() > 0) batch.max_retries = max_retries;
    line.batch = std::move(batch);
  }
  return line;
}

}  // namespace picbot
