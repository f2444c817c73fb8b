// `picbot batch` through the real binary against the fake Gemini API
// (tests/fakes/gemini, which follows python-genai's types and the API
// reference) and the fake chat upstream: scripted failures of every class
// over a 100-image folder, prompt optimisation, SIGINT then --resume, the
// archives as the system's bsdtar and unzip read them, a dry run, the batch
// processor's environment variables and .env, and the command line.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <csignal>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/fakes/chat/fake_chat_server.h"
#include "tests/fakes/gemini/fake_gemini.h"
#include "tests/fakes/openrouter/fake_images.h"
#include "tests/support/child_process.h"
#include "tests/support/paths.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait.h"

namespace picbot::testing {
namespace {
using namespace std::chrono_literals;
using nlohmann::json;
using Script = FakeGemini::Script;

constexpr char kGeminiKey[] = "AIzaSyBatchTestKey0000000000000000001";
constexpr char kChatKey[] = "sk-or-batch-chat-key-0000000000000001";

struct Finished {
  int code = -1;
  std::string output;
  std::vector<json> events;  // the JSON lines of --json
};

std::vector<json> events_in(const std::vector<std::string>& lines) {
  std::vector<json> events;
  for (const std::string& line : lines) {
    if (!line.starts_with("{")) continue;
    json event = json::parse(line, nullptr, false);
    if (!event.is_discarded()) events.push_back(std::move(event));
  }
  return events;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

json read_json(const std::filesystem::path& path) { return json::parse(read_file(path), nullptr, false); }

std::string config_for(const FakeGemini& gemini, const std::string& extra = "") {
  return "image_providers:\n"
         "  gemini:\n"
         "    type: gemini\n"
         "    api_base: \"" +
         gemini.api_base() +
         "\"\n"
         "    api_keys: [\"" +
         kGeminiKey +
         "\"]\n"
         "    request_timeout_seconds: 3\n" +
         extra;
}

class BatchTest : public ::testing::Test {
 protected:
  std::unique_ptr<ChildProcess> start(std::vector<std::string> args,
                                      std::map<std::string, std::string> env = {}) {
    args.insert(args.begin(), {picbot_binary().string(), "batch"});
    args.insert(args.end(), {"--lang", "en"});
    auto child = ChildProcess::start(std::move(args), std::move(env), dir_.path());
    EXPECT_TRUE(child.ok());
    return child.ok() ? std::move(child).value() : nullptr;
  }
  Finished run(std::vector<std::string> args, std::map<std::string, std::string> env = {},
               std::chrono::milliseconds timeout = 60s) {
    auto child = start(std::move(args), std::move(env));
    if (!child) return {};
    const auto code = child->wait_exit(timeout);
    EXPECT_TRUE(code.has_value()) << child->output();
    const std::string output = child->output();
    EXPECT_EQ(output.find(kGeminiKey), std::string::npos) << "a key in the output";
    EXPECT_EQ(output.find(kChatKey), std::string::npos) << "a key in the output";
    return {code.value_or(-1), output, events_in(child->lines())};
  }
  std::filesystem::path write_config(const std::string& yaml) { return dir_.write_file("picbot.yaml", yaml); }
  // n labelled PNGs in input/: "img-000.png" holds the label "img-000".
  void write_images(int n, const std::string& prefix = "img-") {
    for (int i = 0; i < n; ++i) {
      const std::string label = prefix + fmt::format("{:03}", i);
      dir_.write_file("input/" + label + ".png", make_png(label));
    }
  }
  // Upstream requests per image label.
  static std::map<std::string, int> calls_per_image(const FakeGemini& gemini,
                                                    const std::string& prefix = "img-") {
    std::map<std::string, int> counts;
    for (const auto& call : gemini.calls()) {
      const std::size_t at = call.reference.find(prefix);
      if (at != std::string::npos) ++counts[call.reference.substr(at, prefix.size() + 3)];
    }
    return counts;
  }
  std::filesystem::path out(const std::string& name) const { return dir_.path() / "output" / name; }

  TempDir dir_;
  FakeGemini gemini_;
};

TEST_F(BatchTest, AHundredImagesWithScriptedFailuresOfEveryClass) {
  write_images(100);
  dir_.write_file("input/notes.txt", "not an image");
  std::filesystem::create_symlink(dir_.path() / "input/missing.png", dir_.path() / "input/broken.png");
  const auto label = [](int i) { return fmt::format("img-{:03}", i); };
  for (int i = 0; i < 10; ++i) gemini_.push_for(label(i), Script::k429RetryAfter);
  for (int i = 10; i < 15; ++i) gemini_.push_for(label(i), Script::k400);
  for (int i = 15; i < 20; ++i) gemini_.push_for(label(i), Script::k500);
  for (int i = 20; i < 23; ++i) gemini_.push_for(label(i), Script::kHang);
  for (int i = 23; i < 26; ++i) {
    for (int n = 0; n < 6; ++n) gemini_.push_for(label(i), Script::kBlockedPrompt);
  }
  for (int i = 26; i < 28; ++i) gemini_.push_for(label(i), Script::kTextOnly);
  const auto config = write_config(config_for(gemini_));

  const Finished done =
      run({"--input-dir", "input", "--prompt", "anime style", "--config", config.string(), "--max-concurrent",
           "10", "--max-retries", "5", "--archive-format", "zip", "--json"});
  EXPECT_EQ(done.code, 1) << done.output;  // some failed

  // Upstream: the 429, 500, timeout and text-only ones twice, 400 once, the
  // filtered ones --max-retries times, the rest once.
  const auto counts = calls_per_image(gemini_);
  for (int i = 0; i < 100; ++i) {
    int expected = 1;
    if (i < 10 || (i >= 15 && i < 23) || (i >= 26 && i < 28)) expected = 2;
    if (i >= 23 && i < 26) expected = 5;
    EXPECT_EQ(counts.count(label(i)) ? counts.at(label(i)) : 0, expected) << label(i);
  }

  // The output tree.
  int results = 0;
  for (const auto& entry : std::filesystem::directory_iterator(out("successful"))) {
    results += entry.path().extension() == ".png";
  }
  EXPECT_EQ(results, 92);
  EXPECT_TRUE(std::filesystem::exists(out("successful/img-000_result.png")));
  const std::string text = read_file(out("successful/img-015_result.txt"));
  EXPECT_NE(text.find("prompt: anime style"), std::string::npos) << text;
  EXPECT_NE(text.find("provider: gemini"), std::string::npos) << text;
  EXPECT_NE(text.find("tries: 2"), std::string::npos) << text;
  EXPECT_NE(text.find("Here is your picture."), std::string::npos) << text;
  const std::string bad = read_file(out("failed/img-010_error.log"));
  EXPECT_NE(bad.find("bad_request"), std::string::npos) << bad;
  EXPECT_NE(bad.find("400"), std::string::npos) << bad;
  const std::string filtered = read_file(out("failed/img-023_error.log"));
  EXPECT_NE(filtered.find("try 5"), std::string::npos) << filtered;
  EXPECT_NE(filtered.find("content_filtered"), std::string::npos) << filtered;
  EXPECT_EQ(filtered.find(kGeminiKey), std::string::npos);

  const json stats = read_json(out("metadata/processing_stats.json"));
  EXPECT_EQ(stats["successful"], 92) << stats.dump(2);
  EXPECT_EQ(stats["failed"], 8);
  EXPECT_EQ(stats["skipped"], 2);
  EXPECT_EQ(stats["provider_use"]["gemini"], 92);
  const json& by_class = stats["failures_by_class"];
  EXPECT_GE(by_class.value("rate_limited", 0), 10) << by_class.dump();
  EXPECT_EQ(by_class.value("bad_request", 0), 5) << by_class.dump();
  EXPECT_EQ(by_class.value("network", 0), 5) << by_class.dump();
  EXPECT_EQ(by_class.value("timeout", 0), 3) << by_class.dump();
  // Gemini's text-only answers are its content filter too (image/providers/gemini).
  EXPECT_EQ(by_class.value("content_filtered", 0), 5 * 3 + 2) << by_class.dump();
  const json analysis = read_json(out("metadata/error_analysis.json"));
  EXPECT_EQ(analysis["classes"]["bad_request"]["failed_images"], 5) << analysis.dump(2);
  EXPECT_FALSE(analysis["classes"]["content_filtered"]["advice"].get<std::string>().empty());
  EXPECT_TRUE(read_json(out("metadata/prompt_evolution.json")).is_object());

  // Events: skipped files with their reasons, each image's end, the finish.
  std::map<std::string, std::string> skipped;
  int finished_images = 0;
  json finished;
  for (const json& event : done.events) {
    const std::string name = event.value("event", "");
    if (name == "skipped") skipped[event["image"]] = event["reason"];
    if (name == "image_done" || name == "image_failed") ++finished_images;
    if (name == "finished") finished = event;
  }
  EXPECT_EQ(finished_images, 100);
  EXPECT_EQ(skipped["notes.txt"], "not a PNG, JPEG, WEBP or GIF image");
  EXPECT_NE(skipped["broken.png"].find("cannot be read"), std::string::npos);
  EXPECT_EQ(finished["exit_code"], 1);

  // The archive, as the system's unzip reads it.
  auto unzip = ChildProcess::start({"unzip", "-l", out("archive.zip").string()});
  ASSERT_TRUE(unzip.ok());
  ASSERT_EQ((*unzip)->wait_exit(20s), 0) << (*unzip)->output();
  const std::string listing = (*unzip)->output();
  for (const char* entry :
       {"successful/img-000_result.png", "successful/img-099_result.txt", "failed/img-010_error.log",
        "metadata/processing_stats.json", "metadata/prompt_evolution.json", "metadata/error_analysis.json"}) {
    EXPECT_NE(listing.find(entry), std::string::npos) << entry << "\n" << listing;
  }
  EXPECT_NE(listing.find("195 files"), std::string::npos) << listing;  // 92 x 2 + 8 + 3
}

TEST_F(BatchTest, PromptOptimisationAfterTheSecondFilteredAnswerIsRecorded) {
  FakeChatServer chat;
  chat.push(ChatScript::reply("\"simple anime line art, clean lines\""));
  write_images(1, "opt-");
  gemini_.push_for("opt-000", Script::kBlockedPrompt);
  gemini_.push_for("opt-000", Script::kBlockedImage);
  const auto config = write_config(config_for(
      gemini_, "llm:\n  api_base: \"" + chat.api_base() + "\"\n  api_keys: [\"" + kChatKey + "\"]\n"));
  const Finished done = run({"--input-dir", "input", "--prompt", "anime style", "--config", config.string(),
                             "--enable-prompt-optimization", "--json"});
  ASSERT_EQ(done.code, 0) << done.output;

  ASSERT_EQ(chat.request_count(), 1u);
  const auto asked = chat.requests()[0].contents("user");
  ASSERT_EQ(asked.size(), 1u);
  EXPECT_NE(asked[0].find("anime style"), std::string::npos) << asked[0];
  const auto calls = gemini_.calls();
  ASSERT_EQ(calls.size(), 3u);
  EXPECT_NE(calls[2].body.dump().find("simple anime line art, clean lines"), std::string::npos);

  const json evolution = read_json(out("metadata/prompt_evolution.json"));
  EXPECT_EQ(evolution["original_prompt"], "anime style");
  const json& versions = evolution["images"]["opt-000.png"];
  ASSERT_EQ(versions.size(), 2u) << evolution.dump(2);
  EXPECT_EQ(versions[0]["prompt"], "anime style");
  EXPECT_EQ(versions[0]["outcomes"], json::array({"content_filtered", "content_filtered"}));
  EXPECT_EQ(versions[1]["prompt"], "simple anime line art, clean lines");
  EXPECT_EQ(versions[1]["source"], "optimized");
  EXPECT_EQ(versions[1]["outcomes"], json::array({"success"}));
  const std::string text = read_file(out("successful/opt-000_result.txt"));
  EXPECT_NE(text.find("prompt: simple anime line art, clean lines"), std::string::npos) << text;
  EXPECT_NE(text.find("prompt_version: 2"), std::string::npos) << text;
}

TEST_F(BatchTest, SigintThenResumeSendsEveryImageUpstreamExactlyOnce) {
  write_images(30);
  gemini_.set_delay(300ms);
  const auto config = write_config(config_for(gemini_));
  const std::vector<std::string> args{
      "--input-dir",      "input", "--prompt", "anime style", "--config", config.string(), "--json",
      "--max-concurrent", "3"};
  auto first = start(args);
  ASSERT_TRUE(first);
  ASSERT_TRUE(first->wait_for_line(std::regex("\"event\":\"image_done\""), 20s)) << first->output();
  first->signal(SIGINT);
  const auto code = first->wait_exit(40s);
  ASSERT_EQ(code, 130) << first->output();
  const json stats = read_json(out("metadata/processing_stats.json"));
  ASSERT_TRUE(stats.is_object());
  const int done_first = stats["successful"].get<int>();
  EXPECT_GT(done_first, 0);
  EXPECT_LT(done_first, 30);
  EXPECT_EQ(stats["failed"], 0);  // images cut off are neither done nor failed
  bool interrupted = false;
  for (const json& event : events_in(first->lines())) {
    if (event.value("event", "") == "finished") interrupted = event["interrupted"].get<bool>();
  }
  EXPECT_TRUE(interrupted);

  const Finished resumed = run({"--input-dir", "input", "--prompt", "anime style", "--config",
                                config.string(), "--json", "--max-concurrent", "3", "--resume"});
  ASSERT_EQ(resumed.code, 0) << resumed.output;
  const auto counts = calls_per_image(gemini_);
  EXPECT_EQ(counts.size(), 30u);
  for (const auto& [image, count] : counts) EXPECT_EQ(count, 1) << image;
  const json after = read_json(out("metadata/processing_stats.json"));
  EXPECT_EQ(after["resumed"], done_first);
  EXPECT_EQ(after["successful"].get<int>() + done_first, 30);
}

// The first Ctrl-C gives running images 30 s; an operator pressing it again
// does not wait: the running requests are cancelled and the run ends now.
TEST_F(BatchTest, ASecondCtrlCCancelsTheRunningImagesAtOnce) {
  write_images(5);
  gemini_.set_delay(20s);  // longer than the deadline below: nothing finishes by itself
  std::string yaml = config_for(gemini_);
  yaml.replace(yaml.find("request_timeout_seconds: 3"), 26, "request_timeout_seconds: 60");
  const auto config = write_config(yaml);
  auto child = start({"--input-dir", "input", "--prompt", "anime style", "--config", config.string(),
                      "--json", "--max-concurrent", "3"});
  ASSERT_TRUE(child);
  ASSERT_TRUE(wait_until([&] { return gemini_.calls().size() >= 3; }, 20s)) << child->output();
  child->signal(SIGINT);
  ASSERT_TRUE(child->wait_for_line(std::regex("\"event\":\"stopping\""), 10s)) << child->output();
  child->signal(SIGINT);
  const auto code = child->wait_exit(10s);
  ASSERT_EQ(code, 130) << child->output();
  EXPECT_TRUE(child->wait_for_line(std::regex("\"event\":\"stopping_now\""), 0s)) << child->output();
  const json stats = read_json(out("metadata/processing_stats.json"));
  ASSERT_TRUE(stats.is_object());
  EXPECT_EQ(stats["successful"], 0);
  EXPECT_EQ(stats["failed"], 0) << "cancelled images are neither done nor failed: --resume redoes them";
}

// With --json stdout carries nothing but the events (a script parses it);
// a provider's warning (here: a key the upstream refuses) still reaches the
// operator, on stderr.
TEST_F(BatchTest, WithJsonStdoutHasOnlyEventsAndProviderWarningsGoToStderr) {
  write_images(2);
  gemini_.push(Script::kInvalidKey);
  std::string yaml = config_for(gemini_);
  const std::string one_key = std::string("[\"") + kGeminiKey + "\"]";
  yaml.replace(yaml.find(one_key), one_key.size(),
               std::string("[\"") + kGeminiKey + "\", \"AIzaSyBatchTestKey0000000000000000002\"]");
  const auto config = write_config(yaml);
  const std::string command = picbot_binary().string() +
                              " batch --input-dir input --prompt 'anime style' --config " + config.string() +
                              " --json --max-concurrent 1 --lang en > stdout.txt 2> stderr.txt";
  auto child = ChildProcess::start({"/bin/sh", "-c", command}, {}, dir_.path());
  ASSERT_TRUE(child.ok());
  ASSERT_EQ((*child)->wait_exit(60s), 0) << read_file(dir_.path() / "stderr.txt");
  std::istringstream out(read_file(dir_.path() / "stdout.txt"));
  int events = 0;
  for (std::string line; std::getline(out, line);) {
    EXPECT_FALSE(json::parse(line, nullptr, false).is_discarded()) << "not an event: " << line;
    ++events;
  }
  EXPECT_GT(events, 2);
  const std::string err = read_file(dir_.path() / "stderr.txt");
  EXPECT_NE(err.find("warn"), std::string::npos) << err;
  EXPECT_EQ(err.find(kGeminiKey), std::string::npos) << "the key is masked";
}

TEST_F(BatchTest, TarArchiveAsTheSystemsBsdtarReadsIt) {
  write_images(2);
  const auto config = write_config(config_for(gemini_));
  const Finished done = run({"--input-dir", "input", "--prompt", "anime style", "--config", config.string(),
                             "--archive-format", "tar"});
  ASSERT_EQ(done.code, 0) << done.output;
  EXPECT_NE(done.output.find("archive: "), std::string::npos) << done.output;
  // Not on a terminal: progress lines (the last one forced at the end) and the summary.
  EXPECT_NE(done.output.find("done 2 / failed 0 / running 0 / queued 0"), std::string::npos) << done.output;
  EXPECT_NE(done.output.find("Finished: 2 done, 0 failed, 0 skipped"), std::string::npos) << done.output;
  auto bsdtar = ChildProcess::start({"bsdtar", "-tf", out("archive.tar").string()});
  ASSERT_TRUE(bsdtar.ok());
  ASSERT_EQ((*bsdtar)->wait_exit(20s), 0) << (*bsdtar)->output();
  EXPECT_EQ((*bsdtar)->lines(),
            (std::vector<std::string>{"metadata/error_analysis.json", "metadata/processing_stats.json",
                                      "metadata/prompt_evolution.json", "successful/img-000_result.png",
                                      "successful/img-000_result.txt", "successful/img-001_result.png",
                                      "successful/img-001_result.txt"}));
}

TEST_F(BatchTest, ADryRunListsWhatWouldBeSentAndSendsNothing) {
  write_images(3);
  dir_.write_file("input/notes.txt", "not an image");
  dir_.write_file("input/sub/deep.png", make_png("deep"));
  const auto config = write_config(config_for(gemini_));
  const Finished dry = run({"--input-dir", "input", "--prompt", "anime style", "--config", config.string(),
                            "--dry-run", "--recursive", "--ar", "16:9"});
  ASSERT_EQ(dry.code, 0) << dry.output;
  EXPECT_EQ(gemini_.call_count(), 0u);
  EXPECT_FALSE(std::filesystem::exists(dir_.path() / "output"));
  for (const char* line : {"Dry run: no request is sent.", "prompt: anime style", "provider: gemini",
                           "size: 16:9", "would send: img-000.png", "would send: sub/deep.png",
                           "skipped: notes.txt: not a PNG, JPEG, WEBP or GIF image",
                           "4 images, an estimated 4 requests (20 at most, with retries)."}) {
    EXPECT_NE(dry.output.find(line), std::string::npos) << line << "\n" << dry.output;
  }
}

TEST_F(BatchTest, TheBatchProcessorsEnvironmentAndDotEnvWork) {
  write_images(3);
  dir_.write_file(".env", std::string("# the batch processor's .env\nGEMINI_API_KEY=") + kGeminiKey +
                              "\nMAX_CONCURRENT_REQUESTS=2\nMAX_RETRIES=4\nOUTPUT_DIR=./results\n");
  // The instance's address only: the key comes from GEMINI_API_KEY.
  const auto config = write_config("image_providers:\n  gemini:\n    type: gemini\n    api_base: \"" +
                                   gemini_.api_base() + "\"\n");
  const Finished done = run({"--input-dir", "input", "--prompt", "anime style", "--config", config.string()},
                            {{"MAX_RETRIES", "3"}});
  ASSERT_EQ(done.code, 0) << done.output;
  EXPECT_TRUE(std::filesystem::exists(dir_.path() / "results/successful/img-002_result.png"));
  const json settings = read_json(dir_.path() / "results/metadata/processing_stats.json")["settings"];
  EXPECT_EQ(settings["max_concurrent"], 2) << settings.dump();
  EXPECT_EQ(settings["max_retries"], 3) << settings.dump();  // the process environment wins over .env
  EXPECT_EQ(settings["provider"], "gemini");
  ASSERT_EQ(gemini_.call_count(), 3u);
  EXPECT_EQ(gemini_.calls()[0].key, kGeminiKey);

  // GEMINI_API_KEY alone, no config file at all: the gemini provider.
  std::filesystem::remove(dir_.path() / ".env");
  const Finished alone =
      run({"--input-dir", "input", "--prompt", "anime style", "--dry-run"}, {{"GEMINI_API_KEY", kGeminiKey}});
  ASSERT_EQ(alone.code, 0) << alone.output;
  EXPECT_NE(alone.output.find("provider: gemini (model gemini-"), std::string::npos) << alone.output;

  const Finished nothing = run({"--input-dir", "input", "--prompt", "anime style"}, {{"GEMINI_API_KEY", ""}});
  EXPECT_EQ(nothing.code, 2) << nothing.output;
  EXPECT_NE(nothing.output.find("no image provider"), std::string::npos) << nothing.output;
}

TEST_F(BatchTest, HelpListsEveryFlagAndUsageErrorsExitTwo) {
  const Finished en = run({"--help"});
  EXPECT_EQ(en.code, 0);
  for (const char* flag : {"--input-dir DIR", "--prompt TEXT", "--output-dir DIR", "--max-concurrent N",
                           "--max-retries N", "--enable-prompt-optimization", "--archive-format zip|tar|none",
                           "--dry-run", "--provider NAME", "--size WxH | --ar W:H", "--recursive", "--resume",
                           "--config PATH", "--json", "MAX_CONCURRENT_REQUESTS", "exit codes"}) {
    EXPECT_NE(en.output.find(flag), std::string::npos) << flag << "\n" << en.output;
  }
  auto zh = ChildProcess::start({picbot_binary().string(), "batch", "--help"});
  ASSERT_TRUE(zh.ok());
  EXPECT_EQ((*zh)->wait_exit(10s), 0);
  EXPECT_NE((*zh)->output().find("用法：picbot batch"), std::string::npos) << (*zh)->output();
  auto host = ChildProcess::start({picbot_binary().string(), "--help", "--lang", "en"});
  ASSERT_TRUE(host.ok());
  EXPECT_EQ((*host)->wait_exit(10s), 0);
  EXPECT_NE((*host)->output().find("picbot batch --help"), std::string::npos) << (*host)->output();

  const Finished no_prompt = run({"--input-dir", "input"});
  EXPECT_EQ(no_prompt.code, 2);
  EXPECT_NE(no_prompt.output.find("--prompt is required"), std::string::npos) << no_prompt.output;
  const Finished both = run({"--input-dir", "input", "--prompt", "p", "--size", "1024x1024", "--ar", "1:1"});
  EXPECT_EQ(both.code, 2);
  EXPECT_NE(both.output.find("--size and --ar cannot be used together"), std::string::npos) << both.output;
  const Finished archive = run({"--input-dir", "input", "--prompt", "p", "--archive-format", "rar"});
  EXPECT_EQ(archive.code, 2);
  const Finished provider = run({"--input-dir", "input", "--prompt", "p", "--provider", "nope"});
  EXPECT_EQ(provider.code, 2);
  EXPECT_NE(provider.output.find("no image provider named 'nope'"), std::string::npos) << provider.output;
  const Finished missing_dir =
      run({"--input-dir", "nowhere", "--prompt", "p"}, {{"GEMINI_API_KEY", kGeminiKey}});
  EXPECT_EQ(missing_dir.code, 2) << missing_dir.output;
}

}  // namespace
}  // namespace picbot::testing
