// File names the receiver writes. Client names are untrusted: they are reduced
// to a safe basename and wrapped in a recognisable pattern, so TTL cleanup
// deletes only files the receiver created.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace picbot::filesend {

// Longest sanitised name, in bytes (the stored name adds 32 bytes of prefix;
// file systems allow 255).
inline constexpr std::size_t kMaxSanitizedNameBytes = 120;

// Returns a safe basename for an untrusted client name: only the part after
// the last '/' or '\\'; control characters, malformed UTF-8 and the characters
// <>:"|?* become '_'; bidirectional formatting characters (U+061C, U+200E,
// U+200F, U+202A-U+202E, U+2066-U+2069), which can disguise an extension, are
// dropped; leading dots and spaces (hidden files, "..") and
// trailing dots and spaces are dropped; cut at a character boundary to at most
// kMaxSanitizedNameBytes bytes, keeping a short extension. Never empty: falls
// back to "file".
std::string sanitize_basename(std::string_view name);

// "picbot-YYYYMMDD-HHMMSS-xxxxxxxx-<sanitized>", UTC time and 8 hex digits of
// nonce. REQUIRES: sanitized came from sanitize_basename.
std::string make_stored_name(std::string_view sanitized, std::chrono::system_clock::time_point now,
                             std::uint32_t nonce);

// True for names make_stored_name produces.
bool is_stored_name(std::string_view name);

// ".picbot-part-<16 hex>": a file still being received.
std::string make_spool_name(std::uint64_t nonce);
bool is_spool_name(std::string_view name);

// A random value for the names above. Thread-safe (one engine per thread).
std::uint64_t random_nonce();

}  // namespace picbot::filesend
