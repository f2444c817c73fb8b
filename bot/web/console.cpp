#include "bot/web/console.h"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fstream>
#include <regex>
#include <sstream>
#include <system_error>

#include "bot/core/json_limits.h"
#include "bot/core/log_language.h"
#include "bot/core/logging.h"
#include "bot/core/message_table.h"
#include "bot/core/secret.h"
#include "bot/web/embedded_asset.h"
#include "bot/web/password_hash.h"

namespace picbot::web {

std::span<const EmbeddedAsset> console_assets();  // generated from bot/web/assets

namespace asio = boost::asio;
using nlohmann::json;

namespace {
auto logger() {
  static auto l = log::get("web");
  return l;
}

// Console labels (zh-CN default, en). The pages fetch them from /api/labels.
constexpr MessageEntry kConsoleMessages[] = {
    {"console.title", "picbot 管理后台", "picbot console"},
    {"console.login", "登录", "Log in"},
    {"console.logout", "退出登录", "Log out"},
    {"console.password", "密码", "Password"},
    {"console.login_failed", "密码错误", "Wrong password"},
    {"console.login_limited", "失败次数过多，请 {wait}后再试",
     "Too many failed attempts, try again in {wait}"},
    {"console.nav.status", "状态", "Status"},
    {"console.nav.config", "配置", "Settings"},
    {"console.nav.logs", "日志", "Logs"},
    {"console.nav.sandbox", "沙盒聊天", "Sandbox chat"},
    {"console.nav.storage", "图片存储", "Image storage"},
    {"console.storage.figure_images", "图片总数", "Images"},
    {"console.storage.figure_local", "本机", "On this machine"},
    {"console.storage.figure_remote", "存储桶中", "In the bucket"},
    {"console.storage.figure_pending", "待上传", "Pending uploads"},
    {"console.storage.figure_failed", "上传失败", "Failed uploads"},
    {"console.storage.disk_of_cap", "磁盘占用 {used} / 上限 {cap}", "Disk used {used} of {cap}"},
    {"console.storage.disk_no_cap", "磁盘占用 {used}（不限）", "Disk used {used} (no cap)"},
    {"console.storage.clean", "立即清理过期图片", "Clean expired now"},
    {"console.storage.clear_cache", "清空本地缓存（仅已上传）", "Clear the local cache (uploaded only)"},
    {"console.storage.cleaned", "已清理 {expired} 个过期副本", "Cleaned {expired} expired copies"},
    {"console.storage.cleared", "已删除 {evicted} 个本地文件", "Deleted {evicted} local files"},
    {"console.storage.figure_uploading", "上传中", "Uploading"},
    {"console.storage.figure_uploaded", "已上传", "Uploaded"},
    {"console.storage.oldest_pending", "最早的待传图片已等待 {age}",
     "The oldest pending image has waited {age}"},
    {"console.storage.bucket", "存储桶", "Bucket"},
    {"console.storage.bucket_line", "存储桶 {bucket}（{endpoint}），目录 {prefix}",
     "Bucket {bucket} at {endpoint}, folder {prefix}"},
    {"console.storage.upload_pending", "上传待传图片", "Upload pending now"},
    {"console.storage.retry_failed", "重试失败的上传", "Retry failed"},
    {"console.storage.test_connection", "测试连接", "Test connection"},
    {"console.storage.uploading_now", "已开始上传 {count} 张待传图片",
     "Started uploading {count} pending images"},
    {"console.storage.retried", "已重新排队 {count} 个失败的上传", "Queued {count} failed uploads again"},
    {"console.storage.testing", "正在测试连接……", "Testing the connection…"},
    {"console.storage.test_ok", "连接正常（{elapsed} 毫秒）：{message}",
     "Connection works ({elapsed} ms): {message}"},
    {"console.storage.test_failed", "连接失败（{elapsed} 毫秒）：{message}",
     "Connection failed ({elapsed} ms): {message}"},
    {"console.storage.failed_title", "失败的上传", "Failed uploads"},
    {"console.storage.failed_key", "对象键", "Key"},
    {"console.storage.failed_attempts", "尝试次数", "Attempts"},
    {"console.storage.failed_error", "最后的错误", "Last error"},
    {"console.storage.no_failed", "没有失败的上传", "No failed uploads"},
    {"console.storage.no_bucket", "未配置存储桶：图片只保存在本机。",
     "No bucket configured: images are kept on this machine only."},
    {"console.storage.local_only",
     "图片只保存在本机。要同时上传到 S3 兼容的存储桶（Cloudflare R2、AWS S3、阿里云 OSS、MinIO），设置 "
     "storage.backend: s3 和 storage.s3.*，然后重启 picbot：见 README 的“把图片存到 R2 / S3 / OSS / "
     "MinIO”一节和 docs/storage-s3.md。",
     "Images are kept on this machine only. To also upload them to an S3-compatible bucket (Cloudflare R2, "
     "AWS "
     "S3, Aliyun OSS, MinIO), set storage.backend: s3 and storage.s3.*, then restart picbot: see the "
     "README's "
     "section \"Keeping images in R2 / S3 / OSS / MinIO\" and docs/storage-s3.md."},
    {"console.status.connections", "OneBot 连接", "OneBot connections"},
    {"console.status.no_connections", "没有连接", "No connection"},
    {"console.status.self_id", "QQ 号", "Account"},
    {"console.status.link", "连接", "Link"},
    {"console.status.uptime", "在线时长", "Uptime"},
    {"console.status.messages", "消息", "Messages"},
    {"console.status.messages_in", "收到", "Received"},
    {"console.status.messages_out", "发出", "Sent"},
    {"console.status.commands", "命令", "Commands"},
    {"console.status.api_calls", "API 调用", "API calls"},
    {"console.status.api_failures", "API 失败", "API failures"},
    {"console.status.plugins", "插件", "Plugins"},
    {"console.dashboard.model", "模型", "Model"},
    {"console.dashboard.generations", "生成次数（近 24 小时，每小时）", "Generations per hour (last 24 h)"},
    {"console.dashboard.success", "成功", "Succeeded"},
    {"console.dashboard.failure", "失败", "Failed"},
    {"console.dashboard.total_success", "成功（启动以来）", "Succeeded (since start)"},
    {"console.dashboard.total_failure", "失败（启动以来）", "Failed (since start)"},
    {"console.dashboard.no_generations", "近 24 小时没有生成", "No generations in the last 24 h"},
    {"console.dashboard.hour_tip", "{hour}：成功 {success}，失败 {failure}",
     "{hour}: {success} succeeded, {failure} failed"},
    {"console.dashboard.latency", "耗时（近 24 小时）", "Latency (last 24 h)"},
    {"console.dashboard.p50", "中位数 p50", "Median p50"},
    {"console.dashboard.p95", "p95", "p95"},
    {"console.dashboard.seconds", "{value} 秒", "{value} s"},
    {"console.dashboard.quota_denials", "额度拒绝", "Quota refusals"},
    {"console.dashboard.images_delivered", "已发送图片", "Images delivered"},
    {"console.dashboard.delivery_failures", "发送失败", "Delivery failures"},
    {"console.dashboard.queue", "队列", "Queue"},
    {"console.dashboard.running", "生成中", "Running"},
    {"console.dashboard.waiting", "排队中", "Waiting"},
    {"console.dashboard.failures_by_class", "失败原因", "Failures by class"},
    {"console.dashboard.limiters", "上游队列", "Upstream queue"},
    {"console.dashboard.limiter_provider", "服务", "Provider"},
    {"console.dashboard.limiter_limit", "限额", "Limit"},
    {"console.dashboard.limiter_rate", "{rate} 次/秒，突发 {burst}", "{rate}/s, burst {burst}"},
    {"console.dashboard.limiter_concurrent", "最多并发 {n}", "at most {n} at once"},
    {"console.dashboard.unlimited", "不限", "Unlimited"},
    {"console.dashboard.keys", "API 密钥", "API keys"},
    {"console.dashboard.providers", "绘图服务（按使用顺序）",
     "Image providers (in the order they are tried)"},
    {"console.dashboard.provider_title", "{position}. {name}（{type}，模型 {model}）",
     "{position}. {name} ({type}, model {model})"},
    {"console.dashboard.provider_no_calls", "启动以来没有调用", "No calls since start"},
    {"console.dashboard.key", "密钥", "Key"},
    {"console.dashboard.key_state", "状态", "State"},
    {"console.dashboard.key_reason", "原因", "Reason"},
    {"console.dashboard.key_successes", "成功", "Successes"},
    {"console.dashboard.key_failures", "失败", "Failures"},
    {"console.dashboard.state.active", "可用", "Active"},
    {"console.dashboard.state.cooling_down", "冷却中，至 {until}", "Cooling down until {until}"},
    {"console.dashboard.state.disabled", "已停用", "Disabled"},
    {"console.dashboard.enable", "重新启用", "Re-enable"},
    {"console.dashboard.enabled", "已重新启用 {key}", "{key} re-enabled"},
    {"console.dashboard.class.invalid_key", "密钥无效", "Invalid key"},
    {"console.dashboard.class.no_credits", "余额不足", "No credits"},
    {"console.dashboard.class.rate_limited", "限流", "Rate limited"},
    {"console.dashboard.class.bad_request", "请求错误", "Bad request"},
    {"console.dashboard.class.model_not_found", "模型不存在", "Model not found"},
    {"console.dashboard.class.no_endpoint_for_modalities", "模型不支持出图", "Model cannot output images"},
    {"console.dashboard.class.transient", "临时故障", "Transient error"},
    {"console.dashboard.class.content_filtered", "内容被拦截", "Content filtered"},
    {"console.dashboard.class.bad_response", "无效响应", "Bad response"},
    {"console.dashboard.class.cancelled", "已取消", "Cancelled"},
    {"console.dashboard.class.deadline", "超时", "Timed out"},
    {"console.status.errors", "最近的错误与警告", "Last errors and warnings"},
    {"console.status.no_errors", "没有错误", "No errors"},
    {"console.config.save", "保存", "Save"},
    {"console.config.saved", "已保存并生效", "Saved and applied"},
    {"console.config.restart_needed", "以下设置需要重启后生效：{keys}",
     "These settings take effect after a restart: {keys}"},
    {"console.config.invalid", "有 {count} 处错误，未保存", "{count} error(s), nothing was saved"},
    {"console.config.unknown_keys", "配置文件中的未知项（保存后移除，旧文件保留为 .bak）：{keys}",
     "Unknown keys in the file (removed on save; the old file stays as .bak): {keys}"},
    {"console.config.env_override", "由环境变量 {env} 提供", "Set by the environment variable {env}"},
    {"console.config.restart", "需重启", "needs restart"},
    {"console.config.secret_hint", "已隐藏；不修改则保持原值", "Hidden; unchanged unless you edit it"},
    {"console.config.add", "添加", "Add"},
    {"console.config.remove", "删除", "Remove"},
    {"console.config.default", "默认值", "Default"},
    {"console.config.enabled_plugin", "启用此插件", "Enable this plugin"},
    {"console.config.list_hint", "每行一项", "One item per line"},
    {"console.login.unavailable", "无法读取密码文件，请查看日志",
     "The password file could not be read; see the log"},
    {"console.config.tab_general", "常规", "General"},
    {"console.config.search", "搜索设置（名称、键或说明）", "Search settings (name, key or description)"},
    {"console.config.diff_title", "将写入配置文件的改动", "Changes to be written to the config file"},
    {"console.config.cancel", "取消", "Cancel"},
    {"console.config.no_changes", "没有改动，未写入", "No changes; nothing was written"},
    {"console.config.map_key", "名称", "Name"},
    {"console.config.map_value", "内容", "Value"},
    {"console.config.choose", "添加…", "Add…"},
    {"console.config.entry_bad_name", "名称只能含字母、数字、- 和 _",
     "A name holds only letters, digits, - and _"},
    {"console.config.entry_exists", "已有名为 {name} 的项", "There is already one named {name}"},
    {"console.config.entry_unused", "未在当前使用的绘图服务顺序中", "Not in the provider chain in use"},
    {"console.config.entry_live", "使用中：第 {position} 位，模型 {model}",
     "In use: place {position}, model {model}"},
    {"console.config.entry_no_keys", "没有配置密钥", "No keys configured"},
    {"console.duration.days", "{n} 天", "{n} d"},
    {"console.duration.hours", "{n} 小时", "{n} h"},
    {"console.duration.minutes", "{n} 分", "{n} min"},
    {"console.duration.seconds", "{n} 秒", "{n} s"},
    {"console.login.expired", "登录已失效（picbot 可能重启过），请重新登录",
     "Your session has ended (picbot may have restarted); please log in again"},
    {"console.conn.lost", "与 picbot 的连接已断开，正在重试…", "Lost the connection to picbot, retrying…"},
    {"console.conn.back", "已重新连接 picbot", "Reconnected to picbot"},
    {"console.busy", "处理中…", "Working…"},
    {"console.loading", "加载中…", "Loading…"},
    {"console.retry", "重试", "Retry"},
    {"console.error.offline", "无法连接 picbot，请求未完成",
     "picbot is unreachable; the request did not complete"},
    {"console.error.http", "请求失败（HTTP {status}）：{detail}", "Request failed (HTTP {status}): {detail}"},
    {"console.status.stale", "状态未知：与 picbot 的连接已断开",
     "Status unknown: the connection to picbot is lost"},
    {"console.logs.pause", "暂停", "Pause"},
    {"console.logs.resume", "继续", "Resume"},
    {"console.logs.level", "级别", "Level"},
    {"console.logs.level_all", "全部", "All"},
    {"console.logs.level_info", "信息及以上", "Info and above"},
    {"console.logs.level_warning", "警告及以上", "Warnings and above"},
    {"console.logs.level_error", "仅错误", "Errors only"},
    {"console.logs.search", "搜索", "Search"},
    {"console.logs.download", "下载", "Download"},
    {"console.logs.empty", "没有符合条件的日志", "No matching lines"},
    {"console.logs.paused_new", "已暂停：{count} 条新日志未显示", "Paused: {count} new line(s) not shown"},
    {"console.sandbox.user_id", "用户 QQ 号", "User id"},
    {"console.sandbox.group_id", "群号（留空为私聊）", "Group id (empty: private chat)"},
    {"console.sandbox.as_admin", "以管理员身份", "As admin"},
    {"console.sandbox.message", "消息", "Message"},
    {"console.sandbox.send", "发送", "Send"},
    {"console.sandbox.hint", "消息经过真实的分发器、AI 助手和插件，只有 OneBot 连接被替换。",
     "Messages go through the real dispatcher, agent and plugins; only the OneBot link is replaced."},
    {"console.sandbox.you", "你", "You"},
    {"console.sandbox.at_bot", "@机器人", "@bot"},
    {"console.sandbox.attach", "附加图片", "Attach image"},
    {"console.sandbox.attached", "已附加图片：{name}", "Image attached: {name}"},
    {"console.sandbox.remove", "移除", "Remove"},
    {"console.sandbox.quote", "引用", "Quote"},
    {"console.sandbox.quoting", "引用消息 #{id}", "Quoting message #{id}"},
    {"console.sandbox.bad_user", "用户 QQ 号只能是数字", "The user id must be a number"},
    {"console.sandbox.bad_group", "群号只能是数字，私聊请留空",
     "The group id must be a number (empty: private chat)"},
    {"console.sandbox.bad_image", "无法读取这张图片", "This image cannot be read"},
    {"console.sandbox.no_reply", "这条消息没有得到回复", "This message got no reply"},
    {"console.sandbox.no_reply_llm_off",
     "没有回复：这不是命令，而 AI 助手（LLM）未启用（llm.enabled），所以只有命令会得到回复",
     "No reply: this is not a command and the AI agent (LLM) is off (llm.enabled), so only commands are "
     "answered"},
    {"console.sandbox.no_reply_not_woken",
     "没有回复：在群里需要 @机器人（点「@机器人」）、叫它的昵称或以命令前缀开头",
     "No reply: in a group, @ the bot (the @bot button), say its nickname or start with the command prefix"},
    {"console.sandbox.no_reply_group", "没有回复：这个群不在允许的群列表中",
     "No reply: this group is not in the allowed groups"},
    {"console.sandbox.bot", "机器人", "Bot"},
    {"console.error.network", "请求失败：{detail}", "Request failed: {detail}"},
    {"console.language", "English", "中文"},
};

const std::regex& page_id_pattern() {
  static const std::regex pattern("[a-z0-9_-]{1,40}");
  return pattern;
}

HttpResponse error_json(int status, std::string code, std::string message = {}) {
  json body{{"error", std::move(code)}};
  if (!message.empty()) body["message"] = std::move(message);
  return HttpResponse::json(body, status);
}

// The console labels whose key starts with prefix: {"zh-CN":{...},"en":{...}}.
json labels_json(std::string_view prefix) {
  json labels{{"zh-CN", json::object()}, {"en", json::object()}};
  for (const auto& entry : kConsoleMessages) {
    const std::string key(entry.key);
    if (!key.starts_with(prefix)) continue;
    labels["zh-CN"][key] = MessageTable::instance().lookup("zh-CN", key);
    labels["en"][key] = MessageTable::instance().lookup("en", key);
  }
  return labels;
}

asio::awaitable<HttpResponse> ready(HttpResponse response) { co_return response; }

HttpResponse asset_response(const EmbeddedAsset& asset) {
  HttpResponse response;
  response.content_type = std::string(asset.content_type);
  response.body = std::string(asset.data);
  add_console_headers(response);
  return response;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The console's password file: the stored hash, and the generated password
// when the file was just created.
struct PasswordFile {
  std::string hash;
  std::string new_password;
};

// Reads the hash file at path, or creates it for a generated password.
// Blocking disk I/O and scrypt: call from a worker.
Result<PasswordFile> read_or_create_password_file(const std::filesystem::path& path) {
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) {
    std::string stored = read_file(path);
    if (stored.starts_with("scrypt$")) return PasswordFile{std::move(stored), ""};
    return Error::make("bad_password_hash",
                       path.string() + " is not a password hash: delete it to get a new password");
  }
  std::string password = generate_password();
  auto hash = hash_password(password);
  if (!hash) return hash.error();
  std::filesystem::create_directories(path.parent_path(), ec);
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << *hash << "\n";
    if (!out) return Error::make("write_failed", "cannot write " + path.string());
  }
  std::filesystem::permissions(path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
                               std::filesystem::perm_options::replace, ec);
  return PasswordFile{std::move(*hash), std::move(password)};
}

}  // namespace

void add_console_headers(HttpResponse& response) {
  for (const auto& [name, value] : response.headers) {
    if (name == "Content-Security-Policy") return;
  }
  response.headers.emplace_back(
      "Content-Security-Policy",
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: "
      "blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action "
      "'self'; frame-ancestors 'none'");
  response.headers.emplace_back("X-Frame-Options", "DENY");
}

Console::Console(HttpServer& server, WorkerPool& workers, const Clock& clock, Metrics& metrics,
                 Options options)
    : server_(server),
      workers_(workers),
      metrics_(metrics),
      options_(std::move(options)),
      auth_(clock, {}),
      hash_loaded_(server.executor(), asio::steady_timer::time_point::max()) {}

void Console::reconfigure(Options options) {
  if (options.password != options_.password) {
    // Whoever logged in with the old password must log in again.
    auth_.end_all_sessions();
    logger()->info("{}", log::text("log.console_password_changed"));
  }
  options_ = std::move(options);
  if (options_.password.empty()) prepare_password_hash();
}

void Console::prepare_password_hash() {
  if (hash_loading_ || !password_hash_.empty()) return;
  hash_loading_ = true;
  asio::co_spawn(server_.executor(), load_password_hash(), asio::detached);
}

asio::awaitable<void> Console::load_password_hash() {
  const auto path = options_.data_dir / "web_password.hash";
  auto read_or_create = [path]() -> Result<PasswordFile> {
    try {
      return read_or_create_password_file(path);
    } catch (const std::exception& e) {
      return Error::make("password_file", path.string() + ": " + e.what());
    }
  };
  Result<PasswordFile> loaded = co_await workers_.run(read_or_create);
  if (!loaded) {
    logger()->error(
        "{}", log::text("log.console_password_file_failed", fmt::arg("reason", loaded.error().message)));
  } else {
    password_hash_ = std::move(loaded->hash);
    if (!loaded->new_password.empty()) {
      logger()->warn("{}", log::text("log.console_password_generated", fmt::arg("path", path.string()),
                                     fmt::arg("password", loaded->new_password)));
    }
  }
  hash_loading_ = false;
  hash_loaded_.cancel();
}

asio::awaitable<bool> Console::password_hash_ready() {
  while (hash_loading_) {
    boost::system::error_code cancelled;
    auto token = asio::redirect_error(asio::use_awaitable, cancelled);
    co_await hash_loaded_.async_wait(token);
  }
  co_return !password_hash_.empty();
}

Status Console::start() {
  for (const auto& entry : kConsoleMessages) MessageTable::instance().add({entry});
  if (options_.password.empty()) prepare_password_hash();
  const auto assets = console_assets();
  auto serve_asset = [assets](std::string name) -> HttpHandler {
    return [assets, name](const HttpRequest&) -> asio::awaitable<HttpResponse> {
      const auto* asset = find_asset(assets, name);
      if (!asset) co_return HttpResponse::text(404, "not found\n");
      co_return asset_response(*asset);
    };
  };

  // Public: the login page and what it needs.
  server_.route("GET", "/login", [assets](const HttpRequest& request) -> asio::awaitable<HttpResponse> {
    std::string name = request.path == "/login" ? "login.html" : request.path.substr(7);
    if (name == "labels") {
      json labels = labels_json("console.login");
      const json durations = labels_json("console.duration");  // duration.js
      for (const auto& [language, entries] : durations.items()) labels[language].update(entries);
      co_return HttpResponse::json(labels);
    }
    if (name != "login.html" && name != "login.js" && name != "style.css" && name != "duration.js")
      co_return HttpResponse::text(404, "not found\n");
    const auto* asset = find_asset(assets, name);
    if (!asset) co_return HttpResponse::text(404, "not found\n");
    co_return asset_response(*asset);
  });
  server_.route("POST", "/login", [this](const HttpRequest& request) { return login(request); });

  // Pages and assets behind the login.
  // "/" is a prefix of every path: anything else is a 404, logged in or not.
  server_.route("GET", "/", [index = guarded(serve_asset("index.html"), true)](const HttpRequest& request) {
    if (request.path == "/" || request.path == "/index.html") return index(request);
    return ready(HttpResponse::text(404, "not found\n"));
  });
  server_.route("GET", "/assets/",
                guarded(
                    [assets, this](const HttpRequest& request) -> asio::awaitable<HttpResponse> {
                      const std::string name = request.path.substr(8);
                      if (name.starts_with("plugins/")) {
                        for (const auto& p : pages_) {
                          if (name == "plugins/" + p.plugin + "/" + p.page.id + ".js") {
                            HttpResponse response;
                            response.content_type = "text/javascript; charset=utf-8";
                            response.body = p.page.script;
                            add_console_headers(response);
                            co_return response;
                          }
                        }
                        co_return HttpResponse::text(404, "not found\n");
                      }
                      const auto* asset = find_asset(assets, name);
                      if (!asset || name.ends_with(".html")) co_return HttpResponse::text(404, "not found\n");
                      co_return asset_response(*asset);
                    },
                    true));

  add_route("POST", "/api/logout", [this](const HttpRequest& request) -> asio::awaitable<HttpResponse> {
    if (const auto* session = auth_.find(request.header("cookie"))) auth_.end_session(session->id);
    HttpResponse response = HttpResponse::json({{"ok", true}});
    response.headers.emplace_back("Set-Cookie", ConsoleAuth::clear_cookie());
    co_return response;
  });
  add_route("GET", "/api/session", [this](const HttpRequest& request) -> asio::awaitable<HttpResponse> {
    const auto* session = auth_.find(request.header("cookie"));
    co_return HttpResponse::json({{"csrf", session ? session->csrf : ""}, {"language", options_.language}});
  });
  add_route("GET", "/api/labels", [](const HttpRequest&) -> asio::awaitable<HttpResponse> {
    co_return HttpResponse::json(labels_json("console."));
  });
  add_route("GET", "/api/pages", [this](const HttpRequest&) -> asio::awaitable<HttpResponse> {
    json pages = json::array();
    for (const auto& p : pages_) {
      pages.push_back({{"plugin", p.plugin},
                       {"id", p.page.id},
                       {"title", {{"zh-CN", p.page.title_zh}, {"en", p.page.title_en}}},
                       {"script", "/assets/plugins/" + p.plugin + "/" + p.page.id + ".js"},
                       {"api", "/api/plugins/" + p.plugin}});
    }
    co_return HttpResponse::json(pages);
  });
  add_route("GET", "/api/logs", [](const HttpRequest& request) -> asio::awaitable<HttpResponse> {
    std::size_t lines = 200;
    if (const std::string text = request.query_param("lines"); !text.empty()) {
      try {
        lines = std::clamp<std::size_t>(std::stoul(text), 1, 1000);
      } catch (const std::exception&) {
        co_return error_json(400, "bad_lines", "lines: expected a number from 1 to 1000");
      }
    }
    log::LineFilter filter{.contains = request.query_param("q")};
    if (const std::string level = request.query_param("level"); !level.empty()) {
      filter.min_level = spdlog::level::from_str(level);
      if (filter.min_level == spdlog::level::off) {
        co_return error_json(400, "bad_level",
                             "level: expected trace, debug, info, warning, error or critical");
      }
    }
    const auto found = log::recent_lines(lines, filter);
    if (request.query_param("format") == "text") {
      HttpResponse download;
      download.content_type = "text/plain; charset=utf-8";
      for (const auto& line : found) download.body += line.text + "\n";
      download.headers.emplace_back("Content-Disposition", "attachment; filename=\"picbot.log\"");
      co_return download;
    }
    json out = json::array();
    for (const auto& line : found) {
      out.push_back({{"level", std::string(spdlog::level::to_string_view(line.level).data(),
                                           spdlog::level::to_string_view(line.level).size())},
                     {"text", line.text}});
    }
    co_return HttpResponse::json({{"lines", std::move(out)}});
  });

  server_.route("GET", "/metrics", [this](const HttpRequest& request) -> asio::awaitable<HttpResponse> {
    const std::string authorization = request.header("authorization");
    const bool token_ok = !options_.metrics_token.empty() && authorization.starts_with("Bearer ") &&
                          constant_time_equals(authorization.substr(7), options_.metrics_token);
    if (!token_ok && !auth_.find(request.header("cookie"))) {
      HttpResponse denied =
          error_json(401, "unauthorized", "log in or send Authorization: Bearer <web.metrics_token>");
      denied.headers.emplace_back("WWW-Authenticate", "Bearer");
      co_return denied;
    }
    if (metrics_refresh_) metrics_refresh_();
    HttpResponse response;
    response.content_type = "text/plain; version=0.0.4; charset=utf-8";
    response.body = metrics_.render();
    co_return response;
  });
  return {};
}

HttpHandler Console::guarded(HttpHandler inner, bool page) {
  return [this, inner = std::move(inner), page](const HttpRequest& request) -> asio::awaitable<HttpResponse> {
    const auto* session = auth_.find(request.header("cookie"));
    if (!session) {
      if (page) {
        HttpResponse redirect = HttpResponse::text(303, "see /login\n");
        redirect.headers.emplace_back("Location", "/login");
        co_return redirect;
      }
      co_return error_json(401, "login_required", "log in first (POST /login)");
    }
    if (request.method != "GET" && request.method != "HEAD" &&
        !constant_time_equals(request.header("x-csrf-token"), session->csrf)) {
      co_return error_json(403, "csrf", "missing or wrong X-CSRF-Token header");
    }
    HttpResponse response = co_await inner(request);
    add_console_headers(response);
    // Last line of defence: no configured secret leaves in a JSON or text answer
    // (but the one that hands out a secret just created, shows_new_secret).
    const bool redacted =
        response.content_type == "application/json" || response.content_type.starts_with("text/plain");
    if (redacted && !response.shows_new_secret)
      response.body = SecretRegistry::instance().redact(response.body);
    co_return response;
  };
}

void Console::add_route(std::string method, std::string path, HttpHandler handler) {
  server_.route(std::move(method), std::move(path), guarded(std::move(handler), false));
}

Status Console::add_plugin_route(const std::string& plugin, std::string method, std::string path,
                                 HttpHandler handler) {
  if (!path.starts_with("/") || path.find("..") != std::string::npos) {
    return Error::make("bad_route", "console route path must start with '/': " + path);
  }
  add_route(std::move(method), "/api/plugins/" + plugin + path, std::move(handler));
  return {};
}

Status Console::add_plugin_page(const std::string& plugin, ConsolePage page) {
  if (!std::regex_match(page.id, page_id_pattern())) {
    return Error::make("bad_page", "console page id must match [a-z0-9_-]{1,40}: " + page.id);
  }
  for (auto& existing : pages_) {
    if (existing.plugin == plugin && existing.page.id == page.id) {
      existing.page = std::move(page);
      return {};
    }
  }
  pages_.push_back(PluginPage{plugin, std::move(page)});
  return {};
}

asio::awaitable<bool> Console::password_matches(std::string password) {
  if (!options_.password.empty()) co_return constant_time_equals(password, options_.password);
  auto verify = [password = std::move(password), stored = password_hash_] {
    return verify_password(password, stored);
  };
  const bool matches = co_await workers_.run(verify);
  co_return matches;
}

asio::awaitable<HttpResponse> Console::login(const HttpRequest& request) {
  // A JSON body cannot come from a cross-site HTML form (login CSRF).
  if (!request.header("content-type").starts_with("application/json")) {
    co_return error_json(415, "json_required", "send {\"password\": ...} as application/json");
  }
  if (auto wait = auth_.login_blocked(request.remote)) {
    HttpResponse limited = error_json(429, "rate_limited");
    limited.headers.emplace_back("Retry-After", std::to_string(wait->count()));
    json body = json::parse(limited.body);
    body["retry_after_seconds"] = wait->count();
    limited.body = body.dump();
    co_return limited;
  }
  auto parsed = parse_json(request.body);
  const json body = parsed ? std::move(*parsed) : json();
  const std::string password = body.is_object() && body.contains("password") && body["password"].is_string()
                                   ? body["password"].get<std::string>()
                                   : "";
  if (options_.password.empty()) {
    const bool ready = co_await password_hash_ready();
    if (!ready) {
      co_return error_json(503, "password_unavailable",
                           "the console password file could not be read or created; see the log");
    }
  }
  bool ok = false;
  if (!password.empty()) ok = co_await password_matches(password);
  if (!ok) {
    auth_.record_failure(request.remote);
    logger()->warn("{}", log::text("log.console_login_failed", fmt::arg("remote", request.remote)));
    co_return error_json(401, "wrong_password");
  }
  auth_.record_success(request.remote);
  const auto& session = auth_.create_session();
  logger()->info("{}", log::text("log.console_login", fmt::arg("remote", request.remote)));
  HttpResponse response = HttpResponse::json({{"csrf", session.csrf}});
  response.headers.emplace_back("Set-Cookie", ConsoleAuth::set_cookie(session));
  co_return response;
}

}  // namespace picbot::web
