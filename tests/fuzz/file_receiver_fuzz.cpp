// Fuzz target: the bytes a client sends to picbot-file-receiver (token
// preamble, name, size, body), fed to a real ReceiverConnection over a local
// socket pair, with and without a configured token.
// Invariants: the connection always ends; it replies exactly when the
// transfer is "ok", with the path of a file inside the directory that holds
// exactly the declared size; a refused or cut-off transfer leaves no file
// (not even a spool file); with a token configured nothing is stored without
// it; sanitize_basename always returns a safe, non-empty basename.
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "bot/core/clock.h"
#include "bot/core/logging.h"
#include "bot/core/worker_pool.h"
#include "file_receiver/file_naming.h"
#include "file_receiver/receiver_connection.h"
#include "file_send_client/protocol.h"
#include "tests/fuzz/fuzz_check.h"

namespace asio = boost::asio;
using namespace picbot;
using namespace picbot::filesend;

namespace {

constexpr std::string_view kToken = "fuzz-token-0123456789";

struct Harness {
  Harness() {
    std::string pattern = (std::filesystem::temp_directory_path() / "picbot-fuzz-receiver-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) std::abort();
    directory = std::filesystem::canonical(pattern);
    open.max_size = 64 * 1024;  // bigger bodies only repeat the same code path
    open.directory = directory;
    guarded = open;
    guarded.token = std::string(kToken);
  }
  std::filesystem::path directory;
  ReceiverOptions open, guarded;
  asio::io_context io;
  WorkerPool pool{1};
};

Harness& harness() {
  // Never destroyed (its threads may still run when libFuzzer exits); its
  // directory is removed at exit() instead, so runs leave nothing in /tmp.
  static Harness* h = [] {
    auto* made = new Harness();
    std::atexit([] {
      std::error_code ignored;
      std::filesystem::remove_all(harness().directory, ignored);
    });
    return made;
  }();
  return *h;
}

void check_name(std::string_view raw) {
  const std::string name = sanitize_basename(raw);
  FUZZ_CHECK(!name.empty());
  FUZZ_CHECK(name.size() <= kMaxSanitizedNameBytes);
  FUZZ_CHECK(name.find('/') == std::string::npos && name.find('\\') == std::string::npos);
  FUZZ_CHECK(name.front() != '.' && name.front() != ' ');
  FUZZ_CHECK(std::filesystem::path(name).filename() == name);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool quiet = [] {
    log::set_level("off");
    return true;
  }();
  (void)quiet;
  Harness& h = harness();
  if (size == 0) return 0;
  // The first byte picks the receiver configuration; the rest is the stream.
  const bool with_token = (data[0] & 1) != 0;
  const std::string_view stream(reinterpret_cast<const char*>(data) + 1, size - 1);
  check_name(stream);

  int fds[2];
  FUZZ_CHECK(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
  std::string reply;
  std::thread client([&, fd = fds[1]] {
    std::size_t sent = 0;
    while (sent < stream.size()) {
      const ssize_t n = ::send(fd, stream.data() + sent, stream.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) break;  // the receiver refused and closed
      sent += static_cast<std::size_t>(n);
    }
    ::shutdown(fd, SHUT_WR);
    char buffer[4096];
    for (ssize_t n; (n = ::recv(fd, buffer, sizeof buffer, 0)) > 0;)
      reply.append(buffer, static_cast<std::size_t>(n));
    ::close(fd);
  });

  const ReceiverContext context{with_token ? h.guarded : h.open, h.directory, h.pool, Clock::system()};
  asio::ip::tcp::socket socket(h.io);
  socket.assign(asio::ip::tcp::v4(), fds[0]);
  auto connection = std::make_shared<ReceiverConnection>(std::move(socket), "fuzz", context);
  std::optional<TransferRecord> record;
  asio::co_spawn(h.io, connection->run(), [&](std::exception_ptr error, TransferRecord result) {
    FUZZ_CHECK(!error);
    record = std::move(result);
  });
  h.io.restart();
  h.io.run();
  client.join();
  FUZZ_CHECK(record.has_value());

  std::size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(h.directory)) {
    ++files;
    FUZZ_CHECK(record->ok());
    FUZZ_CHECK(is_stored_name(entry.path().filename().string()));
  }
  if (!record->ok()) {
    FUZZ_CHECK(reply.empty());
    FUZZ_CHECK(record->path.empty());
    if (with_token && stream.size() >= 4) {
      // Without the preamble magic nothing gets past the token check.
      const auto* bytes = reinterpret_cast<const unsigned char*>(stream.data());
      if (read_u32_be(bytes) != kTokenPreambleMagic) FUZZ_CHECK(record->result == "token_required");
    }
    return 0;
  }
  FUZZ_CHECK(files == 1);
  FUZZ_CHECK(record->received == record->size);
  FUZZ_CHECK(record->size <= context.options.max_size);
  const std::filesystem::path path(record->path);
  FUZZ_CHECK(path.parent_path() == h.directory);
  FUZZ_CHECK(std::filesystem::file_size(path) == record->size);
  std::string expected_reply;
  append_u32_be(expected_reply, static_cast<std::uint32_t>(record->path.size()));
  expected_reply += record->path;
  FUZZ_CHECK(reply == expected_reply);
  std::filesystem::remove(path);
  return 0;
}
