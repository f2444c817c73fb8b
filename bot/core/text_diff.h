// Line diffs of two texts, for showing a person what a write would change.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace picbot {

// Above this many lines on both sides (after dropping their common start and
// end) the changed middle is shown as one block removed and one added,
// instead of being matched line by line.
inline constexpr std::size_t kMaxDiffedLines = 1000;

// The unified diff (as `diff -u`, context lines around each hunk) that turns
// before into after, with "--- a/<name>" / "+++ b/<name>" headers. Empty
// when the texts are equal. A final line without a newline is shown as if
// it had one. Pure; thread-safe.
std::string unified_diff(std::string_view before, std::string_view after, std::string_view name,
                         std::size_t context = 3);

}  // namespace picbot
