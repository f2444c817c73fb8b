// ChildProcess: runs a program (usually the real picbot binary) for an
// integration test and collects its merged stdout+stderr line by line.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "bot/core/result.h"

namespace picbot::testing {

class ChildProcess {
 public:
  // Starts argv[0] (looked up in PATH when it has no slash) with argv, the
  // parent's environment plus `extra_env` (which wins), in `cwd` (empty: the
  // current directory). The child leads its own process group and its stdin is
  // /dev/null. Returns an error if argv is empty or posix_spawn fails; a
  // missing cwd makes the spawn fail.
  static Result<std::unique_ptr<ChildProcess>> start(std::vector<std::string> argv,
                                                     std::map<std::string, std::string> extra_env = {},
                                                     std::filesystem::path cwd = {});

  // Kills the whole process group with SIGKILL if the child still runs, then
  // reaps it. A sanitizer report in the child's output (see
  // sanitizer_report) fails the current test, so a sanitized build catches
  // errors in the programs the tests start, not only in the tests.
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }

  // Waits until some output line (already seen or new) matches `pattern`
  // (std::regex_search). On success fills `captures` (if given) with the whole
  // match followed by each group. Returns false at the deadline, or early once
  // the output has closed without a match.
  bool wait_for_line(const std::regex& pattern, std::chrono::milliseconds timeout,
                     std::vector<std::string>* captures = nullptr);

  // Complete lines so far (a trailing partial line appears once output closes).
  std::vector<std::string> lines() const;
  // All output so far, as received.
  std::string output() const;

  // Lowers (or raises, up to the hard limit) the child's soft limit on open
  // descriptors (RLIMIT_NOFILE) while it runs. Returns false with errno set
  // when prlimit refuses.
  bool set_open_file_limit(std::size_t limit);
  // Descriptors the child has open now (entries of /proc/<pid>/fd); 0 when
  // it is gone.
  std::size_t open_file_count() const;
  // CPU time (user + system, all threads) the child has used so far.
  std::chrono::milliseconds cpu_time() const;

  // Sends `sig` to the child process only (not its group).
  void signal(int sig);
  // SIGKILL to the child's process group.
  void kill9();

  // The exit code, or 128+signal if a signal ended it; nullopt if it is still
  // running at the deadline. Returns once the output has also reached EOF (or
  // at the deadline), so output() then holds everything the child printed.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);
  bool running() const;

  // The first line of an AddressSanitizer, LeakSanitizer or UBSan report, or
  // of a valgrind error summary with errors, in the output so far; "" when
  // there is none.
  std::string sanitizer_report() const;

 private:
  ChildProcess(pid_t pid, int output_fd, int wake_fd_read, int wake_fd_write);
  void read_output();
  void wait_for_exit_status();

  const pid_t pid_;
  const int output_fd_;
  const int wake_read_fd_;  // wakes the reader at destruction
  const int wake_write_fd_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::string output_;
  std::vector<std::string> lines_;
  std::string partial_line_;
  bool output_closed_ = false;
  std::optional<int> exit_code_;  // set once the child has exited (not yet reaped)

  std::thread reader_;
  std::thread waiter_;
};

}  // namespace picbot::testing
