// stream_upload_bench: how long a 2 MB image takes to reach NapCat in stream
// mode (upload_file_stream in 64 KiB base64 chunks, sha256, then the image
// segment), answered by the fake NapCat's own upload_file_stream logic
// in-process, so the figure is picbot's side plus the fake's reassembly,
// without a socket.
#include <benchmark/benchmark.h>

#include <boost/asio/io_context.hpp>

#include "plugins/gemini_pic_gen/delivery/image_delivery.h"
#include "tests/fakes/napcat/in_process_bot_api.h"
#include "tests/fakes/openrouter/fake_images.h"
#include "tests/support/run_coroutine.h"
#include "tests/support/temp_dir.h"

namespace {
using namespace picbot;

void BM_StreamUpload(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  boost::asio::io_context io;
  testing::TempDir dir;
  testing::InProcessBotApi api;
  WorkerPool workers(1);
  const std::string bytes = testing::make_png("stream", size);

  gemini::StoredImage image;
  image.id = "0123456789abcdef0123456789abcdef";
  image.extension = "png";
  image.mime = "image/png";
  image.size = bytes.size();
  const std::optional<std::filesystem::path> file = dir.write_file(image.id + ".png", bytes);

  onebot::MessageEvent event;
  event.self_id = 10001;
  event.user_id = 42;
  event.group_id = 777;
  event.message_type = "group";
  MessageContext ctx(std::make_shared<const onebot::MessageEvent>(event), api,
                     std::make_shared<const BotSettings>());
  gemini::DeliveryOptions options;
  options.mode = gemini::DeliveryMode::kStream;

  for (auto _ : state) {
    auto result =
        testing::run_coroutine(io, gemini::prepare_image_segment(ctx, image, file, bytes, options, workers));
    if (result.used != gemini::DeliveryMode::kStream) state.SkipWithError("stream mode fell back to base64");
    api.calls.clear();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes.size()));
}
BENCHMARK(BM_StreamUpload)->Arg(2 * 1024 * 1024)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
