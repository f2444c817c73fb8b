// RawNapCatLink: the NapCat side of one reverse OneBot v11 WebSocket, built to
// cost the load generator a small fraction of what the bot spends, so a flood
// measures the bot and not the pair. Unlike NapCatLink (Beast, one coroutine
// write per frame, a JSON parse per call) it speaks RFC 6455 on a plain
// non-blocking socket:
// - each event is a copy of one masked template frame with a few digits
//   patched (message id, group id...), written together with the other events
//   and answers that are ready, in one send() per batch;
// - the bot's calls are cut out of the read buffer in place and scanned for
//   the few fields the generator needs (scan_call in ws_frames.h): no DOM;
// - answers are NapCat-shaped success responses built from the scanned echo.
//
// Everything runs on the caller's thread inside each method. Not thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "bench/load_napcat_link.h"
#include "bench/ws_frames.h"

namespace picbot::bench {

// `count` events made from one masked template: event i is `frame` with
// `patch(i, bytes)` applied to its copy `bytes` (frame.bytes.size() bytes) at
// write time, so a flood of a million events costs one template.
struct EventRun {
  MaskedFrame frame;
  std::size_t count = 0;
  std::function<void(std::size_t index, char* bytes)> patch;
};

class RawNapCatLink {
 public:
  // Maps a scanned API call to the index of the event it answers inside the
  // current flood, or nullopt if it answers none.
  using Matcher = std::function<std::optional<std::size_t>(const CallFields& call)>;

  // `interrupted` is polled while waiting; when it turns true every wait ends
  // with an error.
  explicit RawNapCatLink(const std::atomic<bool>& interrupted);
  ~RawNapCatLink();
  RawNapCatLink(const RawNapCatLink&) = delete;
  RawNapCatLink& operator=(const RawNapCatLink&) = delete;

  // Connects to ws://127.0.0.1:<port><path> as account `self_id` with
  // X-Self-ID, X-Client-Role: Universal, User-Agent: OneBot/11 and
  // Authorization: Bearer <token>. Returns an error message on failure.
  std::optional<std::string> connect(std::uint16_t port, const std::string& path, std::int64_t self_id,
                                     const std::string& token, std::chrono::milliseconds timeout);

  // Writes one text frame (after anything queued); returns once it is
  // written, or an error message.
  std::optional<std::string> send(std::string_view payload, std::chrono::milliseconds timeout);

  // Writes the events of `run` in order, at most `window` unanswered at a time
  // (0: no limit), and waits until `match` has mapped one call to each of them
  // and every answer to those calls has been written. Each event must get
  // exactly one call. `run` must outlive the call.
  FloodOutcome flood(const EventRun& run, std::size_t window, const Matcher& match,
                     std::chrono::milliseconds timeout);

  // API calls answered so far, over the link's lifetime.
  std::uint64_t calls_answered() const;

  // Sends a close frame (1000) and waits briefly for the bot's close.
  void close(std::chrono::milliseconds timeout);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace picbot::bench
