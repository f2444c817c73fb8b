// image_overhead_bench: picbot's own work for one generated image.
//
// BM_EngineOverhead/<answer>: the image engine, per provider type and answer
// form, from the moment the upstream's answer body is complete to the
// ImageResult, as KeyedProvider::exchange and OpenRouterImageClient do it:
// parse the answer (on the WorkerPool, as bodies above kParseOnWorkersBytes
// are), decode and verify the image, then finish_image (verify a downloaded
// image, cap the size) and build the ImageResult. For URL answers (DALL·E,
// Seedream's default) the 2 MB download from a loopback server is upstream
// time, not overhead: the benchmark times the parse, leaves out the download
// (download_image, what complete_image calls; its wall time is the counter
// download_ms) and times finish_image. Real
// time is the overhead (manual time over the timed parts); the counter cpu_ms
// is the process's CPU over the same parts (every thread: the parse runs on
// the worker). Goal (issue 17): <= 5 ms per provider for a 2 MB image.
//
// BM_BodyToSendFrame: the plugin's path after that for OpenRouter's answer,
// up to the send_group_msg frame: parse, decode and verify, save to the image
// store (worker pool), make the base64 segment and write the frame text. The
// socket write is a memcpy into the kernel and is left out; so is the
// upstream. Goal (issue 8): <= 10 ms for a 2 MB PNG.
#include <benchmark/benchmark.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <ctime>
#include <nlohmann/json.hpp>
#include <optional>

#include "bot/core/clock.h"
#include "bot/core/worker_pool.h"
#include "bot/net/http_client.h"
#include "bot/onebot/base64.h"
#include "bot/onebot/message.h"
#include "image/download.h"
#include "image/keyed_provider.h"
#include "image/providers/dashscope/dashscope_provider.h"
#include "image/providers/gemini/gemini_provider.h"
#include "image/providers/modelscope/modelscope_provider.h"
#include "image/providers/openai/openai_provider.h"
#include "image/providers/openrouter/openrouter_response.h"
#include "image/providers/seedream/seedream_provider.h"
#include "image/storage/local_image_store.h"
#include "plugins/gemini_pic_gen/delivery/image_delivery.h"
#include "tests/fakes/http/fake_http_server.h"
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

// ---- the engine, per provider -------------------------------------------------
// The answers' shapes follow /work/shared/notes/image-providers.md (and the
// fakes in tests/fakes/<provider>/, which follow the providers' SDKs).
using nlohmann::json;

std::string openai_b64_body(const std::string& png) {  // gpt-image-1
  return json{{"created", 1713833628},
              {"data", json::array({{{"b64_json", onebot::base64_encode(png)}}})},
              {"output_format", "png"},
              {"usage", {{"total_tokens", 100}}}}
      .dump();
}
std::string openai_url_body(const std::string& url) {  // dall-e-3
  return json{{"created", 1713833628}, {"data", json::array({{{"url", url}, {"revised_prompt", "a cat"}}})}}
      .dump();
}
std::string gemini_body(const std::string& png) {
  json parts =
      json::array({{{"text", "Here is your picture."}},
                   {{"inlineData", {{"mimeType", "image/png"}, {"data", onebot::base64_encode(png)}}}}});
  return json{{"candidates",
               json::array({{{"content", {{"role", "model"}, {"parts", parts}}}, {"finishReason", "STOP"}}})},
              {"usageMetadata", {{"candidatesTokenCount", 1306}}}}
      .dump();
}
// The asynchronous providers' last poll: the task succeeded with the image's URL.
std::string dashscope_task_body(const std::string& url) {
  return json{
      {"request_id", "7574f8d6-0b51-9a3e-a5b8-6e3ad2d1b5c4"},
      {"output",
       {{"task_id", "86ecf553-d340-4e21-af6e-a0c6a421c010"},
        {"task_status", "SUCCEEDED"},
        {"results", json::array({{{"orig_prompt", "a cat"}, {"actual_prompt", "a cat"}, {"url", url}}})}}},
      {"usage", {{"image_count", 1}}}}
      .dump();
}
std::string modelscope_task_body(const std::string& url) {
  return json{{"request_id", "1f6ce3b2-93a4-4a5f-9cbb-1c0e1e3a9d77"},
              {"task_status", "SUCCEED"},
              {"output_images", json::array({url})}}
      .dump();
}
std::string seedream_body(const json& image) {
  return json{{"model", "doubao-seedream-4-5-251128"},
              {"created", 1757321139},
              {"data", json::array({image})},
              {"usage", {{"generated_images", 1}}}}
      .dump();
}

// Every provider's parser, as exchange() sees it: the image or the URL to fetch.
using Parser = Result<image::UpstreamImage, llm::ProviderError> (*)(std::string_view body, int status);

Result<image::UpstreamImage, llm::ProviderError> parse_openrouter(std::string_view body, int status) {
  auto parsed = image::parse_image_response(body, status);
  if (!parsed.ok()) return parsed.error();
  return image::UpstreamImage{std::move(parsed->image), std::move(parsed->download_url)};
}
Result<image::UpstreamImage, llm::ProviderError> parse_gemini(std::string_view body, int status) {
  auto parsed = image::parse_gemini_answer(body, status);
  if (!parsed.ok()) return parsed.error();
  return image::UpstreamImage{std::move(parsed).value(), {}};
}

// URL answers time microseconds of parsing around a 2 MB download that manual
// time leaves out: without a fixed count, Google Benchmark would download for
// thousands of iterations to fill its minimum time (25 s of the quick run).
constexpr benchmark::IterationCount kUrlIterations = 200;

// An asynchronous task's answer as exchange() sees it: the URL to fetch.
Result<image::UpstreamImage, llm::ProviderError> task_image(
    Result<image::TaskState, llm::ProviderError> state) {
  if (!state.ok()) return state.error();
  if (state->urls.empty())
    return llm::ProviderError{llm::FailureClass::kBadResponse, 200, "no URL", std::nullopt};
  return image::UpstreamImage{{}, state->urls.front()};
}
Result<image::UpstreamImage, llm::ProviderError> parse_dashscope(std::string_view body, int status) {
  return task_image(image::parse_dashscope_task(body, status));
}
Result<image::UpstreamImage, llm::ProviderError> parse_modelscope(std::string_view body, int status) {
  return task_image(image::parse_modelscope_task(body, status));
}

// The plugin asks for n = 1: the answer's first image.
Result<image::UpstreamImage, llm::ProviderError> parse_openai(std::string_view body, int status) {
  auto parsed = image::parse_openai_answer(body, status);
  if (!parsed.ok()) return parsed.error();
  return std::move(parsed->front());
}

struct EngineCase {
  Parser parse;
  // The answer body for png; url is where png is served (URL answers).
  std::string (*body)(const std::string& png, const std::string& url);
};

double process_cpu_ms() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
}

void BM_EngineOverhead(benchmark::State& state, EngineCase c) {
  const std::string png = testing::make_png("engine", 2 * 1024 * 1024);
  testing::FakeHttpServer cdn;  // serves URL answers' images, as the provider's CDN would
  cdn.on("GET", "/image.png", [&](const testing::FakeHttpRequest&) {
    return testing::FakeHttpResponse{200, {{"Content-Type", "image/png"}}, png};
  });
  const std::string body = c.body(png, cdn.base_url() + "/image.png");
  boost::asio::io_context io;
  net::HttpClient http(io.get_executor());
  WorkerPool workers(1);
  image::DownloadOptions download;
  download.allow_private_addresses = true;
  double cpu_ms = 0;
  double download_ms = 0;
  for (auto _ : state) {
    using Clock = std::chrono::steady_clock;
    auto started = Clock::now();
    double cpu_started = process_cpu_ms();
    // exchange(): a large body is parsed on the worker pool, a small one (a URL answer) in place.
    auto parsed = body.size() > image::kParseOnWorkersBytes
                      ? testing::run_coroutine(io, workers.run([&] { return c.parse(body, 200); }))
                      : c.parse(body, 200);
    if (!parsed.ok()) {
      state.SkipWithError(parsed.error().to_string().c_str());
      break;
    }
    auto elapsed = Clock::now() - started;
    cpu_ms += process_cpu_ms() - cpu_started;
    std::optional<std::string> downloaded;
    if (!parsed->url.empty()) {  // upstream time: not counted in the overhead, shown as download_ms
      const auto download_started = Clock::now();
      auto bytes = testing::run_coroutine(io, image::download_image(http, parsed->url, download));
      if (!bytes.ok()) {
        state.SkipWithError(bytes.error().to_string().c_str());
        break;
      }
      downloaded.emplace(std::move(bytes).value());
      download_ms += std::chrono::duration<double, std::milli>(Clock::now() - download_started).count();
    }
    started = Clock::now();
    cpu_started = process_cpu_ms();
    auto finished =
        image::finish_image(std::move(parsed->image), std::move(downloaded), download.max_bytes, 200);
    if (!finished.ok()) {
      state.SkipWithError(finished.error().to_string().c_str());
      break;
    }
    image::ImageResult result;
    result.text = finished->model_text;
    result.images.push_back(std::move(finished).value());
    benchmark::DoNotOptimize(result);
    elapsed += Clock::now() - started;
    cpu_ms += process_cpu_ms() - cpu_started;
    state.SetIterationTime(std::chrono::duration<double>(elapsed).count());
  }
  state.counters["cpu_ms"] = benchmark::Counter(cpu_ms, benchmark::Counter::kAvgIterations);
  if (download_ms > 0)
    state.counters["download_ms"] = benchmark::Counter(download_ms, benchmark::Counter::kAvgIterations);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * png.size()));
}

// One row per provider type and answer form.
BENCHMARK_CAPTURE(BM_EngineOverhead, openrouter,
                  EngineCase{parse_openrouter,
                             [](const std::string& png, const std::string&) { return completion_body(png); }})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_EngineOverhead, openai_b64,
                  EngineCase{parse_openai,
                             [](const std::string& png, const std::string&) { return openai_b64_body(png); }})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_EngineOverhead, openai_url,
                  EngineCase{parse_openai,
                             [](const std::string&, const std::string& url) { return openai_url_body(url); }})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond)
    ->Iterations(kUrlIterations);
BENCHMARK_CAPTURE(BM_EngineOverhead, gemini,
                  EngineCase{parse_gemini,
                             [](const std::string& png, const std::string&) { return gemini_body(png); }})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_EngineOverhead, seedream_url,
                  EngineCase{image::parse_seedream_answer,
                             [](const std::string&, const std::string& url) {
                               return seedream_body({{"url", url}, {"size", "2560x1440"}});
                             }})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond)
    ->Iterations(kUrlIterations);
BENCHMARK_CAPTURE(
    BM_EngineOverhead, seedream_b64,
    EngineCase{image::parse_seedream_answer,
               [](const std::string& png, const std::string&) {
                 return seedream_body({{"b64_json", onebot::base64_encode(png)}, {"size", "2560x1440"}});
               }})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

BENCHMARK_CAPTURE(BM_EngineOverhead, dashscope_url,
                  EngineCase{
                      parse_dashscope,
                      [](const std::string&, const std::string& url) { return dashscope_task_body(url); }})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond)
    ->Iterations(kUrlIterations);
BENCHMARK_CAPTURE(BM_EngineOverhead, modelscope_url,
                  EngineCase{
                      parse_modelscope,
                      [](const std::string&, const std::string& url) { return modelscope_task_body(url); }})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond)
    ->Iterations(kUrlIterations);

// ---- the plugin, OpenRouter's answer to the send frame ----------------------
void BM_BodyToSendFrame(benchmark::State& state) {
  const std::string body =
      completion_body(testing::make_png("overhead", static_cast<std::size_t>(state.range(0))));
  boost::asio::io_context io;
  WorkerPool pool(2);
  testing::TempDir dir;
  image::LocalImageStore store(io.get_executor(), pool, Clock::system(), {.dir = dir.path() / "images"});
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
