#include "bot/app/config_service.h"

#include <csignal>
#include <fstream>
#include <sstream>
#include <string_view>

#include "bot/app/app_logger.h"
#include "bot/config/config_edit.h"
#include "bot/config/config_writer.h"
#include "bot/core/json_limits.h"

namespace picbot {
namespace asio = boost::asio;
using nlohmann::json;

namespace {
std::string join_issues(const std::vector<config::ConfigIssue>& issues) {
  std::string out;
  for (const auto& issue : issues) {
    if (!out.empty()) out += "; ";
    out += config::format_issue(issue);
  }
  return out;
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
    app_logger()->warn("removed {}, left by a config save that was interrupted", name);
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
  auto loaded = config::load_config_file(schema_, path_, config::process_environment(), language());
  if (!loaded) {
    app_logger()->error("reload refused, the running config stays: {}", join_issues(loaded.error()));
    return Error::make("bad_config", join_issues(loaded.error()));
  }
  for (const auto& warning : loaded->warnings)
    app_logger()->warn("config: {}", config::format_issue(warning));
  file_config_ = std::move(loaded->file_values);
  env_overrides_ = std::move(loaded->env_overrides);
  load_warnings_ = std::move(loaded->warnings);
  const json previous = std::exchange(config_, std::move(loaded->values));
  Status s = apply_(previous);
  if (s) app_logger()->info("config reloaded from {}", path_.string());
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
  auto edited = [schema = schema_, key = std::move(key),
                 value = std::move(value)](const std::filesystem::path& path) -> Result<std::string> {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    auto raw = config::parse_yaml(text.str());
    if (!raw) return Error::make("bad_config", join_issues(raw.error()));
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
    auto validated = config::validate_config(schema, file, config::Environment{});
    if (!validated) return Error::make("bad_config", join_issues(validated.error()));
    return config::render_yaml(schema, validated->values,
                               validated->values["bot"].value("language", "zh-CN"));
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

// POST /api/config {"values": {...}}: laid over the file's config (a key
// left out is unchanged), validate all, write atomically (.bak kept),
// reload through the same path as /reload.
asio::awaitable<web::HttpResponse> ConfigService::save_from_console(const web::HttpRequest& request) {
  auto parsed = parse_json(request.body);
  if (!parsed) {
    co_return web::HttpResponse::json(
        {{"error", "bad_request"}, {"message", "the body is not JSON: " + parsed.error().message}}, 400);
  }
  const json& body = *parsed;
  if (!body.is_object() || !body.contains("values") || !body["values"].is_object()) {
    co_return web::HttpResponse::json({{"error", "bad_request"}, {"message", "expected {\"values\": {...}}"}},
                                      400);
  }
  auto merged = config::merge_submitted(schema_, file_config_, body["values"]);
  if (!merged) {
    json errors = json::array({{{"path", merged.error().message},
                                {"message", "null would reset a secret: send \"\" to empty it"}}});
    co_return web::HttpResponse::json({{"error", "invalid"}, {"errors", std::move(errors)}}, 400);
  }
  const json submitted = config::restore_masked_secrets(schema_, std::move(*merged), file_config_);
  auto validated = config::validate_config(schema_, submitted, config::Environment{});
  if (!validated) {
    json errors = json::array();
    for (const auto& issue : validated.error())
      errors.push_back({{"path", issue.path}, {"message", issue.message}});
    co_return web::HttpResponse::json({{"error", "invalid"}, {"errors", std::move(errors)}}, 400);
  }
  json ignored = json::array();  // keys the form sent that the schema does not know
  for (const auto& w : validated->warnings) ignored.push_back(w.path);
  const json dropped = unknown_keys();
  const std::string language = validated->values["bot"].value("language", "zh-CN");
  auto new_text = [yaml = config::render_yaml(schema_, validated->values, language)](
                      const std::filesystem::path&) -> Result<std::string> { return yaml; };
  const Status saved = co_await write_config_file(new_text);
  if (!saved) {
    app_logger()->error("web console: saving {} failed: {}", path_.string(), saved.error().message);
    co_return web::HttpResponse::json({{"error", "save_failed"}, {"message", saved.error().message}}, 500);
  }
  const auto changed = config::changed_paths(file_config_, validated->values);
  json answer{{"saved", true},
              {"changed", changed},
              {"restart_required", config::restart_required_paths(schema_, changed)},
              {"unknown_keys_dropped", dropped},
              {"ignored_keys", std::move(ignored)}};
  app_logger()->info("web console: config saved ({} key(s) changed)", changed.size());
  if (Status s = reload(); !s) answer["reload_error"] = s.error().message;
  co_return web::HttpResponse::json(answer);
}

void ConfigService::watch_signals() {
  hangup_.async_wait([this](const boost::system::error_code& ec, int) {
    if (ec) return;
    app_logger()->info("SIGHUP: reloading config");
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
      app_logger()->info("config file {} changed on disk: reloading", path_.string());
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
