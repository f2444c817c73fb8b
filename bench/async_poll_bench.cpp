// async_poll_bench: what asynchronous image tasks cost while they wait. One
// event loop runs N dashscope drawings at once (the real provider, TaskPoller
// and HttpClient, as picbot runs them) against an in-process FakeDashScope
// whose tasks answer RUNNING for --polls polls before their image; the poll
// interval is --interval seconds (poll_interval_seconds).
//
//   async_poll_bench [--tasks N] [--polls P] [--interval S]
//
// Prints "RESULT <metric> <value> <unit>" lines: the event-loop thread's CPU
// per poll (submits, polls and downloads all charged to the polls), the
// process's peak RSS (VmHWM; the fake's server thread included), tasks,
// polls, the TCP connections the fake accepted (keep-alive reuse) and wall
// time. Exit status 0 when every drawing returned its image,
// 1 otherwise, 2 on a usage error.
#include <sys/resource.h>
#include <time.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "bot/core/worker_pool.h"
#include "bot/net/http_client.h"
#include "image/providers/dashscope/dashscope_provider.h"
#include "image/task_poller.h"
#include "tests/fakes/dashscope/fake_dashscope.h"

namespace {

using namespace picbot;

std::int64_t thread_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

long vm_hwm_kb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  }
  return -1;
}

void raise_fd_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

}  // namespace

int main(int argc, char** argv) {
  int tasks = 1000;
  int polls = 5;
  double interval = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i + 1 >= argc) {
      std::fprintf(stderr, "usage: async_poll_bench [--tasks N] [--polls P] [--interval S]\n");
      return 2;
    }
    if (arg == "--tasks") {
      tasks = std::atoi(argv[++i]);
    } else if (arg == "--polls") {
      polls = std::atoi(argv[++i]);
    } else if (arg == "--interval") {
      interval = std::atof(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: async_poll_bench [--tasks N] [--polls P] [--interval S]\n");
      return 2;
    }
  }
  raise_fd_limit();
  testing::FakeDashScope fake;
  fake.tasks().set_running_polls(polls);

  boost::asio::io_context io;
  net::HttpClient http(io.get_executor());
  WorkerPool workers(1);
  image::TaskPoller poller(io.get_executor(), Clock::system());
  const image::ProviderDeps deps{http, Clock::system(), workers, &poller};
  image::InstanceSettings settings;
  settings.api_base = fake.api_base();
  settings.api_keys = {"sk-bench0000aaaa1111bbbb2222cccc"};
  settings.model = std::string(image::kDashScopeModel);
  settings.poll_interval_seconds = interval;
  settings.request_timeout_seconds = 600;
  settings.allow_private_download_addresses = true;
  image::DashScopeProvider provider(deps, "ds", settings);

  int delivered = 0;
  int failed = 0;
  for (int i = 0; i < tasks; ++i) {
    boost::asio::co_spawn(
        io,
        [&, i]() -> boost::asio::awaitable<void> {
          image::ImageRequest request;
          request.prompt = "bench " + std::to_string(i);
          auto result = co_await provider.generate(std::move(request));
          if (result.ok()) {
            ++delivered;
          } else {
            ++failed;
            std::fprintf(stderr, "task %d failed: %s\n", i, result.error().to_string().c_str());
          }
        },
        boost::asio::detached);
  }
  const auto wall_start = std::chrono::steady_clock::now();
  const std::int64_t cpu_start = thread_cpu_ns();
  io.run();
  const std::int64_t cpu_ns = thread_cpu_ns() - cpu_start;
  const double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  const auto poll_count = static_cast<double>(fake.tasks().poll_count());
  std::printf("RESULT async_tasks %d tasks\n", tasks);
  std::printf("RESULT async_polls %.0f polls\n", poll_count);
  std::printf("RESULT async_cpu_per_poll_us %.2f us\n", poll_count > 0 ? cpu_ns / 1000.0 / poll_count : 0.0);
  std::printf("RESULT async_connections %zu connections\n", fake.connection_count());
  std::printf("RESULT async_vm_hwm_kb %ld kB\n", vm_hwm_kb());
  std::printf("RESULT async_wall_s %.2f s\n", wall_s);
  std::printf("RESULT async_delivered %d images\n", delivered);
  return delivered == tasks && failed == 0 ? 0 : 1;
}
