// Byte-level WebSocket (RFC 6455) and OneBot helpers for load generators that
// must cost less than the bot they load: client frames are masked once and
// patched in place, server frames are cut out of a byte buffer without a
// copy, and the few fields of an API call the generator needs are found by
// scanning, not by a JSON parse.
//
// Everything here is a pure function of its arguments; thread-safe.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace picbot::bench {

using MaskKey = std::array<unsigned char, 4>;

// WebSocket opcodes the generator sees.
enum class Opcode : std::uint8_t {
  continuation = 0x0,
  text = 0x1,
  binary = 0x2,
  close = 0x8,
  ping = 0x9,
  pong = 0xA
};

// A complete client (masked) frame with FIN set: header, mask key, payload
// XORed with the key. Payload byte i sits at offset header_size + i.
struct MaskedFrame {
  std::string bytes;
  std::size_t payload_offset = 0;
  MaskKey key{};
};
MaskedFrame masked_frame(Opcode opcode, std::string_view payload, MaskKey key);

// Appends a masked frame to `out` (the reply path: small frames built per call).
void append_masked_frame(std::string& out, Opcode opcode, std::string_view payload, MaskKey key);

// Overwrites payload bytes [at, at + text.size()) of a masked frame with
// `text`, masked as the rest. REQUIRES: the range lies inside the payload.
void patch_masked(MaskedFrame& frame, std::size_t at, std::string_view text);
// The same on a copy of a frame (its payload at `payload_offset`, masked with
// `key`) placed at `frame_start`.
void patch_masked(char* frame_start, std::size_t payload_offset, const MaskKey& key, std::size_t at,
                  std::string_view text);

// One server frame cut out of the front of a byte buffer.
struct ServerFrame {
  bool fin = false;
  Opcode opcode = Opcode::text;
  std::string_view payload;  // points into the buffer (unmasked as sent)
  std::size_t size = 0;      // header + payload: bytes to consume
};
// The first frame of `bytes`, nullopt while it is incomplete. A frame with the
// mask bit set (servers never mask) or a reserved opcode yields `error`.
struct FrameError {
  std::string why;
};
std::optional<ServerFrame> next_server_frame(std::string_view bytes, FrameError& error);

// The fields of a OneBot API call (a client's request frame) a generator needs.
struct CallFields {
  std::string_view action;               // "" when absent
  std::optional<std::int64_t> group_id;  // params.group_id, a number or a numeric string
  std::string_view echo;                 // the raw JSON value ("\"ab12\"", 17), "" when absent
  bool says_pong = false;                // the text "pong" appears as a JSON string or text segment
};
// Scans `call` for "action", "group_id", "echo" and the reply marker "pong".
// Keys are matched as "key": with optional whitespace after the colon; the
// first occurrence wins. Returns nullopt when the frame has no "action".
std::optional<CallFields> scan_call(std::string_view call);

// Decimal digits of `value`, left-padded with '0' to `width`.
// REQUIRES: value >= 0 and it fits in `width` digits.
void write_digits(char* out, std::size_t width, std::uint64_t value);

// Offsets of every occurrence of `needle` in `haystack`.
std::vector<std::size_t> find_all(std::string_view haystack, std::string_view needle);

}  // namespace picbot::bench
