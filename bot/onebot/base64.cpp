#include "bot/onebot/base64.h"

#include <fmt/format.h>

#include <array>
#include <cstdint>

namespace picbot::onebot {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Decode table values beyond the 6-bit range.
constexpr std::uint8_t kWhitespace = 64;
constexpr std::uint8_t kPad = 65;
constexpr std::uint8_t kInvalid = 255;

constexpr std::array<std::uint8_t, 256> make_decode_table() {
  std::array<std::uint8_t, 256> table{};
  for (auto& entry : table) entry = kInvalid;
  for (std::uint8_t i = 0; i < 64; ++i) table[static_cast<unsigned char>(kAlphabet[i])] = i;
  for (char c : {' ', '\t', '\r', '\n'}) table[static_cast<unsigned char>(c)] = kWhitespace;
  table['='] = kPad;
  return table;
}

constexpr std::array<std::uint8_t, 256> kDecode = make_decode_table();

Error bad_base64(std::string message) { return Error::make("bad_base64", std::move(message)); }

}  // namespace

void base64_encode_append(std::string_view bytes, std::string& out) {
  const std::size_t start = out.size();
  out.resize(start + (bytes.size() + 2) / 3 * 4);
  char* dst = out.data() + start;
  const auto* src = reinterpret_cast<const unsigned char*>(bytes.data());
  std::size_t remaining = bytes.size();
  for (; remaining >= 3; remaining -= 3, src += 3) {
    const std::uint32_t group = (src[0] << 16) | (src[1] << 8) | src[2];
    *dst++ = kAlphabet[group >> 18];
    *dst++ = kAlphabet[(group >> 12) & 63];
    *dst++ = kAlphabet[(group >> 6) & 63];
    *dst++ = kAlphabet[group & 63];
  }
  if (remaining > 0) {
    const std::uint32_t group = (src[0] << 16) | (remaining == 2 ? src[1] << 8 : 0);
    *dst++ = kAlphabet[group >> 18];
    *dst++ = kAlphabet[(group >> 12) & 63];
    *dst++ = remaining == 2 ? kAlphabet[(group >> 6) & 63] : '=';
    *dst++ = '=';
  }
}

std::string base64_encode(std::string_view bytes) {
  std::string out;
  base64_encode_append(bytes, out);
  return out;
}

Result<std::string> base64_decode(std::string_view text) {
  std::string out;
  out.resize(text.size() / 4 * 3 + 3);
  char* dst = out.data();
  std::uint32_t group = 0;
  int filled = 0;   // sextets in the current 4-character group
  int padding = 0;  // '=' seen so far; once non-zero only '=' and whitespace may follow
  const auto* in = reinterpret_cast<const unsigned char*>(text.data());
  for (std::size_t i = 0; i < text.size(); ++i) {
    // Fast path: four alphabet characters at a group boundary (nearly all of
    // an unwrapped payload). Anything else takes the careful path below.
    if (filled == 0 && padding == 0) {
      while (i + 4 <= text.size()) {
        const std::uint32_t a = kDecode[in[i]], b = kDecode[in[i + 1]], c = kDecode[in[i + 2]],
                            d = kDecode[in[i + 3]];
        if ((a | b | c | d) >= 64) break;
        const std::uint32_t quad = (a << 18) | (b << 12) | (c << 6) | d;
        dst[0] = static_cast<char>(quad >> 16);
        dst[1] = static_cast<char>(quad >> 8);
        dst[2] = static_cast<char>(quad);
        dst += 3;
        i += 4;
      }
      if (i >= text.size()) break;
    }
    const std::uint8_t value = kDecode[in[i]];
    if (value < 64) {
      if (padding > 0) return bad_base64(fmt::format("base64 data after padding at offset {}", i));
      group = (group << 6) | value;
      if (++filled == 4) {
        *dst++ = static_cast<char>(group >> 16);
        *dst++ = static_cast<char>(group >> 8);
        *dst++ = static_cast<char>(group);
        group = 0;
        filled = 0;
      }
    } else if (value == kWhitespace) {
      continue;
    } else if (value == kPad) {
      // Padding completes a group that holds 2 or 3 sextets: "xx==" or "xxx=".
      if (filled + padding < 2 || filled + padding >= 4) {
        return bad_base64(fmt::format("misplaced base64 padding at offset {}", i));
      }
      ++padding;
      if (filled + padding == 4) {
        group <<= 6 * padding;
        *dst++ = static_cast<char>(group >> 16);
        if (filled == 3) *dst++ = static_cast<char>(group >> 8);
        filled = 0;
        padding = 4;  // group closed: only whitespace may follow
      }
    } else {
      return bad_base64(fmt::format("invalid base64 character 0x{:02x} at offset {}",
                                    static_cast<unsigned char>(text[i]), i));
    }
  }
  if (filled != 0 || (padding != 0 && padding != 4)) {
    return bad_base64(
        fmt::format("truncated base64: input of {} bytes ends inside a 4-character group", text.size()));
  }
  out.resize(static_cast<std::size_t>(dst - out.data()));
  return out;
}

}  // namespace picbot::onebot
