// picbot: a QQ bot host speaking OneBot v11 to NapCat.
//
//   picbot [--config PATH] [--check-config] [--print-example-config]
//          [--lang zh-CN|en] [--version] [--help]
#include <boost/asio/io_context.hpp>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "bot/app/app.h"
#include "bot/app/host_messages.h"
#include "bot/app/startup_checks.h"
#include "bot/config/config_loader.h"
#include "bot/config/config_writer.h"
#include "bot/core/log_language.h"
#include "bot/core/logging.h"
#include "bot/core/message_table.h"
#include "bot/plugin/plugin.h"
#include "image/provider_registry.h"

namespace {

constexpr int kExitBadConfig = 2;

picbot::config::Schema build_schema() {
  auto schema = picbot::config::Schema::with_host_sections();
  // The console offers the provider types this binary links.
  std::vector<std::string> types;
  for (const auto* type : picbot::image::builtin_provider_types()) types.emplace_back(type->type);
  schema.offer_choices("image_providers.type", std::move(types));
  for (const auto& factory : picbot::builtin_plugins()) {
    schema.add_plugin(std::string(factory.name), factory.make()->config_schema());
  }
  return schema;
}

struct Options {
  std::string config_path = "config/picbot.yaml";
  std::string language = "zh-CN";
  bool language_given = false;  // --lang was on the command line
  bool check_only = false;
  bool print_example = false;
  bool version = false;
  bool help = false;
};

// Reads argv; on a bad argument prints why (in --lang, when it came first)
// and the usage, and returns false.
bool parse_arguments(int argc, char** argv, Options& options) {
  std::string problem;
  for (int i = 1; i < argc && problem.empty(); ++i) {
    const std::string_view arg = argv[i];
    const bool takes_value = arg == "--config" || arg == "--lang";
    if (takes_value && i + 1 >= argc) {
      problem = picbot::tr(options.language, "cli.missing_value", fmt::arg("option", arg));
    } else if (arg == "--config") {
      options.config_path = argv[++i];
    } else if (arg == "--lang") {
      const std::string_view value = argv[++i];
      if (value != "zh-CN" && value != "en") {
        problem = picbot::tr(options.language, "cli.bad_language", fmt::arg("value", value));
      } else {
        options.language = value;
        options.language_given = true;
      }
    } else if (arg == "--check-config") {
      options.check_only = true;
    } else if (arg == "--print-example-config") {
      options.print_example = true;
    } else if (arg == "--version") {
      options.version = true;
    } else if (arg == "--help" || arg == "-h") {
      options.help = true;
    } else {
      problem = picbot::tr(options.language, "cli.unknown_argument", fmt::arg("argument", arg));
    }
  }
  if (problem.empty()) return true;
  std::cerr << problem << "\n" << picbot::tr(options.language, "cli.usage");
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  // A write past a file size limit (ulimit -f, systemd LimitFSIZE) must fail
  // with EFBIG like a full disk, not kill the bot.
  std::signal(SIGXFSZ, SIG_IGN);
  picbot::register_host_messages();
  Options options;
  if (!parse_arguments(argc, argv, options)) return kExitBadConfig;
  const std::string& language = options.language;
  if (options.help) {
    std::cout << picbot::tr(language, "cli.usage");
    return 0;
  }
  if (options.version) {
    std::cout << "picbot " << PICBOT_VERSION << "\n";
    return 0;
  }

  auto schema = build_schema();
  if (options.print_example) {
    std::cout << picbot::config::render_example_yaml(schema, language);
    return 0;
  }

  const std::string& config_path = options.config_path;
  auto loaded =
      picbot::config::load_config_file(schema, config_path, picbot::config::process_environment(), language);
  if (!loaded) {
    for (const auto& issue : loaded.error()) {
      std::cerr << picbot::tr(language, "cli.config_error",
                              fmt::arg("issue", picbot::config::format_issue(issue, language)))
                << "\n";
    }
    return kExitBadConfig;
  }
  for (const auto& warning : loaded->warnings) {
    std::cerr << picbot::tr(language, "cli.config_warning",
                            fmt::arg("issue", picbot::config::format_issue(warning, language)))
              << "\n";
  }
  // What start would refuse, refused here too, so --check-config says it.
  auto problems = picbot::startup_problems(loaded->values, language);
  if (!problems.empty()) {
    picbot::config::attach_lines(problems, loaded->key_lines);
    for (const auto& issue : problems) {
      std::cerr << picbot::tr(language, "cli.config_error",
                              fmt::arg("issue", picbot::config::format_issue(issue, language)))
                << "\n";
    }
    return kExitBadConfig;
  }
  if (options.check_only) {
    std::cout << picbot::tr(language, "cli.config_ok", fmt::arg("path", config_path)) << "\n";
    return 0;
  }

  // Operator log lines: --lang, else log_language, else bot.language.
  if (options.language_given) {
    picbot::log::pin_language(options.language);
  } else {
    picbot::log::follow_config(loaded->values.value("log_language", "auto"),
                               loaded->values["bot"].value("language", "zh-CN"));
  }

  const std::string data_dir = loaded->values.value("data_dir", "data");
  picbot::log::init({.level = loaded->values.value("log_level", "info"), .directory = data_dir + "/logs"});
  auto logger = picbot::log::get("app");
  logger->info("{}", picbot::log::text("log.starting", fmt::arg("version", PICBOT_VERSION),
                                       fmt::arg("path", config_path)));

  boost::asio::io_context io(1);
  picbot::App app(io, config_path, std::move(schema), std::move(*loaded));
  if (auto started = app.start(); !started) {
    logger->critical("{}",
                     picbot::log::text("log.cannot_start", fmt::arg("reason", started.error().message)));
    spdlog::shutdown();
    return 1;
  }
  io.run();
  logger->info("{}", picbot::log::text("log.stopped"));
  spdlog::shutdown();
  return 0;
}
