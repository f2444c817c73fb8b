#include "bot/app/startup_checks.h"

#include <boost/asio/ip/address.hpp>
#include <charconv>

#include "bot/app/host_messages.h"
#include "bot/app/storage_settings.h"
#include "bot/core/message_table.h"
#include "bot/plugin/plugin.h"

namespace picbot {
namespace {
using nlohmann::json;
}  // namespace

Result<ListenAddress, config::ConfigIssue> parse_listen(const std::string& text, const std::string& path,
                                                        std::string_view language) {
  register_host_messages();
  const std::size_t colon = text.rfind(':');
  if (colon == std::string::npos) {
    return config::ConfigIssue{path, tr(language, "host.listen_format", fmt::arg("value", text))};
  }
  std::string host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  unsigned port = 0;
  const auto [end, ec] = std::from_chars(text.data() + colon + 1, text.data() + text.size(), port);
  if (ec != std::errc() || end != text.data() + text.size() || port > 65535) {
    return config::ConfigIssue{path, tr(language, "host.listen_port", fmt::arg("value", text))};
  }
  return ListenAddress{host, static_cast<std::uint16_t>(port)};
}

Result<ListenAddress, config::ConfigIssue> web_bind_address(const json& web, std::string_view language) {
  const std::string listen_text = web.value("listen", "127.0.0.1:6185");
  auto listen = parse_listen(listen_text, "web.listen", language);
  if (!listen) return listen;
  if (listen->host == "localhost") listen->host = "127.0.0.1";
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(listen->host, ec);
  if (ec)
    return config::ConfigIssue{"web.listen",
                               tr(language, "host.listen_not_ip", fmt::arg("host", listen->host))};
  if (!address.is_loopback() && web.value("password", "").empty()) {
    return config::ConfigIssue{
        "web.listen", tr(language, "host.web_open_without_password", fmt::arg("listen", listen_text))};
  }
  return listen;
}

std::vector<config::ConfigIssue> startup_problems(const json& values, std::string_view language) {
  std::vector<config::ConfigIssue> problems;
  const json web = values.value("web", json::object());
  if (web.value("enabled", true)) {
    if (auto bind = web_bind_address(web, language); !bind) problems.push_back(std::move(bind.error()));
  }
  const json onebot = values.value("onebot", json::object());
  if (onebot.value("mode", "reverse") == "reverse") {
    auto listen = parse_listen(onebot.value("listen", "127.0.0.1:8080"), "onebot.listen", language);
    if (!listen) problems.push_back(std::move(listen.error()));
  }
  for (auto& problem : storage_problems(values)) problems.push_back(std::move(problem));
  const json sections = values.value("plugins", json::object());
  for (const auto& factory : builtin_plugins()) {
    const std::string name(factory.name);
    if (!sections.contains(name) || !sections[name].value("enabled", true)) continue;
    if (Status s = factory.make()->check_config(sections[name]); !s) {
      problems.push_back({"plugins." + name, s.error().message});
    }
  }
  return problems;
}

}  // namespace picbot
