// ConsoleAuth: the web console's login sessions and failed-login rate limit.
//
// A session is a random 256-bit id in the cookie "picbot_session" (HttpOnly,
// SameSite=Strict, Path=/) and its own random CSRF token, which every write
// must echo in the X-CSRF-Token header. Sessions expire after an idle time.
// Failed logins are counted per client (net::client_key of the address: the
// port never counts, an IPv6 client counts by its /64) in a sliding window:
// past the limit, further attempts (right or wrong) are refused until the
// oldest failure leaves the window. At most Options::max_clients clients are
// remembered; beyond that the one whose last failure is oldest is forgotten.
// Time comes from the injected Clock.
// Thread-safety: io_context thread only.
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "bot/core/clock.h"

namespace picbot::web {

class ConsoleAuth {
 public:
  struct Options {
    std::chrono::seconds idle_timeout{12 * 3600};
    std::size_t max_sessions = 64;  // the least recently used goes first
    std::size_t max_failures = 5;
    std::chrono::seconds failure_window{300};
    std::size_t max_clients = 4096;  // remembered failing clients (bounded memory)
  };

  struct Session {
    std::string id;
    std::string csrf;
    Clock::time_point last_seen;
  };

  static constexpr std::string_view kCookieName = "picbot_session";

  ConsoleAuth(const Clock& clock, Options options);

  // How long `client` must wait before it may try to log in again; nullopt
  // when it may try now. client is the peer as HttpRequest::remote gives it
  // ("192.0.2.7:5678", "[2001:db8::1]:5678") or a bare address.
  std::optional<std::chrono::seconds> login_blocked(std::string_view client);
  void record_failure(std::string_view client);
  void record_success(std::string_view client);

  // Starts a session; returns it (its id goes in the cookie).
  const Session& create_session();
  // The live session named by a Cookie header, refreshed; nullptr when none.
  const Session* find(std::string_view cookie_header);
  void end_session(std::string_view id);
  // Ends every session (the password changed).
  void end_all_sessions() { sessions_.clear(); }

  // "picbot_session=<id>; HttpOnly; SameSite=Strict; Path=/" (and an
  // expiring variant to log out).
  static std::string set_cookie(const Session& session);
  static std::string clear_cookie();

  std::size_t session_count() const { return sessions_.size(); }
  std::size_t failing_clients() const { return failures_.size(); }

 private:
  static std::string client_key(std::string_view client);
  void forget_old_failures(std::deque<Clock::time_point>& failures) const;
  void make_room_for_a_client();

  const Clock& clock_;
  Options options_;
  std::map<std::string, Session, std::less<>> sessions_;
  std::map<std::string, std::deque<Clock::time_point>, std::less<>> failures_;
};

}  // namespace picbot::web
