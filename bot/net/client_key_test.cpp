#include "bot/net/client_key.h"

#include <gtest/gtest.h>

namespace picbot::net {
namespace {
namespace ip = boost::asio::ip;

TEST(ClientKey, AnIpv4AddressIsItself) { EXPECT_EQ(client_key(ip::make_address("192.0.2.7")), "192.0.2.7"); }

TEST(ClientKey, AnIpv4MappedAddressFoldsToIpv4) {
  EXPECT_EQ(client_key(ip::make_address("::ffff:192.0.2.7")), "192.0.2.7");
}

TEST(ClientKey, AnIpv6AddressCountsByItsSlash64) {
  EXPECT_EQ(client_key(ip::make_address("2001:db8:1:2:aaaa:bbbb:cccc:dddd")), "2001:db8:1:2::/64");
  EXPECT_EQ(client_key(ip::make_address("2001:db8:1:2::1")),
            client_key(ip::make_address("2001:db8:1:2:ffff::9")));
  EXPECT_NE(client_key(ip::make_address("2001:db8:1:2::1")), client_key(ip::make_address("2001:db8:1:3::1")));
  EXPECT_EQ(client_key(ip::make_address("::1")), "::/64");
}

TEST(ClientKey, PeerTextBracketsIpv6SoThePortStaysApart) {
  EXPECT_EQ(peer_text({ip::make_address("192.0.2.7"), 5678}), "192.0.2.7:5678");
  EXPECT_EQ(peer_text({ip::make_address("::1"), 5678}), "[::1]:5678");
  EXPECT_EQ(peer_text({ip::make_address("::ffff:192.0.2.7"), 5678}), "192.0.2.7:5678");
}

TEST(ClientKey, ParsePeerAddressReadsWhatPeerTextWrites) {
  for (const char* text : {"192.0.2.7", "2001:db8::1", "::1"}) {
    const auto address = ip::make_address(text);
    EXPECT_EQ(parse_peer_address(peer_text({address, 443})), address) << text;
    EXPECT_EQ(parse_peer_address(text), address) << "a bare address: " << text;
  }
  EXPECT_EQ(parse_peer_address("[::1"), std::nullopt);
  EXPECT_EQ(parse_peer_address("host:80"), std::nullopt);
  EXPECT_EQ(parse_peer_address(""), std::nullopt);
}

}  // namespace
}  // namespace picbot::net
