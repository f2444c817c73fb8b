// Fuzz target: one NapCat WebSocket frame through parse_frame (events, their
// message segments in every form, API responses).
// Invariants: parse_frame never throws; a parsed message event's message, in
// array form, parses back to the same message; append_message_json always
// writes valid JSON.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <variant>

#include "bot/onebot/event.h"
#include "bot/onebot/message.h"
#include "tests/fuzz/fuzz_check.h"

using namespace picbot::onebot;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto frame = parse_frame(text);
  if (!frame.ok()) {
    FUZZ_CHECK(!frame.error().message.empty());
    return 0;
  }
  const auto* event = std::get_if<Event>(&frame.value());
  if (event == nullptr) return 0;
  const auto* message_event = std::get_if<MessageEvent>(event);
  if (message_event == nullptr) return 0;
  const Message& message = message_event->message;

  std::string compact;
  append_message_json(message, compact);
  const auto written = nlohmann::json::parse(compact, nullptr, /*allow_exceptions=*/false);
  FUZZ_CHECK(!written.is_discarded());
  FUZZ_CHECK(written.is_array() && written.size() == message.size());

  // The array form holds the raw bytes; only valid UTF-8 survives a dump.
  const nlohmann::json array = message_to_json(message);
  auto again = parse_message(array);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(again.value() == message);
  (void)plain_text(message);
  return 0;
}
