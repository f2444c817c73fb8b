// ScriptedImageFake<Script, Call>: what the image-API fakes (OpenAI Images,
// Ark/Seedream) share: a loopback server, per-key queues of scripted answers
// (then a default), the calls seen, the images answered, and the PNGs that
// URL answers point at, served at GET /files/. A fake derives from it, mounts
// its own routes on server_ and, per request, takes the script with
// take_script() and records images with answer_png()/answer_png_file().
// Call must have `std::string key` and `Script script`.
// Thread-safety: every member may be called from any thread.
#pragma once

#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "tests/fakes/http/fake_http_server.h"
#include "tests/fakes/openrouter/fake_images.h"

namespace picbot::testing {

template <class Script, class Call>
class ScriptedImageFake {
 public:
  ScriptedImageFake(const ScriptedImageFake&) = delete;
  ScriptedImageFake& operator=(const ScriptedImageFake&) = delete;

  // The next answer for this key; after the queue empties, the default.
  void push(const std::string& key, Script script) {
    std::lock_guard lock(mutex_);
    scripts_[key].push_back(script);
  }
  void set_default(Script script) {
    std::lock_guard lock(mutex_);
    default_ = script;
  }

  std::vector<Call> calls() const {
    std::lock_guard lock(mutex_);
    return calls_;
  }
  std::size_t call_count() const {
    std::lock_guard lock(mutex_);
    return calls_.size();
  }
  // Image bytes answered, in order.
  std::vector<std::string> served_images() const {
    std::lock_guard lock(mutex_);
    return served_;
  }
  // TCP connections the server accepted (keep-alive reuse shows as few).
  std::size_t connection_count() const { return server_.connection_count(); }

 protected:
  explicit ScriptedImageFake(Script default_script) : default_(default_script) {
    server_.on("GET", "/files/", [this](const FakeHttpRequest& request) {
      std::lock_guard lock(mutex_);
      auto it = files_.find(request.path());
      if (it == files_.end()) return FakeHttpResponse::text("not found", 404);
      return FakeHttpResponse{200, {{"Content-Type", "image/png"}}, it->second};
    });
  }
  ~ScriptedImageFake() = default;

  // Sets call.script to the next script for call.key, records the call and
  // returns the script.
  Script take_script(Call call) {
    std::lock_guard lock(mutex_);
    auto& queue = scripts_[call.key];
    call.script = queue.empty() ? default_ : queue.front();
    if (!queue.empty()) queue.pop_front();
    const Script script = call.script;
    calls_.push_back(std::move(call));
    return script;
  }

  // A new PNG labelled "<label>-<n>", recorded as answered.
  std::string answer_png(const std::string& label) {
    std::lock_guard lock(mutex_);
    std::string png = make_png(label + "-" + std::to_string(served_.size()));
    served_.push_back(png);
    return png;
  }

  // A new PNG, recorded as answered and served at GET /files/<stem>-<n>.png;
  // returns its URL.
  std::string answer_png_file(const std::string& label, const std::string& stem) {
    std::lock_guard lock(mutex_);
    const std::string n = std::to_string(served_.size());
    std::string png = make_png(label + "-" + n);
    const std::string path = "/files/" + stem + "-" + n + ".png";
    served_.push_back(png);
    files_[path] = std::move(png);
    return server_.base_url() + path;
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::deque<Script>> scripts_;
  Script default_;
  std::vector<Call> calls_;
  std::vector<std::string> served_;
  std::map<std::string, std::string> files_;  // path -> PNG served for URL answers

 protected:
  // Last: stopped first, so no handler runs while the members above go away.
  FakeHttpServer server_;
};

}  // namespace picbot::testing
