// TempDir: a fresh directory under /tmp that is removed, with its contents,
// when the object is destroyed.
#pragma once

#include <filesystem>
#include <string_view>

namespace picbot::testing {

class TempDir {
 public:
  // Creates /tmp/picbot-test-XXXXXX. Throws std::runtime_error if it cannot.
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

  // Writes `content` to path()/name (creating parent folders; `name` may hold
  // slashes) and returns the full path. Throws std::runtime_error on failure.
  std::filesystem::path write_file(const std::filesystem::path& name, std::string_view content) const;

 private:
  std::filesystem::path path_;
};

}  // namespace picbot::testing
