// WorkerPool: a few threads for blocking work (SQLite, disk, scrypt), so the
// event loop thread never waits on them. run() hops to a worker, runs the
// function, and resumes the caller on its own executor. run(serial, fn) does
// the same on a Serial queue: its jobs run one at a time, in order.
// After stop(), run() throws operation_aborted in the caller instead of
// queueing: a job queued on a joined pool would never run, and the caller's
// coroutine, parked in the pool's queue, would be destroyed with the pool.
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/system_error.hpp>
#include <exception>
#include <optional>
#include <type_traits>

namespace picbot {

class WorkerPool {
 public:
  // Jobs run through the same Serial never overlap and run in the order
  // they were started (a strand on the pool).
  using Serial = boost::asio::strand<boost::asio::thread_pool::executor_type>;

  explicit WorkerPool(std::size_t threads = 2) : pool_(threads) {}
  ~WorkerPool() { stop(); }
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Runs fn() on a worker thread. An exception thrown by fn is rethrown in
  // the caller's coroutine, on the caller's executor.
  template <class Fn>
  boost::asio::awaitable<std::invoke_result_t<Fn>> run(Fn fn) {
    return run_on(pool_.get_executor(), std::move(fn));
  }

  // As run(fn), after every job started earlier on `serial` has finished.
  template <class Fn>
  boost::asio::awaitable<std::invoke_result_t<Fn>> run(Serial serial, Fn fn) {
    return run_on(std::move(serial), std::move(fn));
  }

  Serial make_serial() { return boost::asio::make_strand(pool_.get_executor()); }

  boost::asio::thread_pool::executor_type executor() { return pool_.get_executor(); }

  // Finishes queued work and joins the threads; later run() calls throw.
  void stop() {
    stopped_ = true;
    pool_.join();
  }

 private:
  template <class Executor, class Fn>
  boost::asio::awaitable<std::invoke_result_t<Fn>> run_on(Executor where, Fn fn) {
    using R = std::invoke_result_t<Fn>;
    auto home = co_await boost::asio::this_coro::executor;
    if (stopped_) throw boost::system::system_error(boost::asio::error::operation_aborted);
    // bind_executor: a plain post(where, use_awaitable) runs `where`'s
    // handler and then dispatches back to the coroutine's own executor, so
    // fn would run on the event loop.
    co_await boost::asio::post(boost::asio::bind_executor(where, boost::asio::use_awaitable));
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

  boost::asio::thread_pool pool_;
  std::atomic<bool> stopped_{false};
};

}  // namespace picbot
