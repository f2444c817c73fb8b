#include "bot/core/random_bytes.h"

#include <sys/random.h>

#include <array>
#include <cerrno>
#include <cstring>

namespace picbot {
namespace {

bool fill_from_kernel(unsigned char* out, std::size_t n) {
  std::size_t filled = 0;
  while (filled < n) {
    const ssize_t got = ::getrandom(out + filled, n - filled, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    filled += static_cast<std::size_t>(got);
  }
  return true;
}

struct Buffer {
  std::array<unsigned char, 4096> bytes;
  std::size_t used = bytes.size();  // empty until first use
};

}  // namespace

bool random_bytes(std::span<unsigned char> out) {
  if (out.empty()) return true;  // (an empty span's data() may be null: no memcpy)
  thread_local Buffer buffer;
  if (out.size() > buffer.bytes.size() / 4) return fill_from_kernel(out.data(), out.size());
  if (buffer.bytes.size() - buffer.used < out.size()) {
    if (!fill_from_kernel(buffer.bytes.data(), buffer.bytes.size())) return false;
    buffer.used = 0;
  }
  unsigned char* from = buffer.bytes.data() + buffer.used;
  std::memcpy(out.data(), from, out.size());
  // Bytes handed out are never handed out again, nor left behind.
  std::memset(from, 0, out.size());
  buffer.used += out.size();
  return true;
}

}  // namespace picbot
