// PostgresServer: a throw-away PostgreSQL 15 (Debian postgresql-15) for tests
// and benchmarks. A copy of a cluster made once by initdb (trust
// authentication, loopback only) in a temporary directory, `postgres` in the foreground on 127.0.0.1:<free
// port> with its socket in that directory, and one empty database. PostgreSQL refuses to run as root, so when
// the tests run as root the server runs as `nobody` (setpriv) and owns its directory; otherwise it runs as
// the caller.
//
// stop() and restart() take the server away and bring it back on the same
// port with the same data (an outage). The destructor stops it (fast
// shutdown) and removes the directory.
//
// Thread-safety: one thread at a time.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "bot/core/result.h"
#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace picbot::testing {

struct PostgresOptions {
  // fsync and synchronous_commit off: tests do not need the data to survive
  // a power cut, and they run faster. A benchmark turns it on.
  bool durable = false;
  int max_connections = 100;
};

class PostgresServer {
 public:
  // Why start() cannot work here ("" when it can): postgresql-15 missing
  // (scripts/install-deps.sh --test installs it). Tests fail on it, not skip.
  static std::string unavailable_reason();

  // Copies the cluster, starts it, waits until it accepts connections (30 s deadline), create
  // the database "picbot". The error holds the server's output.
  static Result<std::unique_ptr<PostgresServer>> start(PostgresOptions options = {});

  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  int port() const { return port_; }
  // "postgresql://postgres@127.0.0.1:<port>/picbot".
  std::string url() const;
  // The same with another database name.
  std::string url(const std::string& database) const;

  // Creates another empty database (a test that wants its own).
  Status create_database(const std::string& name);

  // Fast shutdown (SIGINT: sessions are cut, the data stays); true once it
  // has exited.
  bool stop();
  // Starts it again on the same port and data; waits until it accepts
  // connections.
  Status restart();
  bool running() const;

 private:
  explicit PostgresServer(PostgresOptions options) : options_(options) {}
  Status init_cluster();
  Status launch();
  // Waits until the server accepts connections.
  bool wait_ready(std::chrono::milliseconds timeout) const;

  PostgresOptions options_;
  TempDir dir_;
  int port_ = 0;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace picbot::testing
