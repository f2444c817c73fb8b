// The checks App::start makes on a validated config beyond its schema,
// shared with `picbot --check-config` so that a config the check accepts
// also starts. Messages come from the message table (host_messages).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "bot/config/config_loader.h"
#include "bot/core/result.h"

namespace picbot {

struct ListenAddress {
  std::string host;  // without IPv6 brackets
  std::uint16_t port = 0;
};

// Splits "host:port" ("[::1]:8080" for IPv6), the value of the key at path.
Result<ListenAddress, config::ConfigIssue> parse_listen(const std::string& text, const std::string& path,
                                                        std::string_view language);

// Where the web server binds: web.listen, with "localhost" as 127.0.0.1.
// Refuses a host that is not an IP address, and an address that is not
// loopback while web.password is empty (the console would be open to all).
// REQUIRES: web is the validated `web` section.
Result<ListenAddress, config::ConfigIssue> web_bind_address(const nlohmann::json& web,
                                                            std::string_view language);

// Every problem App::start would refuse in values (validated): web.listen as
// above when the web server is on, onebot.listen in reverse mode, and each
// enabled plugin's Plugin::check_config, and the storage section
// (storage_problems). Empty when there is none. Binds nothing and starts
// nothing.
std::vector<config::ConfigIssue> startup_problems(const nlohmann::json& values, std::string_view language);

}  // namespace picbot
