// CommandRegistry: everything plugins registered: commands (by name and
// alias, each parsed from its declaration), LLM tools, and message hooks,
// with the plugin that owns each. A plugin can take its commands back
// (remove_command), and the host takes all of a plugin's entries back when it
// stops (remove_all_of). Entries are shared: a command, tool or hook that is
// running keeps its entry alive even when it is removed meanwhile, and the
// hook list a message walks is a snapshot that a removal does not change.
// Thread-safety: io_context thread only.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bot/core/result.h"
#include "bot/plugin/command_spec.h"
#include "bot/plugin/plugin.h"

namespace picbot {

class CommandRegistry {
 public:
  struct Entry {
    std::string owner;
    Command command;
    CommandSpec spec;  // parsed from command.declaration
  };
  using EntryPtr = std::shared_ptr<const Entry>;

  // Parses the declaration ("bad_command" naming it when it is malformed)
  // and adds the command. A name may be registered again by the same owner
  // with another subcommand ("banana model ...", "banana baseurl ...").
  // Fails ("duplicate_command") when the name, an alias or the subcommand
  // is taken.
  Status add_command(std::string owner, Command command);
  // Removes every variant of `name` (a name, not an alias) that `owner`
  // registered, with its aliases. Returns how many were removed.
  std::size_t remove_command(std::string_view owner, std::string_view name);
  // Removes every command `owner` registered; returns how many.
  std::size_t remove_commands_of(std::string_view owner);

  // Removes every command, tool and hook `owner` registered; returns how many.
  std::size_t remove_all_of(std::string_view owner);

  using ToolPtr = std::shared_ptr<const Tool>;
  using HookPtr = std::shared_ptr<const MessageHook>;
  using HookList = std::shared_ptr<const std::vector<HookPtr>>;

  // Fails ("duplicate_tool") when the name is taken.
  Status add_tool(std::string owner, Tool tool);
  void add_hook(std::string owner, MessageHook hook);

  // The variants registered under a name or alias, in registration order;
  // empty when unknown.
  std::vector<EntryPtr> find_variants(std::string_view name) const;
  // The first variant under a name or alias; nullptr when unknown.
  const Entry* find_command(std::string_view name) const;
  // nullptr when unknown.
  ToolPtr find_tool(std::string_view name) const;
  const std::vector<EntryPtr>& commands() const { return commands_; }
  std::vector<ToolPtr> tools() const;
  // The hooks in registration order: a snapshot, cheap to take (no copy).
  HookList hooks() const { return hooks_; }

 private:
  void rebuild_names();

  std::vector<EntryPtr> commands_;
  std::map<std::string, std::string, std::less<>> names_;  // name/alias -> command name
  struct OwnedTool {
    std::string owner;
    ToolPtr tool;
  };
  std::vector<OwnedTool> tools_;
  std::vector<std::string> hook_owners_;  // parallel to *hooks_
  HookList hooks_ = std::make_shared<const std::vector<HookPtr>>();
};

// One line of /help for a command variant: its usage built from the
// declaration, its description, its aliases and "admin" when admin-only.
std::string help_line(const CommandRegistry::Entry& entry, std::string_view language,
                      std::string_view prefix);

}  // namespace picbot
