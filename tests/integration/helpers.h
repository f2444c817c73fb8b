// Helpers shared by the integration tests: reading the OneBot messages picbot
// sends to the fake NapCat, and building the YAML the tests start it with.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "tests/fakes/napcat/fake_napcat.h"
#include "tests/fakes/napcat/napcat_actions.h"

namespace picbot::testing {

// Forward mode: waits (up to 10 s) for a connection newer than `previous`
// (0: any) and returns its id, or -1. A dropped connection may still be
// listed for a moment, so waiting on the count alone would race.
int wait_for_new_connection(FakeNapCat& napcat, int previous);

// The text of a OneBot message: a plain string, or the concatenated text
// segments of a segment array.
std::string text_of(const nlohmann::json& message);
// The "message" param of a call, or null when it has none (get_msg, ...):
// reading a missing key through a const json's operator[] is undefined.
const nlohmann::json& message_of(const ApiCall& call);
// Whether a segment array holds an image segment (false for anything else).
bool has_image(const nlohmann::json& message);
// The data.file of the first image segment ("" when there is none).
std::string image_file_of(const nlohmann::json& message);
// The decoded bytes of the first image segment when it is inline base64;
// nullopt when there is none, it is a URL or path, or it does not decode.
std::optional<std::string> image_bytes_of(const nlohmann::json& message);

// Sends "/draw <prompt>" as user 42 in group 777 and returns the data.file of
// the image the bot answered with ("" when none came within 10 s).
std::string draw_in_group(FakeNapCat& napcat, int conn, const std::string& prompt);

// A message that @s the bot (self_id), then text: how a group wakes the agent.
nlohmann::json at_self(std::int64_t self_id, const std::string& text);

// Sends, as user 43 in group 777, a message with one image that NapCat would
// fetch from image_url; returns a segment array that quotes it, then text.
nlohmann::json quote_of_posted_image(FakeNapCat& napcat, int conn, const std::string& image_url,
                                     const std::string& text);

// Inserts keys (indented lines) into the onebot section of a config made by
// reverse_config()/forward_config(), just before its access_token line.
std::string with_onebot_keys(std::string yaml, const std::string& keys);

// A "plugins: gemini_pic_gen:" section with the given OpenRouter keys and
// API base, followed by extra (further indented gemini_pic_gen lines).
// The lines that differ between two texts of the same line count, as
// "-old" / "+new" pairs in order; one entry naming both counts when they
// differ. Empty when the texts are equal.
std::vector<std::string> changed_lines(const std::string& before, const std::string& after);

std::string gemini_plugin_section(const std::vector<std::string>& keys, const std::string& api_base,
                                  const std::string& extra = "");

}  // namespace picbot::testing
