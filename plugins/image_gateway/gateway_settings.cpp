#include "plugins/image_gateway/gateway_settings.h"

#include <boost/asio/ip/address.hpp>
#include <charconv>
#include <set>

#include "bot/core/text.h"
#include "image/provider_instances.h"

namespace picbot::gateway {
using namespace config;
using nlohmann::json;

namespace {
const std::vector<FieldLabel>& labels() {
  static const std::vector<FieldLabel> list = {
      {"listen", "独立监听地址", "Own listen address"},
      {"api_keys", "网关密钥", "Gateway keys"},
      {"api_keys.name", "名称", "Name"},
      {"api_keys.key", "密钥", "Key"},
      {"console_keys", "后台创建的密钥", "Keys created in the console"},
      {"console_keys.name", "名称", "Name"},
      {"console_keys.key", "密钥", "Key"},
      {"models", "模型别名", "Model aliases"},
      {"models.id", "模型名", "Model id"},
      {"models.provider", "绘图服务", "Image provider"},
      {"models.model", "上游模型", "Upstream model"},
      {"max_upload_mb", "上传大小上限（MB）", "Max upload (MB)"},
      {"allow_external_image_fetch", "允许下载外部图片", "Fetch external images"},
      {"allow_private_network", "允许内网地址", "Allow private addresses"},
      {"public_base_url", "图片链接地址", "Image link base URL"},
      {"quota", "每个密钥的额度", "Quota per key"},
      {"quota.enabled", "启用", "Enabled"},
      {"quota.limit", "每个窗口的图片数", "Images per window"},
      {"quota.window_minutes", "窗口（分钟）", "Window (minutes)"},
  };
  return list;
}
}  // namespace

std::vector<Field> gateway_schema() {
  Field providers =
      string_field("provider", "", "image_providers 中的实例名。", "An image_providers instance name.");
  providers.choices_from = "image_providers";
  std::vector<Field> fields = {
      needs_restart(string_field(
          "listen", "",
          "网关自己的监听地址（host:port）；留空则使用 web.listen 的服务器。不设密钥时只能监听本机地址。",
          "The gateway's own listen address (host:port); empty: the web server at web.listen. Without a "
          "key only a loopback address is allowed.")),
      with_env(object_list_field(
                   "api_keys",
                   {mark_required(string_field("name", "", "密钥名称（日志、后台与额度中显示）。",
                                               "The key's name (shown in logs, the console and quotas).")),
                    mark_required(
                        secret_field("key", "客户端发送的 Bearer 密钥。", "The Bearer key clients send."))},
                   "调用网关所需的密钥（Authorization: Bearer）。环境变量格式：名称:密钥,名称:密钥。",
                   "Keys that may call the gateway (Authorization: Bearer). Environment form: "
                   "name:key,name:key."),
               kKeysEnvironment),
      object_list_field(
          "console_keys",
          {mark_required(string_field("name", "", "密钥名称。", "The key's name.")),
           mark_required(secret_field("key", "客户端发送的 Bearer 密钥。", "The Bearer key clients send."))},
          "在控制台“绘图网关”页创建的密钥（由控制台写入；在那里吊销）。与 api_keys 一起生效，"
          "环境变量不会替换它们。",
          "Keys created on the console's Gateway page (written by the console; revoke them there). They "
          "apply together with api_keys; the environment does not replace them."),
      object_list_field(
          "models",
          {mark_required(string_field("id", "", "客户端使用的模型名。", "The model name clients send.")),
           mark_required(providers),
           string_field("model", "", "上游模型；留空使用实例自己的。",
                        "The upstream model; empty: the instance's own.")},
          "对外提供的绘图模型（别名 → 绘图服务）。", "Image models offered (alias -> image provider)."),
      float_field("max_upload_mb", 25.0, "/v1/images/edits 和 /v1/chat/completions 请求体大小上限（MB）。",
                  "Largest /v1/images/edits and /v1/chat/completions request body (MB).", 1.0, 200.0),
      bool_field("allow_external_image_fetch", false, "允许下载请求中的外部图片链接（经 SSRF 防护）。",
                 "Download external image URLs found in requests (through the SSRF guard)."),
      bool_field("allow_private_network", false, "允许从内网地址下载图片（测试用）。",
                 "Allow image downloads from private addresses (tests)."),
      string_field("public_base_url", "", "图片链接的外部地址；留空使用 web.public_base_url。",
                   "Base URL of image links; empty: web.public_base_url."),
      object_field("quota",
                   {bool_field("enabled", false, "按密钥限制图片数。", "Limit images per key."),
                    int_field("limit", 100, "每个窗口每个密钥的图片数。", "Images per key per window.", 1),
                    int_field("window_minutes", 1440, "窗口长度（分钟）。", "Window length (minutes).", 1)},
                   "每个密钥的额度（与绘图插件同一个额度库，桶名 gateway:<名称>）。",
                   "Quota per key (in the drawing plugin's ledger, bucket gateway:<name>)."),
  };
  set_labels(fields, labels());
  return fields;
}

Result<ListenAddress> parse_gateway_listen(std::string_view text) {
  const auto bad = [&](std::string why) {
    return Error::make("bad_config",
                       "plugins.image_gateway.listen: " + why + " (\"" + std::string(text) + "\")");
  };
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return bad("expected host:port");
  std::string host(text.substr(0, colon));
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host == "localhost") host = "127.0.0.1";
  unsigned port = 0;
  const auto [end, ec] = std::from_chars(text.data() + colon + 1, text.data() + text.size(), port);
  if (ec != std::errc() || end != text.data() + text.size() || port > 65535) return bad("bad port");
  boost::system::error_code address_error;
  const auto address = boost::asio::ip::make_address(host, address_error);
  if (address_error) return bad("the host is not an IP address");
  return ListenAddress{host, static_cast<std::uint16_t>(port), address.is_loopback()};
}

bool keys_from_environment() {
  const char* value = std::getenv(kKeysEnvironment);
  return value != nullptr && !trim(value).empty();
}

Result<GatewaySettings> GatewaySettings::from_config(const json& section, const json& image_providers,
                                                     bool keys_from_environment) {
  GatewaySettings s;
  s.listen = section.value("listen", "");
  if (!s.listen.empty()) {
    auto listen = parse_gateway_listen(s.listen);
    if (!listen) return listen.error();
    if (!listen->loopback && section.value("api_keys", json::array()).empty() &&
        section.value("console_keys", json::array()).empty()) {
      return Error::make("bad_config",
                         "plugins.image_gateway: no api_keys, and listen " + s.listen +
                             " is not a loopback address: anyone could draw on your keys. Add api_keys "
                             "(or PICBOT_GATEWAY_API_KEYS), or listen on 127.0.0.1");
    }
  }
  std::set<std::string> names;
  const KeySource listed = keys_from_environment ? KeySource::kEnvironment : KeySource::kFile;
  for (const auto& [field, source] :
       {std::pair{"api_keys", listed}, std::pair{"console_keys", KeySource::kConsole}}) {
    for (const json& entry : section.value(field, json::array())) {
      ApiKey key{entry.value("name", ""), entry.value("key", ""), source};
      if (!names.insert(key.name).second)
        return Error::make("bad_config", std::string("plugins.image_gateway.") + field + ": the name " +
                                             key.name +
                                             " is used twice (api_keys and console_keys together)");
      s.api_keys.push_back(std::move(key));
    }
  }
  if (image_providers.is_object()) s.instances = image::provider_instances(nullptr, image_providers);
  std::set<std::string> ids;
  for (const json& entry : section.value("models", json::array())) {
    ModelAlias alias{entry.value("id", ""), entry.value("provider", ""), entry.value("model", "")};
    if (!ids.insert(alias.id).second)
      return Error::make("bad_config", "plugins.image_gateway.models: the id " + alias.id + " is used twice");
    if (image_providers.is_object() && !image_providers.contains(alias.provider)) {
      return Error::make("bad_config", "plugins.image_gateway.models: " + alias.id + ": no image_providers." +
                                           alias.provider + " in the config");
    }
    s.models.push_back(std::move(alias));
  }
  s.max_upload_bytes = static_cast<std::size_t>(section.value("max_upload_mb", 25.0) * 1024 * 1024);
  s.allow_external_image_fetch = section.value("allow_external_image_fetch", false);
  s.allow_private_network = section.value("allow_private_network", false);
  for (image::ProviderConfig& instance : s.instances) {
    instance.allow_private_download_addresses = s.allow_private_network;
  }
  s.public_base_url = section.value("public_base_url", "");
  while (s.public_base_url.ends_with('/')) s.public_base_url.pop_back();
  const json quota = section.value("quota", json::object());
  s.quota.enabled = quota.value("enabled", false);
  s.quota.limit = quota.value("limit", 100);
  s.quota.window = std::chrono::minutes(quota.value("window_minutes", 1440));
  return s;
}

json GatewaySettings::keys_json(KeySource source) const {
  json keys = json::array();
  for (const ApiKey& key : api_keys) {
    if (key.source == source) keys.push_back({{"name", key.name}, {"key", key.key}});
  }
  return keys;
}

const ModelAlias* GatewaySettings::alias(std::string_view id) const {
  for (const ModelAlias& alias : models) {
    if (alias.id == id) return &alias;
  }
  return nullptr;
}

}  // namespace picbot::gateway
