// image_overhead_bench: picbot's own work for one generated image, from the
// moment the upstream's response body is complete to the moment the
// send_group_msg frame is built: parse the chat completion, decode and verify
// the image, save it to the image store (worker pool), make the base64
// segment and write the frame text. The socket write is a memcpy into the
// kernel and is left out; so is the upstream, which is the point.
// Goal (issue 8): <= 10 ms for a 2 MB PNG.
#include <benchmark/benchmark.h>

#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "bot/core/clock.h"
#include "bot/core/logging.h"
#include "bot/core/worker_pool.h"
#include "bot/onebot/message.h"
#include "image/providers/openrouter/openrouter_response.h"
#include "plugins/gemini_pic_gen/delivery/image_delivery.h"
#include "plugins/gemini_pic_gen/store/image_store.h"
#include "tests/fakes/openrouter/fake_images.h"
#include "tests/support/run_coroutine.h"
#include "tests/support/temp_dir.h"

namespace {
using namespace picbot;

// The shape OpenRouter returns for Gemini image models: the image as a data
// URL in choices[0].message.images.
std::string completion_body(const std::string& png) {
  nlohmann::json image = {{"type", "image_url"},
                          {"image_url", {{"url", testing::make_data_url("image/png", png)}}}};
  nlohmann::json message = {{"role", "assistant"}, {"content", "Here is your picture."}, {"images", {image}}};
  return nlohmann::json{{"id", "gen-1"}, {"choices", {{{"finish_reason", "stop"}, {"message", message}}}}}
      .dump();
}

std::string build_frame(onebot::Message message) {
  std::string frame = R"({"action":"send_group_msg","params":{"group_id":777,"message":)";
  onebot::append_message_json(message, frame);
  frame += R"(},"echo":"1"})";
  return frame;
}

void BM_ParseResponse(benchmark::State& state) {
  const std::string body =
      completion_body(testing::make_png("overhead", static_cast<std::size_t>(state.range(0))));
  for (auto _ : state) {
    auto parsed = image::parse_image_response(body);
    if (!parsed.ok()) state.SkipWithError(parsed.error().to_string().c_str());
    benchmark::DoNotOptimize(parsed);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_ParseResponse)->Arg(2 * 1024 * 1024)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_BodyToSendFrame(benchmark::State& state) {
  const std::string body =
      completion_body(testing::make_png("overhead", static_cast<std::size_t>(state.range(0))));
  boost::asio::io_context io;
  WorkerPool pool(2);
  testing::TempDir dir;
  gemini::ImageStore store(io.get_executor(), pool, Clock::system(), {.dir = dir.path() / "images"});
  for (auto _ : state) {
    auto parsed = image::parse_image_response(body);
    if (!parsed.ok()) {
      state.SkipWithError(parsed.error().to_string().c_str());
      break;
    }
    const image::GeneratedImage& image = parsed->image;
    auto stored = testing::run_coroutine(io, store.save(image.bytes, image.extension, {"a cat", 42, 777}));
    if (!stored.ok()) {
      state.SkipWithError(stored.error().message.c_str());
      break;
    }
    std::string frame = build_frame({gemini::base64_image_segment(image.bytes)});
    benchmark::DoNotOptimize(frame);
    state.PauseTiming();
    auto removed = testing::run_coroutine(io, store.remove(stored->id));
    benchmark::DoNotOptimize(removed);
    state.ResumeTiming();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_BodyToSendFrame)->Arg(2 * 1024 * 1024)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  // The image store logs one info line per save; keep stdout for the results
  // (bench/run.sh reads them as JSON).
  picbot::log::set_level("warn");
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
