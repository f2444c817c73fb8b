// Wire format of the NapCat file transfer protocol (byte-compatible with the
// original AstrBot plugin) plus picbot's opt-in token preamble. All integers
// are big-endian.
//
//   [u32 0xFFFFFFFF][u32 token length][token]     optional token preamble
//   [u32 name length][UTF-8 basename]             request header
//   [u64 size][size bytes]                         file body
//   <- [u32 path length][UTF-8 absolute path]     reply
//
// A refused request gets no reply: the receiver closes the connection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace picbot::filesend {

inline constexpr std::uint16_t kDefaultPort = 3658;

// First u32 of a token preamble. No name length can take this value: names
// are limited to kMaxWireNameBytes.
inline constexpr std::uint32_t kTokenPreambleMagic = 0xFFFFFFFFu;
inline constexpr std::size_t kMaxTokenBytes = 1024;
inline constexpr std::size_t kMaxWireNameBytes = 64 * 1024;
inline constexpr std::size_t kMaxReplyBytes = 4096;

inline void append_u32_be(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xFF));
}

inline void append_u64_be(std::string& out, std::uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xFF));
}

// REQUIRES: p points at 4 (resp. 8) readable bytes.
inline std::uint32_t read_u32_be(const unsigned char* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}

inline std::uint64_t read_u64_be(const unsigned char* p) {
  return (std::uint64_t{read_u32_be(p)} << 32) | read_u32_be(p + 4);
}

}  // namespace picbot::filesend
