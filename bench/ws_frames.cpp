#include "bench/ws_frames.h"

#include <cstring>

namespace picbot::bench {
namespace {

std::size_t header_size(std::size_t payload) {
  return 2 + (payload < 126 ? 0 : payload <= 0xFFFF ? 2 : 8) + 4;
}

// Writes the header and mask key of a masked FIN frame; returns its size.
std::size_t write_header(char* out, Opcode opcode, std::size_t payload, const MaskKey& key) {
  std::size_t n = 0;
  out[n++] = static_cast<char>(0x80 | static_cast<std::uint8_t>(opcode));
  if (payload < 126) {
    out[n++] = static_cast<char>(0x80 | payload);
  } else if (payload <= 0xFFFF) {
    out[n++] = static_cast<char>(0x80 | 126);
    out[n++] = static_cast<char>(payload >> 8);
    out[n++] = static_cast<char>(payload & 0xFF);
  } else {
    out[n++] = static_cast<char>(0x80 | 127);
    for (int shift = 56; shift >= 0; shift -= 8) out[n++] = static_cast<char>((payload >> shift) & 0xFF);
  }
  std::memcpy(out + n, key.data(), key.size());
  return n + key.size();
}

void mask_into(char* out, std::string_view text, std::size_t payload_index, const MaskKey& key) {
  for (std::size_t i = 0; i < text.size(); ++i)
    out[i] = static_cast<char>(static_cast<unsigned char>(text[i]) ^ key[(payload_index + i) % 4]);
}

std::size_t skip_space(std::string_view s, std::size_t at) {
  while (at < s.size() && (s[at] == ' ' || s[at] == '\t' || s[at] == '\n' || s[at] == '\r')) ++at;
  return at;
}

// Offset of the value after "key": (and whitespace), npos when absent.
std::size_t value_of(std::string_view json, std::string_view quoted_key) {
  for (std::size_t at = json.find(quoted_key); at != std::string_view::npos;
       at = json.find(quoted_key, at + 1)) {
    std::size_t colon = skip_space(json, at + quoted_key.size());
    if (colon < json.size() && json[colon] == ':') return skip_space(json, colon + 1);
  }
  return std::string_view::npos;
}

// The JSON string starting at `at` (a quote) including its quotes, "" if unterminated.
std::string_view string_token(std::string_view json, std::size_t at) {
  for (std::size_t i = at + 1; i < json.size(); ++i) {
    if (json[i] == '\\') {
      ++i;
    } else if (json[i] == '"') {
      return json.substr(at, i + 1 - at);
    }
  }
  return {};
}

}  // namespace

MaskedFrame masked_frame(Opcode opcode, std::string_view payload, MaskKey key) {
  MaskedFrame frame;
  frame.key = key;
  frame.bytes.resize(header_size(payload.size()) + payload.size());
  frame.payload_offset = write_header(frame.bytes.data(), opcode, payload.size(), key);
  mask_into(frame.bytes.data() + frame.payload_offset, payload, 0, key);
  return frame;
}

void append_masked_frame(std::string& out, Opcode opcode, std::string_view payload, MaskKey key) {
  const std::size_t start = out.size();
  out.resize(start + header_size(payload.size()) + payload.size());
  const std::size_t header = write_header(out.data() + start, opcode, payload.size(), key);
  mask_into(out.data() + start + header, payload, 0, key);
}

void patch_masked(MaskedFrame& frame, std::size_t at, std::string_view text) {
  patch_masked(frame.bytes.data(), frame.payload_offset, frame.key, at, text);
}

void patch_masked(char* frame_start, std::size_t payload_offset, const MaskKey& key, std::size_t at,
                  std::string_view text) {
  mask_into(frame_start + payload_offset + at, text, at, key);
}

std::optional<ServerFrame> next_server_frame(std::string_view bytes, FrameError& error) {
  if (bytes.size() < 2) return std::nullopt;
  const auto b0 = static_cast<unsigned char>(bytes[0]);
  const auto b1 = static_cast<unsigned char>(bytes[1]);
  if (b1 & 0x80) {
    error.why = "the server sent a masked frame";
    return std::nullopt;
  }
  if (b0 & 0x70) {
    error.why = "the server set a reserved bit (no extension was negotiated)";
    return std::nullopt;
  }
  const auto opcode = static_cast<std::uint8_t>(b0 & 0x0F);
  if ((opcode > 0x2 && opcode < 0x8) || opcode > 0xA) {
    error.why = "reserved opcode " + std::to_string(opcode);
    return std::nullopt;
  }
  std::size_t header = 2;
  std::uint64_t length = b1 & 0x7F;
  if (length == 126) {
    if (bytes.size() < 4) return std::nullopt;
    length = (static_cast<std::uint64_t>(static_cast<unsigned char>(bytes[2])) << 8) |
             static_cast<unsigned char>(bytes[3]);
    header = 4;
  } else if (length == 127) {
    if (bytes.size() < 10) return std::nullopt;
    length = 0;
    for (int i = 2; i < 10; ++i) length = (length << 8) | static_cast<unsigned char>(bytes[i]);
    header = 10;
  }
  if (bytes.size() - header < length) return std::nullopt;
  ServerFrame frame;
  frame.fin = (b0 & 0x80) != 0;
  frame.opcode = static_cast<Opcode>(opcode);
  frame.payload = bytes.substr(header, static_cast<std::size_t>(length));
  frame.size = header + static_cast<std::size_t>(length);
  return frame;
}

std::optional<CallFields> scan_call(std::string_view call) {
  const std::size_t action_at = value_of(call, "\"action\"");
  if (action_at == std::string_view::npos || action_at >= call.size() || call[action_at] != '"')
    return std::nullopt;
  CallFields fields;
  const std::string_view action = string_token(call, action_at);
  if (action.size() < 2) return std::nullopt;
  fields.action = action.substr(1, action.size() - 2);

  if (std::size_t at = value_of(call, "\"group_id\""); at != std::string_view::npos) {
    if (at < call.size() && call[at] == '"') ++at;
    std::int64_t value = 0;
    std::size_t digits = 0;
    for (; at < call.size() && call[at] >= '0' && call[at] <= '9' && digits < 18; ++at, ++digits)
      value = value * 10 + (call[at] - '0');
    if (digits > 0) fields.group_id = value;
  }
  if (const std::size_t at = value_of(call, "\"echo\""); at != std::string_view::npos && at < call.size()) {
    if (call[at] == '"') {
      fields.echo = string_token(call, at);
    } else {
      std::size_t end = at;
      while (end < call.size() && call[end] != ',' && call[end] != '}' && call[end] != ' ') ++end;
      fields.echo = call.substr(at, end - at);
    }
  }
  fields.says_pong = call.find("\"pong\"") != std::string_view::npos;
  return fields;
}

void write_digits(char* out, std::size_t width, std::uint64_t value) {
  for (std::size_t i = width; i > 0; --i) {
    out[i - 1] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
}

std::vector<std::size_t> find_all(std::string_view haystack, std::string_view needle) {
  std::vector<std::size_t> at;
  for (std::size_t i = haystack.find(needle); i != std::string_view::npos; i = haystack.find(needle, i + 1))
    at.push_back(i);
  return at;
}

}  // namespace picbot::bench
