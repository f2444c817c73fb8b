#include "bot/web/console_auth.h"

#include <algorithm>

#include "bot/core/secret.h"
#include "bot/net/client_key.h"
#include "bot/web/password_hash.h"

namespace picbot::web {

ConsoleAuth::ConsoleAuth(const Clock& clock, Options options) : clock_(clock), options_(options) {}

std::string ConsoleAuth::client_key(std::string_view client) {
  if (const auto address = net::parse_peer_address(client)) return net::client_key(*address);
  return std::string(client);
}

void ConsoleAuth::forget_old_failures(std::deque<Clock::time_point>& failures) const {
  const auto now = clock_.now();
  const auto cutoff = now - options_.failure_window;
  while (!failures.empty() && failures.front() <= cutoff) failures.pop_front();
  // Failures dated after now: the clock was set back. Keeping them would
  // block the client for as long as the jump (and overflow the wait).
  while (!failures.empty() && failures.back() > now) failures.pop_back();
}

std::optional<std::chrono::seconds> ConsoleAuth::login_blocked(std::string_view client) {
  auto it = failures_.find(client_key(client));
  if (it == failures_.end()) return std::nullopt;
  forget_old_failures(it->second);
  if (it->second.size() < options_.max_failures) return std::nullopt;
  const auto free_at = it->second.front() + options_.failure_window;
  const auto wait = std::chrono::ceil<std::chrono::seconds>(free_at - clock_.now());
  return std::max(wait, std::chrono::seconds(1));
}

void ConsoleAuth::make_room_for_a_client() {
  for (auto it = failures_.begin(); it != failures_.end();) {
    forget_old_failures(it->second);
    it = it->second.empty() ? failures_.erase(it) : std::next(it);
  }
  if (failures_.size() < options_.max_clients || failures_.empty()) return;
  // Still full: forget the client whose last failure is oldest.
  const auto stalest = std::min_element(failures_.begin(), failures_.end(), [](const auto& a, const auto& b) {
    return a.second.back() < b.second.back();
  });
  failures_.erase(stalest);
}

void ConsoleAuth::record_failure(std::string_view client) {
  const std::string key = client_key(client);
  if (!failures_.contains(key) && failures_.size() >= options_.max_clients) make_room_for_a_client();
  auto& failures = failures_[key];
  forget_old_failures(failures);
  failures.push_back(clock_.now());
}

void ConsoleAuth::record_success(std::string_view client) {
  auto it = failures_.find(client_key(client));
  if (it != failures_.end()) failures_.erase(it);
}

const ConsoleAuth::Session& ConsoleAuth::create_session() {
  if (sessions_.size() >= options_.max_sessions) {
    auto oldest = std::min_element(sessions_.begin(), sessions_.end(), [](const auto& a, const auto& b) {
      return a.second.last_seen < b.second.last_seen;
    });
    sessions_.erase(oldest);
  }
  Session session{random_hex(32), random_hex(32), clock_.now()};
  std::string id = session.id;
  return sessions_.emplace(std::move(id), std::move(session)).first->second;
}

const ConsoleAuth::Session* ConsoleAuth::find(std::string_view cookie_header) {
  // Cookie: a=b; picbot_session=<id>; c=d
  std::string_view rest = cookie_header;
  while (!rest.empty()) {
    const std::size_t semi = rest.find(';');
    std::string_view pair = rest.substr(0, semi);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    const std::size_t eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == kCookieName) {
      const std::string_view id = pair.substr(eq + 1);
      auto it = sessions_.find(id);
      if (it == sessions_.end()) return nullptr;
      if (clock_.now() - it->second.last_seen > options_.idle_timeout) {
        sessions_.erase(it);
        return nullptr;
      }
      it->second.last_seen = clock_.now();
      return &it->second;
    }
    if (semi == std::string_view::npos) break;
    rest.remove_prefix(semi + 1);
  }
  return nullptr;
}

void ConsoleAuth::end_session(std::string_view id) {
  auto it = sessions_.find(id);
  if (it != sessions_.end()) sessions_.erase(it);
}

std::string ConsoleAuth::set_cookie(const Session& session) {
  return std::string(kCookieName) + "=" + session.id + "; HttpOnly; SameSite=Strict; Path=/";
}

std::string ConsoleAuth::clear_cookie() {
  return std::string(kCookieName) + "=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0";
}

}  // namespace picbot::web
