// gemini_pic_gen: image generation through OpenRouter (Gemini 2.5 Flash
// Image). The plugin's one entry point: it declares its config schema, and
// registers its commands (/draw, presets, /quota, /reset_images, /banana) and
// the LLM tool gemini-pic-gen.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include <regex>

#include "bot/core/logging.h"
#include "bot/llm/api_base.h"
#include "bot/plugin/plugin_context.h"
#include "plugins/gemini_pic_gen/draw_pipeline.h"
#include "plugins/gemini_pic_gen/plugin_messages.h"
#include "plugins/gemini_pic_gen/plugin_settings.h"

namespace picbot::gemini {
namespace asio = boost::asio;
using nlohmann::json;

namespace {

// Splits "--ar 16:9" / "--ar=16:9" out of a command line.
struct ParsedPrompt {
  std::string prompt;
  std::optional<std::string> aspect_ratio;
};

ParsedPrompt parse_prompt(std::string_view args) {
  static const std::regex ratio(R"((?:^|\s)--ar(?:=|\s+)(\S+))");
  ParsedPrompt out;
  std::string text(args);
  std::smatch match;
  if (std::regex_search(text, match, ratio)) {
    out.aspect_ratio = match[1].str();
    text = match.prefix().str() + " " + match.suffix().str();
  }
  const auto first = text.find_first_not_of(" \t\r\n");
  const auto last = text.find_last_not_of(" \t\r\n");
  out.prompt = first == std::string::npos ? std::string() : text.substr(first, last - first + 1);
  return out;
}

// True for "true", "1", "yes", "y" (any case) and JSON true; LLMs send strings.
bool truthy(const json& value, bool fallback) {
  if (value.is_boolean()) return value.get<bool>();
  if (value.is_number()) return value.get<double>() != 0;
  if (!value.is_string()) return fallback;
  std::string s = value.get<std::string>();
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  if (s == "true" || s == "1" || s == "yes" || s == "y") return true;
  if (s == "false" || s == "0" || s == "no" || s == "n") return false;
  return fallback;
}

// True when text has a character outside ASCII (a prompt worth translating).
bool has_non_ascii(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
}

// Images encoded and sent at the same time (each is a frame of several MB).
constexpr std::size_t kConcurrentDeliveries = 4;

class GeminiPicGenPlugin final : public Plugin {
 public:
  std::string_view name() const override { return "gemini_pic_gen"; }
  std::vector<config::Field> config_schema() const override { return plugin_schema(); }

  Status start(PluginContext& ctx) override {
    register_plugin_messages();
    register_reference_messages();
    ctx_ = &ctx;
    auto settings = load_settings(ctx);
    if (!settings) return settings.error();
    settings_ = std::make_shared<const PluginSettings>(std::move(*settings));
    if (settings_->openrouter.api_keys.empty()) {
      ctx.logger()->warn("no OpenRouter API key configured (plugins.gemini_pic_gen.openrouter_api_keys): "
                         "drawing will fail until one is set");
    }

    client_ = std::make_unique<OpenRouterImageClient>(ctx.http(), ctx.clock(), settings_->openrouter);
    images_ = std::make_unique<ImageStore>(
        ctx.executor(), ctx.workers(), ctx.clock(),
        ImageStore::Options{ctx.data_dir() / "images", settings_->image_ttl, std::chrono::seconds(60)});
    images_->start();
    if (Status s = ctx.add_http_route("GET", "/images/", [this](const web::HttpRequest& request) {
          return serve_image(request);
        });
        !s) {
      ctx.logger()->info("images are not served over HTTP: {}", s.error().message);
    }
    jobs_ = std::make_unique<JobQueue>(ctx.executor(), settings_->max_concurrent_generations);
    deliveries_ = std::make_unique<JobQueue>(ctx.executor(), kConcurrentDeliveries);
    pipeline_ = std::make_unique<DrawPipeline>(
        DrawPipeline::Deps{*client_, *images_, *jobs_, *deliveries_, ctx.http(), ctx.clock()}, settings_);
    pipeline_->set_metrics(&ctx.metrics());
    ctx.set_status_provider([this] { return status_json(); });
    open_quota_store(ctx);

    if (Status s = register_commands(ctx); !s) return s;
    return ctx.add_tool(make_tool());
  }

  Status reconfigure(PluginContext& ctx) override {
    auto settings = load_settings(ctx);
    if (!settings) return settings.error();
    settings_ = std::make_shared<const PluginSettings>(std::move(*settings));
    client_->reconfigure(settings_->openrouter);
    jobs_->set_capacity(settings_->max_concurrent_generations);
    pipeline_->set_settings(settings_);
    ctx.logger()->info("settings reloaded (model {}, {} key(s), quotas {})", settings_->openrouter.model_name,
                       settings_->openrouter.api_keys.size(), settings_->quota.enabled ? "on" : "off");
    return {};
  }

  void stop() override {
    if (images_) images_->stop();
  }

 private:
  // The plugin's section plus what the host decides: the public base URL
  // that image_delivery: url links point at.
  Result<PluginSettings> load_settings(PluginContext& ctx) {
    auto settings = PluginSettings::from_config(ctx.config());
    if (!settings) return settings;
    settings->delivery.public_base_url = ctx.public_base_url();
    if (settings->delivery.mode == DeliveryMode::kUrl) {
      if (settings->delivery.public_base_url.empty()) {
        ctx.logger()->warn("image_delivery is url but there is no web.public_base_url (and none can be derived "
                           "from web.listen): images are sent as base64");
      } else {
        ctx.logger()->info("image_delivery url: images are served at {}/images/<id>", settings->delivery.public_base_url);
      }
    }
    return settings;
  }

  // GET /images/<id>: one stored image by its unguessable id. Anything else,
  // including expired or deleted images, is 404; no path reaches the disk.
  asio::awaitable<web::HttpResponse> serve_image(const web::HttpRequest& request) {
    constexpr std::string_view kPrefix = "/images/";
    const std::string_view id = std::string_view(request.path).substr(kPrefix.size());
    const bool well_formed = id.size() == 32 && std::all_of(id.begin(), id.end(), [](char c) {
                               return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
                             });
    std::optional<StoredImage> image = well_formed ? images_->find(id) : std::nullopt;
    if (!image) co_return web::HttpResponse::text(404, "not found\n");
    auto bytes = co_await images_->read(*image);
    if (!bytes) {
      if (bytes.error().code != "not_found") ctx_->logger()->warn("cannot serve image {}: {}", id, bytes.error().message);
      co_return web::HttpResponse::text(404, "not found\n");
    }
    const auto left = image->created + images_->options().ttl - ctx_->clock().now();
    const auto max_age = std::max<long long>(0, std::chrono::duration_cast<std::chrono::seconds>(left).count());
    web::HttpResponse response;
    response.content_type = image->mime;
    response.headers.emplace_back("Cache-Control", "private, max-age=" + std::to_string(max_age));
    response.body = std::move(*bytes);
    co_return response;
  }

  // Opened before the event loop runs, so no drawing can slip past an
  // unopened store; every later call goes through the worker pool.
  void open_quota_store(PluginContext& ctx) {
    // Reservations of a crashed process stop counting after the longest a
    // request can take, plus a margin for the queue.
    QuotaStoreOptions options;
    options.reservation_ttl = std::chrono::milliseconds(
        static_cast<long long>(settings_->openrouter.request_timeout_seconds * 1000) + 5 * 60 * 1000);
    std::error_code ignored;
    std::filesystem::create_directories(ctx.data_dir(), ignored);
    auto store = QuotaStore::open(ctx.data_dir() / "quota.sqlite3", ctx.clock(), options);
    if (!store) {
      ctx.logger()->error("cannot open the quota database: {}; quotas are NOT enforced", store.error().message);
      return;
    }
    quotas_ = std::make_unique<AsyncQuotaStore>(ctx.workers(), std::move(*store));
    pipeline_->set_quota_store(quotas_.get());
  }

  Status register_commands(PluginContext& ctx) {
    Status s = ctx.add_command(Command{
        .name = "draw",
        .aliases = {"画图"},
        .usage = "gemini.help.draw",
        .admin_only = false,
        .handler = [this](CommandContext& c) -> asio::awaitable<void> { co_await draw_command(c); }});
    if (!s) return s;
    for (const auto& [preset, prompt] : settings_->presets) {
      MessageTable::instance().add({{"gemini.help.preset." + preset,
                                     "{prefix}" + preset + " [补充描述] — 预设效果（需附带或引用一张图片）",
                                     "{prefix}" + preset + " [extra text] — preset (needs an image)"}});
      s = ctx.add_command(Command{
          .name = preset,
          .aliases = {},
          .usage = "gemini.help.preset." + preset,
          .admin_only = false,
          .handler = [this, preset](CommandContext& c) -> asio::awaitable<void> { co_await preset_command(c, preset); }});
      if (!s) return s;
    }
    s = ctx.add_command(Command{
        .name = "quota",
        .aliases = {"额度"},
        .usage = "gemini.help.quota",
        .admin_only = false,
        .handler = [this](CommandContext& c) -> asio::awaitable<void> { co_await quota_command(c); }});
    if (!s) return s;
    s = ctx.add_command(Command{
        .name = "reset_images",
        .aliases = {},
        .usage = "gemini.help.reset_images",
        .admin_only = true,
        .handler = [this](CommandContext& c) -> asio::awaitable<void> { co_await reset_command(c); }});
    if (!s) return s;
    return ctx.add_command(Command{
        .name = "banana",
        .aliases = {},
        .usage = "gemini.help.banana",
        .admin_only = true,
        .handler = [this](CommandContext& c) -> asio::awaitable<void> { co_await banana_command(c); }});
  }

  asio::awaitable<void> draw_command(CommandContext& ctx) {
    ParsedPrompt parsed = parse_prompt(ctx.args());
    if (parsed.prompt.empty()) {
      std::string usage = ctx.tr("gemini.usage.draw", fmt::arg("prefix", ctx.settings().display_prefix()));
      co_await ctx.reply_text(std::move(usage), ctx.is_group());
      co_return;
    }
    if (parsed.aspect_ratio && !is_supported_aspect_ratio(*parsed.aspect_ratio)) {
      std::string bad = ctx.tr("gemini.bad_ratio", fmt::arg("ratio", *parsed.aspect_ratio));
      co_await ctx.reply_text(std::move(bad), ctx.is_group());
      co_return;
    }
    std::string prompt = std::move(parsed.prompt);
    if (settings_->translate_prompt && has_non_ascii(prompt)) {
      std::optional<std::string> english = co_await ctx_->translate(prompt);
      if (english) prompt = std::move(*english);
    }
    DrawRequest request{prompt, parsed.aspect_ratio, true, {}};
    co_await pipeline_->draw(ctx, std::move(request), true);
  }

  asio::awaitable<void> preset_command(CommandContext& ctx, const std::string& preset) {
    const auto settings = settings_;
    const auto it = settings->presets.find(preset);
    if (it == settings->presets.end()) co_return;  // removed by a reload
    ParsedPrompt parsed = parse_prompt(ctx.args());
    std::string prompt = it->second;
    const auto slot = prompt.find("{prompt}");
    if (slot != std::string::npos) {
      prompt.replace(slot, 8, parsed.prompt);
    } else if (!parsed.prompt.empty()) {
      prompt += " " + parsed.prompt;
    }
    DrawRequest request{prompt, parsed.aspect_ratio, true, preset};
    co_await pipeline_->draw(ctx, std::move(request), true);
  }

  asio::awaitable<void> quota_command(CommandContext& ctx) {
    const auto settings = settings_;
    std::string text;
    if (!settings->quota.enabled || !quotas_) {
      text = ctx.tr("gemini.quota.off");
    } else {
      const auto& event = ctx.event();
      const QuotaDecision decision = resolve(settings->quota, event.user_id, event.group_id, ctx.is_admin());
      const auto interval = std::chrono::minutes(settings->quota.reset_interval_minutes);
      if (decision.kind == QuotaDecision::kBlocked) {
        text = ctx.tr("gemini.quota.disabled");
      } else if (decision.kind == QuotaDecision::kUnlimited) {
        text = ctx.tr("gemini.quota.unlimited");
      } else {
        auto usage = co_await quotas_->usage(decision.bucket, decision.limit, interval);
        if (!usage) {
          text = ctx.tr("gemini.quota.store_error");
        } else {
          const auto now = ctx_->clock().now();
          const std::string when = usage->resets_at ? format_reset_time(*usage->resets_at, now) : std::string();
          if (decision.tier == "group") {
            std::string reset = when.empty() ? std::string() : ctx.tr("gemini.quota.reset_suffix", fmt::arg("time", when));
            text = ctx.tr("gemini.quota.group_status", fmt::arg("remaining", usage->remaining),
                          fmt::arg("limit", decision.limit), fmt::arg("reset", reset));
          } else if (when.empty()) {
            text = ctx.tr("gemini.quota.status_fresh", fmt::arg("remaining", usage->remaining),
                          fmt::arg("limit", decision.limit), fmt::arg("minutes", settings->quota.reset_interval_minutes));
          } else {
            text = ctx.tr("gemini.quota.status", fmt::arg("remaining", usage->remaining),
                          fmt::arg("limit", decision.limit), fmt::arg("time", when));
          }
        }
      }
    }
    co_await ctx.reply_text(std::move(text), ctx.is_group());
  }

  asio::awaitable<void> reset_command(CommandContext& ctx) {
    std::string text;
    if (!quotas_) {
      text = ctx.tr("gemini.quota.store_error");
      co_await ctx.reply_text(std::move(text), ctx.is_group());
      co_return;
    }
    // "@user" arrives as an at segment; "group <id>" as text.
    std::int64_t target_user = 0;
    const std::string self = std::to_string(ctx.event().self_id);
    for (const auto& segment : ctx.event().message) {
      if (const auto* at = std::get_if<onebot::At>(&segment); at && at->qq != self && at->qq != "all") {
        target_user = onebot::json_to_id(json(at->qq));
      }
    }
    std::istringstream words(ctx.args());
    std::string first, second;
    words >> first >> second;
    Status result;
    if (target_user != 0) {
      result = co_await quotas_->reset_bucket("user:" + std::to_string(target_user));
      text = ctx.tr("gemini.quota.reset_user", fmt::arg("user", target_user));
    } else if (first == "group" || first == "群") {
      const std::int64_t group = onebot::json_to_id(json(second));
      if (group == 0) {
        text = ctx.tr("gemini.quota.reset_usage", fmt::arg("prefix", ctx.settings().display_prefix()));
        co_await ctx.reply_text(std::move(text), ctx.is_group());
        co_return;
      }
      result = co_await quotas_->reset_bucket("group:" + std::to_string(group));
      text = ctx.tr("gemini.quota.reset_group", fmt::arg("group", group));
    } else if (first.empty()) {
      result = co_await quotas_->reset_all();
      text = ctx.tr("gemini.quota.reset_all");
    } else {
      text = ctx.tr("gemini.quota.reset_usage", fmt::arg("prefix", ctx.settings().display_prefix()));
    }
    if (!result) text = ctx.tr("gemini.quota.store_error");
    co_await ctx.reply_text(std::move(text), ctx.is_group());
  }

  // The plugin's section of the console's status page: model, keys (masked,
  // with their state) and drawings by result.
  json status_json() const {
    json keys = json::array();
    for (const auto& key : client_->key_states()) {
      keys.push_back({{"key", key.masked_key},
                      {"status", std::string(llm::key_status_name(key.status))},
                      {"reason", key.reason},
                      {"successes", key.successes},
                      {"failures", key.failures}});
    }
    const DrawCounters& counters = pipeline_->counters();
    return {{"model", client_->settings().model_name},
            {"keys", std::move(keys)},
            {"draws", {{"succeeded", counters.succeeded}, {"failed", counters.failed}, {"quota_denied", counters.quota_denied}}}};
  }

  asio::awaitable<void> banana_command(CommandContext& ctx) {
    std::istringstream words(ctx.args());
    std::string what, value, save;
    words >> what >> value >> save;
    if (value == "save") std::swap(value, save);  // "/banana model save" is not a switch
    const bool is_model = what == "model";
    std::string text;
    if (!is_model && what != "baseurl") {
      text = ctx.tr("gemini.banana.usage", fmt::arg("prefix", ctx.settings().display_prefix()));
    } else if (value.empty()) {
      const auto& current = client_->settings();
      std::string shown = is_model ? current.model_name : llm::normalize_api_base(current.custom_api_base);
      text = ctx.tr(is_model ? "gemini.banana.model" : "gemini.banana.baseurl", fmt::arg("value", shown));
    } else {
      OpenRouterSettings next = client_->settings();
      (is_model ? next.model_name : next.custom_api_base) = value;
      client_->reconfigure(std::move(next));
      ctx_->logger()->info("admin {} switched {} to {}", ctx.event().user_id, what, value);
      if (save == "save") {
        Status saved = ctx_->save_config_value(is_model ? "model_name" : "custom_api_base", value);
        text = saved ? ctx.tr("gemini.banana.saved", fmt::arg("value", value))
                     : ctx.tr("gemini.banana.save_failed", fmt::arg("detail", saved.error().message));
      } else {
        text = ctx.tr("gemini.banana.switched", fmt::arg("value", value));
      }
    }
    co_await ctx.reply_text(std::move(text), ctx.is_group());
  }

  Tool make_tool() {
    Tool tool;
    tool.name = "gemini-pic-gen";
    tool.description =
        "Generate or edit an image and send it to the current chat. Call it when the user asks you to draw, "
        "paint, create, or modify a picture. Write image_description in English, as a detailed visual "
        "description (subject, style, composition, lighting), translating the user's words if needed. Images "
        "the user attached or quoted are used as references unless use_reference_images is false. The tool "
        "sends the image itself; afterwards reply with one short sentence, without describing the image again.";
    tool.parameters = json{
        {"type", "object"},
        {"properties",
         {{"image_description", {{"type", "string"}, {"description", "What to draw, in English."}}},
          {"use_reference_images",
           {{"type", "boolean"},
            {"description", "Use images from the user's message or quoted message as references."},
            {"default", true}}},
          {"aspect_ratio",
           {{"type", "string"},
            {"enum", {"1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9"}},
            {"description", "Optional aspect ratio."}}}}},
        {"required", {"image_description"}}};
    tool.handler = [this](MessageContext& ctx, const json& args) -> asio::awaitable<ToolResult> {
      co_return co_await tool_call(ctx, args);
    };
    return tool;
  }

  asio::awaitable<ToolResult> tool_call(MessageContext& ctx, const json& args) {
    const json description = args.is_object() ? args.value("image_description", json()) : json();
    if (!description.is_string() || description.get<std::string>().empty()) {
      co_return ToolResult{false, "image_description (a non-empty string) is required"};
    }
    DrawRequest request;
    request.prompt = description.get<std::string>();
    request.use_references = truthy(args.value("use_reference_images", json(true)), true);
    if (const auto ratio = args.value("aspect_ratio", json()); ratio.is_string() && !ratio.get<std::string>().empty()) {
      if (!is_supported_aspect_ratio(ratio.get<std::string>())) {
        co_return ToolResult{false, "unsupported aspect_ratio " + ratio.get<std::string>()};
      }
      request.aspect_ratio = ratio.get<std::string>();
    }
    DrawOutcome outcome = co_await pipeline_->draw(ctx, std::move(request), false);
    if (outcome.delivered) {
      co_return ToolResult{true, "The image was generated and sent to the chat. " + outcome.message};
    }
    co_return ToolResult{false, "No image was sent. Tell the user: " + outcome.message};
  }

  PluginContext* ctx_ = nullptr;
  std::shared_ptr<const PluginSettings> settings_;
  std::unique_ptr<OpenRouterImageClient> client_;
  std::unique_ptr<ImageStore> images_;
  std::unique_ptr<JobQueue> jobs_;
  std::unique_ptr<JobQueue> deliveries_;
  std::unique_ptr<AsyncQuotaStore> quotas_;
  std::unique_ptr<DrawPipeline> pipeline_;
};

}  // namespace

std::unique_ptr<Plugin> make_plugin() { return std::make_unique<GeminiPicGenPlugin>(); }

}  // namespace picbot::gemini
