// upload_queue_bench: what storing a drawing for the bucket costs on picbot's
// side (issue 18, "hash + save + enqueue of a 2 MB image <= 5 ms").
//
// BM_Enqueue: UploadQueue::enqueue from the event loop until the row is on
// disk (uploads.sqlite3, WAL, synchronous=NORMAL, one INSERT on the worker
// pool and the hops there and back). The queue is open but not started, so
// no upload competes for the CPU.
// BM_HashEnqueue/2097152: the SHA-256 of a 2 MB image (OpenSSL, on the worker
// pool as the store does it), then enqueue.
// BM_HashSaveEnqueue/2097152: the whole of issue 18's goal, wired as
// bot/app/image_storage.cpp wires it: LocalImageStore::save of a 2 MB image
// (the content-addressed store hashes it, writes one file per content and
// its catalog row on the worker pool) with the bucket as its remote, and the
// store's on_saved awaiting UploadQueue::enqueue before save returns.
//
// Real time is the latency the drawing sees; the counter cpu_us is the
// process's CPU per operation over every thread (the worker does the work).
//
//   ninja -C build-bench upload_queue_bench && build-bench/bench/upload_queue_bench
#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <openssl/sha.h>

#include <boost/asio/io_context.hpp>
#include <cstring>
#include <ctime>

#include "bot/core/clock.h"
#include "bot/core/worker_pool.h"
#include "image/storage/local_image_store.h"
#include "image/storage/object_key.h"
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

std::string hex(const unsigned char* digest, std::size_t n) {
  std::string out;
  out.reserve(n * 2);
  for (std::size_t i = 0; i < n; ++i) out += fmt::format("{:02x}", digest[i]);
  return out;
}

struct Rig {
  Rig() {
    image::UploadQueueOptions options;
    options.file = dir.path() / "uploads.sqlite3";
    auto opened = testing::run_coroutine(
        io, image::UploadQueue::open(io.get_executor(), pool, Clock::system(), bucket, nullptr, options));
    if (opened.ok()) queue = std::move(opened).value();
  }
  ~Rig() {
    if (queue) testing::run_coroutine(io, queue->stop());
  }

  testing::TempDir dir;
  boost::asio::io_context io;
  WorkerPool pool{2};
  testing::MemoryBucket bucket;
  std::unique_ptr<image::UploadQueue> queue;
};

void report_cpu(benchmark::State& state, double cpu_before) {
  state.counters["cpu_us"] = (process_cpu_us() - cpu_before) / static_cast<double>(state.iterations());
}

// A 2 MB image whose first bytes carry n, so each one is new.
std::string& next_image(std::string& image, std::int64_t n) {
  std::memcpy(image.data(), &n, sizeof n);
  return image;
}

std::string test_image(std::size_t size) {
  std::string image(size, '\0');
  for (std::size_t i = 0; i < image.size(); ++i) image[i] = static_cast<char>((i * 2654435761u) >> 13);
  return image;
}

// The SHA-256 of image, on the worker pool.
std::string hash_on_worker(Rig& rig, const std::string& image) {
  auto hash = [&image] {
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(image.data()), image.size(), digest);
    return hex(digest, sizeof digest);
  };
  return testing::run_coroutine(rig.io, rig.pool.run(hash));
}

Status enqueue(Rig& rig, const std::string& sha256) {
  const std::string key = "img/" + sha256.substr(0, 2) + "/" + sha256 + ".png";
  return testing::run_coroutine(rig.io, rig.queue->enqueue(sha256, key, "image/png"));
}

void BM_Enqueue(benchmark::State& state) {
  Rig rig;
  if (!rig.queue) return state.SkipWithError("the queue did not open");
  std::int64_t n = 0;
  const double cpu_before = process_cpu_us();
  for (auto _ : state) {
    if (Status queued = enqueue(rig, fmt::format("{:064x}", n++)); !queued.ok()) {
      return state.SkipWithError(queued.error().to_string().c_str());
    }
  }
  report_cpu(state, cpu_before);
}
BENCHMARK(BM_Enqueue)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);

void BM_HashEnqueue(benchmark::State& state) {
  Rig rig;
  if (!rig.queue) return state.SkipWithError("the queue did not open");
  std::string image = test_image(static_cast<std::size_t>(state.range(0)));
  std::int64_t n = 0;
  const double cpu_before = process_cpu_us();
  for (auto _ : state) {
    const std::string sha256 = hash_on_worker(rig, next_image(image, n++));
    if (Status queued = enqueue(rig, sha256); !queued.ok()) {
      return state.SkipWithError(queued.error().to_string().c_str());
    }
  }
  report_cpu(state, cpu_before);
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_HashEnqueue)->Arg(2 << 20)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);

void BM_HashSaveEnqueue(benchmark::State& state) {
  Rig rig;
  if (!rig.queue) return state.SkipWithError("the queue did not open");
  // The options ImageStorage::store_options gives the store for backend s3.
  image::UploadQueue& queue = *rig.queue;
  Status last_enqueue;
  std::int64_t enqueued = 0;
  image::LocalImageStore::Options options{.dir = rig.dir.path() / "images"};
  options.remote = &rig.bucket;
  options.key_prefix = "img";
  options.may_evict = [&queue](std::string_view sha256) { return queue.may_evict(sha256); };
  options.on_saved = [&queue, &last_enqueue,
                      &enqueued](const image::StoredImage& image) -> boost::asio::awaitable<void> {
    last_enqueue = co_await queue.enqueue(
        image.sha256, image::object_key("img", image.sha256, image.extension), image.mime);
    enqueued += last_enqueue.ok();
  };
  image::LocalImageStore store(rig.io.get_executor(), rig.pool, Clock::system(), std::move(options));
  std::string image = test_image(static_cast<std::size_t>(state.range(0)));
  std::int64_t n = 0;
  const double cpu_before = process_cpu_us();
  for (auto _ : state) {
    auto saved =
        testing::run_coroutine(rig.io, store.save(next_image(image, n++), "png", image::ImageMeta{}));
    if (!saved.ok()) return state.SkipWithError(saved.error().to_string().c_str());
    if (!last_enqueue.ok()) return state.SkipWithError(last_enqueue.error().to_string().c_str());
  }
  report_cpu(state, cpu_before);
  state.SetBytesProcessed(state.iterations() * state.range(0));
  if (enqueued != static_cast<std::int64_t>(state.iterations())) state.SkipWithError("a save was not queued");
}
BENCHMARK(BM_HashSaveEnqueue)->Arg(2 << 20)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);

}  // namespace
