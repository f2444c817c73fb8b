#include "file_receiver/test_support.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>

namespace picbot::filesend::test {
namespace {

// A test writing to a socket the receiver closed must see EPIPE, not die.
[[maybe_unused]] const bool kSigpipeIgnored = [] {
  std::signal(SIGPIPE, SIG_IGN);
  return true;
}();

}  // namespace

ScopedTempDir::ScopedTempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "picbot-fsc-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) std::abort();
  path_ = std::filesystem::canonical(pattern);
}

ScopedTempDir::~ScopedTempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

ReceiverHarness::ReceiverHarness(ReceiverOptions options, const Clock& clock) {
  options.listen = boost::asio::ip::tcp::endpoint(boost::asio::ip::address_v4::loopback(), 0);
  receiver_ = std::make_unique<FileReceiver>(io_.get_executor(), std::move(options), pool_, clock);
  receiver_->set_observer([this](const TransferRecord& record) {
    std::lock_guard lock(mutex_);
    records_.push_back(record);
    changed_.notify_all();
  });
  auto bound = receiver_->listen();
  if (!bound) std::abort();
  port_ = bound->port();
  receiver_->start();
  thread_ = std::thread([this] { io_.run(); });
}

ReceiverHarness::~ReceiverHarness() {
  boost::asio::post(io_, [this] { receiver_->stop(); });
  thread_.join();
  receiver_.reset();
  pool_.stop();
}

std::optional<TransferRecord> ReceiverHarness::next_record(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  if (!changed_.wait_for(lock, timeout, [this] { return !records_.empty(); })) return std::nullopt;
  TransferRecord record = std::move(records_.front());
  records_.pop_front();
  return record;
}

Result<std::string, TransferError> send_sync(const Target& target, std::string_view basename,
                                             std::string_view bytes) {
  boost::asio::io_context io;
  std::optional<Result<std::string, TransferError>> result;
  // Result has no default constructor, which co_spawn's completion needs.
  boost::asio::co_spawn(
      io,
      [&]() -> boost::asio::awaitable<void> {
        result.emplace(co_await send_file(io.get_executor(), target, basename, bytes));
      },
      [](std::exception_ptr error) {
        if (error) std::rethrow_exception(error);
      });
  io.run();
  return std::move(*result);
}

Target local_target(std::uint16_t port, std::string token) {
  Target target;
  target.host = "127.0.0.1";
  target.port = port;
  target.token = std::move(token);
  return target;
}

RawSocket::RawSocket(std::uint16_t port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval read_timeout{10, 0};
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &read_timeout, sizeof read_timeout);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) close();
}

RawSocket::~RawSocket() { close(); }

void RawSocket::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool RawSocket::send_all(std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

std::optional<std::string> RawSocket::read_exact(std::size_t size) {
  std::string out(size, '\0');
  std::size_t filled = 0;
  while (filled < size) {
    const ssize_t n = ::recv(fd_, out.data() + filled, size - filled, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return std::nullopt;
    filled += static_cast<std::size_t>(n);
  }
  return out;
}

bool RawSocket::wait_closed_without_reply(std::chrono::milliseconds timeout) {
  pollfd poll_fd{fd_, POLLIN, 0};
  if (::poll(&poll_fd, 1, static_cast<int>(timeout.count())) <= 0) return false;
  char byte;
  const ssize_t n = ::recv(fd_, &byte, 1, MSG_DONTWAIT);
  return n == 0 || (n < 0 && (errno == ECONNRESET || errno == EPIPE));
}

bool RawSocket::trickle(std::string_view data, std::chrono::milliseconds interval) {
  for (char byte : data) {
    if (!send_all(std::string_view(&byte, 1))) return true;
    // Waiting on the socket, not sleeping: a close ends the wait at once.
    pollfd poll_fd{fd_, POLLIN, 0};
    if (::poll(&poll_fd, 1, static_cast<int>(interval.count())) > 0) return true;
  }
  return false;
}

std::string encode_header(std::string_view name, std::uint64_t size) {
  std::string out;
  append_u32_be(out, static_cast<std::uint32_t>(name.size()));
  out.append(name);
  append_u64_be(out, size);
  return out;
}

std::string encode_request(std::string_view name, std::string_view body) {
  return encode_header(name, body.size()) + std::string(body);
}

std::string encode_token_preamble(std::string_view token) {
  std::string out;
  append_u32_be(out, kTokenPreambleMagic);
  append_u32_be(out, static_cast<std::uint32_t>(token.size()));
  out.append(token);
  return out;
}

std::vector<std::string> list_dir(const std::filesystem::path& directory) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(directory)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

std::string random_bytes(std::size_t size) {
  std::mt19937_64 engine(size);
  std::string out(size, '\0');
  for (auto& c : out) c = static_cast<char>(engine());
  return out;
}

}  // namespace picbot::filesend::test
