#include "tests/integration/picbot_runner.h"

#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <regex>
#include <sstream>

#include "tests/support/paths.h"

namespace picbot::testing {
namespace {
std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (std::size_t pos = 0; (pos = text.find(from, pos)) != std::string::npos; pos += to.size()) {
    text.replace(pos, from.size(), to);
  }
  return text;
}
}  // namespace

std::set<std::string> secrets_in_yaml(const std::string& yaml) {
  static const std::regex key_line(R"(^\s*(-\s*)?[A-Za-z_]*(api_keys?|token|password|secret)\s*:\s*(.*)$)",
                                   std::regex::icase);
  static const std::regex value(R"re("([^"]*)"|'([^']*)'|([^\s,\[\]"'#][^,\[\]#]*[^\s,\[\]#]))re");
  std::set<std::string> out;
  std::istringstream lines(yaml);
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    if (!std::regex_match(line, m, key_line)) continue;
    const std::string rest = m[3].str();
    for (auto it = std::sregex_iterator(rest.begin(), rest.end(), value); it != std::sregex_iterator();
         ++it) {
      std::string v = (*it)[1].matched ? (*it)[1].str() : (*it)[2].matched ? (*it)[2].str() : (*it)[3].str();
      if (v.size() >= 8) out.insert(v);
    }
  }
  return out;
}

PicbotRunner::PicbotRunner(std::string yaml, std::map<std::string, std::string> env) : env_(std::move(env)) {
  static const std::regex secret_name("KEY|TOKEN|PASSWORD|SECRET", std::regex::icase);
  for (const auto& [name, value] : env_) {
    if (std::regex_search(name, secret_name) && value.size() >= 8) secrets_.insert(value);
  }
  rewrite_config(yaml);
}

PicbotRunner::~PicbotRunner() {
  // A clean shutdown, so a sanitized build's leak check runs at exit;
  // ChildProcess reports any sanitizer finding. SIGKILL only if it hangs.
  if (process_ && process_->running() && !stop(std::chrono::seconds(15))) {
    ADD_FAILURE() << "picbot did not exit within 15 s of SIGTERM; output:\n" << process_->output();
    process_->kill9();
  }
  if (process_) {
    process_->wait_exit(std::chrono::seconds(5));
    expect_no_secrets_in_log();
  }
}

void PicbotRunner::expect_no_secrets_in_log() {
  if (!process_) return;
  const std::string output = process_->output();
  for (const auto& secret : secrets_) {
    if (output.find(secret) != std::string::npos) {
      ADD_FAILURE() << "a configured secret (" << secret.substr(0, 4) << "…, " << secret.size()
                    << " chars) appears in clear in picbot's output";
    }
  }
}

void PicbotRunner::rewrite_config(const std::string& yaml) {
  secrets_.merge(secrets_in_yaml(yaml));
  std::ofstream(config_path()) << replace_all(yaml, "{data_dir}", (dir_.path() / "data").string());
}

bool PicbotRunner::start(std::chrono::milliseconds timeout) {
  if (process_) expect_no_secrets_in_log();
  std::vector<std::string> argv = wrapper_;
  argv.insert(argv.end(), {picbot_binary().string(), "--config", config_path().string()});
  if (!language_.empty()) argv.insert(argv.end(), {"--lang", language_});
  auto started = ChildProcess::start(std::move(argv), env_, dir_.path());
  if (!started) {
    ADD_FAILURE() << "cannot start picbot: " << started.error().message;
    return false;
  }
  process_ = std::move(started.value());
  if (!process_->wait_for_line(std::regex("picbot ready in|picbot 已就绪"), timeout)) {
    ADD_FAILURE() << "picbot did not become ready; output:\n" << process_->output();
    return false;
  }
  std::vector<std::string> captures;
  if (process_->wait_for_line(std::regex(R"((?:reverse WS listening on|反向 WS 正在监听) [^ ]+:(\d+))"),
                              std::chrono::milliseconds(0), &captures) &&
      captures.size() > 1) {
    reverse_port_ = static_cast<std::uint16_t>(std::stoi(captures[1]));
  }
  captures.clear();
  if (process_->wait_for_line(std::regex(R"((?:web console listening on|管理后台正在监听) [^ ]+:(\d+))"),
                              std::chrono::milliseconds(0), &captures) &&
      captures.size() > 1) {
    web_port_ = static_cast<std::uint16_t>(std::stoi(captures[1]));
  }
  return true;
}

bool PicbotRunner::wait_for_log(const std::string& regex, std::chrono::milliseconds timeout) {
  return process_->wait_for_line(std::regex(regex), timeout);
}

std::optional<int> PicbotRunner::stop(std::chrono::milliseconds timeout) {
  process_->signal(SIGTERM);
  return process_->wait_exit(timeout);
}

std::string reverse_config(const std::string& token, const std::string& extra) {
  return "data_dir: \"{data_dir}\"\n"
         "log_level: debug\n"
         "onebot:\n"
         "  mode: reverse\n"
         "  listen: \"127.0.0.1:0\"\n"
         "  access_token: \"" +
         token +
         "\"\n"
         "web:\n"
         "  listen: \"127.0.0.1:0\"\n"
         "bot:\n"
         "  admins: [1]\n" +
         extra;
}

std::string forward_config(std::uint16_t port, const std::string& token, const std::string& extra) {
  return "data_dir: \"{data_dir}\"\n"
         "log_level: debug\n"
         "onebot:\n"
         "  mode: forward\n"
         "  url: \"ws://127.0.0.1:" +
         std::to_string(port) +
         "/\"\n"
         "  access_token: \"" +
         token +
         "\"\n"
         "web:\n"
         "  listen: \"127.0.0.1:0\"\n"
         "bot:\n"
         "  admins: [1]\n" +
         extra;
}

}  // namespace picbot::testing
