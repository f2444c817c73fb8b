// WsUrl: the parts of a ws:// or wss:// URL that the forward client needs.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "bot/core/result.h"

namespace picbot::net {

struct WsUrl {
  bool tls = false;
  std::string host;    // without brackets for IPv6
  std::uint16_t port = 0;
  std::string target;  // path and query, at least "/"

  // Parses ws://host[:port][/path][?query] and wss://…; IPv6 hosts in [].
  static Result<WsUrl> parse(std::string_view url);
};

}  // namespace picbot::net
