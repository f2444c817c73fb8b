// Fuzz target: the SSE parser (bot/net/sse_parser.h) on arbitrary upstream
// bytes. The first input byte picks where the rest is cut in two pieces.
// Invariants: no crash; the events (or the failure) do not depend on how
// the stream is cut; no event's data exceeds the event limit; after a
// failure the parser stays failed.
#include <cstdint>
#include <string_view>
#include <vector>

#include "bot/net/sse_parser.h"
#include "tests/fuzz/fuzz_check.h"

using picbot::net::SseEvent;
using picbot::net::SseLimits;
using picbot::net::SseParser;

namespace {

constexpr SseLimits kLimits{.max_line_bytes = 256, .max_event_bytes = 512};

struct Outcome {
  std::vector<SseEvent> events;
  bool failed = false;
};

Outcome parse(const std::vector<std::string_view>& pieces) {
  SseParser parser(kLimits);
  Outcome out;
  for (std::string_view piece : pieces) {
    if (!parser.feed(piece, out.events).ok()) {
      out.failed = true;
      FUZZ_CHECK(!parser.feed("\n\n", out.events).ok());
      break;
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::size_t cut = text.empty() ? 0 : data[0] % (text.size() + 1);
  const Outcome whole = parse({text});
  const Outcome split = parse({text.substr(0, cut), text.substr(cut)});
  FUZZ_CHECK(whole.failed == split.failed);
  if (!whole.failed) {
    FUZZ_CHECK(whole.events.size() == split.events.size());
    for (std::size_t i = 0; i < whole.events.size(); ++i) {
      FUZZ_CHECK(whole.events[i].data == split.events[i].data);
      FUZZ_CHECK(whole.events[i].event == split.events[i].event);
      FUZZ_CHECK(whole.events[i].id == split.events[i].id);
    }
  }
  for (const SseEvent& event : whole.events) FUZZ_CHECK(event.data.size() <= kLimits.max_event_bytes);
  return 0;
}
