#include "tests/support/postgres_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <unistd.h>

#include <regex>

namespace picbot::testing {
namespace {

using namespace std::chrono_literals;

const std::filesystem::path kBin = "/usr/lib/postgresql/15/bin";

// A port nobody listens on now (the kernel's pick for port 0).
int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

// argv run as `nobody` when we are root (PostgreSQL refuses root).
std::vector<std::string> as_server_user(std::vector<std::string> argv) {
  if (::geteuid() != 0) return argv;
  const passwd* nobody = ::getpwnam("nobody");
  const std::string uid = std::to_string(nobody ? nobody->pw_uid : 65534);
  const std::string gid = std::to_string(nobody ? nobody->pw_gid : 65534);
  std::vector<std::string> wrapped = {"setpriv", "--reuid=" + uid, "--regid=" + gid, "--clear-groups", "--"};
  wrapped.insert(wrapped.end(), argv.begin(), argv.end());
  return wrapped;
}

// Hands `dir` (and what is in it) to `nobody` when we are root.
void give_to_server_user(const std::filesystem::path& dir) {
  if (::geteuid() != 0) return;
  const passwd* nobody = ::getpwnam("nobody");
  const uid_t uid = nobody ? nobody->pw_uid : 65534;
  const gid_t gid = nobody ? nobody->pw_gid : 65534;
  if (::chown(dir.c_str(), uid, gid) != 0) return;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    (void)::lchown(entry.path().c_str(), uid, gid);
  }
}

const std::map<std::string, std::string>& server_env() {
  static const std::map<std::string, std::string> kEnv = {{"LC_ALL", "C"}, {"LANG", "C"}};
  return kEnv;
}

// Runs one SQL command as the superuser on the maintenance database.
Status run_admin_sql(int port, const std::string& sql) {
  const std::string conninfo =
      "host=127.0.0.1 port=" + std::to_string(port) + " user=postgres dbname=postgres connect_timeout=10";
  PGconn* conn = PQconnectdb(conninfo.c_str());
  Status status;
  if (PQstatus(conn) != CONNECTION_OK) {
    status = Error::unavailable(PQerrorMessage(conn));
  } else {
    PGresult* result = PQexec(conn, sql.c_str());
    if (PQresultStatus(result) != PGRES_COMMAND_OK) status = Error::make("postgres", PQerrorMessage(conn));
    PQclear(result);
  }
  PQfinish(conn);
  return status;
}

// initdb once per machine and user (1-2 s), into a directory every later
// server copies (a few ms): /tmp/picbot-pg15-template-<uid>. Made under a
// lock by whichever test process comes first, moved into place when whole.
Result<std::filesystem::path> template_cluster() {
  const std::filesystem::path root = std::filesystem::temp_directory_path();
  const std::string name = "picbot-pg15-template-" + std::to_string(::geteuid());
  const std::filesystem::path ready = root / name;
  if (std::filesystem::exists(ready / "PG_VERSION")) return ready;
  const int lock = ::open((root / (name + ".lock")).c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
  if (lock < 0 || ::flock(lock, LOCK_EX) != 0)
    return Error::make("initdb", "cannot lock the template cluster");
  struct Unlock {
    int fd;
    ~Unlock() { ::close(fd); }
  } unlock{lock};
  if (std::filesystem::exists(ready / "PG_VERSION")) return ready;
  const std::filesystem::path building = root / (name + ".building");
  std::filesystem::remove_all(building);
  std::filesystem::create_directories(building);
  give_to_server_user(building);
  auto initdb = ChildProcess::start(
      as_server_user({(kBin / "initdb").string(), "-D", (building / "data").string(), "-A", "trust", "-U",
                      "postgres", "-E", "UTF8", "--locale=C", "--no-sync"}),
      server_env());
  if (!initdb.ok()) return initdb.error();
  if ((*initdb)->wait_exit(std::chrono::seconds(120)) != 0) {
    return Error::make("initdb", "initdb failed: " + (*initdb)->output());
  }
  std::filesystem::rename(building / "data", ready);
  std::filesystem::remove_all(building);
  return ready;
}

}  // namespace

std::string PostgresServer::unavailable_reason() {
  for (const char* program : {"initdb", "postgres"}) {
    if (::access((kBin / program).c_str(), X_OK) != 0) {
      return (kBin / program).string() +
             " is missing: install postgresql-15 (scripts/install-deps.sh --test)";
    }
  }
  if (::geteuid() == 0 && ::access("/usr/bin/setpriv", X_OK) != 0) {
    return "setpriv is missing (util-linux): PostgreSQL must not run as root";
  }
  return "";
}

Result<std::unique_ptr<PostgresServer>> PostgresServer::start(PostgresOptions options) {
  if (std::string reason = unavailable_reason(); !reason.empty()) return Error::unavailable(reason);
  std::unique_ptr<PostgresServer> server(new PostgresServer(options));
  if (Status s = server->init_cluster(); !s.ok()) return s.error();
  server->port_ = free_port();
  if (Status s = server->launch(); !s.ok()) return s.error();
  if (Status s = server->create_database("picbot"); !s.ok()) return s.error();
  return server;
}

PostgresServer::~PostgresServer() { stop(); }

Status PostgresServer::init_cluster() {
  // The server user must reach its folder inside our 0700 temp dir.
  std::filesystem::permissions(dir_.path(), std::filesystem::perms::owner_all |
                                                std::filesystem::perms::group_exec |
                                                std::filesystem::perms::others_exec);
  std::filesystem::create_directories(dir_.path() / "pg");
  Result<std::filesystem::path> cluster = template_cluster();
  if (!cluster.ok()) return cluster.error();
  std::error_code error;
  std::filesystem::copy(*cluster, dir_.path() / "pg/data", std::filesystem::copy_options::recursive, error);
  if (error) return Error::make("initdb", "cannot copy the template cluster: " + error.message());
  std::filesystem::permissions(dir_.path() / "pg/data", std::filesystem::perms::owner_all, error);
  give_to_server_user(dir_.path() / "pg");
  return {};
}

Status PostgresServer::launch() {
  const std::string durable = options_.durable ? "on" : "off";
  auto child = ChildProcess::start(
      as_server_user({(kBin / "postgres").string(), "-D", (dir_.path() / "pg/data").string(), "-k",
                      (dir_.path() / "pg").string(), "-h", "127.0.0.1", "-p", std::to_string(port_), "-c",
                      "fsync=" + durable, "-c", "synchronous_commit=" + durable, "-c",
                      "full_page_writes=" + durable, "-c",
                      "max_connections=" + std::to_string(options_.max_connections)}),
      server_env());
  if (!child.ok()) return child.error();
  process_ = std::move(child).value();
  if (!wait_ready(30s)) {
    const std::string output = process_->output();
    stop();
    return Error::unavailable("PostgreSQL did not start: " + output);
  }
  return {};
}

bool PostgresServer::wait_ready(std::chrono::milliseconds timeout) const {
  // The server says so on its log (stderr) once it accepts connections;
  // PQping then confirms it from a client's side.
  if (!process_->wait_for_line(std::regex("ready to accept connections"), timeout)) return false;
  const std::string conninfo =
      "host=127.0.0.1 port=" + std::to_string(port_) + " user=postgres dbname=postgres connect_timeout=5";
  return PQping(conninfo.c_str()) == PQPING_OK;
}

std::string PostgresServer::url() const { return url("picbot"); }

std::string PostgresServer::url(const std::string& database) const {
  return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/" + database;
}

Status PostgresServer::create_database(const std::string& name) {
  return run_admin_sql(port_, "CREATE DATABASE \"" + name + "\"");
}

bool PostgresServer::stop() {
  if (!process_) return true;
  process_->signal(SIGINT);  // fast shutdown
  bool exited = process_->wait_exit(30s).has_value();
  if (!exited) {
    process_->kill9();
    exited = process_->wait_exit(5s).has_value();
  }
  process_.reset();
  return exited;
}

Status PostgresServer::restart() {
  stop();
  return launch();
}

bool PostgresServer::running() const { return process_ && process_->running(); }

}  // namespace picbot::testing
