#include "plugins/image_gateway/gateway_messages.h"

#include "bot/core/message_table.h"
#include "bot/core/text.h"
#include "bot/web/console_labels.h"

namespace picbot::gateway {

namespace {
// The Gateway page's texts (GET /labels sends them to the page).
const MessageEntry kConsoleLabels[] = {
    {"gateway.console.page", "绘图网关", "Image gateway"},
    {"gateway.console.keys", "密钥", "Keys"},
    {"gateway.console.keys_hint",
     "请求数和图片数自本次启动起计算（{since}），重启后归零；额度来自额度库，重启后保留。",
     "Requests and images are counted since this start ({since}) and reset on a restart; quota use comes "
     "from the ledger and survives restarts."},
    {"gateway.console.col_name", "名称", "Name"},
    {"gateway.console.col_key", "密钥", "Key"},
    {"gateway.console.col_use", "请求 / 图片", "Requests / images"},
    {"gateway.console.col_quota", "额度", "Quota"},
    {"gateway.console.col_last", "最近使用", "Last used"},
    {"gateway.console.source_file", "配置文件", "config file"},
    {"gateway.console.source_console", "控制台创建", "created here"},
    {"gateway.console.source_environment", "环境变量", "environment"},
    {"gateway.console.env_note", "来自环境变量 PICBOT_GATEWAY_API_KEYS，只能在那里修改",
     "from PICBOT_GATEWAY_API_KEYS; change it there"},
    {"gateway.console.failures", "失败 {n}", "{n} failed"},
    {"gateway.console.never", "—", "—"},
    {"gateway.console.quota_off", "不限", "no limit"},
    {"gateway.console.no_keys", "还没有密钥：网关只接受来自本机的请求。",
     "No keys yet: the gateway only answers requests from this machine."},
    {"gateway.console.create", "创建密钥", "Create key"},
    {"gateway.console.new_name", "名称（字母、数字、_ . -）", "Name (letters, digits, _ . -)"},
    {"gateway.console.created_title", "新密钥：{name}", "New key: {name}"},
    {"gateway.console.created_warning", "请现在复制：关闭后不会再显示这个密钥。",
     "Copy it now: this key will not be shown again."},
    {"gateway.console.copy", "复制", "Copy"},
    {"gateway.console.copied", "已复制", "Copied"},
    {"gateway.console.close", "关闭", "Close"},
    {"gateway.console.revoke", "吊销", "Revoke"},
    {"gateway.console.confirm_revoke", "吊销密钥 {name}？使用它的客户端会立即收到 401。",
     "Revoke key {name}? Clients using it get 401 at once."},
    {"gateway.console.revoked", "已吊销 {name}。", "Revoked {name}."},
    {"gateway.console.requests", "最近 100 个请求", "Last 100 requests"},
    {"gateway.console.no_requests", "还没有请求。", "No requests yet."},
    {"gateway.console.col_time", "时间", "Time"},
    {"gateway.console.col_model", "模型", "Model"},
    {"gateway.console.col_status", "状态", "Status"},
    {"gateway.console.col_duration", "耗时", "Duration"},
    {"gateway.console.setup", "客户端设置", "Client settings"},
    {"gateway.console.setup_hint", "把下面的值填进客户端；密钥用上面创建的。",
     "Enter these values in the client; use a key created above."},
    {"gateway.console.your_key", "<你的密钥>", "<your key>"},
    {"gateway.console.openwebui_images", "OpenWebUI：管理员面板 → 设置 → 图像",
     "OpenWebUI: Admin Panel → Settings → Images"},
    {"gateway.console.openwebui_chat", "OpenWebUI：设置 → 外部连接 → OpenAI API（聊天）",
     "OpenWebUI: Settings → Connections → OpenAI API (chat)"},
    {"gateway.console.lobechat", "LobeChat：设置 → 语言模型 → OpenAI（自定义模型列表）",
     "LobeChat: Settings → Language Model → OpenAI (custom model list)"},
    {"gateway.console.no_models", "没有配置模型别名（plugins.image_gateway.models）",
     "no model aliases configured (plugins.image_gateway.models)"},
};
}  // namespace

nlohmann::json gateway_console_labels() { return web::console_labels_json(kConsoleLabels); }

void register_gateway_messages() {
  MessageTable::instance().add({
      // Errors the API answers with ({"error": {"message": ...}}).
      {"gateway.error.no_key", "缺少密钥：请以 Authorization: Bearer <密钥> 发送。",
       "Missing API key: send it as Authorization: Bearer <key>."},
      {"gateway.error.bad_key", "密钥无效。", "Incorrect API key provided."},
      {"gateway.error.not_json", "请求体不是有效的 JSON 对象。",
       "The request body is not a valid JSON object."},
      {"gateway.error.missing", "缺少必填参数 {param}。", "Missing required parameter: '{param}'."},
      {"gateway.error.invalid", "参数 {param} 无效：{reason}", "Invalid value for '{param}': {reason}"},
      {"gateway.error.unknown_model", "模型 {model} 不存在。可用的模型：{models}",
       "The model '{model}' does not exist. Available models: {models}"},
      {"gateway.error.too_large", "请求体超过 {mb} MB。", "The request body is larger than {mb} MB."},
      {"gateway.error.quota", "密钥 {key} 的额度已用完，将于 {reset} 重置。",
       "The quota of key {key} is used up; it resets at {reset}."},
      {"gateway.error.upstream", "绘图服务失败（{failure}），已重试。",
       "The image provider failed ({failure}) after its retries."},
      {"gateway.error.refused", "绘图服务拒绝了这个请求（内容审核）。",
       "The image provider refused the request (content policy)."},
      {"gateway.error.upstream_busy", "绘图服务繁忙，请稍后再试。",
       "The image provider is busy; try again later."},
      {"gateway.error.not_image", "{param} 不是 PNG、JPEG 或 WEBP 图片。",
       "'{param}' is not a PNG, JPEG or WEBP image."},
      {"gateway.error.no_store", "此网关没有图片存储，请使用 response_format: b64_json。",
       "This gateway has no image store; use response_format: b64_json."},
      {"gateway.error.external_url", "不允许下载外部图片 {param}（allow_external_image_fetch: false）。",
       "External image URLs are not fetched ('{param}'; allow_external_image_fetch: false)."},
      {"gateway.error.chat_input", "messages 中的内容无法使用（{code}）：{reason}",
       "The messages cannot be used ({code}): {reason}"},
      {"gateway.error.internal", "网关内部错误。", "Internal gateway error."},
      // Operator log lines (in the log language).
      {"log.gateway_listening", "绘图网关正在监听 {address}（OpenAI 兼容接口 /v1）",
       "image gateway listening on {address} (OpenAI-compatible API at /v1)"},
      {"log.gateway_on_web", "绘图网关挂在 Web 服务器上：{base}/v1",
       "image gateway mounted on the web server: {base}/v1"},
      {"log.gateway_no_keys", "绘图网关没有设置密钥：只接受来自本机的请求",
       "the image gateway has no api_keys: it only answers requests from this machine"},
      {"log.gateway_open_without_key",
       "绘图网关没有设置密钥，而 Web 服务器对外可达（{base}）：拒绝启动。请设置 "
       "plugins.image_gateway.api_keys",
       "the image gateway has no api_keys and the web server is reachable from outside ({base}): refusing to "
       "start. Set plugins.image_gateway.api_keys"},
      {"log.gateway_request", "网关：{key} {route} {model} → {status}（{ms} ms）",
       "gateway: {key} {route} {model} -> {status} ({ms} ms)"},
      {"log.gateway_failed", "网关：{key} 的 {model} 绘图失败：{reason}",
       "gateway: {key}'s {model} drawing failed: {reason}"},
      {"log.gateway_store_failed", "网关无法保存图片：{reason}",
       "gateway could not store an image: {reason}"},
      {"log.gateway_bad_alias", "网关模型 {model} 不可用：{reason}",
       "gateway model {model} is unavailable: {reason}"},
      {"log.gateway_quota_unavailable", "无法打开额度数据库：{reason}；网关额度不生效",
       "cannot open the quota database: {reason}; gateway quotas are NOT enforced"},
      {"log.gateway_key_created", "网关密钥 {name} 已在控制台创建（{key}）",
       "gateway key {name} created in the console ({key})"},
      {"log.gateway_key_revoked", "网关密钥 {name} 已在控制台吊销",
       "gateway key {name} revoked in the console"},
      {"log.gateway_key_save_failed", "无法保存网关密钥：{reason}", "cannot save the gateway keys: {reason}"},
      {"log.gateway_no_console", "绘图网关没有控制台页面：{reason}",
       "the image gateway has no console page: {reason}"},
      // The console's key API (in the console's language).
      {"gateway.console.bad_body", "请求体应为 JSON 对象 {\"name\": ...}。",
       "Expected a JSON object {\"name\": ...}."},
      {"gateway.console.name_empty", "请填写密钥名称。", "Give the key a name."},
      {"gateway.console.name_too_long", "名称最多 {max} 个字符。", "A name has at most {max} characters."},
      {"gateway.console.name_chars", "名称只能包含字母、数字和 _ . -。",
       "A name may hold letters, digits and _ . - only."},
      {"gateway.console.name_taken", "名称 {name} 已被使用。", "The name {name} is taken."},
      {"gateway.console.busy", "另一个密钥修改正在保存，请稍后再试。",
       "Another key change is being saved; try again in a moment."},
      {"gateway.console.save_failed", "无法写入配置：{reason}", "Cannot write the config: {reason}"},
      {"gateway.console.last_key",
       "{name} 是最后一个密钥，不能吊销：没有密钥时网关会不经密钥接受本机的请求。请先创建另一个密钥。",
       "{name} is the last key and is not revoked: without keys the gateway answers this machine's clients "
       "without a key. Create another key first."},
      {"gateway.console.no_such_key", "没有名为 {name} 的密钥。", "There is no key named {name}."},
      {"gateway.console.env_key", "密钥 {name} 来自环境变量 {env}，无法在控制台吊销：请修改该变量后重启。",
       "The key {name} comes from the environment ({env}) and cannot be revoked here: change the variable "
       "and "
       "restart."},
  });
  for (const MessageEntry& label : kConsoleLabels) MessageTable::instance().add({label});
}

std::string api_language(std::string_view accept_language) {
  const std::string lower = to_lower(trim(accept_language));
  return lower.starts_with("zh") ? "zh-CN" : "en";
}

}  // namespace picbot::gateway
