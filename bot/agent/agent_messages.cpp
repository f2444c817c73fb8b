#include "bot/agent/agent_messages.h"

#include "bot/core/message_table.h"

namespace picbot::agent {

void register_agent_messages() {
  MessageTable::instance().add({
      {"agent.help.new", "清空与我的对话记录，开始新话题", "forget our conversation and start a new topic"},
      {"agent.session_cleared", "好的，之前的对话已清空，我们重新开始吧。",
       "Done: our conversation was cleared. Let's start over."},
      {"agent.session_clear_failed", "对话记录暂时无法清空，请稍后再试。",
       "The conversation could not be cleared right now; please try again later."},
      {"agent.empty_message", "在的～有什么可以帮你？", "I'm here. What can I do for you?"},
      {"agent.step_limit", "这个问题需要的步骤太多了，我先停在这里。换个说法或拆成小问题再试试吧。",
       "That took too many steps, so I stopped here. Try rephrasing it or splitting it into smaller "
       "questions."},
      {"agent.cannot_share", "抱歉，这部分内容我不能透露。", "Sorry, I can't share that."},
      // Provider failures, classified like the image plugin's.
      {"agent.error.invalid_key", "AI 助手的 API 密钥无效或已停用，请联系管理员检查配置。",
       "The assistant's API key is invalid or disabled; please ask an admin to check the config."},
      {"agent.error.no_keys", "AI 助手还没有配置 API 密钥，请联系管理员。",
       "The assistant has no API key configured; please ask an admin."},
      {"agent.error.no_credits", "AI 助手的额度已用完，请联系管理员充值。",
       "The assistant is out of credits; please ask an admin to top up."},
      {"agent.error.rate_limited", "AI 助手正忙（请求过于频繁），请稍后再试。",
       "The assistant is busy (too many requests); please try again later."},
      {"agent.error.bad_request", "AI 服务拒绝了这次请求：{detail}",
       "The AI service refused the request: {detail}"},
      {"agent.error.model_not_found", "对话模型 {model} 不存在或已下线，请联系管理员更换。",
       "The chat model {model} does not exist or was withdrawn; please ask an admin to change it."},
      {"agent.error.no_endpoint", "对话模型 {model} 不支持这类请求（如工具调用），请联系管理员更换。",
       "The chat model {model} does not support this kind of request (e.g. tool calls); please ask an admin "
       "to "
       "change it."},
      {"agent.error.transient", "AI 服务暂时不可用，请稍后再试。",
       "The AI service is unavailable right now; please try again later."},
      {"agent.error.content_filtered", "模型拒绝回答：「{text}」", "The model declined: \"{text}\""},
      {"agent.error.content_filtered_silent", "模型拒绝回答这个问题，换个说法试试吧。",
       "The model declined to answer; try putting it differently."},
      {"agent.error.bad_response", "AI 服务返回了无法识别的结果，请稍后再试。",
       "The AI service sent an answer I could not read; please try again later."},
      {"agent.error.cancelled", "这次回答已取消。", "The answer was cancelled."},
      {"agent.error.deadline", "AI 服务响应超时了，请稍后再试。",
       "The AI service took too long; please try again later."},
  });
}

}  // namespace picbot::agent
