#include "bot/net/ws_url.h"

#include <charconv>

namespace picbot::net {

Result<WsUrl> WsUrl::parse(std::string_view url) {
  WsUrl out;
  if (url.starts_with("ws://")) {
    url.remove_prefix(5);
    out.port = 80;
  } else if (url.starts_with("wss://")) {
    url.remove_prefix(6);
    out.tls = true;
    out.port = 443;
  } else {
    return Error::make("bad_url", "expected a ws:// or wss:// URL");
  }
  const std::size_t slash = url.find_first_of("/?");
  std::string_view authority = url.substr(0, slash);
  out.target = slash == std::string_view::npos ? "/" : std::string(url.substr(slash));
  if (out.target.front() == '?') out.target.insert(0, "/");
  std::string_view port_text;
  if (authority.starts_with('[')) {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return Error::make("bad_url", "unterminated IPv6 address");
    out.host = std::string(authority.substr(1, close - 1));
    authority.remove_prefix(close + 1);
    if (authority.starts_with(':')) port_text = authority.substr(1);
    else if (!authority.empty()) return Error::make("bad_url", "unexpected text after IPv6 address");
  } else {
    const std::size_t colon = authority.rfind(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (out.host.empty()) return Error::make("bad_url", "missing host");
  if (!port_text.empty()) {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || value == 0 || value > 65535) {
      return Error::make("bad_url", "bad port '" + std::string(port_text) + "'");
    }
    out.port = static_cast<std::uint16_t>(value);
  }
  return out;
}

}  // namespace picbot::net
