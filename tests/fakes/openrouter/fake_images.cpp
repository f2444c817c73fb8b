#include "tests/fakes/openrouter/fake_images.h"

#include <array>
#include <cstdint>

#include "bot/onebot/base64.h"

namespace picbot::testing {
namespace {

std::uint32_t crc32(std::string_view bytes) {
  static const auto table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t n = 0; n < 256; ++n) {
      std::uint32_t c = n;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[n] = c;
    }
    return t;
  }();
  std::uint32_t c = 0xFFFFFFFFu;
  for (unsigned char b : bytes) c = table[(c ^ b) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

std::uint32_t adler32(std::string_view bytes) {
  std::uint32_t a = 1, b = 0;
  for (unsigned char c : bytes) {
    a = (a + c) % 65521;
    b = (b + a) % 65521;
  }
  return (b << 16) | a;
}

void put_u32_be(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xFF));
}

void put_chunk(std::string& out, std::string_view type, std::string_view data) {
  put_u32_be(out, static_cast<std::uint32_t>(data.size()));
  std::string typed(type);
  typed.append(data);
  out += typed;
  put_u32_be(out, crc32(typed));
}

constexpr std::size_t kChunkOverhead = 12;

}  // namespace

std::string make_png(std::string_view label, std::size_t min_size) {
  std::string ihdr;
  put_u32_be(ihdr, 1);                             // width
  put_u32_be(ihdr, 1);                             // height
  ihdr += std::string("\x08\x02\x00\x00\x00", 5);  // 8-bit RGB, deflate, no filter, no interlace

  const std::string scanline("\x00\x20\x80\xC0", 4);  // filter byte + one RGB pixel
  std::string idat("\x78\x01", 2);                    // zlib header, no compression
  idat += std::string("\x01\x04\x00\xFB\xFF", 5);     // final stored block, LEN 4, NLEN ~4
  idat += scanline;
  put_u32_be(idat, adler32(scanline));

  std::string text = "Comment";
  text.push_back('\0');
  text.append(label);

  const std::size_t base_size = 8 + (kChunkOverhead + ihdr.size()) + (kChunkOverhead + text.size()) +
                                (kChunkOverhead + idat.size()) + kChunkOverhead;
  if (min_size > base_size) text.append(min_size - base_size, 'x');

  std::string png("\x89PNG\r\n\x1A\n", 8);
  put_chunk(png, "IHDR", ihdr);
  put_chunk(png, "tEXt", text);
  put_chunk(png, "IDAT", idat);
  put_chunk(png, "IEND", "");
  return png;
}

std::string make_jpeg() {
  std::string jpeg("\xFF\xD8", 2);                                                  // SOI
  jpeg += std::string("\xFF\xDB\x00\x43\x00", 5);                                   // DQT, table 0
  jpeg.append(64, '\x01');                                                          //   all quantisers 1
  jpeg += std::string("\xFF\xC0\x00\x0B\x08\x00\x01\x00\x01\x01\x01\x11\x00", 13);  // SOF0 1x1 grey
  const std::string one_code_table("\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00",
                                   17);
  jpeg += std::string("\xFF\xC4\x00\x14\x00", 5) + one_code_table;      // DHT DC 0: category 0 -> "0"
  jpeg += std::string("\xFF\xC4\x00\x14\x10", 5) + one_code_table;      // DHT AC 0: EOB -> "0"
  jpeg += std::string("\xFF\xDA\x00\x08\x01\x01\x00\x00\x3F\x00", 10);  // SOS
  jpeg.push_back('\x3F');                                               // DC diff 0, EOB, padded with 1 bits
  jpeg += std::string("\xFF\xD9", 2);                                   // EOI
  return jpeg;
}

std::string make_webp() {
  return std::string(
      "\x52\x49\x46\x46\x1A\x00\x00\x00\x57\x45\x42\x50\x56\x50\x38\x4C\x0D\x00\x00\x00\x2F\x00\x00\x00\x10"
      "\x07"
      "\x10\x11\x11\x88\x88\xFE\x07\x00",
      34);
}

std::string make_data_url(std::string_view mime, std::string_view bytes) {
  std::string url = "data:" + std::string(mime) + ";base64,";
  onebot::base64_encode_append(bytes, url);
  return url;
}

}  // namespace picbot::testing
