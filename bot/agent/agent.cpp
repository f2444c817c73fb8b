#include "bot/agent/agent.h"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <deque>

#include "bot/agent/agent_messages.h"
#include "bot/agent/tool_arguments.h"
#include "bot/core/log_language.h"
#include "bot/core/logging.h"
#include "bot/core/secret.h"
#include "bot/core/utf8.h"

namespace picbot::agent {
namespace asio = boost::asio;
using llm::FailureClass;
using nlohmann::json;

namespace {

auto logger() {
  static auto l = log::get("agent");
  return l;
}

constexpr std::size_t kMaxToolResultChars = 4000;
constexpr std::size_t kReplyPieceChars = 1500;
// Lines of the system prompt at least this long must not be repeated to users.
constexpr std::size_t kPromptLineChars = 16;

constexpr const char* kTranslatePrompt =
    "You translate prompts for an image generator. Translate the user's text into natural English, keeping "
    "every visual detail. Reply with the English translation only: no quotes, no explanations.";

// The tools of one model answer, shared by the waiting loop and the tool
// coroutines (which may outlive it when they time out).
struct ToolBatch {
  ToolBatch(asio::any_io_executor executor, std::size_t n)
      : wake(std::move(executor)), results(n), finished(n, false), cancels(n) {}
  asio::steady_timer wake;  // expires at the deadline; cancelled when a tool finishes
  std::size_t pending = 0;
  std::vector<ToolResult> results;
  std::vector<bool> finished;
  std::deque<asio::cancellation_signal> cancels;
};

asio::awaitable<void> run_tool(std::shared_ptr<ToolBatch> batch, std::size_t index, std::string name,
                               decltype(Tool::handler) handler, std::shared_ptr<MessageContext> ctx,
                               json args) {
  ToolResult result;
  try {
    result = co_await handler(*ctx, args);
  } catch (const std::exception& e) {
    logger()->warn("{}",
                   log::text("log.agent_tool_failed", fmt::arg("tool", name), fmt::arg("reason", e.what())));
    result = ToolResult{false, "the tool failed: " + llm::sanitize_message(e.what(), 200)};
  }
  if (batch->finished[index]) co_return;  // timed out already; the model was told
  batch->results[index] = std::move(result);
  batch->finished[index] = true;
  --batch->pending;
  batch->wake.cancel();
}

json tool_message(const ChatToolCall& call, const ToolResult& result) {
  std::string content = SecretRegistry::instance().redact(strip_inline_images(result.content));
  if (count_code_points(content) > kMaxToolResultChars)
    content = split_reply(content, kMaxToolResultChars).front();
  if (!result.ok) content = "Error: " + content;
  return {{"role", "tool"}, {"tool_call_id", call.id}, {"content", std::move(content)}};
}

// True when text repeats a substantial line of the system prompt verbatim.
bool reveals_system_prompt(std::string_view text, std::string_view prompt) {
  std::size_t start = 0;
  while (start < prompt.size()) {
    std::size_t end = prompt.find('\n', start);
    if (end == std::string_view::npos) end = prompt.size();
    const std::string line = trim_chat_text(prompt.substr(start, end - start));
    if (count_code_points(line) >= kPromptLineChars && text.find(line) != std::string_view::npos) return true;
    start = end + 1;
  }
  return false;
}

std::string strip_quotes(std::string text) {
  for (const std::string_view pair : {"\"\"", "''", "“”", "「」"}) {
    const std::size_t half = pair.size() / 2;
    if (text.size() >= pair.size() && text.starts_with(pair.substr(0, half)) &&
        text.ends_with(pair.substr(half))) {
      return trim_chat_text(std::string_view(text).substr(half, text.size() - pair.size()));
    }
  }
  return text;
}

}  // namespace

Agent::Agent(Deps deps, AgentSettings settings)
    : deps_(deps),
      settings_(std::make_shared<const AgentSettings>(std::move(settings))),
      client_(deps.http, deps.clock, settings_->chat) {
  register_agent_messages();
}

Status Agent::open_store(const std::filesystem::path& file) {
  std::error_code ignored;
  std::filesystem::create_directories(file.parent_path(), ignored);
  auto store = SessionStore::open(file, deps_.clock);
  if (!store) {
    logger()->error("{}", log::text("log.agent_database_unavailable", fmt::arg("path", file.string()),
                                    fmt::arg("reason", store.error().message)));
    return store.error();
  }
  store_ = std::move(*store);
  return {};
}

void Agent::reconfigure(AgentSettings settings) {
  settings_ = std::make_shared<const AgentSettings>(std::move(settings));
  client_.reconfigure(settings_->chat);
}

Status Agent::register_commands() {
  return deps_.registry.add_command(
      "agent", Command{.declaration = "new",
                       .aliases = {"reset"},
                       .description = "agent.help.new",
                       .admin_only = false,
                       .handler = [this](CommandContext& ctx) -> asio::awaitable<void> {
                         const Status cleared = co_await clear_session(session_key(*settings_, ctx.event()));
                         std::string text = ctx.tr("agent.session_cleared");
                         if (!cleared) text = ctx.tr("agent.session_clear_failed");
                         co_await ctx.reply_text(std::move(text), ctx.is_group());
                       },
                       .listed = [this] { return enabled(); }});
}

// WorkerPool::run lambdas capture by reference: the coroutine frame owns the
// values, and GCC 12 double-frees by-value captures of a coroutine argument.
asio::awaitable<Status> Agent::clear_session(std::string session) {
  if (!store_) co_return Status();
  SessionStore* store = store_.get();
  Status cleared = co_await deps_.workers.run([&] { return store->clear(session); });
  if (cleared) {
    logger()->info("{}", log::text("log.agent_session_cleared", fmt::arg("session", session)));
  } else {
    logger()->error("{}", log::text("log.agent_session_clear_failed", fmt::arg("session", session),
                                    fmt::arg("reason", cleared.error().message)));
  }
  co_return cleared;
}

asio::awaitable<std::vector<Turn>> Agent::load_history(std::string session, HistoryLimits limits) {
  if (!store_) co_return std::vector<Turn>{};
  SessionStore* store = store_.get();
  auto loaded = co_await deps_.workers.run([&] { return store->load(session, limits); });
  if (!loaded) {
    logger()->error("{}", log::text("log.agent_session_read_failed", fmt::arg("session", session),
                                    fmt::arg("reason", loaded.error().message)));
    co_return std::vector<Turn>{};
  }
  co_return std::move(*loaded);
}

asio::awaitable<void> Agent::save_turns(std::string session, std::vector<Turn> turns, HistoryLimits limits) {
  if (!store_) co_return;
  SessionStore* store = store_.get();
  Status saved = co_await deps_.workers.run([&] { return store->append(session, turns, limits); });
  if (!saved)
    logger()->error("{}", log::text("log.agent_session_save_failed", fmt::arg("session", session),
                                    fmt::arg("reason", saved.error().message)));
}

json Agent::tool_specs() const {
  json tools = json::array();
  for (const auto& tool : deps_.registry.tools()) {
    json parameters = tool->parameters.is_object() ? tool->parameters
                                                   : json{{"type", "object"}, {"properties", json::object()}};
    tools.push_back(
        {{"type", "function"},
         {"function",
          {{"name", tool->name}, {"description", tool->description}, {"parameters", parameters}}}});
  }
  return tools;
}

asio::awaitable<void> Agent::handle(MessageContext& ctx, const Wake& wake) {
  const auto settings = settings_;
  const bool in_group = ctx.is_group();
  const std::string user_text = user_turn_text(ctx.event(), wake);
  if (user_text.empty()) {
    co_await ctx.reply_text(ctx.tr("agent.empty_message"), in_group);
    co_return;
  }
  const std::string session = session_key(*settings, ctx.event());
  const HistoryLimits limits{settings->max_turns, settings->max_chars};
  const std::vector<Turn> history = co_await load_history(session, limits);

  json messages = json::array();
  if (!settings->system_prompt.empty())
    messages.push_back({{"role", "system"}, {"content", settings->system_prompt}});
  for (const auto& turn : history) messages.push_back({{"role", turn.role}, {"content", turn.content}});
  messages.push_back({{"role", "user"}, {"content", user_text}});
  logger()->info("{}",
                 log::text("log.agent_turn", fmt::arg("session", session), fmt::arg("turns", history.size()),
                           fmt::arg("text", log::truncate(user_text, 200))));

  Answer answer = co_await converse(ctx, std::move(messages), *settings);
  std::string text;
  if (answer.error) {
    text = describe_failure(ctx, *answer.error, *settings);
  } else if (answer.step_limit) {
    text = ctx.tr("agent.step_limit");
  } else {
    text = SecretRegistry::instance().redact(answer.text);
    if (reveals_system_prompt(text, settings->system_prompt)) {
      logger()->warn("{}", log::text("log.agent_prompt_withheld", fmt::arg("session", session)));
      text = ctx.tr("agent.cannot_share");
    }
    // Stored before it is sent, so a shutdown right after the reply keeps it.
    std::vector<Turn> turns{Turn{"user", user_text}, Turn{"assistant", text}};
    co_await save_turns(session, std::move(turns), limits);
  }
  co_await send_reply(ctx, std::move(text));
}

asio::awaitable<Agent::Answer> Agent::converse(MessageContext& ctx, json messages,
                                               const AgentSettings& settings) {
  const json tools = tool_specs();
  for (int step = 0;; ++step) {
    // Built outside the co_await: GCC 12 mishandles temporaries inside it.
    ChatRequest request{messages, tools, settings.temperature};
    auto reply = co_await client_.complete(std::move(request));
    if (!reply.ok()) co_return Answer{{}, std::move(reply.error()), false};
    if (reply->tool_calls.empty()) co_return Answer{std::move(reply->content), std::nullopt, false};
    if (step >= settings.max_tool_steps) {
      logger()->warn("{}", log::text("log.agent_too_many_steps", fmt::arg("steps", settings.max_tool_steps)));
      co_return Answer{{}, std::nullopt, true};
    }
    messages.push_back(reply->message);
    const std::vector<ToolResult> results = co_await run_tools(ctx, reply->tool_calls, settings.tool_timeout);
    for (std::size_t i = 0; i < results.size(); ++i)
      messages.push_back(tool_message(reply->tool_calls[i], results[i]));
  }
}

asio::awaitable<std::vector<ToolResult>> Agent::run_tools(MessageContext& ctx,
                                                          const std::vector<ChatToolCall>& calls,
                                                          std::chrono::milliseconds timeout) {
  auto executor = co_await asio::this_coro::executor;
  auto batch = std::make_shared<ToolBatch>(executor, calls.size());
  batch->wake.expires_after(timeout);
  for (std::size_t i = 0; i < calls.size(); ++i) {
    const ChatToolCall& call = calls[i];
    logger()->info("{}", log::text("log.agent_tool_call", fmt::arg("tool", call.name),
                                   fmt::arg("arguments", log::truncate(call.arguments, 300))));
    const auto tool = deps_.registry.find_tool(call.name);
    if (tool == nullptr) {
      batch->results[i] = ToolResult{false, "there is no tool named " + llm::sanitize_message(call.name, 64)};
      batch->finished[i] = true;
      continue;
    }
    auto args = parse_tool_arguments(call.arguments);
    if (!args) {
      logger()->warn("{}", log::text("log.agent_tool_bad_arguments", fmt::arg("tool", call.name),
                                     fmt::arg("reason", args.error().message)));
      batch->results[i] =
          ToolResult{false, args.error().message + ". Call the tool again with a valid JSON object."};
      batch->finished[i] = true;
      continue;
    }
    ++batch->pending;
    asio::co_spawn(executor,
                   run_tool(batch, i, tool->name, tool->handler, std::make_shared<MessageContext>(ctx),
                            std::move(*args)),
                   asio::bind_cancellation_slot(batch->cancels[i].slot(), [batch](std::exception_ptr) {}));
  }
  while (batch->pending > 0) {
    boost::system::error_code ec;
    co_await batch->wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (!ec) break;  // the deadline passed
  }
  const auto seconds = std::chrono::duration<double>(timeout).count();
  for (std::size_t i = 0; i < calls.size(); ++i) {
    if (batch->finished[i]) continue;
    logger()->warn("{}", log::text("log.agent_tool_timed_out", fmt::arg("tool", calls[i].name),
                                   fmt::arg("seconds", seconds)));
    batch->results[i] = ToolResult{false, fmt::format("the tool did not finish within {:.0f} seconds and was "
                                                      "stopped; tell the user it took too long",
                                                      seconds)};
    batch->finished[i] = true;
    batch->cancels[i].emit(asio::cancellation_type::terminal);
  }
  co_return batch->results;
}

asio::awaitable<void> Agent::send_reply(MessageContext& ctx, std::string text) {
  const std::vector<std::string> pieces = split_reply(text, kReplyPieceChars);
  for (std::size_t i = 0; i < pieces.size(); ++i) {
    const bool at_sender = ctx.is_group() && i == 0;
    auto sent = co_await ctx.reply_text(pieces[i], at_sender);
    if (!sent) {
      logger()->warn("{}", log::text("log.agent_reply_failed", fmt::arg("reason", sent.error().describe())));
      co_return;
    }
  }
}

asio::awaitable<std::optional<std::string>> Agent::translate_to_english(std::string text) {
  const auto settings = settings_;
  if (!settings->enabled || settings->chat.api_keys.empty()) co_return std::nullopt;
  json messages = json::array(
      {json{{"role", "system"}, {"content", kTranslatePrompt}}, json{{"role", "user"}, {"content", text}}});
  ChatRequest request{std::move(messages), json(), 0.0};
  auto reply = co_await client_.complete(std::move(request));
  if (!reply.ok()) {
    logger()->warn("{}",
                   log::text("log.agent_translation_failed", fmt::arg("reason", reply.error().to_string())));
    co_return std::nullopt;
  }
  std::string english = strip_quotes(trim_chat_text(strip_inline_images(reply->content)));
  if (english.empty()) co_return std::nullopt;
  logger()->info("{}", log::text("log.agent_translated", fmt::arg("text", log::truncate(english, 200))));
  co_return english;
}

std::string Agent::describe_failure(const MessageContext& ctx, const llm::ProviderError& error,
                                    const AgentSettings& settings) const {
  const std::string& model = settings.chat.model;
  switch (error.cls) {
    case FailureClass::kInvalidKey:
      // Keys that were configured and then rejected (401/403) are not "no key".
      return ctx.tr(settings.chat.api_keys.empty() ? "agent.error.no_keys" : "agent.error.invalid_key");
    case FailureClass::kNoCredits:
      return ctx.tr("agent.error.no_credits");
    case FailureClass::kRateLimited:
      return ctx.tr("agent.error.rate_limited");
    case FailureClass::kBadRequest:
      return ctx.tr("agent.error.bad_request", fmt::arg("detail", llm::sanitize_message(error.message, 120)));
    case FailureClass::kModelNotFound:
      return ctx.tr("agent.error.model_not_found", fmt::arg("model", model));
    case FailureClass::kNoEndpointForModalities:
      return ctx.tr("agent.error.no_endpoint", fmt::arg("model", model));
    case FailureClass::kTransient:
      return ctx.tr("agent.error.transient");
    case FailureClass::kContentFiltered:
      if (error.message.empty()) return ctx.tr("agent.error.content_filtered_silent");
      return ctx.tr("agent.error.content_filtered",
                    fmt::arg("text", llm::sanitize_message(error.message, 120)));
    case FailureClass::kBadResponse:
      return ctx.tr("agent.error.bad_response");
    case FailureClass::kCancelled:
      return ctx.tr("agent.error.cancelled");
    case FailureClass::kDeadline:
      return ctx.tr("agent.error.deadline");
  }
  return ctx.tr("agent.error.transient");
}

}  // namespace picbot::agent
