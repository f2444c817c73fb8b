#include "file_receiver/receiver_options.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <limits>
#include <sstream>

#include "bot/core/text.h"

namespace picbot::filesend {
namespace {

namespace ip = boost::asio::ip;

template <class T>
std::optional<T> parse_number(std::string_view text) {
  T value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

Error usage_error(std::string message) { return Error::make("usage", std::move(message)); }

std::optional<std::string> read_token_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream content;
  content << in.rdbuf();
  std::string token = content.str();
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
  return token;
}

}  // namespace

std::optional<std::uint64_t> parse_size(std::string_view text) {
  const auto unit_start = std::find_if(text.begin(), text.end(), [](char c) { return !std::isdigit(c); });
  const auto number = parse_number<std::uint64_t>(text.substr(0, unit_start - text.begin()));
  if (!number) return std::nullopt;
  const std::string unit = to_lower(text.substr(unit_start - text.begin()));
  static const std::pair<std::string_view, std::uint64_t> kUnits[] = {
      {"", 1},
      {"b", 1},
      {"kb", 1000},
      {"mb", 1000 * 1000},
      {"gb", 1000'000'000},
      {"kib", 1024},
      {"mib", 1024 * 1024},
      {"gib", 1024ull * 1024 * 1024},
  };
  for (const auto& [name, factor] : kUnits) {
    if (unit != name) continue;
    if (*number > std::numeric_limits<std::uint64_t>::max() / factor) return std::nullopt;
    return *number * factor;
  }
  return std::nullopt;
}

std::optional<ip::tcp::endpoint> parse_listen(std::string_view text) {
  std::string_view host = "0.0.0.0";
  std::string_view port_text = text;
  if (text.starts_with('[')) {
    const auto close = text.find("]:");
    if (close == std::string_view::npos) return std::nullopt;
    host = text.substr(1, close - 1);
    port_text = text.substr(close + 2);
  } else if (const auto colon = text.rfind(':'); colon != std::string_view::npos) {
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) return std::nullopt;  // IPv6 needs brackets
  }
  const auto port = parse_number<std::uint16_t>(port_text);
  if (!port) return std::nullopt;
  boost::system::error_code ec;
  const auto address = ip::make_address(std::string(host), ec);
  if (ec) return std::nullopt;
  return ip::tcp::endpoint(address, *port);
}

Result<ReceiverCommand> parse_receiver_args(const std::vector<std::string>& args) {
  ReceiverCommand command;
  ReceiverOptions& options = command.options;
  bool have_dir = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& flag = args[i];
    if (flag == "--help" || flag == "-h") return ReceiverCommand{ReceiverCommand::Action::kHelp, {}};
    if (flag == "--version") return ReceiverCommand{ReceiverCommand::Action::kVersion, {}};
    static const std::string_view kValueFlags[] = {"--listen",
                                                   "--dir",
                                                   "--max-size",
                                                   "--ttl-minutes",
                                                   "--allow",
                                                   "--token",
                                                   "--token-file",
                                                   "--max-connections",
                                                   "--handshake-timeout-seconds",
                                                   "--idle-timeout-seconds",
                                                   "--total-timeout-seconds",
                                                   "--log-level"};
    if (std::find(std::begin(kValueFlags), std::end(kValueFlags), flag) == std::end(kValueFlags)) {
      return usage_error("unknown option " + flag);
    }
    if (i + 1 >= args.size()) return usage_error("missing value for " + flag);
    const std::string& value = args[++i];
    // Never echo the value of --token in an error.
    const std::string bad_value = "invalid value for " + flag + (flag == "--token" ? "" : ": " + value);
    if (flag == "--listen") {
      const auto endpoint = parse_listen(value);
      if (!endpoint) return usage_error(bad_value);
      options.listen = *endpoint;
    } else if (flag == "--dir") {
      if (value.empty()) return usage_error(bad_value);
      options.directory = value;
      have_dir = true;
    } else if (flag == "--max-size") {
      const auto size = parse_size(value);
      if (!size || *size == 0) return usage_error(bad_value);
      options.max_size = *size;
    } else if (flag == "--ttl-minutes") {
      const auto minutes = parse_number<unsigned>(value);
      if (!minutes || *minutes == 0) return usage_error(bad_value);
      options.ttl = std::chrono::minutes(*minutes);
    } else if (flag == "--allow") {
      const auto network = IpNetwork::parse(value);
      if (!network) return usage_error(bad_value);
      options.allow.push_back(*network);
    } else if (flag == "--token") {
      if (value.empty() || value.size() > kMaxTokenBytes) return usage_error(bad_value);
      options.token = value;
    } else if (flag == "--token-file") {
      const auto token = read_token_file(value);
      if (!token) return usage_error("cannot read --token-file " + value);
      if (token->empty() || token->size() > kMaxTokenBytes) return usage_error("bad token in " + value);
      options.token = *token;
    } else if (flag == "--max-connections") {
      const auto count = parse_number<std::size_t>(value);
      if (!count || *count == 0) return usage_error(bad_value);
      options.max_connections = *count;
    } else if (flag == "--handshake-timeout-seconds" || flag == "--idle-timeout-seconds" ||
               flag == "--total-timeout-seconds") {
      const auto seconds = parse_number<unsigned>(value);
      if (!seconds || *seconds == 0) return usage_error(bad_value);
      const std::chrono::milliseconds timeout = std::chrono::seconds(*seconds);
      if (flag == "--handshake-timeout-seconds") options.handshake_timeout = timeout;
      if (flag == "--idle-timeout-seconds") options.idle_timeout = timeout;
      if (flag == "--total-timeout-seconds") options.total_timeout = timeout;
    } else if (flag == "--log-level") {
      options.log_level = value;
    }
  }
  if (!have_dir) return usage_error("--dir is required");
  return command;
}

std::string receiver_usage() {
  return R"(Usage: picbot-file-receiver --dir PATH [options]

Receives files from picbot over the NapCat file transfer protocol and replies
with the absolute path each file was saved under.

  --listen ADDR:PORT                 listen address (default 0.0.0.0:3658; [::]:3658 for IPv6; port 0 = any)
  --dir PATH                         where files are written (must be the same path inside NapCat)
  --max-size SIZE                    largest accepted file, e.g. 64MiB, 10MB, 1048576 (default 64MiB)
  --ttl-minutes N                    delete received files after N minutes (default 15)
  --allow CIDR                       accept only these peers (repeatable; default: everyone)
  --token SECRET                     require picbot's token preamble (visible in ps; prefer --token-file
                                     or the PICBOT_RECEIVER_TOKEN environment variable)
  --token-file PATH                  read the token from a file
  --max-connections N                concurrent transfers (default 16)
  --handshake-timeout-seconds S      time to receive token, name and size (default 10)
  --idle-timeout-seconds S           close when no byte arrives for S seconds (default 30)
  --total-timeout-seconds S          limit for one whole transfer (default 600)
  --log-level LEVEL                  trace, debug, info, warn, error (default info)
  --help, --version
)";
}

}  // namespace picbot::filesend
