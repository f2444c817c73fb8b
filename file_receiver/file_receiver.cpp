#include "file_receiver/file_receiver.h"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "bot/core/logging.h"
#include "file_receiver/address_utils.h"
#include "file_receiver/file_naming.h"

namespace picbot::filesend {
namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using tcp = asio::ip::tcp;
constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);

std::string endpoint_text(const tcp::endpoint& endpoint) {
  const auto address = unmap_v4(endpoint.address());
  const std::string host = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
  return host + ":" + std::to_string(endpoint.port());
}

std::shared_ptr<spdlog::logger> logger() { return log::get("file_receiver"); }

}  // namespace

FileReceiver::FileReceiver(asio::any_io_executor executor, ReceiverOptions options, WorkerPool& pool,
                           const Clock& clock)
    : executor_(executor),
      options_(std::move(options)),
      context_{options_, {}, pool, clock},
      acceptor_(executor),
      accept_pacer_("listen", logger(), clock),
      cleanup_timer_(executor) {}

FileReceiver::~FileReceiver() = default;

Result<tcp::endpoint> FileReceiver::listen() {
  std::error_code fs_error;
  fs::create_directories(options_.directory, fs_error);
  fs::path directory = fs::canonical(options_.directory, fs_error);
  if (fs_error || !fs::is_directory(directory)) {
    return Error::make("bad_dir",
                       "cannot use directory " + options_.directory.string() + ": " + fs_error.message());
  }
  context_.directory = std::move(directory);

  boost::system::error_code ec;
  acceptor_.open(options_.listen.protocol(), ec);
  if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_.bind(options_.listen, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Error::make("listen", "cannot listen on " + endpoint_text(options_.listen) + ": " + ec.message());
  }
  const tcp::endpoint bound = acceptor_.local_endpoint();
  logger()->info("listening on {} dir={} max_size={} ttl={}min token={} allow={} max_connections={}",
                 endpoint_text(bound), context_.directory.string(), options_.max_size, options_.ttl.count(),
                 options_.token.empty() ? "off" : "required", options_.allow.empty() ? "any" : "list",
                 options_.max_connections);
  return bound;
}

void FileReceiver::start() {
  asio::co_spawn(executor_, accept_loop(), asio::detached);
  asio::co_spawn(executor_, cleanup_loop(), asio::detached);
}

void FileReceiver::stop() {
  if (stopped_) return;
  stopped_ = true;
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  cleanup_timer_.cancel();
  for (const auto& connection : connections_) connection->stop();
  logger()->info("stopping: {} connection(s) closed", connections_.size());
}

asio::awaitable<void> FileReceiver::accept_loop() {
  while (!stopped_) {
    auto [ec, socket] = co_await acceptor_.async_accept(kAwait);
    if (stopped_) co_return;
    if (ec) {
      co_await accept_pacer_.after_failure(ec);
      continue;
    }
    accept_pacer_.after_success();
    boost::system::error_code peer_error;
    const tcp::endpoint peer_endpoint = socket.remote_endpoint(peer_error);
    if (peer_error) continue;  // already gone
    TransferRecord refusal;
    refusal.peer = endpoint_text(peer_endpoint);
    if (!allowed(peer_endpoint.address())) {
      refusal.result = "not_allowed";
      refusal.detail = "peer is not in --allow";
    } else if (active_.load() >= options_.max_connections) {
      refusal.result = "too_many_connections";
      refusal.detail = "limit " + std::to_string(options_.max_connections);
    } else {
      asio::co_spawn(executor_, serve(std::move(socket), std::move(refusal.peer)), asio::detached);
      continue;
    }
    socket.close(peer_error);
    finish(refusal);
  }
}

asio::awaitable<void> FileReceiver::serve(tcp::socket socket, std::string peer) {
  auto connection = std::make_shared<ReceiverConnection>(std::move(socket), std::move(peer), context_);
  connections_.insert(connection);
  ++active_;
  const TransferRecord record = co_await connection->run();
  connections_.erase(connection);
  --active_;
  finish(record);
}

asio::awaitable<void> FileReceiver::cleanup_loop() {
  const auto interval = std::clamp<std::chrono::milliseconds>(options_.ttl / 4, std::chrono::seconds(1),
                                                              std::chrono::seconds(60));
  while (!stopped_) {
    cleanup_timer_.expires_after(interval);
    auto [ec] = co_await cleanup_timer_.async_wait(kAwait);
    if (ec || stopped_) co_return;
    try {
      co_await context_.pool.run([this] { return cleanup_expired(); });
    } catch (const std::exception& e) {
      logger()->error("cleanup failed: {}", e.what());
    }
  }
}

std::size_t FileReceiver::cleanup_expired() const {
  const auto now = context_.clock.now();
  const auto spool_limit =
      std::max<std::chrono::system_clock::duration>(options_.ttl, options_.total_timeout);
  std::size_t removed = 0;
  std::error_code ec;
  for (fs::directory_iterator it(context_.directory, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path& path = it->path();
    const std::string name = path.filename().string();
    const bool stored = is_stored_name(name);
    if (!stored && !is_spool_name(name)) continue;
    std::error_code entry_error;
    if (fs::symlink_status(path, entry_error).type() != fs::file_type::regular) continue;
    const auto modified = fs::last_write_time(path, entry_error);
    if (entry_error) continue;
    const auto age = now - std::chrono::file_clock::to_sys(modified);
    if (age < (stored ? std::chrono::system_clock::duration(options_.ttl) : spool_limit)) continue;
    if (fs::remove(path, entry_error)) {
      ++removed;
      logger()->debug("deleted expired {}", name);
    } else if (entry_error) {
      logger()->warn("cannot delete expired {}: {}", name, entry_error.message());
    }
  }
  if (ec) logger()->warn("cannot scan {}: {}", context_.directory.string(), ec.message());
  if (removed > 0) logger()->info("deleted {} expired file(s)", removed);
  return removed;
}

bool FileReceiver::allowed(const asio::ip::address& address) const {
  if (options_.allow.empty()) return true;
  return std::any_of(options_.allow.begin(), options_.allow.end(),
                     [&](const IpNetwork& network) { return network.contains(address); });
}

void FileReceiver::finish(const TransferRecord& record) {
  if (record.ok()) {
    logger()->info("transfer peer={} name=\"{}\" size={} ms={} result=ok path={}", record.peer,
                   log::truncate(record.name, 120), record.size, record.elapsed.count(), record.path);
  } else {
    logger()->warn("transfer peer={} name=\"{}\" size={} received={} ms={} result={} ({})", record.peer,
                   log::truncate(record.name, 120), record.size, record.received, record.elapsed.count(),
                   record.result, record.detail);
  }
  if (observer_) observer_(record);
}

}  // namespace picbot::filesend
