// MemoryBucket: an ObjectBucket (image/storage/object_bucket.h) kept in
// memory, for unit tests of what uploads to a bucket, with fault injection:
// the next N calls (of one kind or any) fail with a given error, or every
// call does until cleared; calls are held until release() (an upload in
// flight, a hung server), or slowed by a real delay. It counts calls and the
// peak number of calls in flight at once. It speaks only the interface: the
// S3 protocol is tested against s3rver (tests/support/, image/storage/s3/).
//
// Threading: every member runs on the thread of the executor the calls run
// on. A held or delayed call that is cancelled (the awaiting coroutine's
// cancellation slot) ends at once with the error code "cancelled".
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "image/storage/object_bucket.h"

namespace picbot::testing {

class MemoryBucket final : public image::ObjectBucket {
 public:
  enum class Call { kAny, kHead, kPut, kGet, kRemove, kList };

  struct Object {
    std::string bytes, content_type, cache_control;
  };

  // The objects, by key; a test may put objects there or look at them.
  std::map<std::string, Object> objects;

  // --- faults ---
  // The next n calls of kind `call` fail with error (after any hold or delay).
  void fail_next(int n, Error error, Call call = Call::kAny) {
    faults_.push_back({call, n, std::move(error)});
  }
  // Every call of kind `call` fails with error until clear_faults().
  void fail_always(Error error, Call call = Call::kAny) { faults_.push_back({call, -1, std::move(error)}); }
  void clear_faults() { faults_.clear(); }
  // Calls started from now on wait until release() (calls already waiting
  // go on waiting).
  void hold() { held_ = true; }
  // Lets every held call go on; later calls are no longer held.
  void release() {
    held_ = false;
    ++releases_;
    if (gate_) gate_->cancel();
  }
  // Every later call first waits this long (real time; zero: no wait).
  void set_delay(std::chrono::milliseconds delay) { delay_ = delay; }

  // --- state ---
  void set_object(const std::string& key, std::string bytes, std::string content_type = "image/png") {
    objects[key] = Object{std::move(bytes), std::move(content_type), ""};
  }
  std::optional<Object> object(const std::string& key) const {
    const auto it = objects.find(key);
    if (it == objects.end()) return std::nullopt;
    return it->second;
  }

  int calls(Call call) const {
    const auto it = calls_.find(call);
    return it == calls_.end() ? 0 : it->second;
  }
  int puts(const std::string& key) const {
    const auto it = puts_by_key_.find(key);
    return it == puts_by_key_.end() ? 0 : it->second;
  }
  int in_flight() const { return in_flight_; }
  int peak_in_flight() const { return peak_in_flight_; }
  // Calls waiting on hold() right now.
  int waiting() const { return waiting_; }

  // --- ObjectBucket ---
  boost::asio::awaitable<Result<std::optional<image::ObjectInfo>>> head(std::string key) override {
    Flight flight(*this, Call::kHead);
    if (std::optional<Error> fault = co_await enter(Call::kHead)) co_return *fault;
    const auto it = objects.find(key);
    if (it == objects.end()) co_return std::optional<image::ObjectInfo>();
    co_return std::optional<image::ObjectInfo>(info(it->first, it->second));
  }

  boost::asio::awaitable<Status> put(std::string key, std::string bytes, std::string content_type,
                                     std::string cache_control) override {
    Flight flight(*this, Call::kPut);
    if (std::optional<Error> fault = co_await enter(Call::kPut)) co_return *fault;
    ++puts_by_key_[key];
    objects[key] = Object{std::move(bytes), std::move(content_type), std::move(cache_control)};
    co_return Status{};
  }

  boost::asio::awaitable<Result<std::string>> get(std::string key) override {
    Flight flight(*this, Call::kGet);
    if (std::optional<Error> fault = co_await enter(Call::kGet)) co_return *fault;
    const auto it = objects.find(key);
    if (it == objects.end()) co_return Error::not_found("NoSuchKey: " + key);
    co_return it->second.bytes;
  }

  boost::asio::awaitable<Status> remove(std::string key) override {
    Flight flight(*this, Call::kRemove);
    if (std::optional<Error> fault = co_await enter(Call::kRemove)) co_return *fault;
    objects.erase(key);
    co_return Status{};
  }

  boost::asio::awaitable<Result<std::vector<image::ObjectInfo>>> list(std::string prefix,
                                                                      int max_keys) override {
    Flight flight(*this, Call::kList);
    if (std::optional<Error> fault = co_await enter(Call::kList)) co_return *fault;
    std::vector<image::ObjectInfo> out;
    for (auto it = objects.lower_bound(prefix);
         it != objects.end() && it->first.starts_with(prefix) && static_cast<int>(out.size()) < max_keys;
         ++it) {
      out.push_back(info(it->first, it->second));
    }
    co_return out;
  }

  std::string object_url(const std::string& key, std::chrono::seconds valid) const override {
    return "https://bucket.test/" + key + "?expires=" + std::to_string(valid.count());
  }

 private:
  struct Fault {
    Call call;
    int remaining;  // -1: until cleared
    Error error;
  };

  // Counts a call in flight for its lifetime.
  class Flight {
   public:
    Flight(MemoryBucket& bucket, Call call) : bucket_(bucket) {
      ++bucket_.calls_[call];
      ++bucket_.calls_[Call::kAny];
      bucket_.peak_in_flight_ = std::max(bucket_.peak_in_flight_, ++bucket_.in_flight_);
    }
    ~Flight() { --bucket_.in_flight_; }
    Flight(const Flight&) = delete;
    Flight& operator=(const Flight&) = delete;

   private:
    MemoryBucket& bucket_;
  };

  static image::ObjectInfo info(const std::string& key, const Object& object) {
    return image::ObjectInfo{key, object.bytes.size(),
                             std::to_string(std::hash<std::string>{}(object.bytes))};
  }

  // Waits out a hold or delay, then returns the fault this call meets, if any.
  boost::asio::awaitable<std::optional<Error>> enter(Call call) {
    const auto executor = co_await boost::asio::this_coro::executor;
    if (held_) {
      if (!gate_) {
        gate_.emplace(executor);
        gate_->expires_at(boost::asio::steady_timer::time_point::max());
      }
      const int releases = releases_;
      ++waiting_;
      co_await gate_->async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
      --waiting_;
      // The gate opens only by release(): no release since means this call
      // was cancelled.
      if (releases_ == releases) co_return Error::make("cancelled", "the call was cancelled");
    }
    if (delay_.count() > 0) {
      boost::asio::steady_timer timer(executor, delay_);
      auto [ec] = co_await timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
      if (ec) co_return Error::make("cancelled", "the call was cancelled");
    }
    for (auto it = faults_.begin(); it != faults_.end(); ++it) {
      if (it->call != Call::kAny && it->call != call) continue;
      Error error = it->error;
      if (it->remaining > 0 && --it->remaining == 0) faults_.erase(it);
      co_return error;
    }
    co_return std::nullopt;
  }

  std::optional<boost::asio::steady_timer> gate_;  // held calls wait on it; made by the first one
  bool held_ = false;
  int releases_ = 0;
  std::chrono::milliseconds delay_{0};
  std::deque<Fault> faults_;
  std::map<Call, int> calls_;
  std::map<std::string, int> puts_by_key_;
  int in_flight_ = 0, peak_in_flight_ = 0, waiting_ = 0;
};

}  // namespace picbot::testing
