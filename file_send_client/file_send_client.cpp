#include "file_send_client/file_send_client.h"

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <cctype>
#include <memory>

#include "bot/core/utf8.h"

namespace picbot::filesend {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;
constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);

// Everything one send_file call has in flight. Shared with the deadline
// handler so the handler never outlives what it closes.
struct Exchange {
  explicit Exchange(const asio::any_io_executor& executor)
      : resolver(executor), socket(executor), timer(executor) {}

  tcp::resolver resolver;
  tcp::socket socket;
  asio::steady_timer timer;
  unsigned generation = 0;  // a handler from an earlier arm() is stale
  bool timed_out = false;
};

// (Re)starts the deadline; when it passes, pending operations fail.
void arm(const std::shared_ptr<Exchange>& exchange, std::chrono::milliseconds timeout) {
  const unsigned generation = ++exchange->generation;
  exchange->timer.expires_after(timeout);
  exchange->timer.async_wait([exchange, generation](const error_code& ec) {
    if (ec || generation != exchange->generation) return;
    exchange->timed_out = true;
    exchange->resolver.cancel();
    error_code ignored;
    exchange->socket.close(ignored);
  });
}

void disarm(Exchange& exchange) {
  ++exchange.generation;
  exchange.timer.cancel();
}

enum class Stage { kResolve, kConnect, kRequest, kReplyLength, kReplyPath };

bool is_dropped(const error_code& ec) {
  return ec == asio::error::eof || ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == asio::error::connection_aborted;
}

TransferError classify(const error_code& ec, bool timed_out, Stage stage, const Target& target) {
  using Kind = TransferError::Kind;
  const std::string where = target.host + ":" + std::to_string(target.port);
  if (timed_out) {
    const bool connecting = stage == Stage::kResolve || stage == Stage::kConnect;
    return {Kind::kTimeout, (connecting ? "connect to " : "transfer to ") + where + " timed out"};
  }
  if (ec == asio::error::connection_refused) return {Kind::kRefused, "connection refused by " + where};
  switch (stage) {
    case Stage::kResolve:
      return {Kind::kUnreachable, "cannot resolve " + target.host + ": " + ec.message()};
    case Stage::kConnect:
      return {Kind::kUnreachable, "cannot connect to " + where + ": " + ec.message()};
    case Stage::kReplyLength:
      if (is_dropped(ec)) {
        return {Kind::kRejected, where +
                                     " closed the connection without a reply (token, allow-list, size limit "
                                     "or receiver error; see the receiver log)"};
      }
      break;
    case Stage::kRequest:
    case Stage::kReplyPath:
      break;
  }
  const std::string phase = stage == Stage::kRequest ? "while sending to " : "while reading the reply from ";
  return {Kind::kReset, "connection lost " + phase + where + ": " + ec.message()};
}

std::string build_header(const Target& target, std::string_view basename, std::uint64_t size) {
  std::string header;
  header.reserve(24 + target.token.size() + basename.size());
  if (!target.token.empty()) {
    append_u32_be(header, kTokenPreambleMagic);
    append_u32_be(header, static_cast<std::uint32_t>(target.token.size()));
    header.append(target.token);
  }
  append_u32_be(header, static_cast<std::uint32_t>(basename.size()));
  header.append(basename);
  append_u64_be(header, size);
  return header;
}

asio::awaitable<Result<std::string, TransferError>> exchange_file(std::shared_ptr<Exchange> exchange,
                                                                  const Target& target,
                                                                  std::string_view basename,
                                                                  std::string_view bytes) {
  using Kind = TransferError::Kind;
  arm(exchange, target.connect_timeout);
  auto [resolve_ec, endpoints] =
      co_await exchange->resolver.async_resolve(target.host, std::to_string(target.port), kAwait);
  if (resolve_ec) co_return classify(resolve_ec, exchange->timed_out, Stage::kResolve, target);
  auto [connect_ec, endpoint] = co_await asio::async_connect(exchange->socket, endpoints, kAwait);
  if (connect_ec) co_return classify(connect_ec, exchange->timed_out, Stage::kConnect, target);
  error_code ignored;
  exchange->socket.set_option(tcp::no_delay(true), ignored);

  arm(exchange, transfer_timeout(target, bytes.size()));
  const std::string header = build_header(target, basename, bytes.size());
  const std::array<asio::const_buffer, 2> request{asio::buffer(header),
                                                  asio::buffer(bytes.data(), bytes.size())};
  auto [write_ec, written] = co_await asio::async_write(exchange->socket, request, kAwait);
  if (write_ec) co_return classify(write_ec, exchange->timed_out, Stage::kRequest, target);

  std::array<unsigned char, 4> length_bytes{};
  auto [length_ec, length_read] =
      co_await asio::async_read(exchange->socket, asio::buffer(length_bytes), kAwait);
  if (length_ec) co_return classify(length_ec, exchange->timed_out, Stage::kReplyLength, target);
  const std::uint32_t length = read_u32_be(length_bytes.data());
  if (length == 0 || length > kMaxReplyBytes) {
    co_return TransferError{Kind::kBadReply, "reply path length " + std::to_string(length) +
                                                 " is not in 1.." + std::to_string(kMaxReplyBytes)};
  }
  std::string path(length, '\0');
  auto [path_ec, path_read] = co_await asio::async_read(exchange->socket, asio::buffer(path), kAwait);
  if (path_ec) co_return classify(path_ec, exchange->timed_out, Stage::kReplyPath, target);
  if (!is_clean_utf8(path)) co_return TransferError{Kind::kBadReply, "reply path is not clean UTF-8"};
  if (!is_absolute_remote_path(path)) {
    co_return TransferError{Kind::kBadReply, "reply path is not absolute: " + path.substr(0, 200)};
  }
  co_return path;
}

}  // namespace

std::string_view to_string(TransferError::Kind kind) {
  switch (kind) {
    case TransferError::Kind::kUnreachable:
      return "unreachable";
    case TransferError::Kind::kRefused:
      return "refused";
    case TransferError::Kind::kReset:
      return "reset";
    case TransferError::Kind::kTimeout:
      return "timeout";
    case TransferError::Kind::kBadReply:
      return "bad_reply";
    case TransferError::Kind::kRejected:
      return "rejected";
  }
  return "unknown";
}

std::chrono::milliseconds transfer_timeout(const Target& target, std::uint64_t size) {
  const std::uint64_t rate = std::max<std::uint64_t>(target.min_bytes_per_second, 1);
  return target.transfer_timeout_base +
         std::chrono::milliseconds(size / rate * 1000 + (size % rate) * 1000 / rate);
}

asio::awaitable<Result<std::string, TransferError>> send_file(asio::any_io_executor executor,
                                                              const Target& target, std::string_view basename,
                                                              std::string_view bytes) {
  using Kind = TransferError::Kind;
  if (basename.size() > kMaxWireNameBytes) {
    co_return TransferError{Kind::kRejected,
                            "basename is longer than " + std::to_string(kMaxWireNameBytes) + " bytes"};
  }
  if (target.token.size() > kMaxTokenBytes) {
    co_return TransferError{Kind::kRejected,
                            "token is longer than " + std::to_string(kMaxTokenBytes) + " bytes"};
  }
  auto exchange = std::make_shared<Exchange>(executor);
  auto result = co_await exchange_file(exchange, target, basename, bytes);
  disarm(*exchange);
  co_return result;
}

bool is_absolute_remote_path(std::string_view text) {
  if (text.starts_with('/')) return true;
  if (text.starts_with("\\\\")) return true;
  const bool drive = text.size() >= 3 && std::isalpha(static_cast<unsigned char>(text[0])) &&
                     text[1] == ':' && (text[2] == '\\' || text[2] == '/');
  return drive;
}

}  // namespace picbot::filesend
