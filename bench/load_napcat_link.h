// NapCatLink: the NapCat side of one reverse OneBot v11 WebSocket, for load
// generators. It connects to the bot with NapCat's headers, answers every API
// call the bot sends with a NapCat-shaped success response, and floods
// pre-serialised event frames, pipelined up to a window.
//
// Everything runs on the caller's thread: each method drives the link's own
// io_context until its goal or its deadline. Not thread-safe.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace picbot::bench {

using SteadyTime = std::chrono::steady_clock::time_point;

// What a flood delivered. Times are on std::chrono::steady_clock.
struct FloodOutcome {
  std::size_t sent = 0;                   // event frames written
  std::size_t replies = 0;                // calls matched to an event
  std::size_t bad_calls = 0;              // calls that matched no outstanding event
  std::size_t out_of_order = 0;           // replies that overtook an earlier event's reply
  SteadyTime first_sent{};                // before the first event was written
  SteadyTime last_reply{};                // when the last matched call arrived
  std::vector<double> latency_us;         // per event: write start -> matching call read
  std::string error;                      // empty when every event got its reply in time
  std::vector<std::string> bad_examples;  // the first few unmatched calls, truncated
};

class NapCatLink {
 public:
  // Maps an API call (the parsed frame) to the index of the event it answers
  // inside the current flood, or nullopt if it answers none.
  using Matcher = std::function<std::optional<std::size_t>(const nlohmann::json& call)>;

  // `interrupted` is polled while waiting; when it turns true every wait ends
  // with an error.
  explicit NapCatLink(const std::atomic<bool>& interrupted);
  ~NapCatLink();
  NapCatLink(const NapCatLink&) = delete;
  NapCatLink& operator=(const NapCatLink&) = delete;

  // Connects to ws://127.0.0.1:<port><path> as account `self_id` with
  // X-Self-ID, X-Client-Role: Universal, User-Agent: OneBot/11 and
  // Authorization: Bearer <token>. Returns an error message on failure.
  std::optional<std::string> connect(std::uint16_t port, const std::string& path, std::int64_t self_id,
                                     const std::string& token, std::chrono::milliseconds timeout);

  // Queues one frame (after frames already queued); returns once it is
  // written, or an error message.
  std::optional<std::string> send(std::string frame, std::chrono::milliseconds timeout);

  // Writes `events` in order, at most `window` unanswered at a time (0: no
  // limit), and waits until `match` has mapped one call to each of them and
  // every answer to those calls has been written. Each event must get exactly
  // one call.
  FloodOutcome flood(std::vector<std::string> events, std::size_t window, const Matcher& match,
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
