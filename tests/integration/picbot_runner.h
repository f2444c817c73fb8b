// PicbotRunner: starts the real picbot binary with a config written into a
// temporary directory, and waits for it to be ready. Integration tests drive
// it through the fakes. Every secret in the config (keys, tokens, passwords)
// and in secret-looking environment variables is remembered; the test fails
// if one appears in clear in picbot's output.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace picbot::testing {

class PicbotRunner {
 public:
  // `yaml` is the whole config; the placeholder {data_dir} is replaced by a
  // fresh directory inside the runner's temp dir.
  explicit PicbotRunner(std::string yaml, std::map<std::string, std::string> env = {});
  ~PicbotRunner();

  // Starts picbot (again, after stop(), on the same directory) and waits for
  // its "ready" line (in either log language). Returns false (with the
  // output in the test log) when it does not become ready.
  bool start(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // The reverse WS port picbot listens on (from its log).
  std::uint16_t reverse_port() const { return reverse_port_; }
  // The web server's port (from its log), 0 when it is off.
  std::uint16_t web_port() const { return web_port_; }
  ChildProcess& process() { return *process_; }
  const std::filesystem::path& dir() const { return dir_.path(); }
  std::filesystem::path config_path() const { return dir_.path() / "picbot.yaml"; }
  bool wait_for_log(const std::string& regex, std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Sends SIGTERM and returns the exit code (nullopt if it did not exit in time).
  std::optional<int> stop(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  void rewrite_config(const std::string& yaml);
  // Runs picbot through a wrapper from the next start() on, e.g.
  // {"prlimit", "--fsize=65536", "--"} (it must exec picbot in place).
  void set_wrapper(std::vector<std::string> wrapper) { wrapper_ = std::move(wrapper); }
  // The --lang picbot gets from the next start() on: "en" unless changed (the
  // tests read its log lines in English); "" passes no --lang, so the log
  // takes log_language / bot.language (zh-CN by default).
  void set_language(std::string language) { language_ = std::move(language); }
  // Fails the test (ADD_FAILURE) for every remembered secret in the current
  // process's output. Runs by itself before a restart and at destruction.
  void expect_no_secrets_in_log();
  const std::set<std::string>& secrets() const { return secrets_; }

 private:
  TempDir dir_;
  std::map<std::string, std::string> env_;
  std::unique_ptr<ChildProcess> process_;
  std::set<std::string> secrets_;
  std::vector<std::string> wrapper_;
  std::string language_ = "en";
  std::uint16_t reverse_port_ = 0;
  std::uint16_t web_port_ = 0;
};

// The values of secret-looking keys (names ending in api_key(s), token,
// password or secret) in a YAML text, as scalars or flow lists; values
// shorter than 8 characters are ignored (they would match ordinary text).
std::set<std::string> secrets_in_yaml(const std::string& yaml);

// The OneBot access token the integration tests use unless they need their own.
inline constexpr char kTestToken[] = "test-token-0123456789";

// A minimal reverse-mode config on 127.0.0.1:0 with the given token; the web
// server listens on 127.0.0.1:0 too (so parallel tests never collide).
std::string reverse_config(const std::string& token = kTestToken, const std::string& extra = "");
// A minimal forward-mode config pointing at the fake NapCat.
std::string forward_config(std::uint16_t port, const std::string& token, const std::string& extra = "");

}  // namespace picbot::testing
