#include "bench/rss_sampler.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace picbot::bench {
namespace {

// The number after "<key>:" in a /proc/<pid>/status line, in kB.
std::optional<std::int64_t> status_field(const std::string& line, const std::string& key) {
  if (line.compare(0, key.size(), key) != 0 || line.size() <= key.size() || line[key.size()] != ':') {
    return std::nullopt;
  }
  return std::stoll(line.substr(key.size() + 1));
}

std::optional<std::int64_t> schedstat_cpu_ns(pid_t pid) {
  const std::filesystem::path tasks = "/proc/" + std::to_string(pid) + "/task";
  std::error_code ec;
  std::int64_t total = 0;
  bool any = false;
  for (const auto& task : std::filesystem::directory_iterator(tasks, ec)) {
    std::ifstream in(task.path() / "schedstat");
    std::int64_t run_ns = 0;
    if (in >> run_ns) {
      total += run_ns;
      any = true;
    }
  }
  if (ec || !any) return std::nullopt;
  return total;
}

std::optional<std::int64_t> stat_cpu_ns(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // The command name may hold spaces and parentheses: fields start after the last ')'.
  const std::size_t close = text.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(text.substr(close + 2));
  std::string field;
  std::int64_t utime = 0, stime = 0;
  for (int index = 3; fields >> field; ++index) {  // field 3 is the state
    if (index == 14) utime = std::stoll(field);
    if (index == 15) {
      stime = std::stoll(field);
      const long ticks_per_s = sysconf(_SC_CLK_TCK);
      return (utime + stime) * (1'000'000'000 / ticks_per_s);
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<MemoryReading> read_memory(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  if (!in) return std::nullopt;
  MemoryReading reading;
  bool found = false;
  for (std::string line; std::getline(in, line);) {
    if (auto rss = status_field(line, "VmRSS")) {
      reading.rss_kb = *rss;
      found = true;
    } else if (auto hwm = status_field(line, "VmHWM")) {
      reading.hwm_kb = *hwm;
    } else if (auto anon = status_field(line, "RssAnon")) {
      reading.anon_kb = *anon;
    } else if (auto file = status_field(line, "RssFile")) {
      reading.file_kb = *file;
    }
  }
  if (!found) return std::nullopt;  // a zombie has no VmRSS line
  return reading;
}

std::optional<std::int64_t> read_cpu_ns(pid_t pid) {
  if (auto ns = schedstat_cpu_ns(pid)) return ns;
  return stat_cpu_ns(pid);
}

std::optional<std::int64_t> read_thread_cpu_ns(pid_t pid, pid_t tid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/task/" + std::to_string(tid) + "/schedstat");
  std::int64_t on_cpu_ns = 0;  // the first field: time spent on the CPU
  if (!(in >> on_cpu_ns)) return std::nullopt;
  return on_cpu_ns;
}

double load_average_1min() {
  std::ifstream in("/proc/loadavg");
  double load = -1;
  in >> load;
  return in ? load : -1;
}

RssSampler::RssSampler(pid_t pid, std::chrono::milliseconds period)
    : thread_([this, pid, period] { run(pid, period); }) {}

RssSampler::~RssSampler() { stop(); }

void RssSampler::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

void RssSampler::run(pid_t pid, std::chrono::milliseconds period) {
  auto next = std::chrono::steady_clock::now();
  while (!stopping_) {
    const auto reading = read_memory(pid);
    if (!reading) return;
    ++samples_;
    if (reading->rss_kb > peak_kb_) peak_kb_ = reading->rss_kb;
    next = std::max(next + period, std::chrono::steady_clock::now());
    std::this_thread::sleep_until(next);
  }
}

}  // namespace picbot::bench
