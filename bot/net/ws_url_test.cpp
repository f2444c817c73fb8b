#include "bot/net/ws_url.h"

#include <gtest/gtest.h>

namespace picbot::net {
namespace {

TEST(WsUrl, ParsesPlainAndTls) {
  auto plain = WsUrl::parse("ws://127.0.0.1:3001/");
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(plain->tls);
  EXPECT_EQ(plain->host, "127.0.0.1");
  EXPECT_EQ(plain->port, 3001);
  EXPECT_EQ(plain->target, "/");

  auto tls = WsUrl::parse("wss://napcat.example.com/event?access_token=x");
  ASSERT_TRUE(tls.ok());
  EXPECT_TRUE(tls->tls);
  EXPECT_EQ(tls->port, 443);
  EXPECT_EQ(tls->target, "/event?access_token=x");
}

TEST(WsUrl, ParsesIpv6AndBareQuery) {
  auto v6 = WsUrl::parse("ws://[::1]:3001?a=b");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->target, "/?a=b");
}

TEST(WsUrl, RejectsBadInput) {
  EXPECT_FALSE(WsUrl::parse("http://host/").ok());
  EXPECT_FALSE(WsUrl::parse("ws://:80/").ok());
  EXPECT_FALSE(WsUrl::parse("ws://host:99999/").ok());
  EXPECT_FALSE(WsUrl::parse("ws://[::1/").ok());
}

}  // namespace
}  // namespace picbot::net
