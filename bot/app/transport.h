// Transport: the OneBot side of the host. It owns the hub (links, accounts,
// echo-matched calls) and the one transport onebot.mode picks: a forward
// client that dials NapCat, or a reverse server NapCat dials.
//
// Guarantees: events reach the sink given to deliver_events_to(), in order,
// on the io_context thread. stop() closes every link with code 1000; a
// restart (reconnect_if_changed) drops the old listener or client before the
// new one starts, so the port is free again.
// Thread rules: io_context thread only.
// Construction needs only the executor and the validated config: the event
// sink comes later (the dispatcher replies through the hub, so it is built
// after it) and must be set before start().
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <string_view>

#include "bot/core/result.h"
#include "bot/onebot/hub.h"

namespace picbot {
namespace net {
class ForwardClient;
class ReverseServer;
}  // namespace net

class Transport {
 public:
  // REQUIRES: config was validated against the host schema.
  Transport(boost::asio::any_io_executor executor, const nlohmann::json& config);
  ~Transport();

  // Where events go from now on. REQUIRES: called before start().
  void deliver_events_to(onebot::EventSink& sink) { relay_.target = &sink; }

  // Starts the transport of config["onebot"]. Fails when the reverse server
  // cannot bind or onebot.listen is not "host:port".
  Status start(const nlohmann::json& config, std::string_view language);

  // Stops accepting or dialling and closes every link (code 1000).
  void stop();

  // Applies the config's hub options (they need no reconnect) to the next call.
  void set_options(const nlohmann::json& config);

  // Reconnects when the settings the links were made with changed between
  // previous and config; the result of the new start() otherwise ok.
  Status reconnect_if_changed(const nlohmann::json& previous, const nlohmann::json& config,
                              std::string_view language);

  onebot::Hub& hub() { return hub_; }
  const onebot::Hub& hub() const { return hub_; }

 private:
  // Hands the hub's events on; the hub needs a sink at construction, the
  // dispatcher that is that sink needs the hub.
  struct Relay final : onebot::EventSink {
    void on_event(onebot::Event event) override { target->on_event(std::move(event)); }
    onebot::EventSink* target = nullptr;
  };

  boost::asio::any_io_executor executor_;
  Relay relay_;
  onebot::Hub hub_;
  std::unique_ptr<net::ForwardClient> forward_;  // onebot.mode: forward
  std::unique_ptr<net::ReverseServer> reverse_;  // onebot.mode: reverse
};

}  // namespace picbot
