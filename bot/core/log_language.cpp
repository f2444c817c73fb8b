#include "bot/core/log_language.h"

#include <atomic>
#include <mutex>

namespace picbot::log {
namespace {

std::atomic<bool> english{false};

// The host's operator log lines. Numbers, ids, addresses and key masks are
// arguments, so they read the same in both languages.
void register_log_messages() {
  static std::once_flag once;
  std::call_once(once, [] {
    MessageTable::instance().add({
        // start-up and shutdown (bot/app)
        {"log.starting", "picbot {version} 正在启动，配置文件 {path}",
         "picbot {version} starting with {path}"},
        {"log.ready", "picbot 已就绪，用时 {ms:.1f} 毫秒", "picbot ready in {ms:.1f} ms"},
        {"log.cannot_start", "无法启动：{reason}", "cannot start: {reason}"},
        {"log.stopped", "picbot 已停止", "picbot stopped"},
        {"log.signal", "收到信号 {signal}：正在关闭", "signal {signal}: shutting down"},
        {"log.web_restart_needed", "web.enabled / web.listen 已修改：重启 picbot 后生效",
         "web.enabled / web.listen changed: restart picbot to apply"},
        {"log.plugin_started", "插件 {name} 已启动", "plugin {name} started"},
        {"log.plugin_not_enabled", "插件 {name} 未启用（在配置中加入 plugins.{name} 即可启用）",
         "plugin {name} not enabled (add plugins.{name} to the config to enable it)"},
        {"log.plugin_rejected_config", "插件 {name} 拒绝了新配置：{reason}",
         "plugin {name} rejected the new config: {reason}"},
        // config (bot/app/config_service)
        {"log.config_reloaded", "已重新加载配置 {path}", "config reloaded from {path}"},
        {"log.config_refused", "拒绝重新加载，继续使用当前配置：{issues}",
         "reload refused, the running config stays: {issues}"},
        {"log.config_warning", "配置：{issue}", "config: {issue}"},
        {"log.config_saved", "管理后台：配置已保存（改动 {count} 个键）",
         "web console: config saved ({count} key(s) changed)"},
        {"log.config_save_failed", "管理后台：保存 {path} 失败：{reason}",
         "web console: saving {path} failed: {reason}"},
        {"log.sighup", "SIGHUP：重新加载配置", "SIGHUP: reloading config"},
        {"log.config_changed_on_disk", "配置文件 {path} 已在磁盘上修改：重新加载",
         "config file {path} changed on disk: reloading"},
        // connections (bot/app/transport, bot/net, bot/onebot/hub)
        {"log.forward_connecting", "正向 WS：正在连接 {url}", "forward WS: connecting to {url}"},
        {"log.forward_reconnecting", "正向 WS：{ms} 毫秒后重连 {url}",
         "forward WS: reconnecting to {url} in {ms} ms"},
        {"log.forward_cannot_connect", "正向 WS：无法连接 {url}：{reason}",
         "forward WS: cannot connect to {url}: {reason}"},
        {"log.forward_handshake_failed", "正向 WS：与 {url} 握手失败：{reason}",
         "forward WS: handshake with {url} failed: {reason}"},
        {"log.onebot_reconnecting", "onebot 设置已修改：重新连接", "onebot settings changed: reconnecting"},
        {"log.reverse_listening", "反向 WS 正在监听 {address}", "reverse WS listening on {address}"},
        {"log.open_reverse_listen",
         "onebot.listen 是 {host} 且未设置 onebot.access_token：任何能连到它的人都能操控机器人",
         "onebot.listen is {host} with no onebot.access_token: anyone who can reach it can drive the bot"},
        {"log.link_open", "连接 #{link} 已建立：{peer}（self_id {self_id}，角色 {role}）",
         "link #{link} open: {peer} (self_id {self_id}, role {role})"},
        {"log.link_closed", "连接 #{link} 已关闭（{reason}）；账号 {self_id}；{pending} 个待回应的调用失败",
         "link #{link} closed ({reason}); account {self_id}; {pending} pending call(s) failed"},
        {"log.account_reconnected", "账号 {self_id} 已重新连接：连接 #{link} 取代连接 #{old}",
         "account {self_id} reconnected: link #{link} replaces link #{old}"},
        {"log.account_served", "账号 {self_id} 由连接 #{link} 服务",
         "account {self_id} served by link #{link}"},
        {"log.token_rejected",
         "连接 #{link}：NapCat 拒绝了访问令牌（retcode 1403）：请检查 onebot.access_token",
         "link #{link}: NapCat rejected the access token (retcode 1403): check onebot.access_token"},
        {"log.link_silent", "连接 #{link}（{peer}）：{ms} 毫秒没有收到任何帧，断开",
         "link #{link} ({peer}): no frame for {ms} ms, dropping it"},
        // web console (bot/web)
        {"log.web_listening", "管理后台正在监听 {address}", "web console listening on {address}"},
        {"log.web_off", "Web 服务已关闭（web.enabled: false）", "web server off (web.enabled: false)"},
        {"log.console_password_generated",
         "管理后台密码（只显示这一次，{path} 中只保存其哈希）：{password}  -- 设置 web.password 可自选密码",
         "web console password (shown only once, only its hash is kept in {path}): {password}  -- set "
         "web.password to choose your own"},
        {"log.console_password_changed", "管理后台：密码已修改，所有会话已结束",
         "web console: password changed, every session ended"},
        {"log.console_login", "管理后台：来自 {remote} 的登录", "web console: login from {remote}"},
        {"log.console_login_failed", "管理后台：来自 {remote} 的登录失败",
         "web console: failed login from {remote}"},
        // keys (bot/llm)
        {"log.key_attempt_failed", "第 {attempt} 次尝试（密钥 {key}）失败：{reason}",
         "attempt {attempt} with key {key} failed: {reason}"},
        {"log.key_disabled", "密钥 {key} 已停用，直到重新加载配置或在状态页重新启用",
         "key {key} disabled until the config is reloaded or it is re-enabled on the status page"},
        {"log.key_cooling_down", "密钥 {key} 冷却 {wait}", "key {key} cooling down for {wait}"},
        {"log.key_enabled", "密钥 {key}（第 {index} 个）已在状态页重新启用",
         "key {key} (position {index}) re-enabled on the status page"},
    });
  });
}

}  // namespace

void set_language(std::string_view language) { english.store(language == "en"); }

std::string language() {
  register_log_messages();
  return english.load() ? "en" : "zh-CN";
}

}  // namespace picbot::log
