// ChatRelay: the gateway's /v1/chat/completions work, apart from HTTP
// routing: a forwarded model's answer from the chat upstream (streamed or
// not) with every image in it stored and linked (ChatImages,
// StreamImageRewriter), and an image alias's drawing sent as a chat answer,
// with SSE keep-alive comments while it draws. SSE framing is OpenAI's
// (openai-node src/streaming.ts: `data: <json>\n\n` events, `data: [DONE]`
// last; an event with "error" is thrown by the SDK as an APIError).
//
// The route opens the upstream first (open_forward_stream), so a failure
// before the first byte still gets its own HTTP status; once the stream
// runs, a failure goes out as an error event and ends it.
//
// Thread-safety: io_context thread only.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bot/core/clock.h"
#include "bot/core/result.h"
#include "bot/llm/chat_endpoint.h"
#include "bot/llm/chat_stream.h"
#include "bot/llm/key_pool.h"
#include "bot/llm/provider_error.h"
#include "bot/llm/retrying_caller.h"
#include "bot/net/http_client.h"
#include "image/generated_image.h"
#include "plugins/image_gateway/chat/chat_images.h"

namespace picbot::gateway {

// Writes one piece of a streamed answer to the client; false once the client
// has gone (ResponseStream::write).
using SseWrite = std::function<boost::asio::awaitable<bool>(std::string)>;

// SSE framing of the answer's pieces.
std::string sse_data(const nlohmann::json& value);  // "data: <json>\n\n"
inline constexpr std::string_view kSseDone = "data: [DONE]\n\n";
inline constexpr std::string_view kSseKeepAlive = ": keep-alive\n\n";
// {"error":{"message","type":"upstream_error","code":<failure class>}} as an
// event; the message is ours (class and status), never the upstream's text.
std::string sse_error(const llm::ProviderError& error);

// A chat.completion.chunk with one choice.
nlohmann::json chat_chunk(const std::string& id, std::int64_t created, const std::string& model,
                          nlohmann::json delta, nlohmann::json finish_reason);

// The chat upstream (llm.*) a forwarded model goes to.
struct ChatUpstream {
  llm::ChatEndpoint endpoint;
  llm::KeyPool* keys = nullptr;  // REQUIRES: set, outlives every call
  llm::RetrySettings retry;
  std::chrono::milliseconds request_timeout{600'000};
  std::size_t max_response_bytes = 64 * 1024 * 1024;
  llm::ChatStreamOptions stream;
};

// Forwards a non-streamed request (the client's body, "stream" forced to
// false) with key rotation and retries, and rewrites the answer's images.
// Errors: the upstream's, classified; an image that cannot be read or stored
// is kBadResponse.
boost::asio::awaitable<Result<nlohmann::json, llm::ProviderError>> forward_completion(
    net::HttpClient& http, const Clock& clock, const ChatUpstream& upstream, nlohmann::json body,
    ChatImages& images);

// Opens the upstream stream for a streamed request ("stream" forced to
// true), with key rotation and retries until the head arrived.
boost::asio::awaitable<Result<std::unique_ptr<llm::ChatStream>, llm::ProviderError>> open_forward_stream(
    net::HttpClient& http, const Clock& clock, const ChatUpstream& upstream, nlohmann::json body);

// Relays an opened stream: each chunk goes out as soon as it arrived (its
// text with images held back only while they may be incomplete, then
// linked), then `data: [DONE]`. A failure goes out as an error event.
// Returns when the stream ended, failed, or the client left (write false).
boost::asio::awaitable<void> relay_stream(llm::ChatStream& upstream, ChatImages& images,
                                          const SseWrite& write);

// An image alias's answer, streamed: the role chunk at once, a keep-alive
// comment every keep_alive while `draw` runs, then the drawing's text and one
// ![image](<url>) per image (stored through `images`), finish_reason "stop"
// and `data: [DONE]`; a failure goes out as an error event.
using DrawForChat =
    std::function<boost::asio::awaitable<Result<std::vector<image::GeneratedImage>, llm::ProviderError>>()>;
boost::asio::awaitable<void> stream_drawing(const DrawForChat& draw, ChatImages& images,
                                            const std::string& model, const SseWrite& write,
                                            std::chrono::milliseconds keep_alive = std::chrono::seconds(10));

// The same answer, not streamed: a chat.completion whose message content is
// the links (images stored through `images`).
boost::asio::awaitable<Result<nlohmann::json, llm::ProviderError>> drawing_completion(
    const std::vector<image::GeneratedImage>& drawn, ChatImages& images, const std::string& model);

}  // namespace picbot::gateway
