#include "bot/web/password_hash.h"

#include <openssl/evp.h>

#include <charconv>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "bot/core/memory.h"
#include "bot/core/random_bytes.h"
#include "bot/core/secret.h"

namespace picbot::web {
namespace {

constexpr std::uint64_t kN = 16384, kR = 8, kP = 1;
constexpr std::size_t kKeyBytes = 32, kSaltBytes = 16;

std::vector<unsigned char> random_bytes(std::size_t n) {
  std::vector<unsigned char> out(n);
  if (!picbot::random_bytes(out)) throw std::runtime_error("getrandom failed");
  return out;
}

std::string to_hex(const unsigned char* data, std::size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (std::size_t i = 0; i < n; ++i) {
    out += kDigits[data[i] >> 4];
    out += kDigits[data[i] & 15];
  }
  return out;
}

bool from_hex(std::string_view hex, std::vector<unsigned char>& out) {
  if (hex.size() % 2) return false;
  out.clear();
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(hex.data() + i, hex.data() + i + 2, value, 16);
    if (ec != std::errc() || end != hex.data() + i + 2) return false;
    out.push_back(static_cast<unsigned char>(value));
  }
  return true;
}

bool scrypt(std::string_view password, const std::vector<unsigned char>& salt, std::uint64_t n,
            std::uint64_t r, std::uint64_t p, std::vector<unsigned char>& key) {
  const bool ok = EVP_PBE_scrypt(password.data(), password.size(), salt.data(), salt.size(), n, r, p,
                                 64 * 1024 * 1024, key.data(), key.size()) == 1;
  // The first scrypt loads OpenSSL's providers: ~2 MiB of libcrypto code run
  // once (a first start, a login) and then idle for good. The 16 MiB of
  // scrypt's own memory went back to the system when it was freed (mmap).
  release_code_pages("libcrypto");
  return ok;
}

std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> parts;
  while (true) {
    const std::size_t at = text.find(sep);
    parts.push_back(text.substr(0, at));
    if (at == std::string_view::npos) return parts;
    text.remove_prefix(at + 1);
  }
}

}  // namespace

Result<std::string> hash_password(std::string_view password) {
  const auto salt = random_bytes(kSaltBytes);
  std::vector<unsigned char> key(kKeyBytes);
  if (!scrypt(password, salt, kN, kR, kP, key)) return Error::make("hash_failed", "scrypt failed");
  return "scrypt$" + std::to_string(kN) + "$" + std::to_string(kR) + "$" + std::to_string(kP) + "$" +
         to_hex(salt.data(), salt.size()) + "$" + to_hex(key.data(), key.size());
}

bool verify_password(std::string_view password, std::string_view stored) {
  while (!stored.empty() && (stored.back() == '\n' || stored.back() == '\r' || stored.back() == ' ')) {
    stored.remove_suffix(1);
  }
  const auto parts = split(stored, '$');
  if (parts.size() != 6 || parts[0] != "scrypt") return false;
  std::uint64_t params[3];
  for (int i = 0; i < 3; ++i) {
    const auto& part = parts[1 + i];
    const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), params[i]);
    if (ec != std::errc() || end != part.data() + part.size()) return false;
  }
  if (params[0] < 2 || params[0] > (1u << 20) || params[1] > 64 || params[2] > 16) return false;
  std::vector<unsigned char> salt, expected;
  if (!from_hex(parts[4], salt) || !from_hex(parts[5], expected) || expected.empty()) return false;
  std::vector<unsigned char> key(expected.size());
  if (!scrypt(password, salt, params[0], params[1], params[2], key)) return false;
  return constant_time_equals(
      std::string_view(reinterpret_cast<const char*>(key.data()), key.size()),
      std::string_view(reinterpret_cast<const char*>(expected.data()), expected.size()));
}

std::string generate_password(std::size_t length) {
  static constexpr std::string_view kAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
  std::string out;
  while (out.size() < length) {
    for (unsigned char b : random_bytes(length)) {
      // Rejection sampling keeps every character equally likely.
      if (b < 256 - 256 % kAlphabet.size() && out.size() < length) out += kAlphabet[b % kAlphabet.size()];
    }
  }
  return out;
}

std::string random_hex(std::size_t bytes) {
  const auto data = random_bytes(bytes);
  return to_hex(data.data(), data.size());
}

}  // namespace picbot::web
