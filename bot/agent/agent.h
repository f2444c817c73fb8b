// Agent: the LLM chat handler. A wake-up that is not a command becomes one
// conversation step: the session's history from SQLite, the user's turn, and
// a tool loop against an OpenAI-style chat model (tools from the
// CommandRegistry, run in parallel, each under tool_timeout). The final text
// goes back to the chat; user and assistant turns (never image data) are
// stored. It also translates /draw prompts for plugins.
//
// Thread-safety: io_context thread only. Tools still running when their
// timeout fired keep their own copy of the MessageContext, so they may outlive
// the call that started them (but not the Agent's BotApi).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "bot/agent/agent_settings.h"
#include "bot/agent/chat_client.h"
#include "bot/agent/history.h"
#include "bot/agent/session_store.h"
#include "bot/core/clock.h"
#include "bot/core/worker_pool.h"
#include "bot/dispatch/wake.h"
#include "bot/net/http_client.h"
#include "bot/plugin/command_registry.h"
#include "bot/plugin/message_context.h"

namespace picbot::agent {

class Agent {
 public:
  struct Deps {
    boost::asio::any_io_executor executor;
    net::HttpClient& http;
    WorkerPool& workers;
    const Clock& clock;
    CommandRegistry& registry;  // the tools offered to the model
  };

  // Every dependency must outlive the Agent. Registers the agent.* messages.
  Agent(Deps deps, AgentSettings settings);

  // Opens the session database (blocking: call before the event loop runs).
  // On failure the agent still answers, without memory.
  Status open_store(const std::filesystem::path& file);

  // Registers /new (alias /reset), which clears the caller's session.
  Status register_commands();

  // Applies a reloaded `llm` section; calls in flight keep the old settings.
  void reconfigure(AgentSettings settings);
  bool enabled() const { return settings_->enabled; }
  const AgentSettings& settings() const { return *settings_; }

  // The Dispatcher's chat handler: answers one wake-up in ctx's chat. Never
  // throws for provider or tool failures: the user gets a short message.
  boost::asio::awaitable<void> handle(MessageContext& ctx, const Wake& wake);

  // Translates text into English with the chat model. nullopt when the agent
  // is disabled, has no API key, or the call fails (use the original text).
  boost::asio::awaitable<std::optional<std::string>> translate_to_english(std::string text);

  // Forgets a session ("group:1", "user:2", ...).
  boost::asio::awaitable<Status> clear_session(std::string session);

 private:
  struct Answer {
    std::string text;
    std::optional<llm::ProviderError> error;
    bool step_limit = false;
  };

  boost::asio::awaitable<Answer> converse(MessageContext& ctx, nlohmann::json messages,
                                          const AgentSettings& settings);
  boost::asio::awaitable<std::vector<ToolResult>> run_tools(MessageContext& ctx,
                                                            const std::vector<ChatToolCall>& calls,
                                                            std::chrono::milliseconds timeout);
  boost::asio::awaitable<std::vector<Turn>> load_history(std::string session, HistoryLimits limits);
  boost::asio::awaitable<void> save_turns(std::string session, std::vector<Turn> turns, HistoryLimits limits);
  boost::asio::awaitable<void> send_reply(MessageContext& ctx, std::string text);
  nlohmann::json tool_specs() const;
  std::string describe_failure(const MessageContext& ctx, const llm::ProviderError& error,
                               const AgentSettings& settings) const;

  Deps deps_;
  std::shared_ptr<const AgentSettings> settings_;
  ChatClient client_;
  std::unique_ptr<SessionStore> store_;
};

}  // namespace picbot::agent
