// App: one running bot on one io_context. It builds the host's parts in
// dependency order (ConfigService, Transport, the dispatcher, the agent,
// PluginHost, WebHost; see each header) and wires start, reload (SIGHUP,
// /reload, a file change, a console save) and graceful shutdown
// (SIGINT/SIGTERM: plugins stopped, links closed with code 1000, logs
// flushed, io_context stopped within 2 s).
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
