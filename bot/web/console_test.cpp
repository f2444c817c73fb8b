// The console on a real HttpServer: plugin routes and pages are behind the
// login, writes behind the CSRF token, and pages are listed and their
// scripts served. The password file is read or made on the worker pool while
// the loop keeps serving; logins wait for it.
#include "bot/web/console.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <future>
#include <optional>
#include <regex>

#include "bot/core/log_language.h"
#include "bot/core/logging.h"
#include "bot/core/secret.h"
#include "bot/net/http_client.h"
#include "bot/web/test_fetch.h"
#include "tests/support/temp_dir.h"

namespace picbot::web {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using nlohmann::json;

class ConsolePluginHooksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ =
        std::make_unique<HttpServer>(io_.get_executor(), HttpServer::Options{.host = "127.0.0.1", .port = 0});
    console_ = std::make_unique<Console>(*server_, workers_, Clock::system(), metrics_,
                                         Console::Options{.password = "unit-password-123"});
    ASSERT_TRUE(console_->start());
    auto port = server_->start();
    ASSERT_TRUE(port);
    base_ = "http://127.0.0.1:" + std::to_string(*port);
  }

  net::HttpResponse fetch(std::string method, std::string path, std::string body = "",
                          std::vector<std::pair<std::string, std::string>> headers = {}) {
    return fetch_on(io_, client_, std::move(method), base_ + path, std::move(body), std::move(headers));
  }

  // Logs in; returns {cookie, csrf}.
  std::pair<std::string, std::string> login() {
    auto response = fetch("POST", "/login", R"({"password":"unit-password-123"})",
                          {{"Content-Type", "application/json"}});
    EXPECT_EQ(response.status, 200) << response.body;
    const std::string cookie = response.header("set-cookie");
    return {cookie.substr(0, cookie.find(';')), json::parse(response.body).value("csrf", "")};
  }

  asio::io_context io_;
  WorkerPool workers_{1};
  Metrics metrics_;
  std::unique_ptr<HttpServer> server_;
  std::unique_ptr<Console> console_;
  net::HttpClient client_{io_.get_executor()};
  std::string base_;
};

TEST_F(ConsolePluginHooksTest, PluginRoutesAndPagesAreBehindTheLoginAndCsrf) {
  ASSERT_TRUE(console_->add_plugin_route("demo", "GET", "/things",
                                         [](const HttpRequest&) -> asio::awaitable<HttpResponse> {
                                           co_return HttpResponse::json({{"n", 1}});
                                         }));
  ASSERT_TRUE(console_->add_plugin_route("demo", "POST", "/things",
                                         [](const HttpRequest& request) -> asio::awaitable<HttpResponse> {
                                           co_return HttpResponse::json({{"got", json::parse(request.body)}});
                                         }));
  ASSERT_TRUE(console_->add_plugin_page(
      "demo", ConsolePage{"things", "东西", "Things", "picbotConsole.registerPage('things', () => {});"}));
  EXPECT_EQ(console_->add_plugin_page("demo", ConsolePage{"Bad Id", "", "", ""}).error().code, "bad_page");
  EXPECT_EQ(console_->add_plugin_route("demo", "GET", "things", nullptr).error().code, "bad_route");

  EXPECT_EQ(fetch("GET", "/api/plugins/demo/things").status, 401);
  EXPECT_EQ(fetch("GET", "/assets/plugins/demo/things.js").status, 303);
  EXPECT_EQ(fetch("POST", "/api/plugins/demo/things", "{}").status, 401);

  const auto [cookie, csrf] = login();
  auto got = fetch("GET", "/api/plugins/demo/things", "", {{"Cookie", cookie}});
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(json::parse(got.body), json({{"n", 1}}));
  EXPECT_NE(got.header("content-security-policy").find("script-src 'self'"), std::string::npos);

  EXPECT_EQ(fetch("POST", "/api/plugins/demo/things", R"({"a":2})", {{"Cookie", cookie}}).status, 403);
  auto posted =
      fetch("POST", "/api/plugins/demo/things", R"({"a":2})", {{"Cookie", cookie}, {"X-CSRF-Token", csrf}});
  ASSERT_EQ(posted.status, 200);
  EXPECT_EQ(json::parse(posted.body), json({{"got", {{"a", 2}}}}));

  const json pages = json::parse(fetch("GET", "/api/pages", "", {{"Cookie", cookie}}).body);
  ASSERT_EQ(pages.size(), 1u);
  EXPECT_EQ(pages[0]["plugin"], "demo");
  EXPECT_EQ(pages[0]["id"], "things");
  EXPECT_EQ(pages[0]["title"]["en"], "Things");
  EXPECT_EQ(pages[0]["title"]["zh-CN"], "东西");
  EXPECT_EQ(pages[0]["api"], "/api/plugins/demo");
  auto script = fetch("GET", pages[0]["script"].get<std::string>(), "", {{"Cookie", cookie}});
  ASSERT_EQ(script.status, 200);
  EXPECT_EQ(script.header("content-type"), "text/javascript; charset=utf-8");
  EXPECT_NE(script.body.find("registerPage('things'"), std::string::npos);
  EXPECT_EQ(fetch("GET", "/assets/plugins/demo/other.js", "", {{"Cookie", cookie}}).status, 404);
}

// Found by console_login_fuzz: nlohmann stops parsing at a NUL byte, so a
// body with junk after one was taken for a valid login.
TEST_F(ConsolePluginHooksTest, LoginBodyWithANulByteIsNotJson) {
  using namespace std::string_literals;
  const auto with_nul = fetch("POST", "/login", "{\"password\":\"unit-password-123\"}\n\0junk"s,
                              {{"Content-Type", "application/json"}});
  EXPECT_EQ(with_nul.status, 401) << with_nul.body;
  EXPECT_TRUE(with_nul.header("set-cookie").empty());
  login();  // the same password without the junk still works
}

TEST_F(ConsolePluginHooksTest, EmbeddedAssetsAreServedWithTheirTypes) {
  const auto [cookie, csrf] = login();
  auto index = fetch("GET", "/", "", {{"Cookie", cookie}});
  ASSERT_EQ(index.status, 200);
  EXPECT_EQ(index.header("content-type"), "text/html; charset=utf-8");
  EXPECT_NE(index.body.find("<script src=\"/assets/app.js\""), std::string::npos);
  EXPECT_EQ(index.body.find("<script>"), std::string::npos);  // no inline script (CSP)
  EXPECT_EQ(fetch("GET", "/assets/app.js", "", {{"Cookie", cookie}}).header("content-type"),
            "text/javascript; charset=utf-8");
  EXPECT_EQ(fetch("GET", "/assets/style.css", "", {{"Cookie", cookie}}).header("content-type"),
            "text/css; charset=utf-8");
  EXPECT_EQ(fetch("GET", "/assets/index.html", "", {{"Cookie", cookie}}).status, 404);
  EXPECT_EQ(fetch("GET", "/assets/../../etc/passwd", "", {{"Cookie", cookie}}).status, 404);
}

// The logs page's source: the recent lines from the log ring, filtered by
// level and text, as JSON or as a download; behind the login like every
// /api route, and with configured secrets masked.
TEST_F(ConsolePluginHooksTest, LogsAreFilteredByLevelAndTextAndDownloadable) {
  EXPECT_EQ(fetch("GET", "/api/logs").status, 401);
  EXPECT_EQ(fetch("GET", "/api/logs?format=text").status, 401);
  const auto [cookie, csrf] = login();
  const std::vector<std::pair<std::string, std::string>> with_cookie{{"Cookie", cookie}};
  SecretRegistry::instance().add("sk-console-logs-secret-77");
  const auto logger = log::get("logs_route_test");
  logger->info("logs-route-test ordinary line");
  logger->warn("logs-route-test Odd thing, key sk-console-logs-secret-77");

  auto all = fetch("GET", "/api/logs?lines=1000&q=logs-route-test", "", with_cookie);
  ASSERT_EQ(all.status, 200) << all.body;
  const json lines = json::parse(all.body)["lines"];
  ASSERT_EQ(lines.size(), 2u) << all.body;
  EXPECT_EQ(lines[0]["level"], "info");
  EXPECT_EQ(lines[1]["level"], "warning");
  EXPECT_EQ(all.body.find("sk-console-logs-secret-77"), std::string::npos);

  auto warnings = fetch("GET", "/api/logs?level=warning&q=LOGS-ROUTE-TEST%20odd", "", with_cookie);
  ASSERT_EQ(warnings.status, 200) << warnings.body;
  const json warning_lines = json::parse(warnings.body)["lines"];
  ASSERT_EQ(warning_lines.size(), 1u) << warnings.body;
  EXPECT_NE(warning_lines[0]["text"].get<std::string>().find("Odd thing"), std::string::npos);

  auto download = fetch("GET", "/api/logs?format=text&q=logs-route-test", "", with_cookie);
  ASSERT_EQ(download.status, 200);
  EXPECT_EQ(download.header("content-disposition"), "attachment; filename=\"picbot.log\"");
  EXPECT_NE(download.body.find("ordinary line\n"), std::string::npos) << download.body;
  EXPECT_EQ(download.body.find("sk-console-logs-secret-77"), std::string::npos);

  EXPECT_EQ(fetch("GET", "/api/logs?level=loud", "", with_cookie).status, 400);
  EXPECT_EQ(fetch("GET", "/api/logs?lines=many", "", with_cookie).status, 400);
}

// The login page's labels are public (it has no session), and only its own.
TEST_F(ConsolePluginHooksTest, TheLoginPageGetsItsLabelsWithoutASession) {
  auto labels = fetch("GET", "/login/labels");
  ASSERT_EQ(labels.status, 200);
  const json body = json::parse(labels.body);
  EXPECT_FALSE(body["zh-CN"].value("console.login.expired", "").empty()) << labels.body;
  EXPECT_FALSE(body["en"].value("console.login.expired", "").empty()) << labels.body;
  EXPECT_FALSE(body["en"].contains("console.nav.status"));
  // The rate-limit wait reads "4 分 32 秒" / "4 min 32 s" (duration.js, as in the console).
  EXPECT_EQ(body["zh-CN"].value("console.duration.minutes", ""), "{n} 分") << labels.body;
  EXPECT_EQ(body["en"].value("console.login_limited", ""), "Too many failed attempts, try again in {wait}");
  const auto script = fetch("GET", "/login/duration.js");
  EXPECT_EQ(script.status, 200);
  EXPECT_NE(script.body.find("function formatDuration(seconds, t)"), std::string::npos);
}

// A console without web.password on a one-thread pool whose thread the test
// can hold, so the password file's work waits where the test wants it.
class ConsolePasswordFileTest : public ::testing::Test {
 protected:
  ~ConsolePasswordFileTest() override {
    if (hold_) release();
  }

  // Occupies the only worker until release().
  void hold_worker() {
    hold_.emplace();
    asio::post(workers_.executor(), [held = hold_->get_future().share()] { held.wait(); });
  }
  void release() {
    hold_->set_value();
    hold_.reset();
  }

  void start_console() {
    server_ =
        std::make_unique<HttpServer>(io_.get_executor(), HttpServer::Options{.host = "127.0.0.1", .port = 0});
    Console::Options options;  // no web.password: the hash file
    options.data_dir = dir_.path() / "data";
    console_ = std::make_unique<Console>(*server_, workers_, Clock::system(), metrics_, options);
    ASSERT_TRUE(console_->start());
    auto port = server_->start();
    ASSERT_TRUE(port);
    base_ = "http://127.0.0.1:" + std::to_string(*port);
  }

  net::HttpResponse fetch(std::string method, std::string path, std::string body = "") {
    return fetch_on(io_, client_, std::move(method), base_ + path, std::move(body),
                    {{"Content-Type", "application/json"}});
  }

  // Starts POST /login without waiting for the answer.
  void start_login(std::string password) {
    net::HttpRequest request;
    request.method = "POST";
    request.url = base_ + "/login";
    request.headers = {{"Content-Type", "application/json"}};
    request.body = json{{"password", password}}.dump();
    request.total_timeout = 10s;
    asio::co_spawn(
        io_,
        [this, request]() -> asio::awaitable<void> { pending_.emplace(co_await client_.request(request)); },
        asio::detached);
  }

  // Runs the loop until the login started by start_login() is answered.
  int finish_login() {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!pending_ && std::chrono::steady_clock::now() < deadline) io_.run_one_for(100ms);
    io_.restart();
    if (!pending_ || !*pending_) return 0;
    return (*pending_)->status;
  }

  std::filesystem::path hash_file() const { return dir_.path() / "data" / "web_password.hash"; }

  testing::TempDir dir_;
  asio::io_context io_;
  WorkerPool workers_{1};
  std::optional<std::promise<void>> hold_;
  Metrics metrics_;
  std::unique_ptr<HttpServer> server_;
  std::unique_ptr<Console> console_;
  net::HttpClient client_{io_.get_executor()};
  std::string base_;
  std::optional<Result<net::HttpResponse, net::HttpError>> pending_;
};

TEST_F(ConsolePasswordFileTest, TheFirstPasswordIsMadeOffTheLoopAndALoginWaitsForIt) {
  log::set_language("en");  // the password is read from the English line below
  hold_worker();
  start_console();
  start_login("not-the-password");
  // The loop serves other requests while the hash waits for the worker.
  EXPECT_EQ(fetch("GET", "/login").status, 200);
  EXPECT_FALSE(pending_.has_value()) << "the login did not wait for the password file";
  EXPECT_FALSE(std::filesystem::exists(hash_file())) << "the hash was made on the loop";

  release();
  EXPECT_EQ(finish_login(), 401);  // checked against the new hash, not refused as "not ready"
  ASSERT_TRUE(std::filesystem::exists(hash_file()));
  std::string password;
  const std::regex shown(R"(shown only once[^:]*: (\S+))");
  for (const auto& line : log::recent(50)) {
    std::smatch match;
    if (std::regex_search(line, match, shown)) password = match[1];
  }
  ASSERT_FALSE(password.empty()) << "the generated password was not logged";
  EXPECT_EQ(fetch("POST", "/login", json{{"password", password}}.dump()).status, 200);
}

TEST_F(ConsolePasswordFileTest, APasswordIsCheckedOnTheWorkerPool) {
  start_console();
  EXPECT_EQ(fetch("POST", "/login", R"({"password":"first-try"})").status, 401);  // the hash is ready now
  hold_worker();
  start_login("second-try");
  EXPECT_EQ(fetch("GET", "/login").status, 200);
  EXPECT_FALSE(pending_.has_value()) << "scrypt ran on the loop";
  release();
  EXPECT_EQ(finish_login(), 401);
}

TEST_F(ConsolePasswordFileTest, ABadPasswordFileRefusesLoginsWith503) {
  dir_.write_file("data/web_password.hash", "not a hash\n");
  start_console();
  const auto refused = fetch("POST", "/login", R"({"password":"anything"})");
  EXPECT_EQ(refused.status, 503) << refused.body;
  EXPECT_EQ(json::parse(refused.body)["error"], "password_unavailable");
  EXPECT_EQ(refused.body.find("web_password.hash"), std::string::npos) << "no server path for strangers";
}

}  // namespace
}  // namespace picbot::web
