// Settings of picbot-file-receiver and their command-line parser.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bot/core/result.h"
#include "file_receiver/address_utils.h"
#include "file_send_client/protocol.h"

namespace picbot::filesend {

struct ReceiverOptions {
  boost::asio::ip::tcp::endpoint listen{boost::asio::ip::address_v4::any(), kDefaultPort};
  std::filesystem::path directory;  // created if missing; must be visible to NapCat at the same path
  std::uint64_t max_size = 64ull * 1024 * 1024;
  std::chrono::minutes ttl{15};
  std::vector<IpNetwork> allow;  // empty: every peer may connect
  std::string token;             // empty: no token required (original protocol)
  std::size_t max_connections = 16;
  std::chrono::milliseconds handshake_timeout{std::chrono::seconds(10)};  // token + name + size
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(30)};       // no byte received
  std::chrono::milliseconds total_timeout{std::chrono::minutes(10)};      // whole exchange
  std::string log_level = "info";
};

struct ReceiverCommand {
  enum class Action { kRun, kHelp, kVersion };
  Action action = Action::kRun;
  ReceiverOptions options;
};

// Parses "64MiB", "10MB", "512KiB", "1048576" (bytes). Units are
// case-insensitive: KB/MB/GB are powers of 1000, KiB/MiB/GiB of 1024, B is
// bytes. Returns nullopt for anything else or on overflow.
std::optional<std::uint64_t> parse_size(std::string_view text);

// Parses "0.0.0.0:3658", "[::]:3658", "127.0.0.1:0" or a bare port "3658"
// (all IPv4 interfaces). Addresses must be numeric.
std::optional<boost::asio::ip::tcp::endpoint> parse_listen(std::string_view text);

// Parses the arguments after the program name. --dir is required for kRun.
// Error code "usage" with a message naming the bad argument.
Result<ReceiverCommand> parse_receiver_args(const std::vector<std::string>& args);

// The --help text.
std::string receiver_usage();

}  // namespace picbot::filesend
