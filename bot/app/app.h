// App: one running bot. It owns the OneBot transport and hub, the dispatcher,
// the plugins and the host services, all on one io_context, and handles
// reload (SIGHUP, /reload) and graceful shutdown (SIGINT/SIGTERM: links
// closed with code 1000, state flushed, io_context stopped within 2 s).
#pragma once

#include <boost/asio/io_context.hpp>

#include <filesystem>
#include <memory>

#include "bot/config/config_loader.h"
#include "bot/config/schema.h"
#include "bot/core/result.h"

namespace picbot {

class App {
 public:
  // REQUIRES: config was validated against schema.
  App(boost::asio::io_context& io, std::filesystem::path config_path, config::Schema schema,
      config::LoadedConfig config);
  ~App();

  // Starts plugins and transports. Fails when a listener cannot bind or a
  // plugin refuses its config.
  Status start();

  // Re-reads the config file and applies it. On errors the running config
  // stays and the errors are returned (one line each).
  Status reload();

  // Begins a graceful shutdown; io.run() returns when it is done.
  void request_stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace picbot
