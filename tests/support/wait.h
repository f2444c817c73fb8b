// wait_until: polls a predicate with a short backoff until it holds or a
// deadline passes. For state that has no event to wait on; it is never a
// fixed sleep standing in for synchronisation.
#pragma once

#include <algorithm>
#include <chrono>
#include <thread>

namespace picbot::testing {

// Returns true as soon as pred() is true, false if it is still false when
// `timeout` has passed. pred is called on the calling thread, at least once.
template <class Pred>
bool wait_until(Pred pred, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto backoff = std::chrono::microseconds(200);
  while (true) {
    if (pred()) return true;
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return false;
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(backoff, deadline - now));
    backoff = std::min<std::chrono::microseconds>(backoff * 2, std::chrono::milliseconds(20));
  }
}

}  // namespace picbot::testing
