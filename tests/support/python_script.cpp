#include "tests/support/python_script.h"

#include <unistd.h>

#include "tests/support/child_process.h"

namespace picbot::testing {

std::string debian_python() {
  return ::access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
}

bool python_has_module(const std::string& module) {
  auto child = ChildProcess::start({debian_python(), "-c", "import " + module});
  return child.ok() && child.value()->wait_exit(std::chrono::seconds(30)) == 0;
}

Result<std::string> run_python(const std::filesystem::path& script, const std::vector<std::string>& args,
                               std::chrono::milliseconds timeout) {
  std::vector<std::string> argv = {debian_python(), script.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  auto child = ChildProcess::start(std::move(argv));
  if (!child.ok()) return child.error();
  const std::optional<int> code = child.value()->wait_exit(timeout);
  if (!code)
    return Error::make("timeout", script.filename().string() + " did not finish: " + child.value()->output());
  if (*code != 0) {
    return Error::make("failed", script.filename().string() + " exited with " + std::to_string(*code) + ": " +
                                     child.value()->output());
  }
  return child.value()->output();
}

}  // namespace picbot::testing
