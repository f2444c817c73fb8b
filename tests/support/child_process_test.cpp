#include "tests/support/child_process.h"

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <cerrno>
#include <cstring>

#include "tests/support/paths.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait.h"

namespace picbot::testing {
namespace {

using namespace std::chrono_literals;

std::unique_ptr<ChildProcess> start_shell(const std::string& script,
                                          std::map<std::string, std::string> env = {},
                                          std::filesystem::path cwd = {}) {
  auto child = ChildProcess::start({"/bin/sh", "-c", script}, std::move(env), std::move(cwd));
  if (!child.ok()) {
    ADD_FAILURE() << child.error().to_string();
    return nullptr;
  }
  return std::move(child).value();
}

TEST(ChildProcessTest, CollectsLinesAndExitCode) {
  auto child = start_shell("echo ready; echo 'port=4321' >&2; exit 3");
  ASSERT_NE(child, nullptr);
  std::vector<std::string> captures;
  ASSERT_TRUE(child->wait_for_line(std::regex("port=(\\d+)"), 5s, &captures));
  ASSERT_EQ(captures.size(), 2u);
  EXPECT_EQ(captures[1], "4321");
  EXPECT_TRUE(child->wait_for_line(std::regex("^ready$"), 5s));
  EXPECT_EQ(child->wait_exit(5s), 3);
  EXPECT_EQ(child->lines(), (std::vector<std::string>{"ready", "port=4321"}));
  EXPECT_EQ(child->output(), "ready\nport=4321\n");
}

TEST(ChildProcessTest, TheOpenFileLimitOfARunningChildCanBeLowered) {
  auto child = start_shell("while :; do ulimit -n; sleep 0.05; done");
  ASSERT_NE(child, nullptr);
  EXPECT_GE(child->open_file_count(), 3u);
  ASSERT_TRUE(child->set_open_file_limit(37)) << std::strerror(errno);
  EXPECT_TRUE(child->wait_for_line(std::regex("^37$"), 5s)) << child->output();
}

TEST(ChildProcessTest, CpuTimeGrowsWhileTheChildComputes) {
  auto child = start_shell("while :; do :; done");
  ASSERT_NE(child, nullptr);
  EXPECT_TRUE(wait_until([&] { return child->cpu_time() >= 100ms; }, 10s));
}

TEST(ChildProcessTest, WaitForLineStopsWhenOutputCloses) {
  auto child = start_shell("printf 'no newline'");
  ASSERT_NE(child, nullptr);
  const auto started = std::chrono::steady_clock::now();
  EXPECT_FALSE(child->wait_for_line(std::regex("never"), 30s));
  EXPECT_LT(std::chrono::steady_clock::now() - started, 20s);
  EXPECT_EQ(child->lines(), std::vector<std::string>{"no newline"});
  EXPECT_EQ(child->wait_exit(5s), 0);
}

TEST(ChildProcessTest, SignalEndsSleepingChild) {
  auto child = start_shell("echo sleeping; exec sleep 30");
  ASSERT_NE(child, nullptr);
  ASSERT_TRUE(child->wait_for_line(std::regex("sleeping"), 5s));
  EXPECT_FALSE(child->wait_exit(10ms).has_value());
  EXPECT_TRUE(child->running());
  child->signal(SIGTERM);
  EXPECT_EQ(child->wait_exit(5s), 128 + SIGTERM);
  EXPECT_FALSE(child->running());
}

TEST(ChildProcessTest, Kill9ReachesGrandchildren) {
  // sleep runs as a grandchild holding the output pipe; killing the group
  // must still let the output close.
  auto child = start_shell("sleep 30 & echo started; wait");
  ASSERT_NE(child, nullptr);
  ASSERT_TRUE(child->wait_for_line(std::regex("started"), 5s));
  child->kill9();
  EXPECT_EQ(child->wait_exit(5s), 128 + SIGKILL);
  EXPECT_FALSE(child->wait_for_line(std::regex("never"), 5s));
}

TEST(ChildProcessTest, DestructorKillsRunningChild) {
  auto child = start_shell("exec sleep 30");
  ASSERT_NE(child, nullptr);
  const pid_t pid = child->pid();
  child.reset();
  EXPECT_NE(kill(pid, 0), 0);  // reaped: the pid no longer exists
}

TEST(ChildProcessTest, PassesEnvironmentAndWorkingDirectory) {
  TempDir dir;
  dir.write_file("sub/marker.txt", "hello");
  auto child = start_shell("echo \"$PICBOT_TEST_VALUE\"; cat sub/marker.txt; echo",
                           {{"PICBOT_TEST_VALUE", "v42"}}, dir.path());
  ASSERT_NE(child, nullptr);
  EXPECT_EQ(child->wait_exit(5s), 0);
  EXPECT_TRUE(child->wait_for_line(std::regex("^v42$"), 5s));
  EXPECT_TRUE(child->wait_for_line(std::regex("^hello$"), 5s));
}

// A sanitized build must fail the test when the program it starts reports
// an error, even though the test itself never looks at the output.
TEST(ChildProcessTest, SanitizerReportInChildFailsTheTest) {
  for (const char* report : {"==42==ERROR: AddressSanitizer: heap-use-after-free on address 0x1",
                             "==42==ERROR: LeakSanitizer: detected memory leaks",
                             "bot/app/app.cpp:10:5: runtime error: signed integer overflow",
                             "==42== ERROR SUMMARY: 3 errors from 2 contexts (suppressed: 0 from 0)"}) {
    EXPECT_NONFATAL_FAILURE(
        {
          auto child =
              ChildProcess::start({"/bin/sh", "-c", std::string("echo start; echo '") + report + "' >&2"});
          ASSERT_TRUE(child.ok());
          EXPECT_TRUE(child.value()->wait_exit(std::chrono::seconds(5)).has_value());
          EXPECT_EQ(child.value()->sanitizer_report(), report);
        },
        "sanitizer report from child");
  }
  auto clean = start_shell(
      "echo 'a runtime error: in a chat message is no report'; echo '==42== ERROR SUMMARY: 0 errors from 0 "
      "contexts'");
  ASSERT_NE(clean, nullptr);
  clean->wait_exit(5s);
  EXPECT_EQ(clean->sanitizer_report(), "");
}

TEST(ChildProcessTest, MissingProgramIsAnError) {
  auto child = ChildProcess::start({"/nonexistent/picbot-test-binary"});
  EXPECT_FALSE(child.ok());
  EXPECT_FALSE(ChildProcess::start({}).ok());
}

TEST(TempDirTest, RemovedOnDestruction) {
  std::filesystem::path path;
  {
    TempDir dir;
    path = dir.path();
    EXPECT_TRUE(std::filesystem::is_directory(path));
    EXPECT_EQ(dir.write_file("a.txt", "x"), path / "a.txt");
  }
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(WaitUntilTest, ReturnsOnPredicateOrDeadline) {
  int calls = 0;
  EXPECT_TRUE(wait_until([&] { return ++calls >= 3; }, 5s));
  EXPECT_FALSE(wait_until([] { return false; }, 20ms));
}

TEST(PathsTest, HaveDefaults) {
  EXPECT_FALSE(picbot_binary().empty());
  EXPECT_TRUE(std::filesystem::exists(source_dir() / "CMakeLists.txt"));
}

}  // namespace
}  // namespace picbot::testing
