#include "file_receiver/file_receiver.h"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>

#include "bot/core/logging.h"
#include "file_receiver/file_naming.h"
#include "file_receiver/test_support.h"

namespace picbot::filesend {
namespace {

namespace fs = std::filesystem;
using namespace test;
using ::testing::AnyOf;
using ::testing::IsEmpty;
using Kind = TransferError::Kind;

class FileReceiverTest : public ::testing::Test {
 protected:
  ReceiverOptions options() const {
    ReceiverOptions o;
    o.directory = dir_.path() / "inbox";
    o.max_size = 1024 * 1024;
    return o;
  }
  fs::path inbox() const { return dir_.path() / "inbox"; }

  ScopedTempDir dir_;
};

TEST_F(FileReceiverTest, RoundTripReturnsAbsolutePathUnderDir) {
  ReceiverHarness harness(options());
  const std::string bytes = random_bytes(300 * 1024);

  auto result = send_sync(local_target(harness.port()), "cat.png", bytes);

  ASSERT_TRUE(result.ok()) << result.error().message;
  const fs::path saved(*result);
  EXPECT_TRUE(saved.is_absolute());
  EXPECT_EQ(saved.parent_path(), inbox());
  EXPECT_TRUE(is_stored_name(saved.filename().string()));
  EXPECT_TRUE(saved.filename().string().ends_with("-cat.png"));
  EXPECT_EQ(read_file(saved), bytes);
  EXPECT_EQ(list_dir(inbox()), std::vector<std::string>{saved.filename().string()});  // no temp left
  auto record = harness.next_record();
  ASSERT_TRUE(record);
  EXPECT_EQ(record->result, "ok");
  EXPECT_EQ(record->size, bytes.size());
  EXPECT_EQ(record->path, *result);
}

TEST_F(FileReceiverTest, EmptyFileRoundTrips) {
  ReceiverHarness harness(options());
  auto result = send_sync(local_target(harness.port()), "empty.txt", "");
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(fs::file_size(*result), 0u);
}

class TraversalNameTest : public FileReceiverTest, public ::testing::WithParamInterface<std::string> {};

TEST_P(TraversalNameTest, HostileNameStaysInsideDir) {
  ReceiverHarness harness(options());
  auto result = send_sync(local_target(harness.port()), GetParam(), "payload");

  ASSERT_TRUE(result.ok()) << result.error().message;
  const fs::path saved(*result);
  EXPECT_EQ(saved.parent_path(), inbox());
  const std::string name = saved.filename().string();
  EXPECT_TRUE(is_stored_name(name)) << name;
  EXPECT_LE(name.size(), 255u);
  EXPECT_EQ(read_file(saved), "payload");
  EXPECT_EQ(list_dir(inbox()).size(), 1u);
  EXPECT_EQ(list_dir(dir_.path()), std::vector<std::string>{"inbox"});
}

INSTANTIATE_TEST_SUITE_P(Names, TraversalNameTest,
                         ::testing::Values("../../etc/passwd", ".bashrc", "a/b\\c", "",
                                           std::string(10 * 1024, 'n'), "..", "/abs/path.png",
                                           std::string("nul\0byte", 8)));

TEST_F(FileReceiverTest, TraversalNamesAreReducedToSafeBasenames) {
  ReceiverHarness harness(options());
  const std::pair<std::string, std::string> cases[] = {
      {"../../etc/passwd", "-passwd"}, {".bashrc", "-bashrc"}, {"a/b\\c", "-c"}, {"", "-file"}};
  for (const auto& [sent, suffix] : cases) {
    auto result = send_sync(local_target(harness.port()), sent, "x");
    ASSERT_TRUE(result.ok()) << result.error().message;
    EXPECT_TRUE(fs::path(*result).filename().string().ends_with(suffix)) << *result;
  }
}

TEST_F(FileReceiverTest, RightToLeftOverrideIsStrippedFromReceivedNames) {
  ReceiverHarness harness(options());
  auto result = send_sync(local_target(harness.port()), "photo\u202Egnp.exe", "x");
  ASSERT_TRUE(result.ok()) << result.error().message;
  const std::string name = fs::path(*result).filename().string();
  EXPECT_TRUE(name.ends_with("-photognp.exe")) << name;
  EXPECT_EQ(name.find("\u202E"), std::string::npos) << name;
}

TEST_F(FileReceiverTest, OversizeDeclaredSizeIsRefusedBeforeWriting) {
  auto o = options();
  o.max_size = 1024;
  ReceiverHarness harness(o);
  RawSocket raw(harness.port());
  ASSERT_TRUE(raw.connected());

  ASSERT_TRUE(raw.send_all(encode_header("big.bin", 1ull << 30) + std::string(100, 'x')));

  EXPECT_TRUE(raw.wait_closed_without_reply());
  auto record = harness.next_record();
  ASSERT_TRUE(record);
  EXPECT_EQ(record->result, "too_large");
  EXPECT_EQ(record->size, 1ull << 30);
  EXPECT_EQ(record->received, 0u);
  EXPECT_THAT(list_dir(inbox()), IsEmpty());
}

TEST_F(FileReceiverTest, ClientSeesOversizeRefusal) {
  auto o = options();
  o.max_size = 1024;
  ReceiverHarness harness(o);

  auto result = send_sync(local_target(harness.port()), "big.bin", std::string(4096, 'x'));

  ASSERT_FALSE(result.ok());
  EXPECT_THAT(result.error().kind, AnyOf(Kind::kRejected, Kind::kReset));
  ASSERT_TRUE(harness.next_record());
  EXPECT_THAT(list_dir(inbox()), IsEmpty());
}

TEST_F(FileReceiverTest, TruncatedStreamLeavesNoFile) {
  ReceiverHarness harness(options());
  {
    RawSocket raw(harness.port());
    ASSERT_TRUE(raw.connected());
    ASSERT_TRUE(raw.send_all(encode_header("cut.bin", 100000) + random_bytes(5000)));
  }  // closes after 5000 of 100000 bytes

  auto record = harness.next_record();
  ASSERT_TRUE(record);
  EXPECT_EQ(record->result, "truncated");
  EXPECT_EQ(record->received, 5000u);
  EXPECT_THAT(list_dir(inbox()), IsEmpty());
}

TEST_F(FileReceiverTest, SlowHeaderHitsHandshakeTimeout) {
  auto o = options();
  o.handshake_timeout = 300ms;
  ReceiverHarness harness(o);
  RawSocket raw(harness.port());
  ASSERT_TRUE(raw.connected());

  EXPECT_TRUE(raw.trickle(encode_header(std::string(200, 'h'), 10), 20ms));

  auto record = harness.next_record();
  ASSERT_TRUE(record);
  EXPECT_EQ(record->result, "handshake_timeout");
  EXPECT_THAT(list_dir(inbox()), IsEmpty());
}

TEST_F(FileReceiverTest, TricklingBodyHitsTotalTimeout) {
  auto o = options();
  o.idle_timeout = 5s;
  o.total_timeout = 500ms;
  ReceiverHarness harness(o);
  RawSocket raw(harness.port());
  ASSERT_TRUE(raw.connected());
  ASSERT_TRUE(raw.send_all(encode_header("slow.bin", 1000)));

  EXPECT_TRUE(raw.trickle(std::string(1000, 'b'), 20ms));

  auto record = harness.next_record();
  ASSERT_TRUE(record);
  EXPECT_EQ(record->result, "total_timeout");
  EXPECT_GT(record->received, 0u);
  EXPECT_THAT(list_dir(inbox()), IsEmpty());
}

TEST_F(FileReceiverTest, StalledBodyHitsIdleTimeout) {
  auto o = options();
  o.idle_timeout = 200ms;
  ReceiverHarness harness(o);
  RawSocket raw(harness.port());
  ASSERT_TRUE(raw.connected());
  ASSERT_TRUE(raw.send_all(encode_header("stall.bin", 1000) + "0123456789"));

  EXPECT_TRUE(raw.wait_closed_without_reply());
  auto record = harness.next_record();
  ASSERT_TRUE(record);
  EXPECT_EQ(record->result, "idle_timeout");
  EXPECT_EQ(record->received, 10u);
  EXPECT_THAT(list_dir(inbox()), IsEmpty());
}

TEST_F(FileReceiverTest, CleanupDeletesOnlyOwnExpiredFiles) {
  ManualClock clock(std::chrono::system_clock::now());
  auto o = options();
  o.ttl = std::chrono::minutes(15);
  ReceiverHarness harness(o, clock);
  auto sent = send_sync(local_target(harness.port()), "old.png", "image");
  ASSERT_TRUE(sent.ok()) << sent.error().message;
  ASSERT_TRUE(harness.next_record());
  const auto long_ago = fs::file_time_type::clock::now() - std::chrono::hours(48);
  const fs::path foreign = inbox() / "keep.txt";
  std::ofstream(foreign) << "not ours";
  fs::last_write_time(foreign, long_ago);
  const fs::path stale_spool = inbox() / make_spool_name(0x0123456789abcdefull);
  std::ofstream(stale_spool) << "partial";
  fs::last_write_time(stale_spool, long_ago);
  const fs::path look_alike_link = inbox() / "picbot-20200101-000000-0000abcd-link.png";
  fs::create_symlink(foreign, look_alike_link);
  const fs::path look_alike_dir = inbox() / "picbot-20200101-000000-0000abcd-dir";
  fs::create_directory(look_alike_dir);

  EXPECT_EQ(harness.receiver().cleanup_expired(), 1u);  // only the stale spool file
  EXPECT_TRUE(fs::exists(*sent));
  EXPECT_FALSE(fs::exists(stale_spool));

  clock.advance(std::chrono::minutes(16));
  EXPECT_EQ(harness.receiver().cleanup_expired(), 1u);
  EXPECT_FALSE(fs::exists(*sent));
  EXPECT_TRUE(fs::exists(foreign));
  EXPECT_TRUE(fs::is_symlink(look_alike_link));
  EXPECT_TRUE(fs::is_directory(look_alike_dir));
}

constexpr std::string_view kToken = "tok-3f9a7c1e5b2d";

TEST_F(FileReceiverTest, TokenReceiverAcceptsMatchingToken) {
  auto o = options();
  o.token = kToken;
  ReceiverHarness harness(o);
  auto result = send_sync(local_target(harness.port(), std::string(kToken)), "a.png", "data");
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(read_file(*result), "data");
}

TEST_F(FileReceiverTest, TokenReceiverRejectsWrongAndMissingToken) {
  auto o = options();
  o.token = kToken;
  ReceiverHarness harness(o);

  auto wrong = send_sync(local_target(harness.port(), "tok-wrong-value-0"), "a.png", "data");
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().kind, Kind::kRejected) << wrong.error().message;
  auto record = harness.next_record();
  ASSERT_TRUE(record);
  EXPECT_EQ(record->result, "bad_token");

  auto missing = send_sync(local_target(harness.port()), "a.png", "data");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, Kind::kRejected) << missing.error().message;
  record = harness.next_record();
  ASSERT_TRUE(record);
  EXPECT_EQ(record->result, "token_required");

  auto prefix = send_sync(local_target(harness.port(), std::string(kToken.substr(0, 8))), "a.png", "data");
  EXPECT_FALSE(prefix.ok());
  EXPECT_THAT(list_dir(inbox()), IsEmpty());
  for (const auto& line : log::recent(5000)) EXPECT_EQ(line.find(kToken), std::string::npos) << line;
}

TEST_F(FileReceiverTest, TokenlessReceiverIgnoresTokenPreamble) {
  ReceiverHarness harness(options());
  auto result = send_sync(local_target(harness.port(), "tok-unneeded-123"), "a.png", "data");
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(read_file(*result), "data");
}

TEST_F(FileReceiverTest, BadTokenPreambleLengthIsRefused) {
  ReceiverHarness harness(options());
  RawSocket raw(harness.port());
  std::string preamble;
  append_u32_be(preamble, kTokenPreambleMagic);
  append_u32_be(preamble, 1u << 20);
  ASSERT_TRUE(raw.send_all(preamble));
  EXPECT_TRUE(raw.wait_closed_without_reply());
  auto record = harness.next_record();
  ASSERT_TRUE(record);
  EXPECT_EQ(record->result, "bad_preamble");
}

TEST_F(FileReceiverTest, OverlongWireNameIsRefused) {
  ReceiverHarness harness(options());
  RawSocket raw(harness.port());
  std::string header;
  append_u32_be(header, kMaxWireNameBytes + 1);
  ASSERT_TRUE(raw.send_all(header));
  EXPECT_TRUE(raw.wait_closed_without_reply());
  auto record = harness.next_record();
  ASSERT_TRUE(record);
  EXPECT_EQ(record->result, "name_too_long");
}

// The original AstrBot client, byte for byte, over plain POSIX calls.
TEST_F(FileReceiverTest, RawSocketClientSpeaksOriginalProtocol) {
  ReceiverHarness harness(options());
  const std::string name = "图片.jpg";
  const std::string body = random_bytes(70000);

  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  timeval timeout{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(harness.port());
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  const auto write_all = [fd](const void* data, std::size_t size) {
    const char* p = static_cast<const char*>(data);
    while (size > 0) {
      const ssize_t n = ::write(fd, p, size);
      if (n <= 0) return false;
      p += n;
      size -= static_cast<std::size_t>(n);
    }
    return true;
  };
  const auto read_all = [fd](void* data, std::size_t size) {
    char* p = static_cast<char*>(data);
    while (size > 0) {
      const ssize_t n = ::read(fd, p, size);
      if (n <= 0) return false;
      p += n;
      size -= static_cast<std::size_t>(n);
    }
    return true;
  };
  const std::uint32_t name_length = htonl(static_cast<std::uint32_t>(name.size()));
  ASSERT_TRUE(write_all(&name_length, 4));  // struct.pack('>I', len(name))
  ASSERT_TRUE(write_all(name.data(), name.size()));
  const std::uint64_t size = body.size();
  const std::uint32_t size_words[2] = {htonl(static_cast<std::uint32_t>(size >> 32)),
                                       htonl(static_cast<std::uint32_t>(size))};
  ASSERT_TRUE(write_all(size_words, 8));  // struct.pack('>Q', size)
  ASSERT_TRUE(write_all(body.data(), body.size()));
  std::uint32_t reply_length = 0;
  ASSERT_TRUE(read_all(&reply_length, 4));
  std::string path(ntohl(reply_length), '\0');
  ASSERT_TRUE(read_all(path.data(), path.size()));
  char extra;
  EXPECT_EQ(::read(fd, &extra, 1), 0);  // the receiver closes after replying
  ::close(fd);

  EXPECT_EQ(fs::path(path).parent_path(), inbox());
  EXPECT_TRUE(path.ends_with("-图片.jpg")) << path;
  EXPECT_EQ(read_file(path), body);
}

TEST_F(FileReceiverTest, AllowListRefusesOtherPeers) {
  auto o = options();
  o.allow = {*IpNetwork::parse("10.0.0.0/8"), *IpNetwork::parse("fd00::/8")};
  ReceiverHarness harness(o);
  RawSocket raw(harness.port());
  ASSERT_TRUE(raw.connected());
  EXPECT_TRUE(raw.wait_closed_without_reply());
  auto record = harness.next_record();
  ASSERT_TRUE(record);
  EXPECT_EQ(record->result, "not_allowed");
}

TEST_F(FileReceiverTest, AllowListAdmitsListedPeers) {
  auto o = options();
  o.allow = {*IpNetwork::parse("10.0.0.0/8"), *IpNetwork::parse("127.0.0.0/8")};
  ReceiverHarness harness(o);
  auto result = send_sync(local_target(harness.port()), "ok.png", "data");
  EXPECT_TRUE(result.ok()) << result.error().message;
}

TEST_F(FileReceiverTest, ConnectionCapRefusesExtraConnections) {
  auto o = options();
  o.max_connections = 1;
  ReceiverHarness harness(o);
  RawSocket first(harness.port());
  ASSERT_TRUE(first.send_all(encode_header("first.bin", 10)));
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (harness.receiver().active_connections() < 1 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  ASSERT_EQ(harness.receiver().active_connections(), 1u);

  RawSocket second(harness.port());
  EXPECT_TRUE(second.wait_closed_without_reply());
  auto record = harness.next_record();
  ASSERT_TRUE(record);
  EXPECT_EQ(record->result, "too_many_connections");

  ASSERT_TRUE(first.send_all("0123456789"));
  auto reply_length = first.read_exact(4);
  ASSERT_TRUE(reply_length);
}

TEST_F(FileReceiverTest, StopClosesOpenConnectionsAndDiscardsPartialFiles) {
  auto harness = std::make_unique<ReceiverHarness>(options());
  RawSocket raw(harness->port());
  ASSERT_TRUE(raw.send_all(encode_header("open.bin", 1000) + "abc"));
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (harness->receiver().active_connections() < 1 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  harness.reset();
  EXPECT_TRUE(raw.wait_closed_without_reply());
  EXPECT_THAT(list_dir(inbox()), IsEmpty());
}

}  // namespace
}  // namespace picbot::filesend
