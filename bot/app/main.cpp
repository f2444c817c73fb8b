// picbot: a QQ bot host speaking OneBot v11 to NapCat.
//
//   picbot [--config PATH] [--check-config] [--print-example-config]
//          [--lang zh-CN|en] [--version] [--help]
//   picbot batch --input-dir DIR --prompt TEXT [...]   (batch/batch_command.h)
// The line is parsed in command_line.cpp.
#include <boost/asio/io_context.hpp>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "batch/batch_command.h"
#include "batch/batch_messages.h"
#include "bot/app/app.h"
#include "bot/app/command_line.h"
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

// Prints a config's problems (in language) on stderr.
void print_issues(const std::vector<picbot::config::ConfigIssue>& issues, const std::string& language) {
  for (const auto& issue : issues) {
    std::cerr << picbot::tr(language, "cli.config_error",
                            fmt::arg("issue", picbot::config::format_issue(issue, language)))
              << "\n";
  }
}

// `picbot batch`: the config is optional there (the batch processor's users
// may have only GEMINI_API_KEY), unless --config names a file.
int run_batch(const picbot::CommandLine& line, const picbot::config::Schema& schema) {
  const std::string& language = line.language;
  const auto env = picbot::config::process_environment();
  std::error_code ec;
  auto loaded = !line.config_given && !std::filesystem::exists(line.config_path, ec)
                    ? picbot::config::validate_config(schema, nlohmann::json::object(), env, language)
                    : picbot::config::load_config_file(schema, line.config_path, env, language);
  if (!loaded) {
    print_issues(loaded.error(), language);
    return kExitBadConfig;
  }
  picbot::log::pin_language(language);
  return picbot::batch::run_batch_command(*line.batch, loaded->values, env, language);
}

}  // namespace

int main(int argc, char** argv) {
  // A write past a file size limit (ulimit -f, systemd LimitFSIZE) must fail
  // with EFBIG like a full disk, not kill the bot.
  std::signal(SIGXFSZ, SIG_IGN);
  picbot::register_host_messages();
  picbot::batch::register_batch_messages();
  auto parsed = picbot::parse_command_line(std::vector<std::string>(argv + 1, argv + argc));
  if (!parsed) {
    std::cerr << parsed.error();
    return picbot::kExitUsage;
  }
  const picbot::CommandLine& options = *parsed;
  const std::string& language = options.language;
  if (!options.help.empty()) {
    std::cout << options.help;
    return 0;
  }
  if (options.version) {
    std::cout << "picbot " << PICBOT_VERSION << "\n";
    return 0;
  }

  auto schema = build_schema();
  if (options.batch) return run_batch(options, schema);
  if (options.print_example) {
    std::cout << picbot::config::render_example_yaml(schema, language);
    return 0;
  }

  const std::string& config_path = options.config_path;
  auto loaded =
      picbot::config::load_config_file(schema, config_path, picbot::config::process_environment(), language);
  if (!loaded) {
    print_issues(loaded.error(), language);
    return kExitBadConfig;
  }
  for (const auto& warning : loaded->warnings) {
    std::cerr << picbot::tr(language, "cli.config_warning",
                            fmt::arg("issue", picbot::config::format_issue(warning, language)))
              << "\n";
  }
  // Operator log lines: --lang, else log_language, else bot.language (the
  // bucket settings' check below speaks it too).
  if (options.language_given) {
    picbot::log::pin_language(options.language);
  } else {
    picbot::log::follow_config(loaded->values.value("log_language", "auto"),
                               loaded->values["bot"].value("language", "zh-CN"));
  }

  // What start would refuse, refused here too, so --check-config says it.
  auto problems = picbot::startup_problems(loaded->values, language);
  if (!problems.empty()) {
    picbot::config::attach_lines(problems, loaded->key_lines);
    print_issues(problems, language);
    return kExitBadConfig;
  }
  if (options.check_only) {
    std::cout << picbot::tr(language, "cli.config_ok", fmt::arg("path", config_path)) << "\n";
    return 0;
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
