// Helpers for the file transfer tests: a receiver running on its own thread,
// a synchronous client call, and a plain POSIX socket that speaks the wire
// format by hand.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "bot/core/clock.h"
#include "bot/core/worker_pool.h"
#include "file_receiver/file_receiver.h"
#include "file_send_client/file_send_client.h"

namespace picbot::filesend::test {

using namespace std::chrono_literals;

// A fresh directory under the system temp dir, removed with its contents.
class ScopedTempDir {
 public:
  ScopedTempDir();
  ~ScopedTempDir();
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Runs a FileReceiver bound to 127.0.0.1:0 on a background io_context.
class ReceiverHarness {
 public:
  explicit ReceiverHarness(ReceiverOptions options, const Clock& clock = Clock::system());
  ~ReceiverHarness();

  std::uint16_t port() const { return port_; }
  FileReceiver& receiver() { return *receiver_; }

  // The next finished connection's record, or nullopt after timeout.
  std::optional<TransferRecord> next_record(std::chrono::milliseconds timeout = 10s);

 private:
  boost::asio::io_context io_;
  WorkerPool pool_{2};
  std::unique_ptr<FileReceiver> receiver_;
  std::uint16_t port_ = 0;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<TransferRecord> records_;
  std::thread thread_;
};

// Runs send_file on a private io_context and returns its result.
Result<std::string, TransferError> send_sync(const Target& target, std::string_view basename,
                                             std::string_view bytes);

Target local_target(std::uint16_t port, std::string token = "");

// A blocking POSIX TCP client (no Asio). Reads give up after 10 s.
class RawSocket {
 public:
  explicit RawSocket(std::uint16_t port);  // connects to 127.0.0.1:port
  ~RawSocket();
  RawSocket(const RawSocket&) = delete;
  RawSocket& operator=(const RawSocket&) = delete;

  int fd() const { return fd_; }
  bool connected() const { return fd_ >= 0; }
  // False when the peer has gone.
  bool send_all(std::string_view data);
  std::optional<std::string> read_exact(std::size_t size);
  // True when the peer closes (EOF or reset) within timeout without sending
  // any byte.
  bool wait_closed_without_reply(std::chrono::milliseconds timeout = 10s);
  // Sends data one byte at a time, interval apart, until done or the peer
  // closes. Returns true when the peer closed first.
  bool trickle(std::string_view data, std::chrono::milliseconds interval);
  void close();

 private:
  int fd_ = -1;
};

// An original-protocol request: [u32 len][name][u64 size][body].
std::string encode_request(std::string_view name, std::string_view body);
std::string encode_header(std::string_view name, std::uint64_t size);
std::string encode_token_preamble(std::string_view token);

std::vector<std::string> list_dir(const std::filesystem::path& directory);
std::string read_file(const std::filesystem::path& path);
std::string random_bytes(std::size_t size);

}  // namespace picbot::filesend::test
