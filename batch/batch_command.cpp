#include "batch/batch_command.h"

#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <functional>
#include <iostream>

#include "batch/archive_writer.h"
#include "batch/batch_runner.h"
#include "batch/dot_env.h"
#include "bot/agent/agent_settings.h"
#include "bot/core/logging.h"
#include "bot/core/message_table.h"
#include "bot/core/secret.h"
#include "bot/llm/chat_endpoint.h"
#include "bot/net/http_client.h"
#include "image/fallback_chain.h"
#include "image/provider_instances.h"
#include "image/provider_registry.h"
#include "image/task_poller.h"

namespace picbot::batch {
namespace {

namespace asio = boost::asio;
using nlohmann::json;

// Seconds of the configured timeout; a try's timeout may grow to this times the policy's cap.
double timeout_seconds(const json& section) {
  const json& value =
      section.contains("request_timeout_seconds") ? section["request_timeout_seconds"] : json();
  return value.is_number() && value.get<double>() > 0 ? value.get<double>() : 180.0;
}

std::vector<std::string> strings_at(const json& section, const char* key) {
  std::vector<std::string> out;
  if (!section.is_object() || !section.contains(key)) return out;
  const json& value = section[key];
  if (value.is_string() && !value.get<std::string>().empty()) out.push_back(value.get<std::string>());
  if (value.is_array()) {
    for (const json& item : value) {
      if (item.is_string() && !item.get<std::string>().empty()) out.push_back(item.get<std::string>());
    }
  }
  return out;
}

struct Lineup {
  std::vector<image::ProviderConfig> members;  // in chain order
  std::string problem;                         // "" when members can be built
};

// Which instances draw: --provider's, else the gemini one GEMINI_API_KEY
// defines, else the drawing plugin's chain (plugins.gemini_pic_gen.providers),
// else its implicit openrouter when that has keys, else the first
// image_providers entry by name.
Lineup choose_providers(const ResolvedOptions& options, const json& config, std::string_view language) {
  const json plugin = config.contains("plugins") && config["plugins"].contains("gemini_pic_gen")
                          ? config["plugins"]["gemini_pic_gen"]
                          : json();
  const json providers = config.contains("image_providers") ? config["image_providers"] : json();
  std::vector<image::ProviderConfig> instances = image::provider_instances(plugin, providers);
  if (!options.gemini_api_key.empty()) {
    auto gemini = std::find_if(instances.begin(), instances.end(),
                               [](const image::ProviderConfig& c) { return c.name == "gemini"; });
    if (gemini == instances.end()) {
      image::ProviderConfig config_of_env;
      config_of_env.name = "gemini";
      config_of_env.type = "gemini";
      instances.push_back(std::move(config_of_env));
      gemini = std::prev(instances.end());
    }
    if (strings_at(gemini->section, "api_keys").empty()) {
      gemini->section["api_keys"] = json::array({options.gemini_api_key});
    }
  }
  const auto find = [&](const std::string& name) -> const image::ProviderConfig* {
    for (const auto& instance : instances) {
      if (instance.name == name) return &instance;
    }
    return nullptr;
  };
  Lineup lineup;
  std::vector<std::string> names;
  if (!options.provider.empty()) {
    names.push_back(options.provider);
  } else if (!options.gemini_api_key.empty()) {
    names.push_back("gemini");
  } else {
    for (const std::string& name : strings_at(plugin, "providers")) names.push_back(name);
    const bool openrouter_keys = !strings_at(plugin, "openrouter_api_keys").empty() ||
                                 !strings_at(plugin, "openrouter_api_key").empty();
    if (names.empty() && !openrouter_keys && providers.is_object() && !providers.empty()) {
      names.push_back(providers.begin().key());
    }
    if (names.empty()) names.push_back("openrouter");
  }
  for (const std::string& name : names) {
    const image::ProviderConfig* found = find(name);
    if (found == nullptr) {
      std::string known;
      for (const auto& instance : instances) known += (known.empty() ? "" : ", ") + instance.name;
      lineup.problem =
          tr(language, "batch.unknown_provider", fmt::arg("name", name), fmt::arg("known", known));
      return lineup;
    }
    lineup.members.push_back(*found);
  }
  return lineup;
}

void register_secrets(const json& config, const std::vector<image::ProviderConfig>& members,
                      const ResolvedOptions& options) {
  std::vector<std::string> keys;
  if (!options.gemini_api_key.empty()) keys.push_back(options.gemini_api_key);
  for (const auto& member : members) {
    for (const char* field : {"api_keys", "openrouter_api_keys", "openrouter_api_key"}) {
      for (std::string& key : strings_at(member.section, field)) keys.push_back(std::move(key));
    }
  }
  if (config.contains("llm")) {
    for (std::string& key : strings_at(config["llm"], "api_keys")) keys.push_back(std::move(key));
  }
  llm::register_api_keys(keys);
}

json settings_json(const ResolvedOptions& options, const std::string& provider, const std::string& model) {
  return {{"input_dir", options.input_dir},
          {"prompt", options.prompt},
          {"output_dir", options.output_dir},
          {"max_concurrent", options.max_concurrent},
          {"max_retries", options.max_retries},
          {"enable_prompt_optimization", options.prompt_optimization},
          {"archive_format", archive_format_name(options.archive)},
          {"provider", provider},
          {"model", model},
          {"size", options.size},
          {"aspect_ratio", options.aspect_ratio},
          {"recursive", options.recursive},
          {"resume", options.resume}};
}

int dry_run(const ResolvedOptions& options, const InputScan& scan, std::size_t resumed,
            const image::Provider& provider, bool json_mode, std::string_view language) {
  const std::string size = !options.size.empty()           ? options.size
                           : !options.aspect_ratio.empty() ? options.aspect_ratio
                                                           : tr(language, "batch.size_default");
  const std::size_t images = scan.images.size();
  const std::size_t max_requests = images * static_cast<std::size_t>(options.max_retries);
  if (json_mode) {
    json files = json::array();
    for (const InputFile& file : scan.images) files.push_back({{"image", file.name}, {"bytes", file.bytes}});
    json skipped = json::array();
    for (const SkippedFile& file : scan.skipped)
      skipped.push_back({{"image", file.name}, {"reason", file.reason}});
    std::cout << json{{"event", "dry_run"},
                      {"prompt", options.prompt},
                      {"provider", provider.name()},
                      {"model", provider.model()},
                      {"size", size},
                      {"would_send", std::move(files)},
                      {"skipped", std::move(skipped)},
                      {"resumed", resumed},
                      {"estimated_requests", images},
                      {"max_requests", max_requests}}
                     .dump()
              << "\n";
    return kExitDone;
  }
  std::cout << tr(language, "batch.dry.header") << "\n"
            << tr(language, "batch.dry.settings", fmt::arg("prompt", options.prompt),
                  fmt::arg("provider", provider.name()), fmt::arg("model", provider.model()),
                  fmt::arg("size", size))
            << "\n";
  for (const InputFile& file : scan.images) {
    std::cout << tr(language, "batch.dry.send", fmt::arg("file", file.name), fmt::arg("bytes", file.bytes))
              << "\n";
  }
  for (const SkippedFile& file : scan.skipped) {
    std::cout << tr(language, "batch.dry.skip", fmt::arg("file", file.name), fmt::arg("reason", file.reason))
              << "\n";
  }
  std::cout << tr(language, "batch.dry.estimate", fmt::arg("images", images), fmt::arg("requests", images),
                  fmt::arg("max_requests", max_requests))
            << "\n";
  return kExitDone;
}

}  // namespace

int run_batch_command(const BatchOptions& given, const json& config, const Environment& process_env,
                      std::string_view language) {
  // The process environment wins over .env, as python-dotenv does by default.
  auto dot_env = read_dot_env(".env");
  if (!dot_env) {
    std::cerr << tr(language, "batch.bad_env_file", fmt::arg("reason", dot_env.error().message)) << "\n";
    return kExitUsage;
  }
  for (int line : dot_env->ignored_lines)
    std::cerr << tr(language, "batch.env_file_ignored", fmt::arg("line", line)) << "\n";
  Environment env = dot_env->values;
  for (const auto& [name, value] : process_env) env[name] = value;

  auto resolved = resolve_options(given, env, language);
  if (!resolved) {
    std::cerr << resolved.error().message << "\n";
    return kExitUsage;
  }
  const ResolvedOptions& options = *resolved;
  // Provider warnings (a key refused, a fallback) go to stderr: stdout is
  // the progress line, or with --json nothing but the events.
  log::Options log_options;
  log_options.level = options.json ? "warn" : "error";
  log_options.console_to_stderr = true;
  log::init(log_options);

  Lineup lineup = choose_providers(options, config, language);
  if (!lineup.problem.empty()) {
    std::cerr << lineup.problem << "\n";
    return kExitUsage;
  }
  register_secrets(config, lineup.members, options);

  RetryPolicy policy;
  policy.max_tries = options.max_retries;
  policy.base_timeout = std::chrono::milliseconds(
      static_cast<long long>(timeout_seconds(lineup.members.front().section) * 1000));
  // The batch retries by class itself: one try per key per batch try, and
  // room for the timeout to grow.
  for (image::ProviderConfig& member : lineup.members) {
    member.section["max_retry_attempts"] = 1;
    member.section["request_timeout_seconds"] = timeout_seconds(member.section) * policy.timeout_cap_factor;
  }

  asio::io_context io(1);
  WorkerPool workers(2);
  net::HttpClient http(io.get_executor());
  image::TaskPoller poller(io.get_executor(), Clock::system());
  const image::ProviderDeps deps{http, Clock::system(), workers, &poller};
  std::vector<std::shared_ptr<image::Provider>> built;
  for (const image::ProviderConfig& member : lineup.members) {
    auto provider = image::create_provider(deps, member);
    if (!provider) {
      std::cerr << tr(language, "batch.provider_problem", fmt::arg("name", member.name),
                      fmt::arg("reason", provider.error().message))
                << "\n";
      return kExitUsage;
    }
    if ((*provider)->key_states().empty()) {
      std::cerr << tr(language, "batch.no_provider") << "\n";
      return kExitUsage;
    }
    built.push_back(std::move(provider).value());
  }
  image::FallbackChain provider(std::move(built));

  std::unique_ptr<agent::ChatClient> chat;
  std::unique_ptr<PromptOptimizer> optimizer;
  if (options.prompt_optimization) {
    agent::AgentSettings agent_settings = agent::AgentSettings::from_config(config);
    if (agent_settings.chat.api_keys.empty()) {
      std::cerr << tr(language, "batch.no_llm") << "\n";
      return kExitUsage;
    }
    chat = std::make_unique<agent::ChatClient>(http, Clock::system(), agent_settings.chat);
    optimizer = std::make_unique<PromptOptimizer>(*chat);
  }

  auto scanned = scan_input(options.input_dir, options.recursive, kMaxInputBytes, language);
  if (!scanned) {
    std::cerr << scanned.error().message << "\n";
    return kExitUsage;
  }
  InputScan scan = std::move(scanned).value();
  const OutputTree output(options.output_dir);
  std::size_t resumed = 0;
  if (options.resume) {
    const std::set<std::string> finished = output.finished_stems();
    std::erase_if(scan.images, [&](const InputFile& file) {
      if (!finished.contains(file.stem)) return false;
      ++resumed;
      return true;
    });
  }
  if (options.dry_run) return dry_run(options, scan, resumed, provider, options.json, language);

  if (Status prepared = output.prepare(); !prepared) {
    std::cerr << tr(language, "batch.bad_output_dir", fmt::arg("path", options.output_dir),
                    fmt::arg("reason", prepared.error().message))
              << "\n";
    return kExitUsage;
  }

  const Progress::Mode mode = options.json              ? Progress::Mode::kJson
                              : ::isatty(STDOUT_FILENO) ? Progress::Mode::kTerminal
                                                        : Progress::Mode::kLines;
  Progress progress(mode, std::cout, Clock::system(), std::string(language));
  RunReport report(Clock::system(), settings_json(options, provider.name(), provider.model()),
                   std::string(language));
  report.set_totals(scan.images.size(), scan.skipped.size(), resumed);
  for (const SkippedFile& file : scan.skipped) {
    progress.event("skipped", {{"image", file.name}, {"reason", file.reason}});
  }
  progress.event("started", {{"images", scan.images.size()},
                             {"skipped", scan.skipped.size()},
                             {"resumed", resumed},
                             {"provider", provider.name()},
                             {"model", provider.model()}});

  RunnerSettings settings;
  settings.prompt = options.prompt;
  settings.max_concurrent = options.max_concurrent;
  settings.policy = policy;
  if (!options.size.empty()) settings.size = options.size;
  if (!options.aspect_ratio.empty()) settings.aspect_ratio = options.aspect_ratio;
  BatchRunner runner(io.get_executor(), provider, workers, Clock::system(), output, report, progress,
                     optimizer.get(), settings, std::string(language));

  asio::signal_set signals(io, SIGINT, SIGTERM);
  // The first signal stops gently, the next one at once (BatchRunner::stop).
  std::function<void(const boost::system::error_code&, int)> on_signal =
      [&](const boost::system::error_code& ec, int) {
        if (ec) return;
        runner.stop();
        signals.async_wait(on_signal);
      };
  signals.async_wait(on_signal);
  std::vector<InputFile> images = std::move(scan.images);
  asio::co_spawn(io, runner.run(std::move(images)), [&signals](std::exception_ptr) { signals.cancel(); });
  io.run();

  const bool interrupted = runner.stopped();
  if (options.archive != ArchiveFormat::kNone) {
    if (Status archived = write_archive(options.output_dir, options.archive); archived) {
      progress.say(tr(language, "batch.archive_written",
                      fmt::arg("path", archive_path(options.output_dir, options.archive).string())));
      progress.event("archive", {{"path", archive_path(options.output_dir, options.archive).string()}});
    } else {
      std::cerr << tr(language, "batch.archive_failed", fmt::arg("reason", archived.error().message)) << "\n";
    }
  }
  progress.say(tr(language, "batch.summary", fmt::arg("done", report.done()),
                  fmt::arg("failed", report.failed()), fmt::arg("skipped", scan.skipped.size()),
                  fmt::arg("seconds", static_cast<double>(report.elapsed().count()) / 1000.0),
                  fmt::arg("output", options.output_dir)));
  const int code = interrupted ? kExitInterrupted : report.failed() > 0 ? kExitSomeFailed : kExitDone;
  progress.event("finished", {{"successful", report.done()},
                              {"failed", report.failed()},
                              {"skipped", scan.skipped.size()},
                              {"resumed", resumed},
                              {"interrupted", interrupted},
                              {"exit_code", code}});
  return code;
}

}  // namespace picbot::batch
