#include "bot/plugin/command_registry.h"

#include <algorithm>

#include "bot/core/message_table.h"

namespace picbot {

Status CommandRegistry::add_command(std::string owner, Command command) {
  auto spec = parse_declaration(command.declaration);
  if (!spec) return Error::make("bad_command", owner + ": " + spec.error().message);
  if (!command.handler)
    return Error::make("bad_command", owner + ": command '" + spec->name + "' has no handler");
  std::vector<std::string> names{spec->name};
  names.insert(names.end(), command.aliases.begin(), command.aliases.end());
  for (const auto& name : names) {
    if (name.empty()) return Error::make("bad_command", owner + ": empty command name");
    const auto it = names_.find(name);
    if (it == names_.end()) continue;
    // Taken: only by another variant of this same command of this owner.
    for (const auto& entry : commands_) {
      if (entry->spec.name != it->second) continue;
      if (it->second != spec->name || entry->owner != owner) {
        return Error::make("duplicate_command",
                           owner + ": command '" + name + "' is already registered by " + entry->owner);
      }
    }
  }
  for (const auto& entry : commands_) {
    if (entry->spec.name != spec->name) continue;
    const auto& a = entry->spec.subcommand;
    const auto& b = spec->subcommand;
    const bool overlap =
        (a.empty() && b.empty()) || std::any_of(b.begin(), b.end(), [&](const std::string& w) {
          return std::find(a.begin(), a.end(), w) != a.end();
        });
    if (overlap) {
      return Error::make("duplicate_command", owner + ": command '" + command.declaration +
                                                  "' is already registered by " + entry->owner);
    }
  }
  for (const auto& name : names) names_.emplace(name, spec->name);
  commands_.push_back(
      std::make_shared<const Entry>(Entry{std::move(owner), std::move(command), std::move(*spec)}));
  return {};
}

std::size_t CommandRegistry::remove_command(std::string_view owner, std::string_view name) {
  const std::size_t before = commands_.size();
  std::erase_if(commands_,
                [&](const EntryPtr& entry) { return entry->owner == owner && entry->spec.name == name; });
  rebuild_names();
  return before - commands_.size();
}

std::size_t CommandRegistry::remove_commands_of(std::string_view owner) {
  const std::size_t before = commands_.size();
  std::erase_if(commands_, [&](const EntryPtr& entry) { return entry->owner == owner; });
  rebuild_names();
  return before - commands_.size();
}

void CommandRegistry::rebuild_names() {
  names_.clear();
  for (const auto& entry : commands_) {
    names_.emplace(entry->spec.name, entry->spec.name);
    for (const auto& alias : entry->command.aliases) names_.emplace(alias, entry->spec.name);
  }
}

std::size_t CommandRegistry::remove_all_of(std::string_view owner) {
  std::size_t removed = remove_commands_of(owner);
  removed += std::erase_if(tools_, [&](const OwnedTool& entry) { return entry.owner == owner; });
  auto kept = std::make_shared<std::vector<HookPtr>>();
  std::vector<std::string> kept_owners;
  for (std::size_t i = 0; i < hook_owners_.size(); ++i) {
    if (hook_owners_[i] == owner) {
      ++removed;
      continue;
    }
    kept->push_back((*hooks_)[i]);
    kept_owners.push_back(std::move(hook_owners_[i]));
  }
  hooks_ = std::move(kept);
  hook_owners_ = std::move(kept_owners);
  return removed;
}

Status CommandRegistry::add_tool(std::string owner, Tool tool) {
  if (find_tool(tool.name) != nullptr) {
    return Error::make("duplicate_tool", owner + ": tool '" + tool.name + "' is already registered");
  }
  tools_.push_back({std::move(owner), std::make_shared<const Tool>(std::move(tool))});
  return {};
}

void CommandRegistry::add_hook(std::string owner, MessageHook hook) {
  hook.name = owner + "/" + hook.name;
  // Copy on write: a message walking the old list keeps it.
  auto hooks = std::make_shared<std::vector<HookPtr>>(*hooks_);
  hooks->push_back(std::make_shared<const MessageHook>(std::move(hook)));
  hooks_ = std::move(hooks);
  hook_owners_.push_back(std::move(owner));
}

std::vector<CommandRegistry::ToolPtr> CommandRegistry::tools() const {
  std::vector<ToolPtr> out;
  out.reserve(tools_.size());
  for (const auto& entry : tools_) out.push_back(entry.tool);
  return out;
}

std::vector<CommandRegistry::EntryPtr> CommandRegistry::find_variants(std::string_view name) const {
  std::vector<EntryPtr> out;
  const auto it = names_.find(name);
  if (it == names_.end()) return out;
  for (const auto& entry : commands_) {
    if (entry->spec.name == it->second) out.push_back(entry);
  }
  return out;
}

const CommandRegistry::Entry* CommandRegistry::find_command(std::string_view name) const {
  const auto variants = find_variants(name);
  return variants.empty() ? nullptr : variants.front().get();
}

CommandRegistry::ToolPtr CommandRegistry::find_tool(std::string_view name) const {
  for (const auto& entry : tools_) {
    if (entry.tool->name == name) return entry.tool;
  }
  return nullptr;
}

std::string help_line(const CommandRegistry::Entry& entry, std::string_view language,
                      std::string_view prefix) {
  std::string line = render_usage(entry.spec, language, prefix);
  if (!entry.command.description.empty()) {
    line += tr(language, "host.help.separator") +
            tr(language, entry.command.description, fmt::arg("prefix", std::string(prefix)));
  }
  if (!entry.command.aliases.empty()) {
    std::string aliases;
    for (const auto& alias : entry.command.aliases) {
      if (!aliases.empty()) aliases += tr(language, "host.help.alias_separator");
      aliases += std::string(prefix) + alias;
    }
    line += tr(language, "host.help.aliases", fmt::arg("aliases", aliases));
  }
  if (entry.command.admin_only) line += tr(language, "host.admin_suffix");
  return line;
}

}  // namespace picbot
