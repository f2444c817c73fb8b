#include "file_receiver/address_utils.h"

#include <gtest/gtest.h>

namespace picbot::filesend {
namespace {

namespace ip = boost::asio::ip;

TEST(IpNetworkTest, ParsesCidrAndBareAddresses) {
  EXPECT_EQ(IpNetwork::parse("10.0.0.0/8")->to_string(), "10.0.0.0/8");
  EXPECT_EQ(IpNetwork::parse("192.168.1.7")->to_string(), "192.168.1.7/32");
  EXPECT_EQ(IpNetwork::parse("fd00::/8")->to_string(), "fd00::/8");
  EXPECT_EQ(IpNetwork::parse("::1")->to_string(), "::1/128");
  for (const char* bad :
       {"", "10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/x", "host/8", "10.0.0/8", "/8"}) {
    EXPECT_FALSE(IpNetwork::parse(bad)) << bad;
  }
}

TEST(IpNetworkTest, ContainsMatchesPrefixBits) {
  const auto net = *IpNetwork::parse("172.16.0.0/12");
  EXPECT_TRUE(net.contains(ip::make_address("172.16.0.1")));
  EXPECT_TRUE(net.contains(ip::make_address("172.31.255.255")));
  EXPECT_FALSE(net.contains(ip::make_address("172.32.0.0")));
  EXPECT_TRUE(net.contains(ip::make_address("::ffff:172.20.1.1")));  // dual-stack peers
  EXPECT_FALSE(net.contains(ip::make_address("fd00::1")));

  const auto v6 = *IpNetwork::parse("fd00::/8");
  EXPECT_TRUE(v6.contains(ip::make_address("fd12:3456::1")));
  EXPECT_FALSE(v6.contains(ip::make_address("fe80::1")));
  EXPECT_FALSE(v6.contains(ip::make_address("10.0.0.1")));

  EXPECT_TRUE(IpNetwork::parse("0.0.0.0/0")->contains(ip::make_address("8.8.8.8")));
  EXPECT_TRUE(IpNetwork::parse("10.1.2.3")->contains(ip::make_address("10.1.2.3")));
  EXPECT_FALSE(IpNetwork::parse("10.1.2.3")->contains(ip::make_address("10.1.2.4")));
}

}  // namespace
}  // namespace picbot::filesend
