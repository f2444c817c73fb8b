// CommandRegistry: everything plugins registered: commands (by name and
// alias), LLM tools, and message hooks, with the plugin that owns each.
// Thread-safety: io_context thread only.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "bot/core/result.h"
#include "bot/plugin/plugin.h"

namespace picbot {

class CommandRegistry {
 public:
  struct Entry {
    std::string owner;
    Command command;
  };

  // Fails when the name or an alias is already taken.
  Status add_command(std::string owner, Command command);
  Status add_tool(std::string owner, Tool tool);
  void add_hook(std::string owner, MessageHook hook);

  // Looks up a command by name or alias; nullptr when unknown.
  const Entry* find_command(std::string_view name) const;
  const Tool* find_tool(std::string_view name) const;
  const std::vector<Entry>& commands() const { return commands_; }
  const std::vector<Tool>& tools() const { return tools_; }
  const std::vector<MessageHook>& hooks() const { return hooks_; }

 private:
  std::vector<Entry> commands_;
  std::map<std::string, std::size_t, std::less<>> by_name_;  // name/alias -> index
  std::vector<Tool> tools_;
  std::vector<MessageHook> hooks_;
};

}  // namespace picbot
