#include "bot/app/config_service.h"

#include <algorithm>
#include <csignal>
#include <fstream>
#include <optional>
#include <sstream>
#include <string_view>

#include "bot/app/app_logger.h"
#include "bot/config/config_edit.h"
#include "bot/config/config_messages.h"
#include "bot/config/config_writer.h"
#include "bot/config/yaml_text_edit.h"
#include "bot/core/json_limits.h"
#include "bot/core/log_language.h"
#include "bot/core/message_table.h"
#include "bot/core/secret.h"
#include "bot/core/text_diff.h"

namespace picbot {
namespace asio = boost::asio;
using nlohmann::json;

namespace {
std::string join_issues(const std::vector<config::ConfigIssue>& issues, std::string_view language) {
  std::string out;
  for (const auto& issue : issues) {
    if (!out.empty()) out += "; ";
    out += config::format_issue(issue, language);
  }
  return out;
}

std::string read_text_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// text, the config file at path as read, edited so that it loads as values:
// only the keys that change are rewritten (config::config_text_for).
std::string edited_config_text(const std::string& text, const std::filesystem::path& path,
                               const config::Schema& schema, const json& values) {
  const std::string language = values["bot"].value("language", "zh-CN");
  config::ConfigText edited = config::config_text_for(text, schema, values, language);
  if (!edited.fallback_reason.empty())
    app_logger()->warn("{}", log::text("log.config_written_whole", fmt::arg("path", path.string()),
                                       fmt::arg("reason", edited.fallback_reason)));
  return std::move(edited.text);
}

// text with every non-empty secret replaced by its mask, longest first (so a
// secret that contains another is replaced whole). Short secrets are
// replaced too: a diff line must never show one.
std::string mask_secrets_in(std::string text, std::vector<std::string> secrets) {
  std::sort(secrets.begin(), secrets.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
  for (const auto& secret : secrets) {
    if (secret.empty()) continue;
    const std::string masked = mask_secret(secret);
    for (std::size_t pos = 0; (pos = text.find(secret, pos)) != std::string::npos; pos += masked.size())
      text.replace(pos, secret.size(), masked);
  }
  return text;
}
}  // namespace

ConfigService::ConfigService(asio::any_io_executor executor, std::filesystem::path path,
                             config::Schema schema, config::LoadedConfig loaded, WorkerPool& workers)
    : path_(std::move(path)),
      schema_(std::move(schema)),
      config_(std::move(loaded.values)),
      file_config_(std::move(loaded.file_values)),
      env_overrides_(std::move(loaded.env_overrides)),
      load_warnings_(std::move(loaded.warnings)),
      workers_(workers),
      config_writes_(workers.make_serial()),
      hangup_(executor, SIGHUP),
      file_timer_(executor) {}

std::string ConfigService::language() const { return config_["bot"].value("language", "zh-CN"); }

void ConfigService::remove_stale_temp_files() const {
  for (const auto& name : config::remove_stale_temp_files(path_)) {
    app_logger()->warn("{}", log::text("log.config_temp_removed", fmt::arg("name", name)));
  }
}

void ConfigService::start_watching() {
  watch_signals();
  known_stamp_ = file_stamp();
  watch_file();
}

void ConfigService::stop() {
  stopping_ = true;
  hangup_.cancel();
  file_timer_.cancel();
}

Status ConfigService::reload() {
  known_stamp_ = file_stamp();
  const std::string bot_language = language();
  auto loaded = config::load_config_file(schema_, path_, config::process_environment(), bot_language);
  // The error goes back to whoever asked (a chat command, the console) in the
  // bot's language; the log lines are in the log language, so when the two
  // differ the issues are worded again for them.
  const std::string log_language = log::language();
  std::optional<decltype(loaded)> reworded;
  if (log_language != bot_language && (!loaded || !loaded->warnings.empty()))
    reworded.emplace(config::load_config_file(schema_, path_, config::process_environment(), log_language));
  const bool use_reworded = reworded && reworded->ok() == loaded.ok();
  const auto& for_log = use_reworded ? *reworded : loaded;
  const std::string& for_log_language = use_reworded ? log_language : bot_language;
  if (!loaded) {
    app_logger()->error("{}", log::text("log.config_refused",
                                        fmt::arg("issues", join_issues(for_log.error(), for_log_language))));
    return Error::make("bad_config", join_issues(loaded.error(), bot_language));
  }
  for (const auto& warning : for_log->warnings)
    app_logger()->warn("{}", log::text("log.config_warning",
                                       fmt::arg("issue", config::format_issue(warning, for_log_language))));
  file_config_ = std::move(loaded->file_values);
  env_overrides_ = std::move(loaded->env_overrides);
  load_warnings_ = std::move(loaded->warnings);
  const json previous = std::exchange(config_, std::move(loaded->values));
  Status s = apply_(previous);
  if (s) app_logger()->info("{}", log::text("log.config_reloaded", fmt::arg("path", path_.string())));
  return s;
}

// Every write of the config file goes through here: new_text(path) makes
// the file's text and the file is saved, both on a worker, one save at a
// time (config_writes_), so a read-modify-write never loses another save.
// The caller reloads afterwards, on the loop.
template <class NewText>
asio::awaitable<Status> ConfigService::write_config_file(NewText new_text) {
  auto write = [path = path_, new_text = std::move(new_text)]() -> Status {
    Result<std::string> yaml = new_text(path);
    if (!yaml) return yaml.error();
    return config::save_config_file(path, *yaml);
  };
  co_return co_await workers_.run(config_writes_, write);
}

asio::awaitable<Status> ConfigService::save_value(std::string key, json value) {
  // Read, edit and validate on the worker, in the same job as the write. The
  // job owns a copy of the schema: the workers are joined after this service
  // is destroyed, so a queued save may run later.
  // Its errors go back to whoever asked (a chat command): in the bot's language.
  auto edited = [schema = schema_, key = std::move(key), value = std::move(value),
                 language = language()](const std::filesystem::path& path) -> Result<std::string> {
    const std::string text = read_text_file(path);
    auto raw = config::parse_yaml(text, language);
    if (!raw) return Error::make("bad_config", join_issues(raw.error(), language));
    json file = raw->is_object() ? *raw : json::object();
    json* node = &file;
    std::string_view rest = key;
    while (true) {
      const std::size_t dot = rest.find('.');
      const std::string part(rest.substr(0, dot));
      if (dot == std::string_view::npos) {
        (*node)[part] = value;
        break;
      }
      if (!(*node)[part].is_object()) (*node)[part] = json::object();
      node = &(*node)[part];
      rest.remove_prefix(dot + 1);
    }
    auto validated = config::validate_config(schema, file, config::Environment{}, language);
    if (!validated) return Error::make("bad_config", join_issues(validated.error(), language));
    return edited_config_text(text, path, schema, validated->values);
  };
  if (Status saved = co_await write_config_file(edited); !saved) co_return saved;
  co_return reload();
}

// The config file's values for the editor: secrets masked, plus which keys
// the environment overrides and which keys of the file are unknown.
json ConfigService::editor_json() const {
  json overrides = json::array();
  for (const auto& o : env_overrides_) overrides.push_back({{"path", o.path}, {"env", o.env}});
  return {{"values", schema_.masked(file_config_)},
          {"env_overrides", std::move(overrides)},
          {"unknown_keys", unknown_keys()},
          {"path", path_.string()}};
}

json ConfigService::unknown_keys() const {
  json keys = json::array();
  for (const auto& w : load_warnings_) keys.push_back(w.path);
  return keys;
}

// A console body {"values": {...}, "language": "en"|"zh-CN"} laid over the
// file's config (a key left out is unchanged) and validated, or the 400
// answer saying why not, in the body's language (default zh-CN).
Result<config::LoadedConfig, web::HttpResponse> ConfigService::submitted_config(
    const web::HttpRequest& request) const {
  auto parsed = parse_json(request.body);
  if (!parsed) {
    return web::HttpResponse::json(
        {{"error", "bad_request"}, {"message", "the body is not JSON: " + parsed.error().message}}, 400);
  }
  const json& body = *parsed;
  if (!body.is_object() || !body.contains("values") || !body["values"].is_object()) {
    return web::HttpResponse::json({{"error", "bad_request"}, {"message", "expected {\"values\": {...}}"}},
                                   400);
  }
  const std::string language = body.contains("language") && body["language"] == "en" ? "en" : "zh-CN";
  auto merged = config::merge_submitted(schema_, file_config_, body["values"]);
  if (!merged) {
    config::register_config_messages();
    json errors = json::array(
        {{{"path", merged.error().message}, {"message", tr(language, "config.secret_needs_value")}}});
    return web::HttpResponse::json({{"error", "invalid"}, {"errors", std::move(errors)}}, 400);
  }
  const json submitted = config::restore_masked_secrets(schema_, std::move(*merged), file_config_);
  auto validated = config::validate_config(schema_, submitted, config::Environment{}, language);
  if (!validated) {
    json errors = json::array();
    for (const auto& issue : validated.error())
      errors.push_back({{"path", issue.path}, {"message", issue.message}});
    return web::HttpResponse::json({{"error", "invalid"}, {"errors", std::move(errors)}}, 400);
  }
  return std::move(*validated);
}

// POST /api/config/preview, same body as POST /api/config: the unified diff
// of the file text a save would write, secrets masked. Writes nothing.
asio::awaitable<web::HttpResponse> ConfigService::preview_from_console(const web::HttpRequest& request) {
  auto validated = submitted_config(request);
  if (!validated) co_return validated.error();
  const json values = std::move(validated->values);
  // Owns copies: the workers are joined after this service is destroyed.
  auto diff_of_save = [schema = schema_, path = path_, values] {
    const std::string before = read_text_file(path);
    return unified_diff(before, edited_config_text(before, path, schema, values), path.filename().string());
  };
  std::string diff = co_await workers_.run(config_writes_, std::move(diff_of_save));
  std::vector<std::string> secrets = schema_.secret_values(file_config_);
  for (auto& secret : schema_.secret_values(values)) secrets.push_back(std::move(secret));
  const auto changed = config::changed_paths(file_config_, values);
  co_return web::HttpResponse::json({{"diff", mask_secrets_in(std::move(diff), std::move(secrets))},
                                     {"changed", changed},
                                     {"restart_required", config::restart_required_paths(schema_, changed)}});
}

// POST /api/config {"values": {...}}: submitted_config(), then write
// atomically (.bak kept) and reload through the same path as /reload.
asio::awaitable<web::HttpResponse> ConfigService::save_from_console(const web::HttpRequest& request) {
  auto validated = submitted_config(request);
  if (!validated) co_return validated.error();
  json ignored = json::array();  // keys the form sent that the schema does not know
  for (const auto& w : validated->warnings) ignored.push_back(w.path);
  const json dropped = unknown_keys();
  auto new_text = [schema = schema_,
                   values = validated->values](const std::filesystem::path& path) -> Result<std::string> {
    return edited_config_text(read_text_file(path), path, schema, values);
  };
  const Status saved = co_await write_config_file(new_text);
  if (!saved) {
    app_logger()->error("{}", log::text("log.config_save_failed", fmt::arg("path", path_.string()),
                                        fmt::arg("reason", saved.error().message)));
    co_return web::HttpResponse::json({{"error", "save_failed"}, {"message", saved.error().message}}, 500);
  }
  const auto changed = config::changed_paths(file_config_, validated->values);
  json answer{{"saved", true},
              {"changed", changed},
              {"restart_required", config::restart_required_paths(schema_, changed)},
              {"unknown_keys_dropped", dropped},
              {"ignored_keys", std::move(ignored)}};
  app_logger()->info("{}", log::text("log.config_saved", fmt::arg("count", changed.size())));
  if (Status s = reload(); !s) answer["reload_error"] = s.error().message;
  co_return web::HttpResponse::json(answer);
}

void ConfigService::watch_signals() {
  hangup_.async_wait([this](const boost::system::error_code& ec, int) {
    if (ec) return;
    app_logger()->info("{}", log::text("log.sighup"));
    (void)reload();
    watch_signals();
  });
}

// Hand edits: the file's mtime and size are checked every second; a
// change goes through reload() (a bad file keeps the running config).
void ConfigService::watch_file() {
  file_timer_.expires_after(std::chrono::seconds(1));
  file_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopping_) return;
    if (file_stamp() != known_stamp_) {
      app_logger()->info("{}", log::text("log.config_changed_on_disk", fmt::arg("path", path_.string())));
      (void)reload();
    }
    watch_file();
  });
}

ConfigService::FileStamp ConfigService::file_stamp() const {
  std::error_code ec;
  const auto time = std::filesystem::last_write_time(path_, ec);
  const auto size = std::filesystem::file_size(path_, ec);
  return {time, ec ? 0 : size};
}

}  // namespace picbot
