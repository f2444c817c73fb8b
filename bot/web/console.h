// Console: the web console's HTTP side on the host's HttpServer. It owns the
// login (password, sessions, CSRF, failed-login limit; see ConsoleAuth),
// serves the embedded pages, and mounts authenticated JSON API routes for
// the host (status, config, sandbox) and for plugins (add_plugin_route,
// add_plugin_page). It also serves /metrics (login or Bearer token) and the
// recent log.
//
// Routes (everything but /health and /login* needs a session; writes need
// the X-CSRF-Token header):
//   GET  /login, /login/<asset>   the login page (public); /login/labels its labels
//   POST /login {"password"}      -> session cookie + {"csrf"}
//   POST /api/logout
//   GET  /                        the console (redirects to /login without a session)
//   GET  /assets/<file>           embedded assets; /assets/plugins/<plugin>/<id>.js plugin pages
//   GET  /api/session             {"csrf","language"}
//   GET  /api/labels              console labels {"zh-CN":{...},"en":{...}}
//   GET  /api/pages               plugin pages
//   GET  /api/logs?lines=N&level=L&q=T[&format=text]
//                                 the last N (1..1000, default 200) recent log lines at level L
//                                 or above containing T (case-insensitive), as
//                                 {"lines":[{"level","text"}]}, or as a picbot.log download
//   GET  /metrics                 Prometheus text
//   *    /api/...                 host routes (add_route), /api/plugins/<plugin>/... plugin routes
//
// Password: web.password (or PICBOT_WEB_PASSWORD) when set; otherwise the
// scrypt hash in <data_dir>/web_password.hash, created with a generated
// password on first start (printed once to the log). The file is read or
// created on a worker; a login arriving meanwhile waits for it, and one
// after a failure (e.g. the file is not a hash) gets 503
// "password_unavailable". Password checks run on a worker too.
// Thread-safety: io_context thread only. Destroy after the io_context has
// stopped running.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bot/core/clock.h"
#include "bot/core/metrics.h"
#include "bot/core/result.h"
#include "bot/core/worker_pool.h"
#include "bot/web/console_auth.h"
#include "bot/web/console_types.h"
#include "bot/web/http_server.h"

namespace picbot::web {

class Console {
 public:
  struct Options {
    std::string password;       // web.password (env applied); empty: use the hash file
    std::string metrics_token;  // web.metrics_token; empty: /metrics needs a login
    std::filesystem::path data_dir;
    std::string language = "zh-CN";  // default console language (bot.language)
  };

  Console(HttpServer& server, WorkerPool& workers, const Clock& clock, Metrics& metrics, Options options);

  // Mounts the routes and, without web.password, starts reading (or
  // creating) the password hash file on a worker.
  Status start();

  // Applies a reloaded web section (password, metrics token, language).
  // A changed password ends every session.
  void reconfigure(Options options);

  // Mounts an authenticated route at path (prefix matching as HttpServer).
  void add_route(std::string method, std::string path, HttpHandler handler);
  // Mounts a plugin route at /api/plugins/<plugin><path>.
  Status add_plugin_route(const std::string& plugin, std::string method, std::string path,
                          HttpHandler handler);
  Status add_plugin_page(const std::string& plugin, ConsolePage page);

  // Called before /metrics renders, to copy counters kept elsewhere.
  void set_metrics_refresh(std::function<void()> refresh) { metrics_refresh_ = std::move(refresh); }

 private:
  HttpHandler guarded(HttpHandler inner, bool page);
  boost::asio::awaitable<HttpResponse> login(const HttpRequest& request);
  boost::asio::awaitable<bool> password_matches(std::string password);
  // Starts load_password_hash() unless it is running or the hash is known.
  void prepare_password_hash();
  boost::asio::awaitable<void> load_password_hash();
  // Waits while load_password_hash() runs; true when the hash is known.
  boost::asio::awaitable<bool> password_hash_ready();

  struct PluginPage {
    std::string plugin;
    ConsolePage page;
  };

  HttpServer& server_;
  WorkerPool& workers_;
  Metrics& metrics_;
  Options options_;
  ConsoleAuth auth_;
  std::string password_hash_;  // when options_.password is empty
  bool hash_loading_ = false;
  boost::asio::steady_timer hash_loaded_;  // never expires; cancelled to wake waiting logins
  std::vector<PluginPage> pages_;
  std::function<void()> metrics_refresh_;
};

// Security headers every console response carries (CSP without inline
// scripts or styles, no framing).
void add_console_headers(HttpResponse& response);

}  // namespace picbot::web
