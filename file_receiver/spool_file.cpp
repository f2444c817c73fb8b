#include "file_receiver/spool_file.h"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "file_receiver/file_naming.h"

namespace picbot::filesend {
namespace {

Error disk_error(std::string_view what, const std::filesystem::path& path, int err) {
  return Error::make("disk", std::string(what) + " " + path.string() + ": " + std::strerror(err));
}

}  // namespace

Result<SpoolFile> SpoolFile::create(const std::filesystem::path& directory, std::uint64_t nonce) {
  std::filesystem::path path = directory / make_spool_name(nonce);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) return disk_error("cannot create", path, errno);
  return SpoolFile(std::move(path), fd);
}

SpoolFile::SpoolFile(SpoolFile&& other) noexcept
    : path_(std::move(other.path_)),
      fd_(std::exchange(other.fd_, -1)),
      open_(std::exchange(other.open_, false)) {}

SpoolFile::~SpoolFile() { discard(); }

Status SpoolFile::write(std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd_, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return disk_error("cannot write", path_, errno);
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

Result<std::filesystem::path> SpoolFile::commit(std::string_view final_name) {
  if (fd_ >= 0) {
    const int closed = ::close(std::exchange(fd_, -1));
    if (closed != 0 && errno != EINTR) return disk_error("cannot close", path_, errno);
  }
  std::filesystem::path target = path_.parent_path() / std::string(final_name);
  int renamed = ::renameat2(AT_FDCWD, path_.c_str(), AT_FDCWD, target.c_str(), RENAME_NOREPLACE);
  if (renamed != 0 && (errno == EINVAL || errno == ENOSYS)) {
    // File systems without RENAME_NOREPLACE: link() also refuses to replace.
    renamed = ::link(path_.c_str(), target.c_str());
    if (renamed == 0) ::unlink(path_.c_str());
  }
  if (renamed != 0) {
    if (errno == EEXIST) return Error::already_exists(target.string() + " already exists");
    return disk_error("cannot rename to", target, errno);
  }
  open_ = false;
  return target;
}

void SpoolFile::discard() {
  if (fd_ >= 0) ::close(std::exchange(fd_, -1));
  if (open_) ::unlink(path_.c_str());
  open_ = false;
}

}  // namespace picbot::filesend
