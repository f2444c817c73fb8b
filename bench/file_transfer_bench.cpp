// file_transfer_bench: loopback throughput of FileReceiver (the code behind
// picbot-file-receiver) against a baseline sink that does the least a
// receiver can: read() the same request and write() it to a file, then reply
// with the path. The same POSIX client drives both; each sample is one whole
// transfer, connect to reply. Goal: receiver >= 80% of the baseline.
//
//   file_transfer_bench [--runs N] [--dir PATH] [--check]
//
// --check exits 1 when a size misses the goal. Besides the table it prints one
// machine-readable line per size for bench/run.sh:
//   RESULT receiver_ratio_<N>MB <percent> %
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "bot/core/logging.h"
#include "bot/core/worker_pool.h"
#include "file_receiver/file_receiver.h"
#include "file_send_client/protocol.h"

namespace {

namespace fs = std::filesystem;
using namespace picbot::filesend;

bool send_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
    if (n <= 0) return false;
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

bool recv_all(int fd, char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::recv(fd, data, size, 0);
    if (n <= 0) return false;
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

int listen_loopback(std::uint16_t* port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  ::listen(fd, 16);
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  *port = ntohs(address.sin_port);
  return fd;
}

// The baseline: one thread, blocking read() into a 256 KiB buffer, write() to
// a file named after the client's name, reply with the path. No checks, no
// temp file, no timeouts.
class BaselineSink {
 public:
  explicit BaselineSink(fs::path directory) : directory_(std::move(directory)) {
    listen_fd_ = listen_loopback(&port_);
    thread_ = std::thread([this] { serve(); });
  }
  ~BaselineSink() {
    ::shutdown(listen_fd_, SHUT_RDWR);
    thread_.join();
    ::close(listen_fd_);
  }
  std::uint16_t port() const { return port_; }

 private:
  void serve() {
    std::vector<char> buffer(256 * 1024);
    for (;;) {
      const int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) return;
      unsigned char word[8];
      if (recv_all(fd, reinterpret_cast<char*>(word), 4)) {
        std::string name(read_u32_be(word), '\0');
        if (recv_all(fd, name.data(), name.size()) && recv_all(fd, reinterpret_cast<char*>(word), 8)) {
          std::uint64_t remaining = read_u64_be(word);
          const std::string path = (directory_ / ("baseline-" + name)).string();
          const int out = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
          while (remaining > 0) {
            const ssize_t n = ::recv(fd, buffer.data(), std::min<std::uint64_t>(remaining, buffer.size()), 0);
            if (n <= 0) break;
            if (::write(out, buffer.data(), static_cast<std::size_t>(n)) != n) break;
            remaining -= static_cast<std::uint64_t>(n);
          }
          ::close(out);
          std::string reply;
          append_u32_be(reply, static_cast<std::uint32_t>(path.size()));
          reply += path;
          send_all(fd, reply.data(), reply.size());
        }
      }
      ::close(fd);
    }
  }

  fs::path directory_;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

// FileReceiver on its own io_context thread, as in picbot-file-receiver.
class ReceiverUnderTest {
 public:
  explicit ReceiverUnderTest(fs::path directory) {
    ReceiverOptions options;
    options.listen = boost::asio::ip::tcp::endpoint(boost::asio::ip::address_v4::loopback(), 0);
    options.directory = std::move(directory);
    options.max_size = 1ull << 30;
    receiver_ = std::make_unique<FileReceiver>(io_.get_executor(), options, pool_);
    auto bound = receiver_->listen();
    if (!bound) {
      std::fprintf(stderr, "receiver: %s\n", bound.error().message.c_str());
      std::exit(1);
    }
    port_ = bound->port();
    receiver_->start();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~ReceiverUnderTest() {
    boost::asio::post(io_, [this] { receiver_->stop(); });
    thread_.join();
  }
  std::uint16_t port() const { return port_; }

 private:
  boost::asio::io_context io_;
  picbot::WorkerPool pool_{2};
  std::unique_ptr<FileReceiver> receiver_;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

// One transfer with the original client's byte sequence; returns seconds
// from connect to reply, and deletes the file afterwards.
double transfer_seconds(std::uint16_t port, const std::string& body) {
  const auto start = std::chrono::steady_clock::now();
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  std::string header;
  append_u32_be(header, 9);
  header += "bench.bin";
  append_u64_be(header, body.size());
  unsigned char length[4];
  std::string path;
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
                  send_all(fd, header.data(), header.size()) && send_all(fd, body.data(), body.size()) &&
                  recv_all(fd, reinterpret_cast<char*>(length), 4) &&
                  (path.resize(read_u32_be(length)), recv_all(fd, path.data(), path.size()));
  ::close(fd);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!ok || fs::file_size(path) != body.size()) {
    std::fprintf(stderr, "transfer to port %u failed\n", port);
    std::exit(1);
  }
  fs::remove(path);
  return seconds;
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 15;
  bool check = false;
  fs::path directory;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--runs" && i + 1 < argc) {
      runs = std::max(1, std::atoi(argv[++i]));
    } else if (arg == "--dir" && i + 1 < argc) {
      directory = argv[++i];
    } else if (arg == "--check") {
      check = true;
    } else {
      std::fprintf(stderr, "usage: file_transfer_bench [--runs N] [--dir PATH] [--check]\n");
      return 2;
    }
  }
  std::string scratch;
  if (directory.empty()) {
    scratch = (fs::temp_directory_path() / "picbot-ftbench-XXXXXX").string();
    if (::mkdtemp(scratch.data()) == nullptr) return 1;
    directory = scratch;
  }
  picbot::log::set_level("warn");  // one info line per transfer would mix into the table

  bool goal_met = true;
  {
    BaselineSink baseline(directory);
    ReceiverUnderTest receiver(directory);
    std::mt19937_64 engine(42);
    std::vector<std::string> results;  // printed after the table
    std::printf("dir: %s, runs per size: %d (median of whole transfers, MB = 10^6 bytes)\n",
                directory.c_str(), runs);
    std::printf("%8s %16s %16s %8s\n", "size", "baseline MB/s", "receiver MB/s", "ratio");
    for (const std::size_t size : {std::size_t{2'000'000}, std::size_t{20'000'000}}) {
      std::string body(size, '\0');
      for (auto& c : body) c = static_cast<char>(engine());
      for (int i = 0; i < 2; ++i)
        transfer_seconds(baseline.port(), body), transfer_seconds(receiver.port(), body);
      std::vector<double> baseline_rates, receiver_rates;
      for (int i = 0; i < runs; ++i) {  // interleaved, so background load hits both alike
        baseline_rates.push_back(size / 1e6 / transfer_seconds(baseline.port(), body));
        receiver_rates.push_back(size / 1e6 / transfer_seconds(receiver.port(), body));
      }
      const double base = median(baseline_rates), ours = median(receiver_rates);
      const double ratio = ours / base;
      goal_met = goal_met && ratio >= 0.8;
      std::printf("%6zuMB %16.0f %16.0f %7.0f%%%s\n", size / 1'000'000, base, ours, ratio * 100,
                  ratio >= 0.8 ? "" : "  (below 80% goal)");
      results.push_back("RESULT receiver_ratio_" + std::to_string(size / 1'000'000) + "MB " +
                        std::to_string(ratio * 100) + " %");
    }
    for (const auto& line : results) std::printf("%s\n", line.c_str());
  }
  if (!scratch.empty()) fs::remove_all(scratch);
  return check && !goal_met ? 1 : 0;
}
