// Client side of the NapCat file transfer protocol (see protocol.h): sends one
// file to a receiver running next to NapCat and returns the absolute path the
// receiver saved it under, which the bot then hands to NapCat.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "bot/core/result.h"
#include "file_send_client/protocol.h"

namespace picbot::filesend {

struct Target {
  std::string host;
  std::uint16_t port = kDefaultPort;
  // Empty: speak the original protocol. Otherwise send the token preamble.
  std::string token;
  // Covers name resolution and the TCP connect.
  std::chrono::milliseconds connect_timeout{5000};
  // The exchange after connecting must finish within
  // transfer_timeout_base + size / min_bytes_per_second.
  std::chrono::milliseconds transfer_timeout_base{10000};
  std::uint64_t min_bytes_per_second = 1'000'000;
};

struct TransferError {
  enum class Kind {
    kUnreachable,  // name did not resolve, or no route to the host
    kRefused,      // nothing listens on the port
    kReset,        // connection dropped mid-request or mid-reply (a size-cap refusal on a large
                   // upload also shows up here: the receiver closes while we still send)
    kTimeout,      // connect or transfer deadline passed
    kBadReply,     // reply was not a sane absolute UTF-8 path
    kRejected,     // receiver closed without replying after the whole request was sent (token,
                   // allow-list, size cap, disk error), or the request was invalid locally
  };
  Kind kind;
  std::string message;  // never contains the token
};

// Returns the name of a Kind ("refused", ...), for logs.
std::string_view to_string(TransferError::Kind kind);

// Transfer timeout for a file of the given size under target's settings.
std::chrono::milliseconds transfer_timeout(const Target& target, std::uint64_t size);

// Sends bytes as a file called basename (sent as given: the receiver sanitises
// it) and returns the receiver's absolute path for it. Not copied: REQUIRES
// target, basename and bytes stay alive until the awaitable completes.
// Completes on executor's context. Thread-safe for concurrent calls.
boost::asio::awaitable<Result<std::string, TransferError>> send_file(boost::asio::any_io_executor executor,
                                                                     const Target& target,
                                                                     std::string_view basename,
                                                                     std::string_view bytes);

// True when text looks like an absolute path on a POSIX ("/x") or Windows
// ("C:\x", "C:/x", "\\server\share") NapCat host.
bool is_absolute_remote_path(std::string_view text);

}  // namespace picbot::filesend
