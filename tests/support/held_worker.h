// HeldWorker: occupies the only thread of a WorkerPool(1) until release(), so
// a test can show that some work runs on a worker and not on the event loop:
// run the loop dry (io.poll()), see the work unfinished, release the worker,
// see it finish. No timing is involved.
#pragma once

#include <boost/asio/post.hpp>
#include <future>

#include "bot/core/worker_pool.h"

namespace picbot::testing {

class HeldWorker {
 public:
  // REQUIRES: pool has one thread, and outlives this object's release().
  explicit HeldWorker(WorkerPool& pool) {
    boost::asio::post(pool.executor(), [gate = gate_.get_future().share()] { gate.wait(); });
  }
  ~HeldWorker() { release(); }
  HeldWorker(const HeldWorker&) = delete;
  HeldWorker& operator=(const HeldWorker&) = delete;

  void release() {
    if (released_) return;
    released_ = true;
    gate_.set_value();
  }

 private:
  std::promise<void> gate_;
  bool released_ = false;
};

}  // namespace picbot::testing
