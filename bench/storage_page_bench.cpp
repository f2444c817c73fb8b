// storage_page_bench: what the console's storage page (GET /api/storage)
// adds for backend s3 on top of the store's stats() (image_store_bench's
// BM_StatsOf10000): the upload queue's stats() (one SQL aggregate, GROUP BY
// state) and its last 10 failed rows (state index, LIMIT), both on the
// worker pool, with 10,000 rows in uploads.sqlite3 (9,000 uploaded, 900
// pending, 100 failed). Issue 18: the page's API answers in <= 50 ms for
// 10,000 images. The queue is open but not started, so no upload competes.
//
//   ninja -C build-bench storage_page_bench && build-bench/bench/storage_page_bench
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <boost/asio/io_context.hpp>
#include <ctime>

#include "bot/core/clock.h"
#include "bot/core/logging.h"
#include "bot/core/worker_pool.h"
#include "bot/store/database.h"
#include "image/storage/upload_queue.h"
#include "tests/support/memory_bucket.h"
#include "tests/support/run_coroutine.h"
#include "tests/support/temp_dir.h"

namespace {
using namespace picbot;

double process_cpu_us() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e6 + static_cast<double>(t.tv_nsec) / 1e3;
}

struct Rig {
  explicit Rig(int rows) {
    options.file = dir.path() / "uploads.sqlite3";
    open();  // creates the schema
    close();
    if (!insert(rows)) return;
    open();
  }
  ~Rig() { close(); }
  bool insert(int rows) {
    auto db = store::Database::open(options.file);
    if (!db.ok()) return false;
    const std::int64_t now_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::system().now().time_since_epoch())
            .count();
    std::string sql = "BEGIN;";
    for (int i = 0; i < rows; ++i) {
      const std::string sha = fmt::format("{:064x}", i);
      const char* state = i % 100 == 0 ? "failed" : i % 10 == 0 ? "pending" : "uploaded";
      sql +=
          fmt::format("INSERT INTO uploads VALUES ('img/{}/{}.png','{}','image/png','{}',{},'{}',{},{},{});",
                      sha.substr(0, 2), sha, sha, state, std::string(state) == "failed" ? 1 : 0,
                      std::string(state) == "failed" ? "the bucket refused the access key id NOT-A-KEY" : "",
                      now_ms + 3600000, now_ms - rows + i, now_ms - rows + i);
    }
    sql += "COMMIT;";
    return (*db)->exec(sql).ok();
  }
  void open() {
    auto opened = testing::run_coroutine(
        io, image::UploadQueue::open(io.get_executor(), pool, Clock::system(), bucket, nullptr, options));
    if (opened.ok()) queue = std::move(opened).value();
  }
  void close() {
    if (queue) testing::run_coroutine(io, queue->stop());
    queue.reset();
  }

  testing::TempDir dir;
  image::UploadQueueOptions options;
  boost::asio::io_context io;
  WorkerPool pool{2};
  testing::MemoryBucket bucket;
  std::unique_ptr<image::UploadQueue> queue;
};

// The queue's part of GET /api/storage (bot/app/web_host.cpp storage_json()).
void BM_QueueStatsAndFailed(benchmark::State& state) {
  log::set_level("warn");
  Rig rig(static_cast<int>(state.range(0)));
  if (!rig.queue) {
    state.SkipWithError("the queue did not open");
    return;
  }
  const double cpu_before = process_cpu_us();
  for (auto _ : state) {
    auto stats = testing::run_coroutine(rig.io, rig.queue->stats());
    auto failed = testing::run_coroutine(rig.io, rig.queue->failed(10));
    if (!stats.ok() || !failed.ok() || stats->uploaded != state.range(0) * 9 / 10 || failed->size() != 10) {
      state.SkipWithError("wrong answer");
      return;
    }
    benchmark::DoNotOptimize(stats);
  }
  state.counters["cpu_us"] = (process_cpu_us() - cpu_before) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_QueueStatsAndFailed)->Arg(10000)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);

}  // namespace

BENCHMARK_MAIN();
