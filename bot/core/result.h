// Result<T, E>: a value or an error, returned across module boundaries instead
// of throwing. GCC 12 has no std::expected, so this is the project's own.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace picbot {

// Error is the default error type: a short machine-readable code ("timeout",
// "bad_config", ...) and a human-readable message that never holds secrets.
struct Error {
  std::string code;
  std::string message;

  static Error make(std::string code, std::string message) {
    return Error{std::move(code), std::move(message)};
  }

  // The codes callers branch on, named (in the manner of LevelDB's
  // Status::NotFound() / IsNotFound()) so that no caller compares text. The
  // code strings stay what logs and the web API show.
  static Error not_found(std::string message) { return make("not_found", std::move(message)); }
  static Error bad_request(std::string message) { return make("bad_request", std::move(message)); }
  static Error unavailable(std::string message) { return make("unavailable", std::move(message)); }
  static Error already_exists(std::string message) { return make("exists", std::move(message)); }
  bool is_not_found() const { return code == "not_found"; }
  bool is_bad_request() const { return code == "bad_request"; }
  bool is_unavailable() const { return code == "unavailable"; }
  bool is_already_exists() const { return code == "exists"; }
  std::string to_string() const { return code + ": " + message; }
};

template <class T, class E = Error>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(E error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  // REQUIRES: ok()
  T& value() & { assert(ok()); return std::get<0>(v_); }
  const T& value() const& { assert(ok()); return std::get<0>(v_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  // REQUIRES: !ok()
  const E& error() const { assert(!ok()); return std::get<1>(v_); }
  E& error() { assert(!ok()); return std::get<1>(v_); }

  T value_or(T fallback) const& { return ok() ? value() : std::move(fallback); }

 private:
  std::variant<T, E> v_;
};

// Status is a Result without a value.
template <class E>
class [[nodiscard]] Result<void, E> {
 public:
  Result() = default;
  Result(E error) : error_(std::move(error)), ok_(false) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const E& error() const { assert(!ok_); return error_; }

 private:
  E error_{};
  bool ok_ = true;
};

using Status = Result<void, Error>;

}  // namespace picbot
