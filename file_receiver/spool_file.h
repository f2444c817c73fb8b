// SpoolFile: a file being received. Data goes to a hidden temporary file in
// the target directory; commit() renames it into place atomically, so NapCat
// never sees a partial file. Blocking: call from a WorkerPool thread. Not
// thread-safe; movable, not copyable.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string_view>

#include "bot/core/result.h"

namespace picbot::filesend {

class SpoolFile {
 public:
  // Creates an empty temporary file (mode 0644) named make_spool_name(nonce)
  // in directory. Error code "disk" on failure.
  static Result<SpoolFile> create(const std::filesystem::path& directory, std::uint64_t nonce);

  SpoolFile(SpoolFile&& other) noexcept;
  SpoolFile& operator=(SpoolFile&&) = delete;
  SpoolFile(const SpoolFile&) = delete;
  // Discards the temporary file unless committed.
  ~SpoolFile();

  // Appends data. Error code "disk" on failure (for example ENOSPC).
  Status write(std::string_view data);

  // Closes the file and renames it to directory/final_name without replacing
  // an existing file. Returns the final path. Error code "exists" when the
  // name is taken (the spool file stays, so the caller may retry with another
  // name), "disk" otherwise.
  Result<std::filesystem::path> commit(std::string_view final_name);

  // Closes and deletes the temporary file. Idempotent.
  void discard();

  const std::filesystem::path& path() const { return path_; }

 private:
  SpoolFile(std::filesystem::path path, int fd) : path_(std::move(path)), fd_(fd) {}
  std::filesystem::path path_;
  int fd_ = -1;
  bool open_ = true;  // false once committed or discarded
};

}  // namespace picbot::filesend
