// run_cancellable: runs a provider's call so that ImageRequest::cancel ends it.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <optional>

#include "bot/llm/provider_error.h"

namespace picbot::image {

namespace detail {
template <class T>
boost::asio::awaitable<void> store_into(boost::asio::awaitable<T> task, std::optional<T>& out) {
  out.emplace(co_await std::move(task));
}
}  // namespace detail

// task's value; nullopt when slot fired first. The task runs as its own
// coroutine with slot bound, so the signal cancels whatever it waits on (an
// HTTP exchange, a backoff). An unconnected slot runs task as is.
template <class T>
boost::asio::awaitable<std::optional<T>> run_cancellable(boost::asio::cancellation_slot slot,
                                                         boost::asio::awaitable<T> task) {
  std::optional<T> out;
  if (!slot.is_connected()) {
    out.emplace(co_await std::move(task));
    co_return out;
  }
  auto executor = co_await boost::asio::this_coro::executor;
  co_await boost::asio::co_spawn(
      executor, detail::store_into(std::move(task), out),
      boost::asio::bind_cancellation_slot(slot, boost::asio::as_tuple(boost::asio::use_awaitable)));
  co_return out;
}

// The error of a call ended by ImageRequest::cancel.
inline llm::ProviderError cancelled_error() {
  return llm::ProviderError{llm::FailureClass::kCancelled, 0, "image generation cancelled", std::nullopt};
}

}  // namespace picbot::image
