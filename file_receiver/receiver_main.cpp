// picbot-file-receiver: runs a FileReceiver next to NapCat. See
// docs/file-receiver.md. Exit codes: 0 after SIGINT/SIGTERM or --help,
// 1 when it cannot start, 2 for bad arguments.
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <cstdlib>
#include <iostream>

#include "bot/core/logging.h"
#include "bot/core/secret.h"
#include "bot/core/worker_pool.h"
#include "file_receiver/file_receiver.h"
#include "file_receiver/receiver_options.h"

#ifndef PICBOT_VERSION
#define PICBOT_VERSION "unknown"
#endif

int main(int argc, char** argv) {
  using namespace picbot::filesend;
  auto command = parse_receiver_args(std::vector<std::string>(argv + 1, argv + argc));
  if (!command) {
    std::cerr << "picbot-file-receiver: " << command.error().message << "\n\n" << receiver_usage();
    return 2;
  }
  if (command->action == ReceiverCommand::Action::kHelp) {
    std::cout << receiver_usage();
    return 0;
  }
  if (command->action == ReceiverCommand::Action::kVersion) {
    std::cout << "picbot-file-receiver " << PICBOT_VERSION << "\n";
    return 0;
  }
  ReceiverOptions& options = command->options;
  if (options.token.empty()) {
    if (const char* token = std::getenv("PICBOT_RECEIVER_TOKEN"); token != nullptr && *token != '\0') {
      options.token = token;
    }
  }
  picbot::log::Options log_options;
  log_options.level = options.log_level;
  picbot::log::init(log_options);
  if (!picbot::log::set_level(options.log_level)) {
    std::cerr << "picbot-file-receiver: unknown --log-level " << options.log_level << "\n";
    return 2;
  }
  if (!options.token.empty()) picbot::SecretRegistry::instance().add(options.token);
  auto log = picbot::log::get("file_receiver");

  boost::asio::io_context io(1);
  picbot::WorkerPool pool(2);
  FileReceiver receiver(io.get_executor(), options, pool);
  if (auto bound = receiver.listen(); !bound) {
    log->error("{}", bound.error().message);
    return 1;
  }
  receiver.start();
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    log->info("signal {}: shutting down", signal);
    receiver.stop();
  });
  io.run();
  pool.stop();
  log->flush();
  return 0;
}
