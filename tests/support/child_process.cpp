#include "tests/support/child_process.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

extern char** environ;

namespace picbot::testing {
namespace {

Error errno_error(const std::string& what) {
  return Error::make("spawn_failed", what + ": " + std::strerror(errno));
}

// The parent's environment with `extra` added or replacing entries.
std::vector<std::string> merged_environment(const std::map<std::string, std::string>& extra) {
  std::vector<std::string> env;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    std::string item(*entry);
    const std::string name = item.substr(0, item.find('='));
    if (extra.find(name) == extra.end()) env.push_back(std::move(item));
  }
  for (const auto& [name, value] : extra) env.push_back(name + "=" + value);
  return env;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

bool echo_enabled() {
  const char* value = std::getenv("PICBOT_TEST_ECHO_CHILD");
  return value != nullptr && *value != '\0' && std::string(value) != "0";
}

}  // namespace

Result<std::unique_ptr<ChildProcess>> ChildProcess::start(std::vector<std::string> argv,
                                                          std::map<std::string, std::string> extra_env,
                                                          std::filesystem::path cwd) {
  if (argv.empty()) return Error::make("bad_argument", "argv is empty");
  int output_pipe[2];
  if (pipe2(output_pipe, O_CLOEXEC) != 0) return errno_error("pipe2");
  int wake_pipe[2];
  if (pipe2(wake_pipe, O_CLOEXEC) != 0) {
    ::close(output_pipe[0]);
    ::close(output_pipe[1]);
    return errno_error("pipe2");
  }

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, output_pipe[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, output_pipe[1], STDERR_FILENO);
  const std::string cwd_string = cwd.string();
  if (!cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, cwd_string.c_str());

  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Own process group, so kill9() also reaches grandchildren that hold the pipe.
  posix_spawnattr_setpgroup(&attr, 0);
  sigset_t default_signals;
  sigemptyset(&default_signals);
  sigaddset(&default_signals, SIGTERM);
  sigaddset(&default_signals, SIGINT);
  sigaddset(&default_signals, SIGHUP);
  sigaddset(&default_signals, SIGPIPE);
  posix_spawnattr_setsigdefault(&attr, &default_signals);
  sigset_t no_mask;
  sigemptyset(&no_mask);
  posix_spawnattr_setsigmask(&attr, &no_mask);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

  std::vector<std::string> env = merged_environment(extra_env);
  std::vector<char*> argv_c = c_strings(argv);
  std::vector<char*> env_c = c_strings(env);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, argv_c[0], &actions, &attr, argv_c.data(), env_c.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(output_pipe[1]);
  if (rc != 0) {
    ::close(output_pipe[0]);
    ::close(wake_pipe[0]);
    ::close(wake_pipe[1]);
    errno = rc;
    return errno_error("posix_spawnp " + argv[0]);
  }
  return std::unique_ptr<ChildProcess>(new ChildProcess(pid, output_pipe[0], wake_pipe[0], wake_pipe[1]));
}

ChildProcess::ChildProcess(pid_t pid, int output_fd, int wake_read_fd, int wake_write_fd)
    : pid_(pid), output_fd_(output_fd), wake_read_fd_(wake_read_fd), wake_write_fd_(wake_write_fd) {
  reader_ = std::thread([this] { read_output(); });
  waiter_ = std::thread([this] { wait_for_exit_status(); });
}

ChildProcess::~ChildProcess() {
  // The waiter only observes the exit (WNOWAIT), so pid_ stays reserved and
  // the group kill cannot hit an unrelated process.
  kill(-pid_, SIGKILL);
  waiter_.join();
  kill(-pid_, SIGKILL);  // grandchildren left behind after the leader exited
  int status = 0;
  waitpid(pid_, &status, 0);
  {
    // Let the reader drain what the child printed last (a leak report is
    // written at exit); a grandchild that keeps the pipe open ends the wait.
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(2), [this] { return output_closed_; });
  }
  if (const std::string report = sanitizer_report(); !report.empty()) {
    ADD_FAILURE() << "sanitizer report from child " << pid_ << ": " << report << "\nfull output:\n"
                  << output();
  }
  const char wake = 1;
  (void)!write(wake_write_fd_, &wake, 1);
  reader_.join();
  ::close(output_fd_);
  ::close(wake_read_fd_);
  ::close(wake_write_fd_);
}

void ChildProcess::read_output() {
  const bool echo = echo_enabled();
  char buffer[4096];
  pollfd fds[2] = {{output_fd_, POLLIN, 0}, {wake_read_fd_, POLLIN, 0}};
  while (true) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[1].revents != 0) break;
    const ssize_t n = read(output_fd_, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (echo) std::fprintf(stderr, "%.*s", static_cast<int>(n), buffer);
    std::lock_guard lock(mu_);
    output_.append(buffer, static_cast<std::size_t>(n));
    partial_line_.append(buffer, static_cast<std::size_t>(n));
    std::size_t start = 0;
    for (std::size_t nl = partial_line_.find('\n'); nl != std::string::npos;
         nl = partial_line_.find('\n', start)) {
      std::string line = partial_line_.substr(start, nl - start);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      lines_.push_back(std::move(line));
      start = nl + 1;
    }
    partial_line_.erase(0, start);
    cv_.notify_all();
  }
  std::lock_guard lock(mu_);
  if (!partial_line_.empty()) lines_.push_back(std::move(partial_line_));
  partial_line_.clear();
  output_closed_ = true;
  cv_.notify_all();
}

void ChildProcess::wait_for_exit_status() {
  siginfo_t info{};
  while (waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOWAIT) != 0) {
    if (errno != EINTR) break;
  }
  int code = -1;
  if (info.si_code == CLD_EXITED) {
    code = info.si_status;
  } else if (info.si_code == CLD_KILLED || info.si_code == CLD_DUMPED) {
    code = 128 + info.si_status;
  }
  std::lock_guard lock(mu_);
  exit_code_ = code;
  cv_.notify_all();
}

bool ChildProcess::wait_for_line(const std::regex& pattern, std::chrono::milliseconds timeout,
                                 std::vector<std::string>* captures) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::unique_lock lock(mu_);
  std::size_t next = 0;
  while (true) {
    for (; next < lines_.size(); ++next) {
      std::smatch match;
      if (std::regex_search(lines_[next], match, pattern)) {
        if (captures != nullptr) {
          captures->clear();
          for (const auto& group : match) captures->push_back(group.str());
        }
        return true;
      }
    }
    if (output_closed_) return false;
    if (cv_.wait_until(lock, deadline) == std::cv_status::timeout && next == lines_.size()) return false;
  }
}

std::vector<std::string> ChildProcess::lines() const {
  std::lock_guard lock(mu_);
  return lines_;
}

std::string ChildProcess::output() const {
  std::lock_guard lock(mu_);
  return output_;
}

bool ChildProcess::set_open_file_limit(std::size_t limit) {
  struct rlimit current {};
  if (prlimit(pid_, RLIMIT_NOFILE, nullptr, &current) != 0) return false;
  struct rlimit lowered = current;
  lowered.rlim_cur = static_cast<rlim_t>(limit);
  return prlimit(pid_, RLIMIT_NOFILE, &lowered, nullptr) == 0;
}

std::size_t ChildProcess::open_file_count() const {
  std::error_code ec;
  std::size_t n = 0;
  for (std::filesystem::directory_iterator it("/proc/" + std::to_string(pid_) + "/fd", ec), end;
       !ec && it != end; it.increment(ec)) {
    ++n;
  }
  return n;
}

std::chrono::milliseconds ChildProcess::cpu_time() const {
  std::ifstream file("/proc/" + std::to_string(pid_) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  // Fields after the command (which may hold spaces) end with ')'; utime and
  // stime are the 14th and 15th fields, the 12th and 13th after it.
  const std::size_t close = stat.rfind(')');
  if (close == std::string::npos) return std::chrono::milliseconds(0);
  std::istringstream rest(stat.substr(close + 2));
  std::string field;
  for (int skipped = 0; skipped < 11; ++skipped) rest >> field;  // state .. cmajflt
  unsigned long long utime = 0, stime = 0;
  rest >> utime >> stime;
  const long ticks = sysconf(_SC_CLK_TCK);
  return std::chrono::milliseconds((utime + stime) * 1000 / static_cast<unsigned long long>(ticks));
}

void ChildProcess::signal(int sig) {
  std::lock_guard lock(mu_);
  if (!exit_code_) kill(pid_, sig);
}

void ChildProcess::kill9() {
  std::lock_guard lock(mu_);
  kill(-pid_, SIGKILL);
}

std::optional<int> ChildProcess::wait_exit(std::chrono::milliseconds timeout) {
  // Also wait for the output to reach EOF, so output() read right after
  // holds everything the child printed.
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, timeout, [this] { return exit_code_.has_value() && output_closed_; });
  return exit_code_;
}

std::string ChildProcess::sanitizer_report() const {
  // "==123==ERROR: AddressSanitizer: ...", "==123==ERROR: LeakSanitizer: ...",
  // "file.cpp:10:5: runtime error: ..." (UBSan), "==123== ERROR SUMMARY: 2
  // errors ..." (valgrind memcheck, when the binary runs under it).
  // Never destroyed: a ChildProcess held by a static (a test binary's shared
  // PostgreSQL server) is destroyed during static destruction, after a
  // function-local static regex would be.
  static const std::regex& report = *new std::regex(
      R"(==\d+==ERROR: (AddressSanitizer|LeakSanitizer)|:\d+:\d+: runtime error: |==\d+== ERROR SUMMARY: [1-9])");
  std::lock_guard lock(mu_);
  for (const auto& line : lines_) {
    if (std::regex_search(line, report)) return line;
  }
  if (std::regex_search(partial_line_, report)) return partial_line_;
  return {};
}

bool ChildProcess::running() const {
  std::lock_guard lock(mu_);
  return !exit_code_.has_value();
}

}  // namespace picbot::testing
