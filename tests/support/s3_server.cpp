#include "tests/support/s3_server.h"

#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <regex>

#include "tests/support/paths.h"
#include "tests/support/python_script.h"

namespace picbot::testing {
namespace {

using namespace std::chrono_literals;

std::filesystem::path s3_folder() { return source_dir() / "tests/s3"; }

}  // namespace

std::string S3Server::unavailable_reason() {
  auto node = ChildProcess::start({"node", "--version"});
  if (!node.ok() || node.value()->wait_exit(30s) != 0) return "node is not installed";
  if (!std::filesystem::exists(s3_folder() / "node_modules/s3rver/package.json")) {
    return "s3rver is not installed: run `npm ci` in tests/s3 (scripts/install-deps.sh --test)";
  }
  return "";
}

Result<std::unique_ptr<S3Server>> S3Server::start(std::vector<std::string> buckets) {
  std::unique_ptr<S3Server> server(new S3Server(std::move(buckets)));
  if (Status started = server->launch(); !started.ok()) return started.error();
  return server;
}

S3Server::~S3Server() { stop(); }

Status S3Server::launch() {
  // S3rver makes its continuation tokens with DES, which Node 17+ (OpenSSL
  // 3) offers only with the legacy provider.
  std::vector<std::string> argv = {"node",
                                   "--openssl-legacy-provider",
                                   (s3_folder() / "serve.mjs").string(),
                                   "--dir",
                                   dir_.path().string(),
                                   "--port",
                                   std::to_string(port_)};
  for (const std::string& bucket : buckets_) {
    argv.push_back("--bucket");
    argv.push_back(bucket);
  }
  auto child = ChildProcess::start(std::move(argv), {}, s3_folder());
  if (!child.ok()) return child.error();
  process_ = std::move(child).value();
  std::vector<std::string> captures;
  if (!process_->wait_for_line(std::regex("s3rver listening on port=(\\d+)"), 30s, &captures)) {
    const std::string output = process_->output();
    process_.reset();
    const std::string reason = unavailable_reason();
    return Error::make("s3rver",
                       "s3rver did not start" + (reason.empty() ? "" : " (" + reason + ")") + ": " + output);
  }
  port_ = std::stoi(captures[1]);
  return {};
}

std::string S3Server::endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

std::string S3Server::virtual_hosted_endpoint() const {
  return "http://s3.localhost:" + std::to_string(port_);
}

bool S3Server::stop() {
  if (!process_) return true;
  process_->signal(SIGTERM);
  bool exited = process_->wait_exit(5s).has_value();
  if (!exited) {
    process_->kill9();
    exited = process_->wait_exit(5s).has_value();
  }
  process_.reset();
  return exited;
}

void S3Server::kill9() {
  if (!process_) return;
  process_->kill9();
  process_->wait_exit(5s);
  process_.reset();
}

Status S3Server::restart() {
  stop();
  // The port was free a moment ago; the kernel lets a listener take it again
  // at once (Node sets SO_REUSEADDR), so a retry covers only a slow release.
  Status started = launch();
  for (int attempt = 0; attempt < 20 && !started.ok(); ++attempt) {
    if (std::string_view(started.error().message).find("EADDRINUSE") == std::string_view::npos) break;
    ::usleep(100'000);
    started = launch();
  }
  return started;
}

bool S3Server::running() const { return process_ && process_->running(); }

Result<std::vector<Boto3Object>> read_with_boto3(const std::string& endpoint, const std::string& bucket,
                                                 const std::vector<std::string>& keys) {
  if (!python_has_module("boto3"))
    return Error::unavailable("python3-boto3 is not installed (scripts/install-deps.sh --test)");
  TempDir out;
  const auto list = out.write_file("keys.json", nlohmann::json(keys).dump());
  auto ran = run_python(source_dir() / "tests/s3/boto3_get.py",
                        {endpoint, bucket, list.string(), out.path().string()});
  if (!ran.ok()) return ran.error();
  auto slurp = [](const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  std::vector<Boto3Object> objects;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const auto meta =
        nlohmann::json::parse(slurp(out.path() / (std::to_string(i) + ".json")), nullptr, false);
    Boto3Object object;
    object.bytes = slurp(out.path() / (std::to_string(i) + ".bin"));
    if (meta.is_object()) {
      object.content_type = meta.value("content_type", "");
      object.cache_control = meta.value("cache_control", "");
    }
    objects.push_back(std::move(object));
  }
  return objects;
}

}  // namespace picbot::testing
