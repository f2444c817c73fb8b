// quota_bench: how many reserve+commit pairs per second the drawing-quota
// store sustains on a real file (WAL, synchronous=NORMAL), one connection,
// measured in wall-clock time.
//
//   ninja -C build-quota quota_bench && build-quota/bench/quota_bench
//
// The workload cycles through kUsers buckets with a limit of kLimit; the
// clock jumps one window ahead whenever every bucket is full, so windows are
// opened, filled and reset as in production and no bucket grows without bound.
//
// Default settings: every ~1000 WAL pages (~400 pairs) a commit also
// checkpoints, which costs two fsyncs; set TMPDIR to choose the disk.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "bot/quota/quota_store.h"

namespace {

using namespace std::chrono_literals;
using picbot::quota::QuotaDecision;
using picbot::quota::QuotaStore;
using picbot::quota::QuotaTier;

constexpr int kUsers = 1000;
constexpr std::int64_t kLimit = 20;
constexpr std::chrono::milliseconds kInterval = 24h;

class TempDir {
 public:
  TempDir()
      : path_(std::filesystem::temp_directory_path() /
              ("picbot_quota_bench_" + std::to_string(std::random_device{}()))) {
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

void run_pairs(benchmark::State& state, QuotaStore& store, picbot::ManualClock& clock) {
  std::vector<QuotaDecision> decisions;
  for (int u = 0; u < kUsers; ++u) {
    decisions.push_back({QuotaDecision::kCounted, "user:" + std::to_string(u), kLimit, QuotaTier::kDefault});
  }
  std::int64_t n = 0;
  for (auto _ : state) {
    if (n > 0 && n % (kUsers * kLimit) == 0) clock.advance(kInterval);  // every bucket is full
    const QuotaDecision& decision = decisions[n++ % kUsers];
    clock.advance(1ms);
    auto outcome = store.try_reserve(decision, kInterval);
    if (!outcome.ok() || !outcome->granted) {
      state.SkipWithError(outcome.ok() ? "denied" : outcome.error().to_string().c_str());
      break;
    }
    if (auto committed = store.commit(outcome->reservation_id); !committed.ok()) {
      state.SkipWithError(committed.error().to_string().c_str());
      break;
    }
  }
  state.counters["pairs_per_s"] = benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsRate);
}

void BM_ReserveCommit(benchmark::State& state) {
  TempDir dir;
  picbot::ManualClock clock;
  auto store = QuotaStore::open(dir.path() / "quota.db", clock);
  if (!store.ok()) {
    state.SkipWithError(store.error().to_string().c_str());
    return;
  }
  run_pairs(state, **store, clock);
}
BENCHMARK(BM_ReserveCommit)->Unit(benchmark::kMicrosecond)->MinTime(3.0)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
