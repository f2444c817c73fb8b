// RssSampler: memory and CPU readings of another process from /proc, for the
// load generators in bench/. The free functions read one value; RssSampler
// polls VmRSS on its own thread and keeps the largest value seen.
//
// Thread-safety: the free functions are pure reads of /proc. RssSampler's
// methods are called from one thread; the sampling thread only touches the
// atomics.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <thread>

namespace picbot::bench {

struct MemoryReading {
  std::int64_t rss_kb = 0;   // VmRSS: resident now
  std::int64_t hwm_kb = 0;   // VmHWM: the peak resident size since the process started
  std::int64_t anon_kb = 0;  // RssAnon: heap, stacks (the part the process itself grows)
  std::int64_t file_kb = 0;  // RssFile: mapped files, mostly shared libraries
};

// VmRSS, VmHWM, RssAnon and RssFile from /proc/<pid>/status; nullopt once the process is gone.
std::optional<MemoryReading> read_memory(pid_t pid);

// CPU time (user + system) used by every thread of the process, in
// nanoseconds. Uses /proc/<pid>/task/*/schedstat (nanosecond precision) when
// the kernel provides it, else utime+stime from /proc/<pid>/stat (clock-tick
// precision, usually 10 ms). nullopt once the process is gone.
std::optional<std::int64_t> read_cpu_ns(pid_t pid);

// CPU time of one thread (user + system, nanoseconds, from
// /proc/<pid>/task/<tid>/schedstat); the main thread's tid is the pid. nullopt
// when unavailable.
std::optional<std::int64_t> read_thread_cpu_ns(pid_t pid, pid_t tid);

// The 1-minute load average, or -1 if /proc/loadavg is unreadable.
double load_average_1min();

class RssSampler {
 public:
  // Starts sampling VmRSS of `pid` every `period`.
  RssSampler(pid_t pid, std::chrono::milliseconds period);
  // Stops and joins the sampling thread.
  ~RssSampler();
  RssSampler(const RssSampler&) = delete;
  RssSampler& operator=(const RssSampler&) = delete;

  // Stops sampling (idempotent); peak_kb() stays readable.
  void stop();
  // Largest VmRSS seen so far, in kB (0 before the first sample).
  std::int64_t peak_kb() const { return peak_kb_.load(); }
  std::int64_t samples() const { return samples_.load(); }

 private:
  void run(pid_t pid, std::chrono::milliseconds period);

  std::atomic<bool> stopping_{false};
  std::atomic<std::int64_t> peak_kb_{0};
  std::atomic<std::int64_t> samples_{0};
  std::thread thread_;
};

}  // namespace picbot::bench
