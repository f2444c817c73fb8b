#include "bot/core/memory.h"

#include <gtest/gtest.h>

#include <cctype>
#include <fstream>
#include <sstream>
#include <string>

namespace picbot {
namespace {

// Resident kB of this process's executable mappings whose path contains `library`.
long resident_code_kb(const std::string& library) {
  std::ifstream smaps("/proc/self/smaps");
  long kb = 0;
  bool inside = false;
  for (std::string line; std::getline(smaps, line);) {
    if (!line.empty() && std::isxdigit(static_cast<unsigned char>(line[0])) &&
        line.find('-') < line.find(' ')) {
      inside = line.find(" r-xp ") != std::string::npos && line.find(library) != std::string::npos;
    } else if (inside && line.starts_with("Rss:")) {
      kb += std::stol(line.substr(4));
    }
  }
  return kb;
}

TEST(ReleaseCodePages, DropsTheLibrarysResidentCodeAndItStillRuns) {
  std::ostringstream warm;  // touch libstdc++ code
  warm << 42 << ' ' << 3.5;
  const long before = resident_code_kb("libstdc++");
  ASSERT_GT(before, 0);
  EXPECT_GT(release_code_pages("libstdc++"), 0u);
  const long after = resident_code_kb("libstdc++");
  EXPECT_LT(after, before);
  // The code faults back in on its next use.
  std::ostringstream again;
  again << 7 << ' ' << 1.25;
  EXPECT_EQ(again.str(), "7 1.25");
}

TEST(ReleaseCodePages, NoMatchingLibraryReleasesNothing) {
  EXPECT_EQ(release_code_pages("no-such-library-here.so"), 0u);
}

}  // namespace
}  // namespace picbot
