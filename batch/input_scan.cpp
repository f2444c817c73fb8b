#include "batch/input_scan.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>

#include "bot/core/message_table.h"
#include "image/format.h"

namespace picbot::batch {
namespace fs = std::filesystem;

InputKind sniff_input(std::string_view head) {
  if (image::sniff_image_format(head)) return InputKind::kImage;
  if (head.starts_with("GIF87a") || head.starts_with("GIF89a")) return InputKind::kGif;
  return InputKind::kOther;
}

namespace {

// The reason to skip path, or "" when it is an image to send.
std::string check_file(const fs::path& path, std::uintmax_t& bytes, std::uintmax_t max_bytes,
                       std::string_view language) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    return tr(language, "batch.skip.unreadable",
              fmt::arg("reason", ec ? ec.message() : std::string("not a regular file")));
  }
  bytes = fs::file_size(path, ec);
  if (ec) return tr(language, "batch.skip.unreadable", fmt::arg("reason", ec.message()));
  if (bytes == 0) return tr(language, "batch.skip.empty");
  if (bytes > max_bytes)
    return tr(language, "batch.skip.too_large", fmt::arg("max_mb", max_bytes / (1024 * 1024)));
  std::ifstream in(path, std::ios::binary);
  char head[16] = {};
  if (!in || (!in.read(head, sizeof(head)) && in.gcount() == 0)) {
    return tr(language, "batch.skip.unreadable", fmt::arg("reason", std::strerror(errno)));
  }
  switch (sniff_input(std::string_view(head, static_cast<std::size_t>(in.gcount())))) {
    case InputKind::kImage:
      return "";
    case InputKind::kGif:
      return tr(language, "batch.skip.gif");
    case InputKind::kOther:
      break;
  }
  return tr(language, "batch.skip.not_image");
}

}  // namespace

Result<InputScan> scan_input(const fs::path& dir, bool recursive, std::uintmax_t max_bytes,
                             std::string_view language) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return Error::make("bad_input_dir", tr(language, "batch.bad_input_dir", fmt::arg("path", dir.string()),
                                           fmt::arg("reason", ec ? ec.message() : "not a folder")));
  }
  std::vector<fs::path> files;
  const auto add = [&](const fs::directory_entry& entry) {
    // Not only regular files: a dangling link or a FIFO is listed as unreadable.
    std::error_code type_ec;
    if (!entry.is_directory(type_ec)) files.push_back(entry.path());
  };
  if (recursive) {
    for (fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end;
         !ec && it != end; it.increment(ec)) {
      add(*it);
    }
  } else {
    for (fs::directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end;
         !ec && it != end; it.increment(ec)) {
      add(*it);
    }
  }
  if (ec) {
    return Error::make("bad_input_dir", tr(language, "batch.bad_input_dir", fmt::arg("path", dir.string()),
                                           fmt::arg("reason", ec.message())));
  }
  std::sort(files.begin(), files.end());

  InputScan scan;
  std::map<std::string, int> stems;
  for (const fs::path& path : files) {
    InputFile file;
    file.path = path;
    file.name = path.lexically_relative(dir).generic_string();
    std::string reason = check_file(path, file.bytes, max_bytes, language);
    if (!reason.empty()) {
      scan.skipped.push_back({file.name, std::move(reason)});
      continue;
    }
    std::string stem = fs::path(file.name).replace_extension().generic_string();
    for (std::size_t at = stem.find('/'); at != std::string::npos; at = stem.find('/', at + 2)) {
      stem.replace(at, 1, "__");
    }
    file.stem = std::move(stem);
    ++stems[file.stem];
    scan.images.push_back(std::move(file));
  }
  for (InputFile& file : scan.images) {
    if (stems[file.stem] > 1) {
      std::string with_extension = file.name;
      for (std::size_t at = with_extension.find('/'); at != std::string::npos;
           at = with_extension.find('/', at + 2)) {
        with_extension.replace(at, 1, "__");
      }
      file.stem = std::move(with_extension);
    }
  }
  return scan;
}

}  // namespace picbot::batch
