// Fuzz target: the CQ-string codec (parse_cq / to_cq / cq_escape /
// cq_unescape) on arbitrary text, as users and NapCat can send it.
// Invariants: parse_cq never fails; encoding a decoded message and decoding it
// again gives the same message, up to how text is split into Text segments (a
// [CQ:text] code is written back as plain text, which merges with its
// neighbours); encode(decode(.)) is a fixed point; cq_unescape reverses
// cq_escape for any text.
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "bot/onebot/cq_codec.h"
#include "bot/onebot/message.h"
#include "tests/fuzz/fuzz_check.h"

using namespace picbot::onebot;

namespace {

// Adjacent Text segments merged into one, empty ones dropped.
Message merge_text(const Message& message) {
  Message out;
  for (const auto& segment : message) {
    const auto* text = std::get_if<Text>(&segment);
    if (text == nullptr) {
      out.push_back(segment);
    } else if (!text->text.empty()) {
      auto* last = out.empty() ? nullptr : std::get_if<Text>(&out.back());
      if (last != nullptr) {
        last->text += text->text;
      } else {
        out.push_back(segment);
      }
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  FUZZ_CHECK(cq_unescape(cq_escape(text, false)) == text);
  FUZZ_CHECK(cq_unescape(cq_escape(text, true)) == text);

  auto decoded = parse_cq(text);
  FUZZ_CHECK(decoded.ok());
  const std::string encoded = to_cq(decoded.value());
  auto again = parse_cq(encoded);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(merge_text(again.value()) == merge_text(decoded.value()));
  FUZZ_CHECK(to_cq(again.value()) == encoded);
  FUZZ_CHECK(plain_text(again.value()) == plain_text(decoded.value()));
  return 0;
}
