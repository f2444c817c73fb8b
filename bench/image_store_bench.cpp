// image_store_bench: the image store's figures from issue 18.
//   - BM_HashAndSave/2MB: LocalImageStore::save of a 2 MB image (SHA-256,
//     atomic write of a new file, catalog insert), wall-clock per save.
//     Goal (with the upload queue's enqueue, which is not here): <= 5 ms.
//   - BM_StatsOf10000: stats() + recent(100) (what the storage page and the
//     gallery ask) with 10,000 images catalogued. Goal: <= 50 ms.
//
//   ninja -C build-test image_store_bench && build-test/bench/image_store_bench
//
// Files go under TMPDIR (choose the disk with it). Each save has new bytes
// (one counter patched in), so de-duplication never skips the write.
#include <benchmark/benchmark.h>

#include <boost/asio/io_context.hpp>
#include <cstring>

#include "bot/core/logging.h"
#include "image/storage/local_image_store.h"
#include "tests/fakes/openrouter/fake_images.h"
#include "tests/support/run_coroutine.h"
#include "tests/support/temp_dir.h"

namespace {

using picbot::image::LocalImageStore;

void BM_HashAndSave(benchmark::State& state) {
  boost::asio::io_context io;
  picbot::WorkerPool pool(2);
  picbot::testing::TempDir dir;
  LocalImageStore store(io.get_executor(), pool, picbot::Clock::system(), {.dir = dir.path() / "images"});
  std::string bytes = picbot::testing::make_png("bench", static_cast<std::size_t>(state.range(0)));
  std::uint64_t serial = 0;
  for (auto _ : state) {
    ++serial;
    std::memcpy(bytes.data() + bytes.size() - sizeof serial, &serial, sizeof serial);
    auto saved = picbot::testing::run_coroutine(io, store.save(bytes, "png", {.prompt = "a cat"}));
    if (!saved.ok()) {
      state.SkipWithError(saved.error().to_string().c_str());
      break;
    }
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_HashAndSave)->Arg(2 * 1024 * 1024)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_StatsOf10000(benchmark::State& state) {
  boost::asio::io_context io;
  picbot::WorkerPool pool(2);
  picbot::testing::TempDir dir;
  LocalImageStore store(io.get_executor(), pool, picbot::Clock::system(), {.dir = dir.path() / "images"});
  for (int i = 0; i < state.range(0); ++i) {
    const std::string bytes = "image " + std::to_string(i);
    auto saved = picbot::testing::run_coroutine(io, store.save(bytes, "png", {.prompt = "p"}));
    if (!saved.ok()) {
      state.SkipWithError(saved.error().to_string().c_str());
      return;
    }
  }
  for (auto _ : state) {
    auto stats = picbot::testing::run_coroutine(io, store.stats());
    auto recent = store.recent(100);
    benchmark::DoNotOptimize(stats);
    benchmark::DoNotOptimize(recent);
    if (stats.images != static_cast<std::size_t>(state.range(0))) state.SkipWithError("images missing");
  }
}
BENCHMARK(BM_StatsOf10000)->Arg(10000)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  picbot::log::set_level("error");  // one info line per save would be timed too
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
