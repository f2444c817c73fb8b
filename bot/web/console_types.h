// Web console extension points for plugins (see docs/web-console.md). Plugins
// reach them through PluginContext: add_console_route, add_console_page,
// set_status_provider. Header-only, no Beast types.
#pragma once

#include <string>

namespace picbot::web {

// A page in the console's navigation, rendered by a plugin's script.
//
// The console serves `script` (JavaScript source, usually an embedded asset)
// at /assets/plugins/<plugin>/<id>.js and loads it when the page is first
// opened. The script registers its renderer:
//
//   picbotConsole.registerPage("<id>", (container, api) => { ... });
//
// where api offers get(path), post(path, body) (CSRF header added; paths
// are relative to /api/plugins/<plugin>/), lang ("zh-CN" or "en") and
// t(key) (console labels).
struct ConsolePage {
  std::string id;        // [a-z0-9_-]+, unique within the plugin: "quotas"
  std::string title_zh;  // navigation label, zh-CN
  std::string title_en;  // navigation label, en
  std::string script;    // JavaScript source
};

}  // namespace picbot::web
