#include "bot/core/log_language.h"

#include <atomic>
#include <mutex>

namespace picbot::log {
namespace {

std::atomic<bool> english{false};
std::atomic<bool> pinned{false};

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
        {"log.console_upload_pending", "管理后台：立即上传 {count} 张待传图片",
         "web console: uploading {count} pending image(s) now"},
        {"log.console_retry_failed", "管理后台：{count} 个失败的上传已重新排队",
         "web console: {count} failed upload(s) queued again"},
        {"log.console_bucket_test", "管理后台：存储桶连接测试{outcome}（{ms} 毫秒）：{message}",
         "web console: bucket connection test {outcome} ({ms} ms): {message}"},
        {"log.console_bucket_test_ok", "成功", "passed"},
        {"log.console_bucket_test_failed", "失败", "failed"},
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
    MessageTable::instance().add({
        // the OneBot hub (bot/onebot/hub)
        {"log.get_login_info_failed", "连接 #{link}：get_login_info 失败：{reason}",
         "link #{link}: get_login_info failed: {reason}"},
        {"log.malformed_frame", "连接 #{link}：跳过格式错误的帧（{reason}）：{frame}",
         "link #{link}: malformed frame skipped ({reason}): {frame}"},
        {"log.heartbeat_clamped",
         "连接 #{link}：心跳间隔 {ms} 毫秒不在 [{min}, {max}] 毫秒之内；看门狗按 {used} 毫秒计",
         "link #{link}: heartbeat interval {ms} ms is outside [{min}, {max}] ms; the watchdog uses {used} "
         "ms"},
        {"log.answer_ignored", "连接 #{link}：忽略对连接 #{other} 上所发调用的回应（echo 伪造或错投）",
         "link #{link}: answer to a call sent on link #{other} ignored (forged or misrouted echo)"},
        {"log.api_call_failed", "账号 {self_id} 调用 {action} 失败：{reason}",
         "{action} on account {self_id} failed: {reason}"},
        // transport (bot/net)
        {"log.forward_cannot_resolve", "正向 WS：无法解析 {host}：{reason}",
         "forward WS: cannot resolve {host}: {reason}"},
        {"log.forward_tls_sni_failed", "正向 WS：无法为 {host} 设置 TLS SNI",
         "forward WS: cannot set TLS SNI for {host}"},
        {"log.forward_tls_failed", "正向 WS：与 {host} 的 TLS 握手失败：{reason}",
         "forward WS: TLS handshake with {host} failed: {reason}"},
        {"log.link_aborted", "连接 #{link}（{peer}）：{reason}", "link #{link} ({peer}): {reason}"},
        {"log.abort_queue_full", "写队列超过 {bytes} 字节（对端不读）",
         "write queue over {bytes} bytes (peer not reading)"},
        {"log.abort_write_failed", "写入失败：{reason}", "write failed: {reason}"},
        {"log.abort_close_failed", "关闭握手失败：{reason}", "close handshake failed: {reason}"},
        {"log.closed_with_code", "对端关闭，代码 {code}", "closed, code {code}"},
        {"log.frame_too_large", "帧超过 {bytes} 字节", "frame larger than {bytes} bytes"},
        {"log.abort_peer_silent", "看门狗：对端无响应", "watchdog: peer silent"},
        {"log.accept_failed", "{listener}：接受连接失败：{reason}{pause}{suppressed}",
         "{listener}: accept failed: {reason}{pause}{suppressed}"},
        {"log.accept_paused", "；暂停接受连接 {ms} 毫秒", "; pausing accepts for {ms} ms"},
        {"log.more_since_last_line", "（上一行之后又有 {count} 次）", " ({count} more since the last line)"},
        {"log.not_logged", "过去一分钟内来自 {key} 的{what}还有 {count} 次（未记录）",
         "{count} more {what} from {key} in the last minute (not logged)"},
        {"log.what_refused_connections", "被拒绝的连接", "refused connections"},
        {"log.what_refused_requests", "被拒绝或格式错误的请求", "refused or malformed requests"},
        {"log.reverse_refused_pending",
         "反向 WS：拒绝 {peer}：已有 {pending} 个升级请求在等待（其中 {from_client} 个来自该客户端）",
         "reverse WS: refused {peer}: {pending} upgrades already pending ({from_client} from this client)"},
        {"log.reverse_refused_coding",
         "反向 WS：拒绝 {peer}：Transfer-Encoding '{coding}' 不是单纯的 chunked",
         "reverse WS: refused {peer}: Transfer-Encoding '{coding}' is not exactly chunked"},
        {"log.reverse_wrong_path", "反向 WS：{peer} 请求的是 {path}，应为 {expected}",
         "reverse WS: {peer} asked for {path}, expected {expected}"},
        {"log.reverse_refused_token", "反向 WS：拒绝 {peer}（self_id {self_id}）：访问令牌缺失或错误",
         "reverse WS: refused {peer} (self_id {self_id}): missing or wrong access token"},
        {"log.reverse_refused_full", "反向 WS：拒绝 {peer}：已有 {count} 个连接（onebot.max_connections）",
         "reverse WS: refused {peer}: {count} connections already open (onebot.max_connections)"},
        {"log.reverse_handshake_failed", "反向 WS：与 {peer} 握手失败：{reason}",
         "reverse WS: handshake with {peer} failed: {reason}"},
        {"log.http_cannot_watch_socket", "HTTP：无法监视套接字 {fd}：{reason}",
         "cannot watch socket {fd}: {reason}"},
        {"log.http_refused_before_proxy", "HTTP：请求在交给代理之前被拒绝：{reason}",
         "refused a request before the proxy saw it: {reason}"},
        // web server and console (bot/web)
        {"log.web_handler_failed", "Web：来自 {remote} 的 {method} {path} 处理失败：{reason}",
         "web: {method} {path} from {remote} failed: {reason}"},
        {"log.web_refused_full",
         "Web：拒绝 {peer}：已有 {open} 个连接（其中 {from_client} 个来自该客户端），没有空闲的",
         "web: refused {peer}: {open} connections open, {from_client} from this client, none idle"},
        {"log.web_bad_request", "Web：对 {peer} 回应 {status}：{reason}",
         "web: {status} from {peer}: {reason}"},
        {"log.web_bad_coding", "Web：对 {peer} 回应 400：Transfer-Encoding '{coding}' 不是单纯的 chunked",
         "web: 400 from {peer}: Transfer-Encoding '{coding}' is not exactly chunked"},
        {"log.console_password_file_failed", "管理后台：{reason}（修复之前登录一律返回 503）",
         "web console: {reason} (logins get 503 until this is fixed)"},
        // sandbox, replies, commands (bot/app, bot/plugin, bot/dispatch)
        {"log.sandbox_message", "沙盒：来自 {user} 的消息 {id}（{chat}）{admin}",
         "sandbox: message {id} from {user} in {chat}{admin}"},
        {"log.sandbox_in_group", "群 {group}", "group {group}"},
        {"log.sandbox_in_private", "私聊", "private chat"},
        {"log.sandbox_as_admin", "（以管理员身份）", " (as admin)"},
        {"log.sandbox_action_unavailable", "沙盒：不支持动作 {action}",
         "sandbox: action {action} is not available in the sandbox"},
        {"log.reply_to_group", "回复群 {id}：{text}", "reply to group {id}: {text}"},
        {"log.reply_to_user", "回复用户 {id}：{text}", "reply to user {id}: {text}"},
        {"log.what_sandbox_handler", "沙盒：消息处理", "sandbox: handler"},
        {"log.task_failed", "{what} 失败：{reason}", "{what} failed: {reason}"},
        {"log.dispatch_overloaded",
         "过载：{running} 个处理中（账号 {self_id} 占 {running_for}），{queued} 个事件排队（其中 "
         "{queued_for} 个属于它）；"
         "丢弃来自 {user} 的消息 {id}（累计 {dropped} 条）",
         "overloaded: {running} handlers running ({running_for} for account {self_id}) and {queued} events "
         "queued "
         "({queued_for} for it); message {id} from {user} dropped ({dropped} so far)"},
        {"log.handler_failed", "消息处理失败：{reason}", "message handler failed: {reason}"},
        {"log.handler_failed_on", "处理来自 {user} 的消息 {id} 失败：{reason}",
         "handler failed on message {id} from {user}: {reason}"},
        {"log.command_admin_only", "拒绝用户 {user} 使用仅限管理员的命令 /{name}",
         "admin-only command /{name} refused for user {user}"},
        {"log.command_bad_arguments", "命令 /{name}（来自 {user}）：参数不符合用法",
         "command /{name} from {user}: the arguments do not fit"},
        {"log.command_failed", "命令 /{name} 失败：{reason}", "command /{name} failed: {reason}"},
        {"log.config_written_whole", "保存配置：{path} 被整体重写（{reason}）",
         "config save: {path} is written whole ({reason})"},
        {"log.config_temp_removed", "已删除 {name}，它是一次中断的配置保存留下的",
         "removed {name}, left by a config save that was interrupted"},
        // the agent (bot/agent)
        {"log.agent_tool_failed", "工具 {tool} 失败：{reason}", "tool {tool} failed: {reason}"},
        {"log.agent_database_unavailable", "无法打开对话数据库 {path}：{reason}；智能体不保留记忆",
         "cannot open the conversation database {path}: {reason}; the agent keeps no memory"},
        {"log.agent_session_cleared", "会话 {session} 已清空", "session {session} cleared"},
        {"log.agent_session_clear_failed", "无法清空会话 {session}：{reason}",
         "cannot clear session {session}: {reason}"},
        {"log.agent_session_read_failed", "无法读取会话 {session}：{reason}；不带历史回答",
         "cannot read session {session}: {reason}; answering without history"},
        {"log.agent_session_save_failed", "无法保存会话 {session}：{reason}",
         "cannot save session {session}: {reason}"},
        {"log.agent_turn", "会话 {session}：{turns} 轮历史，用户说：{text}",
         "session {session}: {turns} turn(s) of history, user says: {text}"},
        {"log.agent_prompt_withheld", "会话 {session}：回复复述了系统提示词；已扣下",
         "session {session}: the reply repeated the system prompt; withheld"},
        {"log.agent_too_many_steps", "模型在 {steps} 步之后仍在调用工具；停止",
         "the model still calls tools after {steps} step(s); stopping"},
        {"log.agent_tool_call", "调用工具 {tool} {arguments}", "tool call {tool} {arguments}"},
        {"log.agent_tool_bad_arguments", "工具 {tool}：{reason}", "tool {tool}: {reason}"},
        {"log.agent_tool_timed_out", "工具 {tool} 在 {seconds:.1f} 秒后超时",
         "tool {tool} timed out after {seconds:.1f} s"},
        {"log.agent_reply_failed", "发送智能体的回复失败：{reason}",
         "sending the agent's reply failed: {reason}"},
        {"log.agent_translation_failed", "翻译失败（{reason}）；使用原始提示词",
         "translation failed ({reason}); using the original prompt"},
        {"log.agent_translated", "翻译后的提示词：{text}", "translated prompt: {text}"},
        {"log.agent_chat_failed", "用 {model} 对话补全在 {attempts} 次尝试后失败：{reason}",
         "chat completion with {model} failed after {attempts} attempt(s): {reason}"},
    });
  });
}

}  // namespace

void set_language(std::string_view language) { english.store(language == "en"); }

void pin_language(std::string_view language) {
  pinned.store(true);
  set_language(language);
}

void follow_config(std::string_view log_language, std::string_view bot_language) {
  if (pinned.load()) return;
  set_language(log_language.empty() || log_language == "auto" ? bot_language : log_language);
}

std::string language() {
  register_log_messages();
  return english.load() ? "en" : "zh-CN";
}

}  // namespace picbot::log
