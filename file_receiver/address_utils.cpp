#include "file_receiver/address_utils.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <string>

namespace picbot::filesend {
namespace {

namespace ip = boost::asio::ip;

std::optional<ip::address> parse_address(std::string_view text) {
  boost::system::error_code ec;
  auto address = ip::make_address(std::string(text), ec);
  if (ec) return std::nullopt;
  return address;
}

template <std::size_t N>
bool prefix_matches(const std::array<unsigned char, N>& a, const std::array<unsigned char, N>& b,
                    unsigned prefix) {
  for (std::size_t i = 0; i < N && prefix > 0; ++i) {
    const unsigned bits = std::min(prefix, 8u);
    const auto mask = static_cast<unsigned char>(0xFF << (8 - bits));
    if ((a[i] & mask) != (b[i] & mask)) return false;
    prefix -= bits;
  }
  return true;
}

}  // namespace

ip::address unmap_v4(const ip::address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped()) return ip::make_address_v4(ip::v4_mapped, a.to_v6());
  return a;
}

std::optional<IpNetwork> IpNetwork::parse(std::string_view text) {
  const auto slash = text.find('/');
  const auto address = parse_address(text.substr(0, slash));
  if (!address) return std::nullopt;
  const unsigned max_prefix = address->is_v4() ? 32 : 128;
  unsigned prefix = max_prefix;
  if (slash != std::string_view::npos) {
    const std::string_view digits = text.substr(slash + 1);
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || prefix > max_prefix) {
      return std::nullopt;
    }
  }
  return IpNetwork(*address, prefix);
}

bool IpNetwork::contains(const ip::address& a) const {
  const ip::address address = unmap_v4(a);
  if (address.is_v4() != base_.is_v4()) return false;
  if (address.is_v4()) return prefix_matches(address.to_v4().to_bytes(), base_.to_v4().to_bytes(), prefix_);
  return prefix_matches(address.to_v6().to_bytes(), base_.to_v6().to_bytes(), prefix_);
}

std::string IpNetwork::to_string() const { return base_.to_string() + "/" + std::to_string(prefix_); }

}  // namespace picbot::filesend
