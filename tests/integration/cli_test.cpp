// Integration tests of picbot's command line as an operator meets it: the
// real binary checking configs (--check-config runs the checks start runs),
// explaining mistakes with the key's line, and its --help.
#include <gtest/gtest.h>

#include "tests/integration/picbot_runner.h"
#include "tests/support/child_process.h"
#include "tests/support/paths.h"
#include "tests/support/temp_dir.h"

namespace picbot::testing {
namespace {
using namespace std::chrono_literals;

struct Finished {
  int code = -1;
  std::string output;  // stdout and stderr
};

// Runs picbot with args to the end.
Finished run_picbot(std::vector<std::string> args) {
  args.insert(args.begin(), picbot_binary().string());
  auto child = ChildProcess::start(std::move(args));
  EXPECT_TRUE(child.ok());
  if (!child.ok()) return {};
  const auto code = (*child)->wait_exit(10s);
  EXPECT_TRUE(code.has_value()) << (*child)->output();
  return {code.value_or(-1), (*child)->output()};
}

// The reverse config the other tests use with its access_token key misspelt:
// picbot used to warn, pass --check-config and let NapCat connect with no token.
std::string misspelt_token_config() {
  std::string yaml = reverse_config("token-that-is-never-checked");
  const std::string right = "  access_token:";
  yaml.replace(yaml.find(right), right.size(), "  acess_token:");
  return yaml;
}

TEST(HostCli, AMisspeltAccessTokenFailsTheCheckWithASuggestionAndTheLine) {
  TempDir dir;
  const auto config = dir.write_file("picbot.yaml", misspelt_token_config());

  const Finished en = run_picbot({"--check-config", "--config", config.string(), "--lang", "en"});
  EXPECT_EQ(en.code, 2) << en.output;
  EXPECT_NE(en.output.find("onebot.acess_token (line 6): unknown key"), std::string::npos) << en.output;
  EXPECT_NE(en.output.find("did you mean `access_token`?"), std::string::npos) << en.output;
  EXPECT_EQ(en.output.find("config OK"), std::string::npos) << en.output;

  const Finished zh = run_picbot({"--check-config", "--config", config.string()});
  EXPECT_EQ(zh.code, 2) << zh.output;
  EXPECT_NE(zh.output.find("onebot.acess_token（第 6 行）"), std::string::npos) << zh.output;
  EXPECT_NE(zh.output.find("是不是想写 `access_token`？"), std::string::npos) << zh.output;
}

TEST(HostCli, AMisspeltAccessTokenStopsTheBotFromStarting) {
  TempDir dir;
  const auto config = dir.write_file("picbot.yaml", misspelt_token_config());
  const Finished run = run_picbot({"--config", config.string(), "--lang", "en"});
  EXPECT_EQ(run.code, 2) << run.output;
  EXPECT_NE(run.output.find("did you mean `access_token`?"), std::string::npos) << run.output;
  EXPECT_EQ(run.output.find("picbot ready"), std::string::npos) << run.output;
}

// The validator's type errors used to be English only, whatever the language.
TEST(HostCli, CheckConfigExplainsTypeErrorsInTheChosenLanguage) {
  TempDir dir;
  std::string yaml = reverse_config();
  const std::string admins = "  admins: [1]\n";
  yaml.replace(yaml.find(admins), admins.size(), "  admins: [one]\n");
  const auto config = dir.write_file("picbot.yaml", yaml);

  const Finished zh = run_picbot({"--check-config", "--config", config.string()});
  EXPECT_EQ(zh.code, 2) << zh.output;
  EXPECT_NE(zh.output.find("bot.admins[0]（第 10 行）：应为整数，实际是 \"one\""), std::string::npos)
      << zh.output;
  EXPECT_EQ(zh.output.find("expected"), std::string::npos) << zh.output;

  const Finished en = run_picbot({"--check-config", "--config", config.string(), "--lang", "en"});
  EXPECT_EQ(en.code, 2) << en.output;
  EXPECT_NE(en.output.find("bot.admins[0] (line 10): expected integer, got \"one\""), std::string::npos)
      << en.output;
}

// start refuses this; --check-config used to pass it.
TEST(HostCli, CheckConfigRefusesAnOpenConsoleWithoutAPassword) {
  TempDir dir;
  std::string yaml = reverse_config();
  const std::string loopback = "web:\n  listen: \"127.0.0.1:0\"\n";
  yaml.replace(yaml.find(loopback), loopback.size(), "web:\n  listen: \"0.0.0.0:0\"\n");
  const auto config = dir.write_file("picbot.yaml", yaml);

  const Finished check = run_picbot({"--check-config", "--config", config.string(), "--lang", "en"});
  EXPECT_EQ(check.code, 2) << check.output;
  EXPECT_NE(check.output.find("web.listen (line 8): web.listen is 0.0.0.0:0 (not a loopback address) but "
                              "web.password is empty"),
            std::string::npos)
      << check.output;

  const auto fixed = dir.write_file(
      "fixed.yaml", yaml.replace(yaml.find("web:\n"), 5, "web:\n  password: \"a-long-console-password\"\n"));
  const Finished ok = run_picbot({"--check-config", "--config", fixed.string(), "--lang", "en"});
  EXPECT_EQ(ok.code, 0) << ok.output;
  EXPECT_NE(ok.output.find("config OK"), std::string::npos) << ok.output;
}

// A preset is a command: a name of two words would read as a command with a
// subcommand ("/my preset"), so check and start refuse it, naming it.
TEST(HostCli, CheckConfigRefusesAPresetNameThatCannotBeACommand) {
  TempDir dir;
  const std::string yaml =
      reverse_config() + "plugins:\n  gemini_pic_gen:\n    presets:\n      \"my preset\": \"x {prompt}\"\n";
  const auto config = dir.write_file("picbot.yaml", yaml);
  const Finished check = run_picbot({"--check-config", "--config", config.string(), "--lang", "en"});
  EXPECT_EQ(check.code, 2) << check.output;
  EXPECT_NE(check.output.find("presets.my preset: a preset name is one word"), std::string::npos)
      << check.output;
}

TEST(HostCli, AMissingConfigFileSuggestsPrintingTheExample) {
  TempDir dir;
  auto child =
      ChildProcess::start({picbot_binary().string(), "--check-config", "--lang", "en"}, {}, dir.path());
  ASSERT_TRUE(child.ok());
  EXPECT_EQ((*child)->wait_exit(10s), 2) << (*child)->output();
  EXPECT_NE((*child)->output().find("config file config/picbot.yaml not found"), std::string::npos)
      << (*child)->output();
  EXPECT_NE((*child)->output().find("picbot --print-example-config > config/picbot.yaml"), std::string::npos)
      << (*child)->output();
}

TEST(HostCli, ATabInTheIndentationIsNamed) {
  TempDir dir;
  const auto config = dir.write_file("picbot.yaml", "onebot:\n  mode: reverse\n\tlisten: \"127.0.0.1:0\"\n");
  const Finished check = run_picbot({"--check-config", "--config", config.string(), "--lang", "en"});
  EXPECT_EQ(check.code, 2) << check.output;
  EXPECT_NE(check.output.find("line 3 has a TAB character in its indentation"), std::string::npos)
      << check.output;
}

TEST(HostCli, HelpListsEveryFlagInBothLanguages) {
  const Finished zh = run_picbot({"--help"});
  EXPECT_EQ(zh.code, 0);
  EXPECT_NE(zh.output.find("用法"), std::string::npos) << zh.output;
  const Finished en = run_picbot({"--lang", "en", "--help"});
  EXPECT_EQ(en.code, 0);
  EXPECT_NE(en.output.find("usage: picbot"), std::string::npos) << en.output;
  for (const char* flag : {"--config PATH", "--check-config", "--print-example-config", "--lang zh-CN|en",
                           "--version", "-h, --help"}) {
    EXPECT_NE(zh.output.find(flag), std::string::npos) << flag << "\n" << zh.output;
    EXPECT_NE(en.output.find(flag), std::string::npos) << flag << "\n" << en.output;
  }

  const Finished wrong = run_picbot({"--lang", "en", "--colour"});
  EXPECT_EQ(wrong.code, 2);
  EXPECT_NE(wrong.output.find("unknown argument '--colour'"), std::string::npos) << wrong.output;
  EXPECT_NE(wrong.output.find("--print-example-config"), std::string::npos) << wrong.output;
}

}  // namespace
}  // namespace picbot::testing
