// FakeChatServer: an OpenAI-style chat completions API on loopback
// (POST <api_base>/chat/completions) for agent tests. Answers are scripted:
// text, tool calls, HTTP errors, each with an optional delay.
// A request with "stream": true gets the answer as server-sent events in
// OpenAI's chunk shape (openai-node src/resources/chat/completions:
// ChatCompletionChunk, `data: [DONE]` last; src/streaming.ts) with
// OpenRouter's additions (https://openrouter.ai/docs/api-reference/streaming:
// `: OPENROUTER PROCESSING` comments, mid-stream errors as a `data:` event
// with "error" and finish_reason "error"; images in `delta.images`). Each request
// takes the next answer from its key's queue, else from the shared queue,
// else the default answer. Every request is recorded with its key and body.
//
// Thread-safety: all members are thread-safe; answers are produced on the
// server's own thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/fakes/http/fake_http_server.h"

namespace picbot::testing {

struct FakeToolCall {
  std::string name;
  std::string arguments;  // sent as is: may be invalid JSON on purpose
  std::string id;         // "" = "call_<n>"
};

struct ChatScript {
  // How a streamed answer ends.
  enum class StreamEnd { kDone, kCut, kErrorEvent, kNoDone };

  int status = 200;
  std::string text;                      // the assistant's content
  std::vector<FakeToolCall> tool_calls;  // when non-empty, finish_reason "tool_calls"
  std::string raw_body;                  // when non-empty, sent instead of a generated body
  std::chrono::milliseconds delay{0};
  // Streamed answers: content deltas (text is one delta when this is empty).
  std::vector<std::string> pieces;
  // OpenRouter's images, e.g. [{"type":"image_url","image_url":{"url":"data:..."}}]:
  // message.images, or delta.images of one chunk before the last.
  nlohmann::json images = nullptr;
  StreamEnd stream_end = StreamEnd::kDone;
  // When set, a streamed answer's body is what the test sends through it.
  std::shared_ptr<FakeBodyStream> live;

  static ChatScript reply(std::string text);
  static ChatScript stream_of(std::vector<std::string> pieces);
  static ChatScript live_stream(std::shared_ptr<FakeBodyStream> body);
  static ChatScript tool_call(std::string name, const nlohmann::json& arguments);
  static ChatScript tool_call_raw(std::string name, std::string arguments);
  static ChatScript tool_calls_of(std::vector<FakeToolCall> calls);
  // An error answer in OpenRouter's shape: {"error":{"code":status,"message":...}}.
  static ChatScript error(int status, std::string message = "scripted failure");
  ChatScript& after(std::chrono::milliseconds wait) {
    delay = wait;
    return *this;
  }
};

class FakeChatServer {
 public:
  struct Request {
    std::string key;      // the bearer token, "" when none
    nlohmann::json body;  // null when not JSON
    std::chrono::steady_clock::time_point at;

    // body["messages"], or an empty array.
    nlohmann::json messages() const;
    // The content of every message with this role, in order.
    std::vector<std::string> contents(const std::string& role) const;
    // Names of the tools offered.
    std::vector<std::string> tool_names() const;
  };

  FakeChatServer();
  FakeChatServer(const FakeChatServer&) = delete;
  FakeChatServer& operator=(const FakeChatServer&) = delete;

  // "http://127.0.0.1:<port>/v1": use as llm.api_base.
  std::string api_base() const;
  FakeHttpServer& server() { return server_; }

  void push(ChatScript script);
  void push(const std::string& key, ChatScript script);
  // The answer when no queue has one (initially reply("好的")).
  void set_default(ChatScript script);

  // "data: <chunk>\n\n" of a chunk whose delta holds `content` (finish_reason null).
  static std::string content_event(const std::string& content);

  std::vector<Request> requests() const;
  std::size_t request_count() const;
  // Blocks until at least n requests arrived. False on timeout.
  bool wait_for_requests(std::size_t n, std::chrono::milliseconds timeout) const;
  void clear_requests();

 private:
  FakeHttpResponse answer(const FakeHttpRequest& request);
  static FakeHttpResponse streamed(const ChatScript& script, std::size_t serial);

  FakeHttpServer server_;
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::deque<ChatScript> shared_;                         // guarded by mutex_
  std::map<std::string, std::deque<ChatScript>> by_key_;  // guarded by mutex_
  ChatScript default_ = ChatScript::reply("好的");        // guarded by mutex_
  std::vector<Request> requests_;                         // guarded by mutex_
  std::size_t serial_ = 0;                                // guarded by mutex_
};

}  // namespace picbot::testing
