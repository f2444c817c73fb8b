// picbot: a QQ bot host speaking OneBot v11 to NapCat.
//
//   picbot [--config PATH] [--check-config] [--version]
//          [--print-example-config [--lang en]]
#include <boost/asio/io_context.hpp>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <string>
#include <string_view>

#include "bot/app/app.h"
#include "bot/config/config_loader.h"
#include "bot/config/config_writer.h"
#include "bot/core/logging.h"
#include "bot/plugin/plugin.h"

namespace {

constexpr std::string_view kUsage =
    "usage: picbot [--config PATH] [--check-config] [--version] [--print-example-config [--lang en]]\n"
    "  --config PATH            config file (default config/picbot.yaml)\n"
    "  --check-config           validate the config and exit (non-zero on errors)\n"
    "  --print-example-config   print a documented config with every key and its default\n"
    "  --version                print the version and exit\n";

picbot::config::Schema build_schema() {
  auto schema = picbot::config::Schema::with_host_sections();
  for (const auto& factory : picbot::builtin_plugins()) {
    schema.add_plugin(std::string(factory.name), factory.make()->config_schema());
  }
  return schema;
}

}  // namespace

int main(int argc, char** argv) {
  // A write past a file size limit (ulimit -f, systemd LimitFSIZE) must fail
  // with EFBIG like a full disk, not kill the bot.
  std::signal(SIGXFSZ, SIG_IGN);
  std::string config_path = "config/picbot.yaml";
  std::string language = "zh-CN";
  bool check_only = false;
  bool print_example = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--config" && i + 1 < argc) {
      config_path = argv[++i];
    } else if (arg == "--lang" && i + 1 < argc) {
      language = argv[++i];
    } else if (arg == "--check-config") {
      check_only = true;
    } else if (arg == "--print-example-config") {
      print_example = true;
    } else if (arg == "--version") {
      std::cout << "picbot " << PICBOT_VERSION << "\n";
      return 0;
    } else if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      return 0;
    } else {
      std::cerr << "picbot: unknown argument '" << arg << "'\n" << kUsage;
      return 2;
    }
  }

  auto schema = build_schema();
  if (print_example) {
    std::cout << picbot::config::render_example_yaml(schema, language);
    return 0;
  }

  auto loaded = picbot::config::load_config_file(schema, config_path, picbot::config::process_environment());
  if (!loaded) {
    for (const auto& issue : loaded.error()) {
      std::cerr << "config error: " << picbot::config::format_issue(issue) << "\n";
    }
    return 2;
  }
  for (const auto& warning : loaded->warnings) {
    std::cerr << "config warning: " << picbot::config::format_issue(warning) << "\n";
  }
  if (check_only) {
    std::cout << "config OK: " << config_path << "\n";
    return 0;
  }

  const std::string data_dir = loaded->values.value("data_dir", "data");
  picbot::log::init({.level = loaded->values.value("log_level", "info"), .directory = data_dir + "/logs"});
  auto logger = picbot::log::get("app");
  logger->info("picbot {} starting with {}", PICBOT_VERSION, config_path);

  boost::asio::io_context io(1);
  picbot::App app(io, config_path, std::move(schema), std::move(*loaded));
  if (auto started = app.start(); !started) {
    logger->critical("cannot start: {}", started.error().message);
    spdlog::shutdown();
    return 1;
  }
  io.run();
  logger->info("picbot stopped");
  spdlog::shutdown();
  return 0;
}
