// client_key: the key per-client limits (login attempts, connections per
// client, refused-request log lines) count a peer under. A peer's port never
// counts: every new connection has a fresh one.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace picbot::net {

// An IPv4 address as is ("192.0.2.7"); an IPv4-mapped IPv6 address as its
// IPv4 form; any other IPv6 address by its /64 ("2001:db8:1:2::/64"), since
// one host usually holds a whole /64 and could otherwise pick a fresh
// address per attempt.
std::string client_key(const boost::asio::ip::address& address);

// A peer for log lines and HttpRequest::remote: "192.0.2.7:5678",
// "[2001:db8::1]:5678" (IPv4-mapped addresses as IPv4).
std::string peer_text(const boost::asio::ip::tcp::endpoint& endpoint);

// The address in a peer_text() string, or in a bare address; nullopt when
// it holds neither.
std::optional<boost::asio::ip::address> parse_peer_address(std::string_view peer);

}  // namespace picbot::net
