#include "bot/core/text_diff.h"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace picbot {
namespace {

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    lines.push_back(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return lines;
}

enum class Op { kKeep, kRemove, kAdd };

struct Step {
  Op op;
  std::string_view line;
};

// The steps from a to b: a longest common subsequence of the middle that
// differs, or the whole middle removed and added when it is too long.
std::vector<Step> diff_steps(const std::vector<std::string_view>& a, const std::vector<std::string_view>& b) {
  std::size_t head = 0;
  while (head < a.size() && head < b.size() && a[head] == b[head]) ++head;
  std::size_t tail = 0;
  while (tail < a.size() - head && tail < b.size() - head && a[a.size() - 1 - tail] == b[b.size() - 1 - tail])
    ++tail;
  const std::size_t n = a.size() - head - tail;
  const std::size_t m = b.size() - head - tail;
  std::vector<Step> steps;
  for (std::size_t i = 0; i < head; ++i) steps.push_back({Op::kKeep, a[i]});
  if (n > kMaxDiffedLines || m > kMaxDiffedLines) {
    for (std::size_t i = 0; i < n; ++i) steps.push_back({Op::kRemove, a[head + i]});
    for (std::size_t j = 0; j < m; ++j) steps.push_back({Op::kAdd, b[head + j]});
  } else {
    // lcs[i][j]: length of the longest common subsequence of a[i..] and b[j..].
    std::vector<std::vector<std::uint32_t>> lcs(n + 1, std::vector<std::uint32_t>(m + 1, 0));
    for (std::size_t i = n; i-- > 0;) {
      for (std::size_t j = m; j-- > 0;) {
        lcs[i][j] =
            a[head + i] == b[head + j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
      }
    }
    std::size_t i = 0;
    std::size_t j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && a[head + i] == b[head + j]) {
        steps.push_back({Op::kKeep, a[head + i]});
        ++i;
        ++j;
      } else if (i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1])) {
        steps.push_back({Op::kRemove, a[head + i++]});  // removals first, as diff -u
      } else {
        steps.push_back({Op::kAdd, b[head + j++]});
      }
    }
  }
  for (std::size_t i = a.size() - tail; i < a.size(); ++i) steps.push_back({Op::kKeep, a[i]});
  return steps;
}

// "start,count" of a hunk side; an empty side starts on the line before.
std::string range(std::size_t first, std::size_t count) {
  const std::size_t start = count == 0 ? first : first + 1;
  return std::to_string(start) + "," + std::to_string(count);
}

}  // namespace

std::string unified_diff(std::string_view before, std::string_view after, std::string_view name,
                         std::size_t context) {
  if (before == after) return {};
  const auto a = split_lines(before);
  const auto b = split_lines(after);
  const std::vector<Step> steps = diff_steps(a, b);
  std::string out = "--- a/" + std::string(name) + "\n+++ b/" + std::string(name) + "\n";
  std::size_t k = 0;
  while (k < steps.size()) {
    while (k < steps.size() && steps[k].op == Op::kKeep) ++k;
    if (k == steps.size()) break;
    // A hunk: from `context` lines before the change to `context` lines after
    // the last change that is no more than 2 * context lines from the next.
    const std::size_t first = k >= context ? k - context : 0;
    std::size_t last = k;  // one past the last change in the hunk
    for (std::size_t j = k; j < steps.size(); ++j) {
      if (steps[j].op != Op::kKeep) {
        last = j + 1;
      } else if (j - last >= 2 * context) {
        break;
      }
    }
    const std::size_t end = std::min(steps.size(), last + context);
    std::size_t a_line = 0;
    std::size_t b_line = 0;
    for (std::size_t j = 0; j < first; ++j) {
      if (steps[j].op != Op::kAdd) ++a_line;
      if (steps[j].op != Op::kRemove) ++b_line;
    }
    std::size_t a_count = 0;
    std::size_t b_count = 0;
    std::string body;
    for (std::size_t j = first; j < end; ++j) {
      const char mark = steps[j].op == Op::kKeep ? ' ' : steps[j].op == Op::kRemove ? '-' : '+';
      if (steps[j].op != Op::kAdd) ++a_count;
      if (steps[j].op != Op::kRemove) ++b_count;
      body += mark;
      body += steps[j].line;
      body += '\n';
    }
    out += "@@ -" + range(a_line, a_count) + " +" + range(b_line, b_count) + " @@\n" + body;
    k = end;
  }
  return out;
}

}  // namespace picbot
