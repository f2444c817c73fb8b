// MemoryBucket: an in-memory image::ObjectBucket for unit tests of the image
// store and its upload queue. Every call completes at once; `fail_next`
// makes the next call fail with that error code; `calls` counts them.
// Not a model of S3's protocol (the s3 client is tested against s3rver).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "image/storage/object_bucket.h"

namespace picbot::testing {

class MemoryBucket final : public image::ObjectBucket {
 public:
  struct Object {
    std::string bytes, content_type, cache_control;
  };

  boost::asio::awaitable<Result<std::optional<image::ObjectInfo>>> head(std::string key) override {
    ++calls;
    if (auto failure = take_failure()) co_return *failure;
    auto it = objects.find(key);
    if (it == objects.end()) co_return std::optional<image::ObjectInfo>();
    co_return std::optional<image::ObjectInfo>(image::ObjectInfo{key, it->second.bytes.size(), ""});
  }
  boost::asio::awaitable<Status> put(std::string key, std::string bytes, std::string content_type,
                                     std::string cache_control) override {
    ++calls;
    if (auto failure = take_failure()) co_return *failure;
    objects[key] = Object{std::move(bytes), std::move(content_type), std::move(cache_control)};
    co_return Status{};
  }
  boost::asio::awaitable<Result<std::string>> get(std::string key) override {
    ++calls;
    if (auto failure = take_failure()) co_return *failure;
    auto it = objects.find(key);
    if (it == objects.end()) co_return Error::not_found("NoSuchKey: " + key);
    co_return it->second.bytes;
  }
  boost::asio::awaitable<Status> remove(std::string key) override {
    ++calls;
    if (auto failure = take_failure()) co_return *failure;
    objects.erase(key);
    co_return Status{};
  }
  boost::asio::awaitable<Result<std::vector<image::ObjectInfo>>> list(std::string prefix,
                                                                      int max_keys) override {
    ++calls;
    if (auto failure = take_failure()) co_return *failure;
    std::vector<image::ObjectInfo> found;
    for (auto it = objects.lower_bound(prefix);
         it != objects.end() && it->first.starts_with(prefix) && static_cast<int>(found.size()) < max_keys;
         ++it)
      found.push_back(image::ObjectInfo{it->first, it->second.bytes.size(), ""});
    co_return found;
  }
  std::string object_url(const std::string& key, std::chrono::seconds valid) const override {
    return "https://bucket.example/" + key;
  }

  std::map<std::string, Object> objects;  // by key
  std::optional<std::string> fail_next;   // error code of the next call's failure
  int calls = 0;

 private:
  std::optional<Error> take_failure() {
    if (!fail_next) return std::nullopt;
    Error error = Error::make(*fail_next, "injected failure");
    fail_next.reset();
    return error;
  }
};

}  // namespace picbot::testing
