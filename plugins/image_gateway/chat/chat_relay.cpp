#include "plugins/image_gateway/chat/chat_relay.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <map>

#include "bot/core/json_limits.h"
#include "plugins/image_gateway/chat/stream_image_rewriter.h"

namespace picbot::gateway {
namespace {

using boost::asio::awaitable;
using llm::FailureClass;
using llm::ProviderError;
using nlohmann::json;

ProviderError image_failure(const Error& error) {
  return ProviderError{FailureClass::kBadResponse, 0,
                       llm::sanitize_message("an image in the answer could not be kept: " + error.message),
                       std::nullopt};
}

std::string chunk_id() {
  static std::uint64_t serial = 0;
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return "chatcmpl-" + std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(now).count()) +
         "-" + std::to_string(++serial);
}

std::int64_t unix_seconds(const Clock& clock) {
  return std::chrono::duration_cast<std::chrono::seconds>(clock.now().time_since_epoch()).count();
}

// Links of the drawn images, after the model's text.
awaitable<Result<std::string, ProviderError>> drawing_text(const std::vector<image::GeneratedImage>& drawn,
                                                           ChatImages& images) {
  std::string text;
  for (const auto& image : drawn) {
    if (!image.model_text.empty() && text.find(image.model_text) == std::string::npos) {
      text += image.model_text + "\n\n";
    }
  }
  for (const auto& image : drawn) {
    auto url = co_await images.store_bytes(image.bytes, image.mime);
    if (!url.ok()) co_return image_failure(url.error());
    text += "![image](" + *url + ")\n";
  }
  co_return text;
}

// What stream_drawing's drawing and its waiter share.
struct DrawState {
  explicit DrawState(boost::asio::any_io_executor executor) : wake(std::move(executor)) {}
  std::optional<Result<std::vector<image::GeneratedImage>, ProviderError>> result;
  boost::asio::steady_timer wake;
  boost::asio::cancellation_signal cancel;
};

awaitable<void> run_draw(DrawForChat draw, std::shared_ptr<DrawState> state) {
  auto drawn = co_await draw();
  state->result.emplace(std::move(drawn));
  state->wake.cancel();
}

}  // namespace

std::string sse_data(const json& value) {
  return "data: " + value.dump(-1, ' ', false, json::error_handler_t::replace) + "\n\n";
}

std::string sse_error(const ProviderError& error) {
  // Our words only: an upstream's message could quote what it was sent.
  const std::string cls(llm::failure_class_name(error.cls));
  std::string message = "the chat upstream failed (" + cls;
  if (error.http_status != 0) message += ", HTTP " + std::to_string(error.http_status);
  message += ")";
  const json event = {
      {"error", {{"message", message}, {"type", "upstream_error"}, {"param", nullptr}, {"code", cls}}}};
  return sse_data(event);
}

json chat_chunk(const std::string& id, std::int64_t created, const std::string& model, json delta,
                json finish_reason) {
  return json{
      {"id", id},
      {"object", "chat.completion.chunk"},
      {"created", created},
      {"model", model},
      {"choices",
       json::array(
           {json{{"index", 0}, {"delta", std::move(delta)}, {"finish_reason", std::move(finish_reason)}}})}};
}

awaitable<Result<json, ProviderError>> forward_completion(net::HttpClient& http, const Clock& clock,
                                                          const ChatUpstream& upstream, json body,
                                                          ChatImages& images) {
  body["stream"] = false;
  const std::string text = body.dump(-1, ' ', false, json::error_handler_t::replace);
  llm::RetryingCaller caller(*upstream.keys, clock, upstream.retry);
  llm::RetryingCaller::Attempt<net::HttpResponse> attempt =
      [&](const std::string& key) -> awaitable<Result<net::HttpResponse, ProviderError>> {
    net::HttpRequest request = llm::chat_completion_request(
        upstream.endpoint, key, text, upstream.request_timeout, upstream.max_response_bytes);
    co_return co_await llm::post_chat_completion(http, std::move(request), clock);
  };
  auto call = co_await caller.call<net::HttpResponse>(std::move(attempt));
  if (!call.result.ok()) co_return call.result.error();
  const std::string& answer = call.result->body;
  Result<json> parsed = json();
  if (upstream.stream.workers != nullptr && answer.size() >= upstream.stream.worker_parse_bytes) {
    parsed = co_await upstream.stream.workers->run([&answer] { return parse_json(answer); });
  } else {
    parsed = parse_json(answer);
  }
  if (!parsed.ok() || !parsed->is_object()) {
    co_return ProviderError{FailureClass::kBadResponse, static_cast<int>(call.result->status),
                            "the chat upstream's answer is not a JSON object", std::nullopt};
  }
  if (auto error = llm::error_in_body(*parsed, static_cast<int>(call.result->status))) co_return *error;
  json completion = std::move(parsed).value();
  auto rewritten = co_await images.rewrite_completion(completion);
  if (!rewritten.ok()) co_return image_failure(rewritten.error());
  co_return completion;
}

awaitable<Result<std::unique_ptr<llm::ChatStream>, ProviderError>> open_forward_stream(
    net::HttpClient& http, const Clock& clock, const ChatUpstream& upstream, json body) {
  body["stream"] = true;
  const std::string text = body.dump(-1, ' ', false, json::error_handler_t::replace);
  llm::RetryingCaller caller(*upstream.keys, clock, upstream.retry);
  llm::RetryingCaller::Attempt<std::unique_ptr<llm::ChatStream>> attempt =
      [&](const std::string& key) -> awaitable<Result<std::unique_ptr<llm::ChatStream>, ProviderError>> {
    net::HttpRequest request = llm::chat_completion_request(
        upstream.endpoint, key, text, upstream.request_timeout, upstream.max_response_bytes);
    co_return co_await llm::ChatStream::open(http, std::move(request), clock, upstream.stream);
  };
  auto call = co_await caller.call<std::unique_ptr<llm::ChatStream>>(std::move(attempt));
  if (!call.result.ok()) co_return call.result.error();
  co_return std::move(call.result).value();
}

awaitable<void> relay_stream(llm::ChatStream& upstream, ChatImages& images, const SseWrite& write) {
  std::map<int, StreamImageRewriter> rewriters;  // one per choice index
  auto rewriter = [&](int index) -> StreamImageRewriter& {
    auto it = rewriters.find(index);
    if (it == rewriters.end())
      it = rewriters.emplace(index, StreamImageRewriter(images, images.max_image_bytes())).first;
    return it->second;
  };
  json last;  // the last chunk, a model for the closing one
  for (;;) {
    auto next = co_await upstream.next();
    if (!next.ok()) {
      co_await write(sse_error(next.error()));
      co_return;
    }
    if (!next->has_value()) break;
    json chunk = std::move(**next);
    auto choices = chunk.find("choices");
    if (choices != chunk.end() && choices->is_array()) {
      for (json& choice : *choices) {
        if (!choice.is_object()) continue;
        json& delta = choice["delta"];
        if (!delta.is_object()) delta = json::object();
        StreamImageRewriter& images_of = rewriter(choice.value("index", 0));
        const bool finished = choice.contains("finish_reason") && choice["finish_reason"].is_string();
        const bool had_content = delta.contains("content") && delta["content"].is_string();
        const bool had_images = delta.contains("images");
        if (!had_content && !had_images && !finished) continue;
        std::string text;
        if (had_content) {
          auto sent = co_await images_of.feed(delta["content"].get_ref<const std::string&>());
          if (!sent.ok()) {
            co_await write(sse_error(image_failure(sent.error())));
            co_return;
          }
          text = std::move(sent).value();
        }
        if (had_images) {
          auto links = co_await images_of.images(delta["images"]);
          if (!links.ok()) {
            co_await write(sse_error(image_failure(links.error())));
            co_return;
          }
          text += *links;
          delta.erase("images");
        }
        if (finished) {
          auto rest = co_await images_of.finish();
          if (!rest.ok()) {
            co_await write(sse_error(image_failure(rest.error())));
            co_return;
          }
          text += *rest;
        }
        if (had_content || !text.empty()) delta["content"] = std::move(text);
      }
    }
    if (!co_await write(sse_data(chunk))) co_return;
    last = std::move(chunk);
  }
  // Ended without a finish_reason: what is still held goes out last.
  for (auto& [index, images_of] : rewriters) {
    auto rest = co_await images_of.finish();
    if (!rest.ok()) {
      co_await write(sse_error(image_failure(rest.error())));
      co_return;
    }
    if (rest->empty()) continue;
    const json closing = chat_chunk(last.value("id", chunk_id()), last.value("created", std::int64_t{0}),
                                    last.value("model", std::string()), json{{"content", *rest}}, nullptr);
    if (!co_await write(sse_data(closing))) co_return;
  }
  co_await write(std::string(kSseDone));
}

awaitable<void> stream_drawing(const DrawForChat& draw, ChatImages& images, const std::string& model,
                               const SseWrite& write, std::chrono::milliseconds keep_alive) {
  const std::string id = chunk_id();
  const std::int64_t created = unix_seconds(Clock::system());
  // Named events: GCC 12 mishandles braced temporaries inside co_await.
  const json role_delta = {{"role", "assistant"}, {"content", std::string()}};
  std::string opening = sse_data(chat_chunk(id, created, model, role_delta, nullptr));
  if (!co_await write(std::move(opening))) co_return;
  auto executor = co_await boost::asio::this_coro::executor;
  auto state = std::make_shared<DrawState>(executor);
  boost::asio::co_spawn(executor, run_draw(draw, state),
                        boost::asio::bind_cancellation_slot(state->cancel.slot(), boost::asio::detached));
  while (!state->result) {
    state->wake.expires_after(keep_alive);
    co_await state->wake.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    if (state->result) break;
    std::string keep = std::string(kSseKeepAlive);
    if (!co_await write(std::move(keep))) {
      state->cancel.emit(boost::asio::cancellation_type::terminal);  // the client left: stop drawing
      co_return;
    }
  }
  if (!state->result->ok()) {
    std::string failure = sse_error(state->result->error());
    co_await write(std::move(failure));
    co_return;
  }
  auto text = co_await drawing_text(state->result->value(), images);
  if (!text.ok()) {
    std::string failure = sse_error(text.error());
    co_await write(std::move(failure));
    co_return;
  }
  const json content_delta = {{"content", *text}};
  std::string content = sse_data(chat_chunk(id, created, model, content_delta, nullptr));
  if (!co_await write(std::move(content))) co_return;
  std::string finish = sse_data(chat_chunk(id, created, model, json::object(), "stop"));
  if (!co_await write(std::move(finish))) co_return;
  std::string done = std::string(kSseDone);
  co_await write(std::move(done));
}

awaitable<Result<json, ProviderError>> drawing_completion(const std::vector<image::GeneratedImage>& drawn,
                                                          ChatImages& images, const std::string& model) {
  auto text = co_await drawing_text(drawn, images);
  if (!text.ok()) co_return text.error();
  json completion = {{"id", chunk_id()},
                     {"object", "chat.completion"},
                     {"created", unix_seconds(Clock::system())},
                     {"model", model},
                     {"choices", json::array({json{{"index", 0},
                                                   {"message", {{"role", "assistant"}, {"content", *text}}},
                                                   {"finish_reason", "stop"}}})},
                     {"usage", {{"prompt_tokens", 0}, {"completion_tokens", 0}, {"total_tokens", 0}}}};
  co_return completion;
}

}  // namespace picbot::gateway
