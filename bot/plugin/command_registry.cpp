#include "bot/plugin/command_registry.h"

namespace picbot {

Status CommandRegistry::add_command(std::string owner, Command command) {
  std::vector<std::string> names{command.name};
  names.insert(names.end(), command.aliases.begin(), command.aliases.end());
  for (const auto& name : names) {
    if (name.empty()) return Error::make("bad_command", owner + ": empty command name");
    if (const auto it = by_name_.find(name); it != by_name_.end()) {
      return Error::make("duplicate_command",
                         owner + ": command '" + name + "' is already registered by " + commands_[it->second].owner);
    }
  }
  const std::size_t index = commands_.size();
  for (const auto& name : names) by_name_.emplace(name, index);
  commands_.push_back(Entry{std::move(owner), std::move(command)});
  return {};
}

Status CommandRegistry::add_tool(std::string owner, Tool tool) {
  if (find_tool(tool.name) != nullptr) {
    return Error::make("duplicate_tool", owner + ": tool '" + tool.name + "' is already registered");
  }
  tools_.push_back(std::move(tool));
  return {};
}

void CommandRegistry::add_hook(std::string owner, MessageHook hook) {
  hook.name = owner + "/" + hook.name;
  hooks_.push_back(std::move(hook));
}

const CommandRegistry::Entry* CommandRegistry::find_command(std::string_view name) const {
  const auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : &commands_[it->second];
}

const Tool* CommandRegistry::find_tool(std::string_view name) const {
  for (const auto& tool : tools_) {
    if (tool.name == name) return &tool;
  }
  return nullptr;
}

}  // namespace picbot
