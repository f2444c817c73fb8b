// WorkerPool: a few threads for blocking work (SQLite, disk), so the event
// loop thread never waits on them. run() hops to a worker, runs the function,
// and resumes the caller on its own executor.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <exception>
#include <optional>
#include <type_traits>

namespace picbot {

class WorkerPool {
 public:
  explicit WorkerPool(std::size_t threads = 2) : pool_(threads) {}
  ~WorkerPool() { stop(); }
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Runs fn() on a worker thread. An exception thrown by fn is rethrown in
  // the caller's coroutine, on the caller's executor.
  template <class Fn>
  boost::asio::awaitable<std::invoke_result_t<Fn>> run(Fn fn) {
    using R = std::invoke_result_t<Fn>;
    auto home = co_await boost::asio::this_coro::executor;
    co_await boost::asio::post(pool_.get_executor(), boost::asio::use_awaitable);
    std::exception_ptr error;
    if constexpr (std::is_void_v<R>) {
      try {
        fn();
      } catch (...) {
        error = std::current_exception();
      }
      co_await boost::asio::post(home, boost::asio::use_awaitable);
      if (error) std::rethrow_exception(error);
    } else {
      std::optional<R> result;
      try {
        result.emplace(fn());
      } catch (...) {
        error = std::current_exception();
      }
      co_await boost::asio::post(home, boost::asio::use_awaitable);
      if (error) std::rethrow_exception(error);
      co_return std::move(*result);
    }
  }

  boost::asio::thread_pool::executor_type executor() { return pool_.get_executor(); }

  // Finishes queued work and joins the threads.
  void stop() {
    pool_.join();
  }

 private:
  boost::asio::thread_pool pool_;
};

}  // namespace picbot
