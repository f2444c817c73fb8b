#include "plugins/gemini_pic_gen/plugin_settings.h"

#include <algorithm>

#include "bot/config/shared_fields.h"
#include "image/provider_instances.h"
#include "image/provider_registry.h"

namespace picbot::gemini {
using namespace config;
using nlohmann::json;

namespace {
constexpr char kFigurinePrompt[] =
    "Turn the main subject of the reference image into a 1/7 scale collectible PVC figurine, photographed on "
    "a computer desk. The figurine stands on a round transparent acrylic base with no text. Next to it, the "
    "computer screen shows the 3D modelling process of this figurine, and beside the screen stands a "
    "colourful toy packaging box printed with the original artwork. Keep the subject's pose, outfit, colours "
    "and facial features faithful to the reference. Realistic studio lighting, high detail. {prompt}";

// The console orders the chain from the implicit openrouter and the
// image_providers instances the form holds.
Field chain_field(Field field) {
  field.choices = {"openrouter"};
  field.choices_from = "image_providers";
  return field;
}
}  // namespace

// Short names for the settings form, next to the fields below.
const std::vector<FieldLabel>& plugin_labels() {
  static const std::vector<FieldLabel> labels = {
      {"openrouter_api_keys", "OpenRouter 密钥", "OpenRouter keys"},
      {"openrouter_api_key", "OpenRouter 密钥（单个）", "OpenRouter key (single)"},
      {"model_name", "绘图模型", "Image model"},
      {"custom_api_base", "接口地址", "API base"},
      {"max_retry_attempts", "最多重试次数", "Max retries"},
      {"providers", "使用的绘图服务", "Image providers used"},
      {"backoff_initial_seconds", "首次重试等待", "First retry wait"},
      {"backoff_max_seconds", "最长重试等待", "Longest retry wait"},
      {"request_timeout_seconds", "请求超时", "Request timeout"},
      {"max_image_bytes", "图片大小上限", "Max image size"},
      {"http_referer", "HTTP-Referer", "HTTP-Referer"},
      {"app_title", "应用名", "App title"},
      {"proxy", "代理", "Proxy"},
      {"aspect_ratio", "画面比例", "Aspect ratio"},
      {"image_delivery", "图片发送方式", "Image delivery"},
      {"nap_server_address", "文件接收器地址", "File receiver host"},
      {"nap_server_port", "文件接收器端口", "File receiver port"},
      {"file_send_token", "文件接收器密钥", "File receiver token"},
      {"image_ttl_minutes", "图片保留时间（分钟）", "Image lifetime (min)"},
      {"max_reference_images", "参考图数量上限", "Max reference images"},
      {"max_reference_image_mb", "参考图大小上限（MB）", "Max reference image (MB)"},
      {"allow_private_network", "允许内网地址", "Allow private addresses"},
      {"resend_wait_seconds", "重发等待", "Resend wait"},
      {"max_concurrent_generations", "同时生成上限", "Max parallel drawings"},
      {"acknowledge", "先回复“正在生成”", "Acknowledge first"},
      {"translate_prompt", "翻译提示词", "Translate prompts"},
      {"presets", "预设", "Presets"},
      {"rate_limit", "次数限制", "Quotas"},
      {"rate_limit.enabled", "启用", "Enabled"},
      {"rate_limit.default_limit", "默认次数", "Default limit"},
      {"rate_limit.reset_interval_minutes", "额度周期（分钟）", "Quota period (min)"},
      {"rate_limit.group_limits", "按群额度", "Per-group limits"},
      {"rate_limit.group_limits.group_id", "群号", "Group"},
      {"rate_limit.group_limits.limit", "次数", "Limit"},
      {"rate_limit.user_limits", "按用户额度", "Per-user limits"},
      {"rate_limit.user_limits.user_id", "QQ 号", "User"},
      {"rate_limit.user_limits.limit", "次数", "Limit"},
      {"rate_limit.exempt_admins", "管理员不限", "Admins exempt"},
      {"rate_limit.busy_timeout_seconds", "数据库等待", "Database wait"},
  };
  return labels;
}

std::vector<Field> plugin_schema() {
  std::vector<Field> fields = {
      with_env(list_field("openrouter_api_keys", FieldType::kSecret, json::array(),
                          "OpenRouter API 密钥列表，失败时自动轮换。",
                          "OpenRouter API keys, rotated when one fails."),
               "PICBOT_OPENROUTER_API_KEYS"),
      secret_field("openrouter_api_key", "（旧版）单个 OpenRouter 密钥，会并入密钥列表。",
                   "(Legacy) a single OpenRouter key, added to the list."),
      string_field("model_name", "google/gemini-2.5-flash-image", "图像生成模型。", "Image model."),
      string_field("custom_api_base", "", "自定义 API 地址，可带或不带 /v1、/api/v1；留空使用 OpenRouter。",
                   "Custom API base, with or without /v1 or /api/v1; empty = OpenRouter."),
      retry_attempts_field(10),
      backoff_initial_field(60),
      backoff_max_field(),
      float_field("request_timeout_seconds", 180, "一次生成（含全部重试）的总时限（秒）。",
                  "Deadline of one generation, all retries included, in seconds.", 1, 3600),
      int_field("max_image_bytes", 32 * 1024 * 1024, "生成图片的大小上限（字节）；超出即视为生成失败。",
                "Cap on a generated image, in bytes; a larger one counts as a failed generation.", 1024,
                1 << 30),
      string_field("http_referer", "https://github.com/picbot", "发送给 OpenRouter 的 HTTP-Referer。",
                   "HTTP-Referer sent to OpenRouter."),
      string_field("app_title", "picbot", "发送给 OpenRouter 的 X-OpenRouter-Title。",
                   "X-OpenRouter-Title sent to OpenRouter."),
      proxy_field("访问 OpenRouter 的代理", "Proxy for OpenRouter"),
      string_field("aspect_ratio", "", "默认画面比例（如 16:9）；留空由模型决定。",
                   "Default aspect ratio (e.g. 16:9); empty lets the model choose."),
      chain_field(list_field(
          "providers", FieldType::kString, json::array(),
          "使用的绘图服务（image_providers 中的名字；openrouter 指上面的 OpenRouter 设置），按顺序：前一个"
          "无法服务（密钥全部失效或欠费、限流、重试后仍 5xx 或超时）时换下一个。留空使用上面的 OpenRouter "
          "设置。保存后立即生效；管理员也可用 /banana provider <名字> [save] 切换。",
          "The image providers to use (names from image_providers; openrouter = the OpenRouter settings "
          "above), in order: when one cannot serve (every key invalid or out of credit, rate limited, 5xx or "
          "timeouts after its retries) the next one draws. Empty = the OpenRouter settings above. Applies "
          "on save; admins can also switch with /banana provider <name> [save].")),
      enum_field(
          "image_delivery", "auto", {"auto", "base64", "file", "file_send", "stream", "url"},
          "图片发送方式：auto/base64 适合任何部署；file 仅限 NapCat 与机器人同机；file_send 使用 NapCat "
          "侧的文件接收器；stream 使用 NapCat 分片上传；url 使用 Web 后台的图片链接。",
          "How images reach NapCat: auto/base64 work anywhere; file only when NapCat runs on the same "
          "host; file_send uses the file receiver next to NapCat; stream uses NapCat's chunked upload; "
          "url uses the web console's image links."),
      string_field("nap_server_address", "localhost",
                   "NapCat 侧文件接收器的地址（image_delivery: file_send）。",
                   "Host of the file receiver next to NapCat (image_delivery: file_send)."),
      int_field("nap_server_port", 3658, "文件接收器端口。", "File receiver port.", 1, 65535),
      secret_field("file_send_token", "文件接收器的共享密钥（可选，需与 --token 一致）。",
                   "Shared secret for the file receiver (optional; must match its --token).",
                   "PICBOT_FILE_SEND_TOKEN"),
      int_field("image_ttl_minutes", 15, "生成的图片保留多少分钟后删除。",
                "Minutes generated images are kept.", 1, 10080),
      int_field("max_reference_images", 3, "每次最多使用的参考图数量。", "Most reference images per request.",
                0, 16),
      float_field("max_reference_image_mb", 10, "单张参考图的大小上限（MB）。",
                  "Size cap of one reference image (MB).", 0.1, 64),
      bool_field(
          "allow_private_network", false,
          "允许从内网/本机地址下载参考图及上游返回的图片链接（同机部署时使用）。",
          "Allow downloads of reference images, and of image links the upstream returns, from private or "
          "loopback addresses (same-host setups)."),
      float_field(
          "resend_wait_seconds", 60,
          "图片发送时与 NapCat 的连接断开：等待重连的最长时间（秒），重连后重发一次；0 = "
          "不重发，直接告知失败。",
          "When the NapCat link drops while an image is being sent: how long to wait for the reconnect, "
          "in seconds, then send it once more; 0 = no resend, report the failure.",
          0, 3600),
      int_field("max_concurrent_generations", 8, "同时进行的生成任务上限，其余排队。",
                "Most generations at once; the rest wait in a queue.", 1, 256),
      bool_field("acknowledge", true, "开始生成时先回复“正在生成…”。",
                 "Say \"generating…\" when a job starts."),
      bool_field("translate_prompt", false, "/draw 的非英文提示词先由对话模型翻译成英文。",
                 "Translate non-English /draw prompts to English with the chat model first."),
      map_field(
          "presets", FieldType::kText, json{{"手办化", kFigurinePrompt}},
          "预设命令：命令名 → 提示词模板，{prompt} 替换为用户附加的文字；需要参考图。重新加载配置即生效。",
          "Preset commands: name -> prompt template; {prompt} is the user's extra text. "
          "They need a reference image. A reload applies them."),
      object_field(
          "rate_limit",
          {
              bool_field("enabled", false, "是否启用绘图次数限制。", "Enable drawing quotas."),
              int_field("default_limit", 10, "默认次数（按用户计，私聊与群聊合计）；0 = 禁止，-1 = 不限。",
                        "Default limit, counted per user across chats; 0 = blocked, -1 = unlimited.", -1),
              int_field("reset_interval_minutes", 1440, "额度周期（分钟），从首次使用开始计算。",
                        "Quota window in minutes, starting at the first counted use.", 1),
              object_list_field("group_limits",
                                {mark_required(int_field("group_id", 0, "群号。", "Group id.", 1)),
                                 int_field("limit", 10, "全群共享的次数；0 = 禁止，-1 = 不限。",
                                           "Shared by the whole group; 0 = blocked, -1 = unlimited.", -1)},
                                "按群设置的共享额度。", "Per-group shared limits."),
              object_list_field(
                  "user_limits",
                  {mark_required(int_field("user_id", 0, "QQ 号。", "QQ id.", 1)),
                   int_field("limit", 10, "该用户在所有会话中的次数；0 = 禁止，-1 = 不限。",
                             "The user's own count across chats; 0 = blocked, -1 = unlimited.", -1)},
                  "按用户设置的额度（优先于群与默认额度）。",
                  "Per-user limits (win over group and default limits)."),
              bool_field("exempt_admins", true, "管理员不受次数限制。", "Admins are not limited."),
              needs_restart(float_field(
                  "busy_timeout_seconds", 5,
                  "额度数据库被其他连接锁住时每次尝试的等待时间（秒）；共尝试 5 次后告知用户稍后再试。",
                  "How long each attempt waits while another connection locks the quota database, in "
                  "seconds; after 5 attempts the user is told to try again later.",
                  0.01, 60)),
          },
          "绘图次数限制。", "Drawing quotas."),
  };
  set_labels(fields, plugin_labels());
  return fields;
}

Result<PluginSettings> PluginSettings::from_config(const json& section, const json& image_providers) {
  PluginSettings s;
  const json names = section.value("providers", json::array());
  if (!names.is_array())
    return Error::make("bad_config", "plugins.gemini_pic_gen.providers: expected a list of names");
  const bool resolve = image_providers.is_object();
  s.instances = image::provider_instances(section, image_providers);
  image::ProviderConfig implicit;
  implicit.name = "openrouter";
  implicit.type = "openrouter";
  implicit.section = section;
  // Only the plugin section is known to check_config: names are resolved at start.
  if (names.empty() || !resolve) {
    s.providers.push_back(std::move(implicit));
  } else {
    for (const json& name : names) {
      const std::string wanted = name.is_string() ? name.get<std::string>() : name.dump();
      const auto found = std::find_if(s.instances.begin(), s.instances.end(),
                                      [&](const image::ProviderConfig& c) { return c.name == wanted; });
      if (found == s.instances.end()) {
        return Error::make("bad_config", "plugins.gemini_pic_gen.providers: no image_providers." + wanted +
                                             " in the config");
      }
      s.providers.push_back(*found);
    }
  }
  auto quota = QuotaConfig::from_json(section.value("rate_limit", json::object()));
  if (!quota) return quota.error();
  s.quota = std::move(*quota);

  auto mode = parse_delivery_mode(section.value("image_delivery", "auto"));
  if (!mode) return mode.error();
  s.delivery.mode = *mode;
  s.delivery.nap_server_address = section.value("nap_server_address", s.delivery.nap_server_address);
  s.delivery.nap_server_port = static_cast<std::uint16_t>(section.value("nap_server_port", 3658));
  s.delivery.file_send_token = section.value("file_send_token", "");

  s.references.max_count = static_cast<std::size_t>(section.value("max_reference_images", 3));
  s.references.max_bytes =
      static_cast<std::size_t>(section.value("max_reference_image_mb", 10.0) * 1024 * 1024);
  s.references.allow_private_network = section.value("allow_private_network", false);
  // The same switch covers images the upstream hands back as data[].url.
  for (image::ProviderConfig& instance : s.instances) {
    instance.allow_private_download_addresses = s.references.allow_private_network;
  }
  for (image::ProviderConfig& provider : s.providers) {
    provider.allow_private_download_addresses = s.references.allow_private_network;
    if (Status checked = image::check_provider_config(provider); !checked) return checked.error();
  }

  s.image_ttl = std::chrono::minutes(section.value("image_ttl_minutes", 15));
  s.max_concurrent_generations = section.value("max_concurrent_generations", 8);
  s.acknowledge = section.value("acknowledge", true);
  s.resend_wait =
      std::chrono::milliseconds(static_cast<long long>(section.value("resend_wait_seconds", 60.0) * 1000));
  s.quota_busy_timeout = std::chrono::milliseconds(static_cast<long long>(
      section.value("rate_limit", json::object()).value("busy_timeout_seconds", 5.0) * 1000));
  s.translate_prompt = section.value("translate_prompt", false);
  if (section.contains("presets") && section["presets"].is_object()) {
    for (const auto& [name, prompt] : section["presets"].items()) {
      if (prompt.is_string()) s.presets[name] = prompt.get<std::string>();
    }
  }
  return s;
}

}  // namespace picbot::gemini
