#include "bot/net/client_key.h"

#include <algorithm>

namespace picbot::net {
namespace ip = boost::asio::ip;

std::string client_key(const ip::address& address) {
  if (address.is_v4()) return address.to_string();
  const ip::address_v6 v6 = address.to_v6();
  if (v6.is_v4_mapped()) return ip::make_address_v4(ip::v4_mapped, v6).to_string();
  ip::address_v6::bytes_type bytes = v6.to_bytes();
  std::fill(bytes.begin() + 8, bytes.end(), 0);
  return ip::address_v6(bytes).to_string() + "/64";
}

std::string peer_text(const ip::tcp::endpoint& endpoint) {
  ip::address address = endpoint.address();
  if (address.is_v6() && address.to_v6().is_v4_mapped())
    address = ip::make_address_v4(ip::v4_mapped, address.to_v6());
  const std::string host = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
  return host + ":" + std::to_string(endpoint.port());
}

std::optional<ip::address> parse_peer_address(std::string_view peer) {
  std::string_view host = peer;
  if (peer.starts_with('[')) {
    const std::size_t close = peer.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = peer.substr(1, close - 1);
  } else if (const std::size_t colon = peer.find(':');
             colon != std::string_view::npos && peer.find(':', colon + 1) == std::string_view::npos) {
    host = peer.substr(0, colon);  // IPv4 with a port; more colons: a bare IPv6 address
  }
  boost::system::error_code ec;
  const ip::address address = ip::make_address(std::string(host), ec);
  if (ec) return std::nullopt;
  return address;
}

}  // namespace picbot::net
