#include "tests/fakes/http/fake_body_stream.h"

namespace picbot::testing {

void FakeBodyStream::send(std::string piece) { push(Step{Step::Kind::kPiece, std::move(piece)}); }

void FakeBodyStream::finish() { push(Step{Step::Kind::kFinish, {}}); }

void FakeBodyStream::cut() { push(Step{Step::Kind::kCut, {}}); }

// The sink only posts to the server's thread, so it runs under the lock:
// steps reach it in the order they were pushed.
void FakeBodyStream::push(Step step) {
  std::lock_guard lock(mutex_);
  if (sink_) {
    sink_(std::move(step));
  } else {
    queued_.push_back(std::move(step));
  }
}

void FakeBodyStream::attach(Sink sink) {
  std::lock_guard lock(mutex_);
  sink_ = std::move(sink);
  for (Step& step : queued_) sink_(std::move(step));
  queued_.clear();
}

bool FakeBodyStream::wait_written(std::size_t pieces, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return written_ >= pieces; });
}

bool FakeBodyStream::wait_client_gone(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return client_gone_; });
}

bool FakeBodyStream::client_gone() const {
  std::lock_guard lock(mutex_);
  return client_gone_;
}

void FakeBodyStream::note_written() {
  {
    std::lock_guard lock(mutex_);
    ++written_;
  }
  changed_.notify_all();
}

void FakeBodyStream::note_client_gone() {
  {
    std::lock_guard lock(mutex_);
    client_gone_ = true;
  }
  changed_.notify_all();
}

}  // namespace picbot::testing
