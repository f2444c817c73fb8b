// Fuzz target: a 2xx answer body of the OpenAI Images API, of Gemini's
// generateContent, of Volcengine Ark's images/generations and of the
// asynchronous APIs' submit and task answers (DashScope, ModelScope) (what the
// upstream, or anything pretending to be it, returns) through
// parse_openai_answer, parse_gemini_answer, parse_seedream_answer and
// parse_{dashscope,modelscope}_{submit,task}.
// Invariants: neither throws; a found image is non-empty, passes verify_image
// and carries the MIME type its magic number says; a URL left for the
// downloader is http(s); errors have a message, except a content-filter
// answer without the model's words (the pipeline then says the model
// declined, content_filtered_silent); a task id is non-empty; a succeeded
// task has at least one http(s) URL, a failed one an error.
#include <cstdint>
#include <string>
#include <string_view>

#include "image/providers/dashscope/dashscope_provider.h"
#include "image/providers/gemini/gemini_provider.h"
#include "image/providers/modelscope/modelscope_provider.h"
#include "image/providers/openai/openai_provider.h"
#include "image/providers/seedream/seedream_provider.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/image_checks.h"

using namespace picbot::image;

namespace {

void check_task_answers(picbot::Result<std::string, picbot::llm::ProviderError> submit,
                        picbot::Result<TaskState, picbot::llm::ProviderError> task) {
  if (submit.ok()) {
    FUZZ_CHECK(!submit.value().empty());
  } else {
    FUZZ_CHECK(!submit.error().message.empty() ||
               submit.error().cls == picbot::llm::FailureClass::kContentFiltered);
  }
  if (!task.ok()) {
    FUZZ_CHECK(!task.error().message.empty() ||
               task.error().cls == picbot::llm::FailureClass::kContentFiltered);
    return;
  }
  if (task.value().kind == TaskState::Kind::kSucceeded) {
    FUZZ_CHECK(!task.value().urls.empty());
    for (const std::string& url : task.value().urls) picbot::fuzz::check_download_url(url);
  } else if (task.value().kind == TaskState::Kind::kFailed) {
    FUZZ_CHECK(!task.value().error.message.empty() ||
               task.value().error.cls == picbot::llm::FailureClass::kContentFiltered);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);

  auto openai = parse_openai_answer(body, 200);
  if (openai.ok()) {
    FUZZ_CHECK(!openai.value().empty());
    for (const UpstreamImage& image : openai.value()) {
      if (image.url.empty()) {
        picbot::fuzz::check_found_image(image.image);
      } else {
        picbot::fuzz::check_download_url(image.url);
      }
    }
  } else {
    FUZZ_CHECK(!openai.error().message.empty());
  }

  auto gemini = parse_gemini_answer(body, 200);
  if (gemini.ok()) {
    picbot::fuzz::check_found_image(gemini.value());
  } else {
    FUZZ_CHECK(!gemini.error().message.empty() ||
               gemini.error().cls == picbot::llm::FailureClass::kContentFiltered);
  }

  auto seedream = parse_seedream_answer(body, 200);
  if (seedream.ok()) {
    if (seedream.value().url.empty()) {
      picbot::fuzz::check_found_image(seedream.value().image);
    } else {
      picbot::fuzz::check_download_url(seedream.value().url);
    }
  } else {
    FUZZ_CHECK(!seedream.error().message.empty() ||
               seedream.error().cls == picbot::llm::FailureClass::kContentFiltered);
  }

  check_task_answers(parse_dashscope_submit(body, 200), parse_dashscope_task(body, 200));
  check_task_answers(parse_modelscope_submit(body, 200), parse_modelscope_task(body, 200));
  return 0;
}
