// Small but real PNG, JPEG and WEBP files for tests: correct magic numbers,
// checksums and end markers, so decoders and verify_image() accept them.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace picbot::testing {

// A 1x1 RGB PNG whose tEXt chunk holds label (so images can be told apart),
// padded with that chunk to at least min_size bytes.
std::string make_png(std::string_view label = "picbot", std::size_t min_size = 0);

// A 1x1 grey baseline JPEG (SOI ... EOI).
std::string make_jpeg();

// A 1x1 lossless WEBP (RIFF....WEBPVP8L).
std::string make_webp();

// "data:<mime>;base64,<bytes encoded>".
std::string make_data_url(std::string_view mime, std::string_view bytes);

}  // namespace picbot::testing
