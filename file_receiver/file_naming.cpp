#include "file_receiver/file_naming.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <algorithm>
#include <ctime>
#include <random>

#include "bot/core/utf8.h"

namespace picbot::filesend {
namespace {

constexpr std::string_view kStoredPrefix = "picbot-";
constexpr std::string_view kSpoolPrefix = ".picbot-part-";
constexpr std::size_t kMaxKeptExtensionBytes = 16;

bool is_unsafe_ascii(unsigned char c) {
  return c < 0x20 || c == 0x7F ||
         std::string_view("<>:\"|?*").find(static_cast<char>(c)) != std::string_view::npos;
}

// Bidirectional formatting characters (U+061C, U+200E, U+200F, U+202A-U+202E,
// U+2066-U+2069): a right-to-left override shows "cod.exe" as "exe.doc".
bool is_bidi_control(std::string_view sequence) {
  if (sequence == "\xD8\x9C") return true;  // U+061C arabic letter mark
  if (sequence.size() != 3 || sequence[0] != '\xE2') return false;
  const auto second = static_cast<unsigned char>(sequence[1]);
  const auto third = static_cast<unsigned char>(sequence[2]);
  return (second == 0x80 && (third == 0x8E || third == 0x8F || (third >= 0xAA && third <= 0xAE))) ||
         (second == 0x81 && third >= 0xA6 && third <= 0xA9);
}

bool all_of_class(std::string_view text, std::size_t from, std::size_t count, bool (*pred)(char)) {
  if (text.size() < from + count) return false;
  return std::all_of(text.begin() + from, text.begin() + from + count, pred);
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_lower_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f'); }

std::string cap_length(const std::string& name) {
  if (name.size() <= kMaxSanitizedNameBytes) return name;
  const auto dot = name.rfind('.');
  std::string_view extension;
  if (dot != std::string::npos && dot > 0 && name.size() - dot <= kMaxKeptExtensionBytes) {
    extension = std::string_view(name).substr(dot);
  }
  const std::string_view stem = std::string_view(name).substr(0, name.size() - extension.size());
  std::string capped(utf8_prefix(stem, kMaxSanitizedNameBytes - extension.size()));
  while (!capped.empty() && (capped.back() == '.' || capped.back() == ' ')) capped.pop_back();
  return capped + std::string(extension);
}

}  // namespace

std::string sanitize_basename(std::string_view name) {
  const auto separator = name.find_last_of("/\\");
  if (separator != std::string_view::npos) name = name.substr(separator + 1);

  std::string clean;
  clean.reserve(name.size());
  for (std::size_t i = 0; i < name.size();) {
    const auto c = static_cast<unsigned char>(name[i]);
    const std::size_t length = utf8_sequence_length(name, i);
    if (length == 0 || (length == 1 && is_unsafe_ascii(c))) {
      clean.push_back('_');
      i += 1;
      continue;
    }
    if (!is_bidi_control(name.substr(i, length))) clean.append(name.substr(i, length));
    i += length;
  }
  const auto first = clean.find_first_not_of(". ");
  clean.erase(0, first == std::string::npos ? clean.size() : first);
  while (!clean.empty() && (clean.back() == '.' || clean.back() == ' ')) clean.pop_back();
  clean = cap_length(clean);
  const auto kept = clean.find_first_not_of(". ");
  if (kept == std::string::npos) return "file";
  return clean.substr(kept);
}

std::string make_stored_name(std::string_view sanitized, std::chrono::system_clock::time_point now,
                             std::uint32_t nonce) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  return fmt::format("{}{:%Y%m%d-%H%M%S}-{:08x}-{}", kStoredPrefix, utc, nonce, sanitized);
}

bool is_stored_name(std::string_view name) {
  // picbot- 20240101 - 123456 - 0123abcd - x
  constexpr std::size_t kDate = 7, kTime = 16, kNonce = 23, kRest = 32;
  return name.size() > kRest && name.starts_with(kStoredPrefix) && all_of_class(name, kDate, 8, is_digit) &&
         name[kDate + 8] == '-' && all_of_class(name, kTime, 6, is_digit) && name[kTime + 6] == '-' &&
         all_of_class(name, kNonce, 8, is_lower_hex) && name[kNonce + 8] == '-';
}

std::string make_spool_name(std::uint64_t nonce) { return fmt::format("{}{:016x}", kSpoolPrefix, nonce); }

std::uint64_t random_nonce() {
  thread_local std::mt19937_64 engine{std::random_device{}()};
  return engine();
}

bool is_spool_name(std::string_view name) {
  return name.size() == kSpoolPrefix.size() + 16 && name.starts_with(kSpoolPrefix) &&
         all_of_class(name, kSpoolPrefix.size(), 16, is_lower_hex);
}

}  // namespace picbot::filesend
