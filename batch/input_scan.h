// InputScan: the files of a batch's input folder, each checked by its magic
// bytes and size before anything is sent. Only the first bytes of each file
// are read here; the whole image is read when its turn comes.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "bot/core/result.h"

namespace picbot::batch {

// Inline images above this size are refused by the providers (Gemini: 20 MB per request).
inline constexpr std::uintmax_t kMaxInputBytes = 20 * 1024 * 1024;

struct InputFile {
  std::filesystem::path path;
  std::string name;  // relative to the input folder, "/"-separated
  // Unique in the run; the output's names start with it: the relative path
  // without extension, "/" as "__" ("a/b.png" -> "a__b"), or with the
  // extension when two files share it ("b.png", "b.jpg" -> "b.png", "b.jpg").
  std::string stem;
  std::uintmax_t bytes = 0;
};

struct SkippedFile {
  std::string name;
  std::string reason;  // in the run's language
};

struct InputScan {
  std::vector<InputFile> images;  // sorted by name
  std::vector<SkippedFile> skipped;
};

// What the first bytes of a file are.
enum class InputKind { kImage, kGif, kOther };
InputKind sniff_input(std::string_view head);

// Lists dir (and its subfolders when recursive; symlinks are not followed
// into folders). A file that is not a PNG/JPEG/WEBP, is empty, larger than
// max_bytes or cannot be read is skipped with the reason. Blocking (disk):
// call before the event loop runs or on the WorkerPool. "bad_input_dir" when
// dir cannot be listed.
Result<InputScan> scan_input(const std::filesystem::path& dir, bool recursive, std::uintmax_t max_bytes,
                             std::string_view language);

}  // namespace picbot::batch
