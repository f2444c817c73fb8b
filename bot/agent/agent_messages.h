// The agent's user-facing strings (agent.*), zh-CN and en.
#pragma once

namespace picbot::agent {

// Adds the agent's entries to the MessageTable. Idempotent.
void register_agent_messages();

}  // namespace picbot::agent
