#include "plugins/image_gateway/gateway_messages.h"

#include "bot/core/message_table.h"
#include "bot/core/text.h"

namespace picbot::gateway {

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
  });
}

std::string api_language(std::string_view accept_language) {
  const std::string lower = to_lower(trim(accept_language));
  return lower.starts_with("zh") ? "zh-CN" : "en";
}

}  // namespace picbot::gateway
