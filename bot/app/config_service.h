// ConfigService: the running config and its file. It holds the validated
// values, the file's own values (without environment overrides, what saving
// writes), and every way the config changes: reload() (/reload, SIGHUP, a
// hand edit noticed by the file watcher), a console save, and a plugin's
// dotted-path edit (HostServices::save_config_value).
//
// Guarantees: a reload that fails to load or validate keeps the running
// config and returns the errors (one line each); a reload that validates
// makes values() the new config, then calls the apply function with the
// previous one. Every write of the file goes through one serial queue on the
// workers, so a read-modify-write never loses another save; the reload after
// a write runs back on the loop.
// Thread rules: io_context thread only (file work runs on the workers).
// Construction needs the config main.cpp loaded and the worker pool; the
// apply function comes from App once every part it touches exists.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "bot/config/config_loader.h"
#include "bot/config/schema.h"
#include "bot/core/result.h"
#include "bot/core/worker_pool.h"
#include "bot/web/http_types.h"

namespace picbot {

class ConfigService {
 public:
  // Makes the host follow values(); previous is the config before the reload.
  using Apply = std::function<Status(const nlohmann::json& previous)>;

  // REQUIRES: loaded was validated against schema.
  ConfigService(boost::asio::any_io_executor executor, std::filesystem::path path, config::Schema schema,
                config::LoadedConfig loaded, WorkerPool& workers);

  const nlohmann::json& values() const { return config_; }
  const config::Schema& schema() const { return schema_; }
  const std::filesystem::path& path() const { return path_; }
  // bot.language of the running config.
  std::string language() const;

  // REQUIRES: called before reload() can run (App's constructor).
  void set_apply(Apply apply) { apply_ = std::move(apply); }

  // Deletes (and logs) the temporary files of a save that was interrupted.
  void remove_stale_temp_files() const;

  // Starts reloading on SIGHUP and when the file's mtime or size changes.
  void start_watching();
  // Stops both; a later signal or file change does nothing.
  void stop();

  // Re-reads the file and applies it (see the guarantees above).
  Status reload();

  // Writes one key (dotted path, "plugins.x.enabled") into the file without
  // baking environment secrets into it, then reloads. Errors "bad_config"
  // when the file or the edited config does not validate (the file is kept).
  boost::asio::awaitable<Status> save_value(std::string key, nlohmann::json value);

  // The console's POST /api/config and GET /api/config (see web_host.h).
  boost::asio::awaitable<web::HttpResponse> save_from_console(const web::HttpRequest& request);
  // POST /api/config/preview: the same body; answers the unified diff the
  // save would write to the file, secrets masked. Writes nothing.
  boost::asio::awaitable<web::HttpResponse> preview_from_console(const web::HttpRequest& request);
  nlohmann::json editor_json() const;

 private:
  Result<config::LoadedConfig, web::HttpResponse> submitted_config(const web::HttpRequest& request) const;
  using FileStamp = std::pair<std::filesystem::file_time_type, std::uintmax_t>;

  nlohmann::json unknown_keys() const;
  template <class NewText>
  boost::asio::awaitable<Status> write_config_file(NewText new_text);
  void watch_signals();
  void watch_file();
  FileStamp file_stamp() const;

  const std::filesystem::path path_;
  const config::Schema schema_;
  nlohmann::json config_;
  nlohmann::json file_config_;  // the file's values without environment overrides (what saving writes)
  std::vector<config::EnvOverride> env_overrides_;
  std::vector<config::ConfigIssue> load_warnings_;
  WorkerPool& workers_;
  WorkerPool::Serial config_writes_;  // see write_config_file()
  Apply apply_;
  boost::asio::signal_set hangup_;
  boost::asio::steady_timer file_timer_;
  FileStamp known_stamp_;
  bool stopping_ = false;
};

}  // namespace picbot
