// FakeBodyStream: a response body a test writes piece by piece while the
// client reads it (an SSE stream, a slow download). Each send() goes out as
// one HTTP/1.1 chunk as soon as the response is on the wire; finish() sends
// the last chunk and closes; cut() resets the connection where the body
// stands. Put it in FakeHttpResponse::stream.
//
// Thread-safety: every member is thread-safe; the server writes on its own
// thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

namespace picbot::testing {

class FakeBodyStream {
 public:
  struct Step {
    enum class Kind { kPiece, kFinish, kCut };
    Kind kind = Kind::kPiece;
    std::string piece;
  };
  using Sink = std::function<void(Step)>;

  // Queues a piece (steps sent before the response is on the wire wait).
  void send(std::string piece);
  void finish();
  void cut();

  // Blocks until the server has written `pieces` pieces to the socket. False on timeout.
  bool wait_written(std::size_t pieces, std::chrono::milliseconds timeout) const;
  // Blocks until the client closed its side while the body was streaming
  // (it stopped reading). False on timeout.
  bool wait_client_gone(std::chrono::milliseconds timeout) const;
  bool client_gone() const;

  // For the server: steps queued so far are replayed to sink, later ones go
  // to it at once (from the caller's thread, under this object's lock: the
  // sink must only post).
  void attach(Sink sink);
  void note_written();
  void note_client_gone();

 private:
  void push(Step step);

  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::vector<Step> queued_;  // guarded by mutex_: before attach
  Sink sink_;                 // guarded by mutex_
  std::size_t written_ = 0;   // guarded by mutex_
  bool client_gone_ = false;  // guarded by mutex_
};

}  // namespace picbot::testing
