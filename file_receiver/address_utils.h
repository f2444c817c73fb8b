// Address helpers shared by the file transfer client and receiver.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace picbot::filesend {

// Returns the IPv4 address when a is an IPv4-mapped IPv6 address, else a.
boost::asio::ip::address unmap_v4(const boost::asio::ip::address& a);

// IpNetwork: an IPv4 or IPv6 CIDR block ("10.0.0.0/8", "fd00::/8", or a bare
// address meaning a single host).
class IpNetwork {
 public:
  // Returns nullopt for malformed text or an out-of-range prefix length.
  static std::optional<IpNetwork> parse(std::string_view text);

  // True when a (after unmap_v4) lies in this block. IPv4 blocks never match
  // IPv6 addresses and vice versa.
  bool contains(const boost::asio::ip::address& a) const;

  std::string to_string() const;

 private:
  IpNetwork(boost::asio::ip::address base, unsigned prefix) : base_(base), prefix_(prefix) {}
  boost::asio::ip::address base_;
  unsigned prefix_;
};

}  // namespace picbot::filesend
