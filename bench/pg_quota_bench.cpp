// pg_quota_bench (issue 22): the quota ledger on PostgreSQL.
//
//   pg_quota_bench [--seconds 10] [--processes 2] [--threads 8] [--json]
//
// 1. Throughput: starts a throw-away PostgreSQL 15 (tests/support, durable:
//    fsync and synchronous_commit on, as a production server), then
//    --processes copies of itself (--worker), each an instance with its own
//    instance_id and a pool of --threads connections, --threads threads doing
//    reserve+commit pairs on 10,000 buckets for --seconds. Goal: >= 5,000
//    pairs/s from two processes together.
// 2. Admission latency: one caller, a reserve at a time (what a /draw's
//    admission waits for, less the hop to the worker pool, the same on both
//    backends), on SQLite (quota.sqlite3 on TMPDIR) and on the PostgreSQL
//    above; p50/p99 of each and the p99 added by PostgreSQL. Goal: <= 2 ms.
//
// Prints one line per figure, or one JSON object with --json. The CPU of a
// pair is the workers' user+system time per pair (PostgreSQL's own CPU is
// not in it: the server is another process; see docs/performance.md).
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "bot/quota/open_ledger.h"
#include "bot/quota/pg_quota_store.h"
#include "tests/support/child_process.h"
#include "tests/support/postgres_server.h"
#include "tests/support/temp_dir.h"

namespace {

using namespace std::chrono_literals;
using picbot::quota::QuotaDecision;
using picbot::quota::QuotaLedger;
using picbot::quota::QuotaTier;
using Clock = std::chrono::steady_clock;

constexpr int kBuckets = 10000;
constexpr std::int64_t kLimit = 1000000;  // never reached: every reserve is granted
constexpr std::chrono::milliseconds kWindow = 24h;

struct Options {
  int seconds = 10;
  int processes = 2;
  int threads = 8;
  bool json = false;
  // --worker URL INSTANCE
  std::string worker_url;
  std::string worker_instance;
};

QuotaDecision decision_for(int bucket) {
  return QuotaDecision{QuotaDecision::kCounted, "user:" + std::to_string(bucket), kLimit,
                       QuotaTier::kDefault};
}

std::unique_ptr<QuotaLedger> open_pg(const std::string& url, const std::string& instance,
                                     std::size_t connections) {
  picbot::quota::LedgerPlace place;
  place.database_url = url;
  place.instance_id = instance;
  place.max_connections = connections;
  auto ledger = picbot::quota::open_ledger(place, picbot::Clock::system());
  if (!ledger.ok()) {
    std::cerr << "cannot open the ledger: " << ledger.error().to_string() << "\n";
    std::exit(1);
  }
  return std::move(ledger).value();
}

double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
         (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

// A worker process: pairs for `seconds`, then "pairs=<n> cpu=<s>".
int run_worker(const Options& options) {
  auto ledger =
      open_pg(options.worker_url, options.worker_instance, static_cast<std::size_t>(options.threads));
  std::atomic<long> pairs{0}, errors{0};
  std::atomic<bool> go{false};
  const auto deadline_after = std::chrono::seconds(options.seconds);
  std::vector<std::thread> threads;
  for (int t = 0; t < options.threads; ++t) {
    threads.emplace_back([&, t] {
      while (!go) std::this_thread::yield();
      const auto deadline = Clock::now() + deadline_after;
      unsigned bucket = static_cast<unsigned>(t * 7919 + ::getpid());
      while (Clock::now() < deadline) {
        bucket = bucket * 1103515245u + 12345u;
        auto outcome = ledger->try_reserve(decision_for(static_cast<int>(bucket % kBuckets)), kWindow);
        if (!outcome.ok() || !outcome->granted || !ledger->commit(outcome->reservation_id).ok()) {
          ++errors;
          continue;
        }
        ++pairs;
      }
    });
  }
  const double cpu_before = cpu_seconds();
  go = true;
  for (auto& t : threads) t.join();
  std::printf("pairs=%ld errors=%ld cpu=%.3f\n", pairs.load(), errors.load(), cpu_seconds() - cpu_before);
  return 0;
}

struct Latency {
  double p50_ms = 0;
  double p99_ms = 0;
};

Latency admission_latency(QuotaLedger& ledger, int samples) {
  std::vector<double> ms;
  ms.reserve(samples);
  for (int i = 0; i < samples; ++i) {
    const auto start = Clock::now();
    auto outcome = ledger.try_reserve(decision_for(i % kBuckets), kWindow);
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    if (!outcome.ok() || !outcome->granted) {
      std::cerr << "reserve failed\n";
      std::exit(1);
    }
    (void)ledger.release(outcome->reservation_id);
  }
  std::sort(ms.begin(), ms.end());
  return Latency{ms[ms.size() / 2], ms[ms.size() * 99 / 100]};
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const auto next = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
    if (arg == "--seconds")
      options.seconds = std::stoi(next());
    else if (arg == "--processes")
      options.processes = std::stoi(next());
    else if (arg == "--threads")
      options.threads = std::stoi(next());
    else if (arg == "--json")
      options.json = true;
    else if (arg == "--worker") {
      options.worker_url = next();
      options.worker_instance = next();
    } else {
      std::cerr << "usage: pg_quota_bench [--seconds N] [--processes N] [--threads N] [--json]\n";
      return 2;
    }
  }
  if (!options.worker_url.empty()) return run_worker(options);

  if (std::string reason = picbot::testing::PostgresServer::unavailable_reason(); !reason.empty()) {
    std::cerr << reason << "\n";
    return 1;
  }
  picbot::testing::PostgresOptions server_options;
  server_options.durable = true;
  server_options.max_connections = 200;
  auto server = picbot::testing::PostgresServer::start(server_options);
  if (!server.ok()) {
    std::cerr << server.error().to_string() << "\n";
    return 1;
  }
  const std::string url = (*server)->url();
  open_pg(url, "bench-setup", 1);  // migrate once, before the workers race

  const std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
  std::vector<std::unique_ptr<picbot::testing::ChildProcess>> workers;
  const auto started = Clock::now();
  for (int p = 0; p < options.processes; ++p) {
    auto child = picbot::testing::ChildProcess::start({self, "--worker", url, "bench-" + std::to_string(p),
                                                       "--seconds", std::to_string(options.seconds),
                                                       "--threads", std::to_string(options.threads)});
    if (!child.ok()) {
      std::cerr << child.error().to_string() << "\n";
      return 1;
    }
    workers.push_back(std::move(child).value());
  }
  long pairs = 0, errors = 0;
  double worker_cpu = 0;
  for (auto& worker : workers) {
    std::vector<std::string> found;
    if (!worker->wait_for_line(std::regex("pairs=(\\d+) errors=(\\d+) cpu=([0-9.]+)"),
                               std::chrono::seconds(options.seconds + 60), &found)) {
      std::cerr << "a worker did not finish: " << worker->output() << "\n";
      return 1;
    }
    pairs += std::stol(found[1]);
    errors += std::stol(found[2]);
    worker_cpu += std::stod(found[3]);
  }
  const double elapsed = std::chrono::duration<double>(Clock::now() - started).count();
  const double pairs_per_s = pairs / static_cast<double>(options.seconds);

  picbot::testing::TempDir dir;
  picbot::quota::LedgerPlace sqlite_place;
  sqlite_place.sqlite_file = dir.path() / "quota.sqlite3";
  auto sqlite = picbot::quota::open_ledger(sqlite_place, picbot::Clock::system());
  if (!sqlite.ok()) {
    std::cerr << sqlite.error().to_string() << "\n";
    return 1;
  }
  auto pg = open_pg(url, "bench-latency", 1);
  constexpr int kSamples = 5000;
  const Latency on_sqlite = admission_latency(**sqlite, kSamples);
  const Latency on_pg = admission_latency(*pg, kSamples);

  nlohmann::json result = {
      {"processes", options.processes},
      {"threads_per_process", options.threads},
      {"seconds", options.seconds},
      {"wall_seconds", elapsed},
      {"pairs", pairs},
      {"errors", errors},
      {"pairs_per_s", pairs_per_s},
      {"worker_cpu_us_per_pair", pairs ? worker_cpu / pairs * 1e6 : 0},
      {"reserve_sqlite_p50_ms", on_sqlite.p50_ms},
      {"reserve_sqlite_p99_ms", on_sqlite.p99_ms},
      {"reserve_pg_p50_ms", on_pg.p50_ms},
      {"reserve_pg_p99_ms", on_pg.p99_ms},
      {"added_p99_ms", on_pg.p99_ms - on_sqlite.p99_ms},
  };
  if (options.json) {
    std::cout << result.dump() << "\n";
  } else {
    for (auto& [key, value] : result.items()) std::cout << key << ": " << value << "\n";
  }
  return errors == 0 ? 0 : 1;
}
