// ChatStream: one streamed chat completion (`"stream": true`) from an
// OpenAI-compatible upstream, read as an async sequence of chunks while the
// upstream sends them. The wire format is OpenAI's (openai-node,
// src/resources/chat/completions: ChatCompletionChunk; src/streaming.ts: SSE
// `data: <chunk>` events ending with `data: [DONE]`), with OpenRouter's
// additions (https://openrouter.ai/docs/api-reference/streaming): comment
// lines to keep the connection open, and errors that happen mid-generation
// sent as a `data:` event with an "error" member.
//
// Failures use the provider failure classes: a non-2xx answer is classified
// from its body (classify_http_answer); an error event by its code
// (error_in_body); a stream cut before `[DONE]` (and before a finish_reason)
// or silent for idle_timeout is kTransient; a line or event over the SSE
// limits, or an event that is not a JSON object, is kBadResponse. Messages
// are sanitized: no key reaches them.
//
// Thread-safety: use from the io_context's thread only.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "bot/core/clock.h"
#include "bot/core/result.h"
#include "bot/core/worker_pool.h"
#include "bot/llm/provider_error.h"
#include "bot/net/http_client.h"
#include "bot/net/sse_parser.h"

namespace picbot::llm {

struct ChatStreamOptions {
  net::SseLimits sse;
  std::chrono::milliseconds idle_timeout{120'000};  // the longest silence between two pieces of the body
  std::size_t max_error_body_bytes = 64 * 1024;     // read of a non-2xx answer, for its message
  // Events at least this large are parsed on the workers, when set (an image
  // in a delta is megabytes of JSON).
  WorkerPool* workers = nullptr;
  std::size_t worker_parse_bytes = 64 * 1024;
  std::size_t buffer_bytes = 1024 * 1024;  // unread body past which the upstream is paused
};

class ChatStream {
 public:
  // Sends `request` (its body asks for "stream": true) and waits for the
  // answer's head. A non-2xx answer or a transport failure is the error. An
  // upstream that ignores "stream" and answers with one JSON
  // chat.completion is read as a single chunk whose delta is the message.
  static boost::asio::awaitable<Result<std::unique_ptr<ChatStream>, ProviderError>> open(
      net::HttpClient& http, net::HttpRequest request, const Clock& clock, ChatStreamOptions options = {});

  // The next chunk (a ChatCompletionChunk object, as the upstream sent it),
  // as soon as it is complete; nullopt once the stream ended with [DONE]
  // (or cleanly after a finish_reason). After an error or the end, every
  // call returns the same. Cancelling the awaiting coroutine ends the
  // upstream call (kCancelled).
  boost::asio::awaitable<Result<std::optional<nlohmann::json>, ProviderError>> next();

  // The upstream's HTTP status and headers.
  const net::HttpResponse& head() const { return body_->head(); }

  ChatStream(std::unique_ptr<net::HttpBodyStream> body, ChatStreamOptions options);

 private:
  boost::asio::awaitable<Result<nlohmann::json, ProviderError>> parse(std::string data);
  // Reads the body until at least one event is queued, or the end.
  boost::asio::awaitable<std::optional<ProviderError>> fill();

  std::unique_ptr<net::HttpBodyStream> body_;
  ChatStreamOptions options_;
  net::SseParser parser_;
  std::vector<net::SseEvent> queued_;
  std::size_t next_event_ = 0;
  bool saw_finish_ = false;
  bool ended_ = false;
  std::optional<ProviderError> failed_;
  std::optional<nlohmann::json> whole_answer_;  // a non-streamed answer, handed out once
};

// The chunk a non-streamed chat.completion answer stands for: each choice's
// message as its delta, with the choice's finish_reason.
nlohmann::json chunk_of_completion(const nlohmann::json& completion);

}  // namespace picbot::llm
