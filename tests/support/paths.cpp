#include "tests/support/paths.h"

#include <cstdlib>

namespace picbot::testing {
namespace {

std::filesystem::path env_or(const char* name, const char* fallback) {
  const char* value = std::getenv(name);
  return (value != nullptr && *value != '\0') ? std::filesystem::path(value)
                                              : std::filesystem::path(fallback);
}

}  // namespace

std::filesystem::path picbot_binary() { return env_or("PICBOT_BINARY", PICBOT_DEFAULT_BINARY); }

std::filesystem::path source_dir() { return env_or("PICBOT_SOURCE_DIR", PICBOT_DEFAULT_SOURCE_DIR); }

}  // namespace picbot::testing
