// FileReceiver: the server side of the NapCat file transfer protocol, run next
// to NapCat by picbot-file-receiver (and in-process by tests and benchmarks).
// Accepts connections (allow-list and connection cap checked on accept),
// hands each to a ReceiverConnection, logs one line per transfer, and deletes
// its own files once they are older than the TTL.
//
// Threading: construct, listen(), start(), stop() and the observer all run on
// the executor's thread. cleanup_expired() and active_connections() may be
// called from any thread. REQUIRES: pool and clock outlive the receiver, and
// the receiver outlives the executor's run loop.
#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <filesystem>
#include <functional>
#include <memory>
#include <unordered_set>

#include "bot/core/clock.h"
#include "bot/core/result.h"
#include "bot/core/worker_pool.h"
#include "bot/net/accept_pacer.h"
#include "file_receiver/receiver_connection.h"
#include "file_receiver/receiver_options.h"

namespace picbot::filesend {

class FileReceiver {
 public:
  using Observer = std::function<void(const TransferRecord&)>;

  FileReceiver(boost::asio::any_io_executor executor, ReceiverOptions options, WorkerPool& pool,
               const Clock& clock = Clock::system());
  ~FileReceiver();
  FileReceiver(const FileReceiver&) = delete;
  FileReceiver& operator=(const FileReceiver&) = delete;

  // Creates the directory if needed and binds the listening socket. Returns
  // the bound endpoint (the real port when options.listen had port 0) and
  // logs "listening on <addr>:<port>". Error codes "bad_dir", "listen".
  Result<boost::asio::ip::tcp::endpoint> listen();

  // Starts accepting and the periodic TTL cleanup. REQUIRES: listen() ok.
  void start();

  // Stops accepting, closes every connection (their files are discarded) and
  // the cleanup timer. Idempotent. The run loop then runs out of work.
  void stop();

  // Called after every connection ends, including refusals at accept.
  // REQUIRES: set before start().
  void set_observer(Observer observer) { observer_ = std::move(observer); }

  // Deletes regular files in the directory that this receiver names
  // (is_stored_name) and whose modification time is at least the TTL before
  // clock.now(); abandoned spool files after max(TTL, total timeout). Other
  // files, symlinks and directories are never touched. Blocking (disk).
  // Returns how many files were deleted.
  std::size_t cleanup_expired() const;

  std::size_t active_connections() const { return active_.load(); }

  // Canonical absolute directory; valid after listen() succeeded.
  const std::filesystem::path& directory() const { return context_.directory; }

 private:
  boost::asio::awaitable<void> accept_loop();
  boost::asio::awaitable<void> cleanup_loop();
  boost::asio::awaitable<void> serve(boost::asio::ip::tcp::socket socket, std::string peer);
  bool allowed(const boost::asio::ip::address& address) const;
  void finish(const TransferRecord& record);

  boost::asio::any_io_executor executor_;
  ReceiverOptions options_;
  ReceiverContext context_;
  boost::asio::ip::tcp::acceptor acceptor_;
  net::AcceptPacer accept_pacer_;  // out of descriptors: pause, do not spin
  boost::asio::steady_timer cleanup_timer_;
  std::unordered_set<std::shared_ptr<ReceiverConnection>> connections_;
  std::atomic<std::size_t> active_{0};
  Observer observer_;
  bool stopped_ = false;
};

}  // namespace picbot::filesend
