// Where the binary under test and the source tree are. CTest sets
// PICBOT_BINARY and PICBOT_SOURCE_DIR (see picbot_test in cmake/picbot.cmake);
// without them the locations known when the tests were built are used.
#pragma once

#include <filesystem>

namespace picbot::testing {

// The picbot executable: $PICBOT_BINARY, else <build dir>/bot/app/picbot.
std::filesystem::path picbot_binary();

// The repository root: $PICBOT_SOURCE_DIR, else the source dir at build time.
std::filesystem::path source_dir();

}  // namespace picbot::testing
