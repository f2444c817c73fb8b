// run_coroutine: runs one coroutine on an io_context until it finishes, for
// tests that drive async code from a plain test body. Throws when it does
// not finish before the deadline (a hang fails the test instead of blocking).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <optional>
#include <stdexcept>
#include <type_traits>

namespace picbot::testing {

template <class T>
T run_coroutine(boost::asio::io_context& io, boost::asio::awaitable<T> task,
                std::chrono::milliseconds deadline = std::chrono::seconds(20)) {
  // For awaitable<void>, a flag; otherwise the value.
  std::conditional_t<std::is_void_v<T>, bool, std::optional<T>> out{};
  boost::asio::co_spawn(
      io,
      [&]() -> boost::asio::awaitable<void> {
        if constexpr (std::is_void_v<T>) {
          co_await std::move(task);
          out = true;
        } else {
          out.emplace(co_await std::move(task));
        }
      },
      [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
      });
  io.restart();
  const auto give_up = std::chrono::steady_clock::now() + deadline;
  while (!out && std::chrono::steady_clock::now() < give_up) io.run_one_for(std::chrono::milliseconds(100));
  if (!out) throw std::runtime_error("coroutine did not finish before the deadline");
  if constexpr (!std::is_void_v<T>) return std::move(*out);
}

// Runs io's handlers until pred() holds (checked before each one) or timeout
// passes; returns whether pred() held. For state a coroutine changes on the
// way, where there is no single coroutine to wait for.
template <class Pred>
bool run_until(boost::asio::io_context& io, Pred pred, std::chrono::milliseconds timeout) {
  const auto give_up = std::chrono::steady_clock::now() + timeout;
  io.restart();
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= give_up) return false;
    io.run_one_for(std::chrono::milliseconds(10));
    io.restart();
  }
  return true;
}

}  // namespace picbot::testing
