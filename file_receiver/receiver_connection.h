// ReceiverConnection: one client of picbot-file-receiver, from accept to the
// reply. Reads the optional token preamble, the name and the declared size,
// refuses before touching the disk when the size is over the limit, spools the
// body to a hidden temporary file through the WorkerPool, renames it into
// place and replies with its absolute path. Any refusal or failure closes the
// connection without a reply and leaves no file behind. A watchdog enforces
// the handshake, idle and total timeouts. Lives on one executor; not
// thread-safe.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bot/core/clock.h"
#include "bot/core/result.h"
#include "bot/core/worker_pool.h"
#include "file_receiver/receiver_options.h"
#include "file_receiver/spool_file.h"

namespace picbot::filesend {

// What happened to one connection; logged and passed to observers.
struct TransferRecord {
  std::string peer;            // "203.0.113.5:40122"
  std::string name;            // sanitised client name; empty if it never arrived
  std::uint64_t size = 0;      // declared size
  std::uint64_t received = 0;  // body bytes received
  std::chrono::milliseconds elapsed{0};
  // "ok", or why not: not_allowed, too_many_connections, token_required,
  // bad_token, bad_preamble, name_too_long, too_large, truncated,
  // handshake_timeout, idle_timeout, total_timeout, disk, io, stopped.
  std::string result;
  std::string detail;  // human-readable; never holds the token
  std::string path;    // where the file was saved, when ok
  bool ok() const { return result == "ok"; }
};

// Shared, read-only state every connection needs. REQUIRES: outlives them.
struct ReceiverContext {
  const ReceiverOptions& options;
  std::filesystem::path directory;  // absolute, canonical
  WorkerPool& pool;
  const Clock& clock;
};

class ReceiverConnection : public std::enable_shared_from_this<ReceiverConnection> {
 public:
  ReceiverConnection(boost::asio::ip::tcp::socket socket, std::string peer, const ReceiverContext& context);

  // Runs the exchange to its end and closes the socket. Never throws. Call
  // once, on a shared_ptr-owned connection.
  boost::asio::awaitable<TransferRecord> run();

  // Closes the connection; run() finishes with result "stopped".
  void stop() { abort("stopped", "receiver is shutting down"); }

 private:
  enum class Phase { kHandshake, kBody, kReply };

  boost::asio::awaitable<Result<std::string>> exchange();
  boost::asio::awaitable<Result<std::uint32_t>> read_token_and_name_length();
  boost::asio::awaitable<Status> read_exact(void* data, std::size_t size);
  boost::asio::awaitable<Status> receive_body(std::uint64_t size);
  boost::asio::awaitable<Status> fill_chunk(std::vector<char>& chunk, std::size_t count);
  // Appends data on the WorkerPool; the last chunk also renames the file into
  // place (saved_path_).
  boost::asio::awaitable<Status> write_chunk(std::string_view data, bool last);
  // WorkerPool side of write_chunk() and commit(): creates the spool file on
  // first use, appends, and commits when final_name is given.
  Status store(std::string_view data, const std::string* final_name);
  std::string stored_name() const;
  boost::asio::awaitable<Result<std::filesystem::path>> commit();
  boost::asio::awaitable<Status> send_reply(const std::string& path);
  Error read_error(const boost::system::error_code& ec) const;

  std::chrono::steady_clock::time_point deadline() const;
  void arm_watchdog();
  void abort(std::string reason, std::string detail);

  boost::asio::ip::tcp::socket socket_;
  const ReceiverContext& context_;
  boost::asio::steady_timer watchdog_;
  std::optional<SpoolFile> spool_;  // touched only inside WorkerPool::run
  std::optional<std::filesystem::path> saved_path_;
  TransferRecord record_;
  Phase phase_ = Phase::kHandshake;
  std::chrono::steady_clock::time_point started_;
  std::chrono::steady_clock::time_point last_progress_;
  std::string abort_reason_;  // set when the watchdog or stop() closed the socket
  std::string abort_detail_;
  bool finished_ = false;
};

}  // namespace picbot::filesend
