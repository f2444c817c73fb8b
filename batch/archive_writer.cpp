#include "batch/archive_writer.h"

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <vector>

namespace picbot::batch {
namespace fs = std::filesystem;

namespace {

struct ArchiveFree {
  void operator()(archive* a) const { archive_write_free(a); }
};
struct EntryFree {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};

Error archive_error(archive* a, const std::string& what) {
  const char* message = archive_error_string(a);
  return Error::make("io", what + ": " + (message ? message : "libarchive error"));
}

Status add_file(archive* a, const fs::path& path, const std::string& name) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec) return Error::make("io", path.string() + ": " + ec.message());
  std::unique_ptr<archive_entry, EntryFree> entry(archive_entry_new());
  archive_entry_set_pathname(entry.get(), name.c_str());
  archive_entry_set_size(entry.get(), static_cast<la_int64_t>(size));
  archive_entry_set_filetype(entry.get(), AE_IFREG);
  archive_entry_set_perm(entry.get(), 0644);
  archive_entry_set_mtime(entry.get(), std::chrono::system_clock::to_time_t(std::chrono::system_clock::now()),
                          0);
  if (archive_write_header(a, entry.get()) != ARCHIVE_OK) return archive_error(a, name);
  std::ifstream in(path, std::ios::binary);
  std::vector<char> buffer(64 * 1024);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const auto got = in.gcount();
    if (got > 0 && archive_write_data(a, buffer.data(), static_cast<std::size_t>(got)) < 0) {
      return archive_error(a, name);
    }
  }
  if (in.bad()) return Error::make("io", "cannot read " + path.string());
  return {};
}

}  // namespace

fs::path archive_path(const fs::path& output, ArchiveFormat format) {
  return output / (format == ArchiveFormat::kZip ? "archive.zip" : "archive.tar");
}

Status write_archive(const fs::path& output, ArchiveFormat format) {
  const fs::path target = archive_path(output, format);
  const fs::path temp = output / ("." + target.filename().string() + ".tmp");
  std::unique_ptr<archive, ArchiveFree> a(archive_write_new());
  const int set = format == ArchiveFormat::kZip ? archive_write_set_format_zip(a.get())
                                                : archive_write_set_format_pax_restricted(a.get());
  if (set != ARCHIVE_OK) return archive_error(a.get(), "archive format");
  if (archive_write_open_filename(a.get(), temp.c_str()) != ARCHIVE_OK)
    return archive_error(a.get(), temp.string());
  std::vector<std::pair<fs::path, std::string>> files;
  for (const char* folder : {"successful", "failed", "metadata"}) {
    std::error_code ec;
    for (fs::directory_iterator it(output / folder, ec), end; !ec && it != end; it.increment(ec)) {
      const std::string name = it->path().filename().string();
      if (it->is_regular_file(ec) && !name.starts_with(".")) {
        files.emplace_back(it->path(), std::string(folder) + "/" + name);
      }
    }
  }
  std::sort(files.begin(), files.end(), [](const auto& x, const auto& y) { return x.second < y.second; });
  for (const auto& [path, name] : files) {
    if (Status added = add_file(a.get(), path, name); !added) {
      a.reset();
      std::error_code ec;
      fs::remove(temp, ec);
      return added;
    }
  }
  if (archive_write_close(a.get()) != ARCHIVE_OK) {
    Error error = archive_error(a.get(), target.string());
    a.reset();
    std::error_code ec;
    fs::remove(temp, ec);
    return error;
  }
  a.reset();
  std::error_code ec;
  fs::rename(temp, target, ec);
  if (ec) return Error::make("io", target.string() + ": " + ec.message());
  return {};
}

}  // namespace picbot::batch
