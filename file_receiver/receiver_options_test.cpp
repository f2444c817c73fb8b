#include "file_receiver/receiver_options.h"

#include <gtest/gtest.h>

#include <fstream>

#include "file_receiver/test_support.h"

namespace picbot::filesend {
namespace {

TEST(ParseSizeTest, AcceptsBytesAndUnits) {
  EXPECT_EQ(parse_size("1048576"), 1048576u);
  EXPECT_EQ(parse_size("64MiB"), 64u * 1024 * 1024);
  EXPECT_EQ(parse_size("64mib"), 64u * 1024 * 1024);
  EXPECT_EQ(parse_size("10MB"), 10'000'000u);
  EXPECT_EQ(parse_size("512KiB"), 512u * 1024);
  EXPECT_EQ(parse_size("2kb"), 2000u);
  EXPECT_EQ(parse_size("1GiB"), 1ull << 30);
  EXPECT_EQ(parse_size("3GB"), 3'000'000'000ull);
  EXPECT_EQ(parse_size("7B"), 7u);
}

TEST(ParseSizeTest, RejectsGarbageAndOverflow) {
  for (const char* bad :
       {"", "MiB", "-1", "1.5MiB", "10 MB", "10XB", "10M", "99999999999999999999", "20000000000GiB"}) {
    EXPECT_FALSE(parse_size(bad)) << bad;
  }
}

TEST(ParseListenTest, AcceptsAddressPortForms) {
  EXPECT_EQ(parse_listen("0.0.0.0:3658")->port(), 3658);
  EXPECT_EQ(parse_listen("127.0.0.1:0")->address().to_string(), "127.0.0.1");
  EXPECT_TRUE(parse_listen("[::]:3658")->address().is_v6());
  EXPECT_EQ(parse_listen("4000")->address().to_string(), "0.0.0.0");
  for (const char* bad : {"", "::1:80", "host:80", "1.2.3.4:", "1.2.3.4:70000", "[::1]80", "1.2.3.4:x"}) {
    EXPECT_FALSE(parse_listen(bad)) << bad;
  }
}

TEST(ParseReceiverArgsTest, ParsesEveryOption) {
  auto parsed = parse_receiver_args({"--listen",
                                     "127.0.0.1:0",
                                     "--dir",
                                     "/srv/pics",
                                     "--max-size",
                                     "10MB",
                                     "--ttl-minutes",
                                     "5",
                                     "--allow",
                                     "10.0.0.0/8",
                                     "--allow",
                                     "::1",
                                     "--token",
                                     "sekrit-token",
                                     "--max-connections",
                                     "4",
                                     "--handshake-timeout-seconds",
                                     "3",
                                     "--idle-timeout-seconds",
                                     "7",
                                     "--total-timeout-seconds",
                                     "60",
                                     "--log-level",
                                     "debug"});
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  const ReceiverOptions& o = parsed->options;
  EXPECT_EQ(parsed->action, ReceiverCommand::Action::kRun);
  EXPECT_EQ(o.listen.port(), 0);
  EXPECT_EQ(o.directory, "/srv/pics");
  EXPECT_EQ(o.max_size, 10'000'000u);
  EXPECT_EQ(o.ttl, std::chrono::minutes(5));
  ASSERT_EQ(o.allow.size(), 2u);
  EXPECT_EQ(o.token, "sekrit-token");
  EXPECT_EQ(o.max_connections, 4u);
  EXPECT_EQ(o.handshake_timeout, std::chrono::seconds(3));
  EXPECT_EQ(o.idle_timeout, std::chrono::seconds(7));
  EXPECT_EQ(o.total_timeout, std::chrono::seconds(60));
  EXPECT_EQ(o.log_level, "debug");
}

TEST(ParseReceiverArgsTest, DefaultsMatchTheDocs) {
  auto parsed = parse_receiver_args({"--dir", "/srv/pics"});
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->options.listen.port(), kDefaultPort);
  EXPECT_EQ(parsed->options.max_size, 64u * 1024 * 1024);
  EXPECT_EQ(parsed->options.ttl, std::chrono::minutes(15));
  EXPECT_TRUE(parsed->options.token.empty());
}

TEST(ParseReceiverArgsTest, HelpVersionAndErrors) {
  EXPECT_EQ(parse_receiver_args({"--help"})->action, ReceiverCommand::Action::kHelp);
  EXPECT_EQ(parse_receiver_args({"--version"})->action, ReceiverCommand::Action::kVersion);
  EXPECT_FALSE(parse_receiver_args({}).ok());
  EXPECT_FALSE(parse_receiver_args({"--dir"}).ok());
  EXPECT_FALSE(parse_receiver_args({"--dir", "/x", "--bogus", "1"}).ok());
  auto unknown = parse_receiver_args({"--bogus"});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().message, "unknown option --bogus");
  EXPECT_FALSE(parse_receiver_args({"--dir", "/x", "--allow", "nope"}).ok());
  EXPECT_FALSE(parse_receiver_args({"--dir", "/x", "--max-size", "0"}).ok());
  auto bad_token = parse_receiver_args({"--dir", "/x", "--token", std::string(2000, 's')});
  ASSERT_FALSE(bad_token.ok());
  EXPECT_EQ(bad_token.error().message.find("sss"), std::string::npos);
}

TEST(ParseReceiverArgsTest, ReadsTokenFile) {
  test::ScopedTempDir dir;
  const auto path = dir.path() / "token";
  std::ofstream(path) << "file-token-value\n";
  auto parsed = parse_receiver_args({"--dir", "/x", "--token-file", path.string()});
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->options.token, "file-token-value");
  EXPECT_FALSE(parse_receiver_args({"--dir", "/x", "--token-file", (dir.path() / "missing").string()}).ok());
}

}  // namespace
}  // namespace picbot::filesend
