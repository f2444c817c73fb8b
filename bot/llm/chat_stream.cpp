#include "bot/llm/chat_stream.h"

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <limits>

#include "bot/core/json_limits.h"
#include "bot/core/text.h"

namespace picbot::llm {
namespace {

using boost::asio::awaitable;
using nlohmann::json;

ProviderError make_error(FailureClass cls, std::string message) {
  return ProviderError{cls, 0, sanitize_message(message), std::nullopt};
}

// The next piece of the body, or a silence of `idle` as kTimeout.
awaitable<Result<std::string, net::HttpError>> read_piece(net::HttpBodyStream& body,
                                                          std::chrono::milliseconds idle) {
  using namespace boost::asio::experimental::awaitable_operators;
  boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, idle);
  auto raced = co_await (body.next() || timer.async_wait(boost::asio::use_awaitable));
  if (raced.index() == 1) {
    co_return net::HttpError{net::HttpError::Kind::kTimeout,
                             "no data for " + std::to_string(idle.count()) + " ms"};
  }
  co_return std::move(std::get<0>(raced));
}

// The body up to `limit` bytes (the rest is left unread).
awaitable<Result<std::string, net::HttpError>> read_body(net::HttpBodyStream& body, std::size_t limit,
                                                         std::chrono::milliseconds idle) {
  std::string out;
  while (out.size() < limit) {
    auto piece = co_await read_piece(body, idle);
    if (!piece.ok()) co_return piece.error();
    if (piece->empty()) break;
    out += piece->substr(0, limit - out.size());
  }
  co_return out;
}

bool has_finish_reason(const json& chunk) {
  auto choices = chunk.find("choices");
  if (choices == chunk.end() || !choices->is_array()) return false;
  for (const auto& choice : *choices) {
    if (!choice.is_object()) continue;
    auto reason = choice.find("finish_reason");
    if (reason != choice.end() && reason->is_string() && !reason->get<std::string>().empty()) return true;
  }
  return false;
}

}  // namespace

json chunk_of_completion(const json& completion) {
  json chunk = {{"object", "chat.completion.chunk"}, {"choices", json::array()}};
  for (const char* field : {"id", "created", "model", "usage"}) {
    if (completion.contains(field)) chunk[field] = completion[field];
  }
  auto choices = completion.find("choices");
  if (choices == completion.end() || !choices->is_array()) return chunk;
  for (const auto& choice : *choices) {
    if (!choice.is_object()) continue;
    json out = {{"index", choice.value("index", 0)},
                {"delta", choice.contains("message") ? choice["message"] : json::object()},
                {"finish_reason", choice.contains("finish_reason") ? choice["finish_reason"] : json("stop")}};
    chunk["choices"].push_back(std::move(out));
  }
  return chunk;
}

ChatStream::ChatStream(std::unique_ptr<net::HttpBodyStream> body, ChatStreamOptions options)
    : body_(std::move(body)), options_(options), parser_(options.sse) {}

awaitable<Result<std::unique_ptr<ChatStream>, ProviderError>> ChatStream::open(net::HttpClient& http,
                                                                               net::HttpRequest request,
                                                                               const Clock& clock,
                                                                               ChatStreamOptions options) {
  auto opened = co_await http.open(std::move(request), options.buffer_bytes);
  if (!opened.ok()) co_return classify_transport_error(opened.error());
  std::unique_ptr<net::HttpBodyStream> body = std::move(opened).value();
  const int status = static_cast<int>(body->head().status);
  if (status < 200 || status > 299) {
    auto text = co_await read_body(*body, options.max_error_body_bytes, options.idle_timeout);
    const std::string answer = text.ok() ? std::move(text).value() : std::string();
    co_return classify_http_answer(status, answer, body->head().header("retry-after"), clock.now());
  }
  const bool is_event_stream = to_lower(body->head().header("content-type")).starts_with("text/event-stream");
  auto stream = std::make_unique<ChatStream>(std::move(body), options);
  if (is_event_stream) co_return stream;
  // One JSON answer: the upstream ignored "stream".
  auto text =
      co_await read_body(*stream->body_, std::numeric_limits<std::size_t>::max(), options.idle_timeout);
  if (!text.ok()) co_return classify_transport_error(text.error());
  auto parsed = co_await stream->parse(std::move(text).value());
  if (!parsed.ok()) co_return parsed.error();
  if (auto error = error_in_body(*parsed, status)) co_return *error;
  stream->whole_answer_ = chunk_of_completion(*parsed);
  co_return stream;
}

awaitable<Result<json, ProviderError>> ChatStream::parse(std::string data) {
  Result<json> parsed = json();
  if (options_.workers != nullptr && data.size() >= options_.worker_parse_bytes) {
    parsed = co_await options_.workers->run([&data] { return parse_json(data); });
  } else {
    parsed = parse_json(data);
  }
  if (!parsed.ok()) {
    co_return make_error(FailureClass::kBadResponse,
                         "a chat stream event is not JSON: " + parsed.error().message);
  }
  if (!parsed->is_object())
    co_return make_error(FailureClass::kBadResponse, "a chat stream event is not an object");
  co_return std::move(parsed).value();
}

awaitable<std::optional<ProviderError>> ChatStream::fill() {
  while (queued_.empty()) {
    auto piece = co_await read_piece(*body_, options_.idle_timeout);
    if (!piece.ok()) {
      ProviderError error = classify_transport_error(piece.error());
      error.message = sanitize_message("the chat stream broke off: " + error.message);
      co_return error;
    }
    if (piece->empty()) {
      if (saw_finish_ && !parser_.in_event()) {
        ended_ = true;  // some upstreams end after the finish_reason without [DONE]
        co_return std::nullopt;
      }
      co_return make_error(FailureClass::kTransient, "the chat stream ended before [DONE]");
    }
    auto fed = parser_.feed(*piece, queued_);
    if (!fed.ok()) co_return make_error(FailureClass::kBadResponse, fed.error().message);
  }
  co_return std::nullopt;
}

awaitable<Result<std::optional<json>, ProviderError>> ChatStream::next() {
  if (failed_) co_return *failed_;
  if (whole_answer_) {
    std::optional<json> chunk = std::move(whole_answer_);
    whole_answer_.reset();
    ended_ = true;
    co_return chunk;
  }
  for (;;) {
    if (next_event_ == queued_.size()) {
      queued_.clear();
      next_event_ = 0;
      if (ended_) co_return std::optional<json>();
      if (auto failure = co_await fill()) {
        failed_ = std::move(failure);
        co_return *failed_;
      }
      continue;
    }
    net::SseEvent event = std::move(queued_[next_event_++]);
    if (event.data == "[DONE]") {
      ended_ = true;
      queued_.clear();
      next_event_ = 0;
      co_return std::optional<json>();
    }
    auto chunk = co_await parse(std::move(event.data));
    if (!chunk.ok()) {
      failed_ = chunk.error();
      co_return *failed_;
    }
    if (auto error = error_in_body(*chunk, static_cast<int>(head().status))) {
      failed_ = std::move(error);
      co_return *failed_;
    }
    saw_finish_ = saw_finish_ || has_finish_reason(*chunk);
    co_return std::optional<json>(std::move(chunk).value());
  }
}

}  // namespace picbot::llm
