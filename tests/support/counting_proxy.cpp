#include "tests/support/counting_proxy.h"

#include <signal.h>

#include <algorithm>
#include <regex>
#include <sstream>

#include "tests/support/paths.h"
#include "tests/support/wait.h"

namespace picbot::testing {

using namespace std::chrono_literals;

Result<std::unique_ptr<CountingProxy>> CountingProxy::start(const std::string& upstream) {
  auto child = ChildProcess::start(
      {"python3", (source_dir() / "tests/s3/counting_proxy.py").string(), "--upstream", upstream});
  if (!child.ok()) return child.error();
  std::vector<std::string> captures;
  if (!(*child)->wait_for_line(std::regex("proxy listening on port=(\\d+)"), 20s, &captures)) {
    return Error::make("proxy", "the counting proxy did not start: " + (*child)->output());
  }
  return std::unique_ptr<CountingProxy>(new CountingProxy(std::move(child).value(), std::stoi(captures[1])));
}

std::string CountingProxy::endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

int CountingProxy::count_lines(const std::string& prefix, bool exact_path, const std::string& path) const {
  int n = 0;
  for (const std::string& line : process_->lines()) {
    if (!line.starts_with(prefix)) continue;
    std::istringstream words(line.substr(prefix.size()));
    std::string line_path, status;
    words >> line_path >> status;
    if (exact_path && line_path != path) continue;
    if (prefix.starts_with("forwarded") && !status.starts_with("2")) continue;
    ++n;
  }
  return n;
}

int CountingProxy::puts(const std::string& path) const {
  return count_lines("forwarded PUT ", !path.empty(), path);
}

int CountingProxy::held() const { return count_lines("holding PUT ", false, "") - released_; }

// Signals the proxy and waits until it has said `answer` once more than before.
void CountingProxy::signal_and_wait(int sig, const std::string& answer) {
  const auto said = [&] {
    const auto lines = process_->lines();
    return static_cast<int>(std::count(lines.begin(), lines.end(), answer));
  };
  const int before = said();
  process_->signal(sig);
  wait_until([&] { return said() > before; }, 10s);
}

void CountingProxy::hold_puts() { signal_and_wait(SIGUSR1, "holding puts from now on"); }

void CountingProxy::release() {
  released_ += held();
  signal_and_wait(SIGUSR2, "released held answers");
}

}  // namespace picbot::testing
