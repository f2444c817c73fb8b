#include "bot/dispatch/dispatcher.h"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "bot/core/log_language.h"
#include "bot/core/logging.h"
#include "bot/core/memory.h"
#include "bot/core/utf8.h"

namespace picbot {
namespace asio = boost::asio;

namespace {
auto logger() {
  static auto l = log::get("dispatch");
  return l;
}
}  // namespace

// A burst smaller than this leaves too little free heap to be worth a trim.
constexpr std::size_t kTrimAfterMessages = 256;

Dispatcher::Dispatcher(asio::any_io_executor executor, onebot::BotApi& api, CommandRegistry& registry,
                       std::shared_ptr<const BotSettings> settings, Options options)
    : executor_(std::move(executor)),
      api_(api),
      registry_(registry),
      settings_(std::move(settings)),
      options_(options),
      trim_timer_(executor_) {}

void Dispatcher::on_event(onebot::Event event) {
  auto* message = std::get_if<onebot::MessageEvent>(&event);
  if (message == nullptr || message->self_sent) return;
  auto shared = std::make_shared<const onebot::MessageEvent>(std::move(*message));
  Account& account = accounts_[shared->self_id];
  if (in_flight_ < options_.max_in_flight && account.in_flight < options_.max_in_flight_per_account) {
    start_handler(std::move(shared));
    return;
  }
  if (backlog_size_ >= options_.max_backlog || account.backlog.size() >= options_.max_backlog_per_account) {
    if (counters_.events_dropped++ % 1000 == 0) {
      logger()->warn(
          "{}", log::text("log.dispatch_overloaded", fmt::arg("running", in_flight_),
                          fmt::arg("running_for", account.in_flight), fmt::arg("self_id", shared->self_id),
                          fmt::arg("queued", backlog_size_), fmt::arg("queued_for", account.backlog.size()),
                          fmt::arg("id", shared->message_id), fmt::arg("user", shared->user_id),
                          fmt::arg("dropped", counters_.events_dropped)));
    }
    if (account.in_flight == 0 && account.backlog.empty()) accounts_.erase(shared->self_id);
    return;
  }
  ++counters_.events_queued;
  account.backlog.push_back(std::move(shared));
  ++backlog_size_;
  counters_.max_backlog_seen = std::max(counters_.max_backlog_seen, backlog_size_);
}

void Dispatcher::start_handler(SharedEvent event) {
  const std::int64_t self_id = event->self_id;
  ++in_flight_;
  ++accounts_[self_id].in_flight;
  asio::co_spawn(executor_, handle_message(std::move(event), api_),
                 [this, self_id](std::exception_ptr error) { on_handler_done(self_id, error); });
}

void Dispatcher::start_next_waiting() {
  if (in_flight_ >= options_.max_in_flight || backlog_size_ == 0) return;
  // Round robin: the accounts after the last one served, then from the start.
  auto ready = [&](const auto& item) {
    return !item.second.backlog.empty() && item.second.in_flight < options_.max_in_flight_per_account;
  };
  auto it = std::find_if(accounts_.upper_bound(last_served_), accounts_.end(), ready);
  if (it == accounts_.end()) it = std::find_if(accounts_.begin(), accounts_.end(), ready);
  if (it == accounts_.end()) return;
  last_served_ = it->first;
  SharedEvent next = std::move(it->second.backlog.front());
  it->second.backlog.pop_front();
  --backlog_size_;
  start_handler(std::move(next));
}

void Dispatcher::on_handler_done(std::int64_t self_id, std::exception_ptr error) {
  --in_flight_;
  --accounts_[self_id].in_flight;
  ++handled_since_trim_;
  if (error) {
    ++counters_.handler_errors;
    logger()->error("{}", log::text("log.handler_failed", fmt::arg("reason", log::exception_message(error))));
  }
  start_next_waiting();
  auto account = accounts_.find(self_id);
  if (account != accounts_.end() && account->second.in_flight == 0 && account->second.backlog.empty()) {
    accounts_.erase(account);
  }
  if (in_flight_ == 0 && backlog_size_ == 0 && handled_since_trim_ >= kTrimAfterMessages) schedule_trim();
}

void Dispatcher::schedule_trim() {
  if (trim_armed_) return;
  trim_armed_ = true;
  trim_timer_.expires_at(std::max(std::chrono::steady_clock::now(), last_trim_ + options_.trim_interval));
  trim_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    trim_armed_ = false;
    last_trim_ = std::chrono::steady_clock::now();
    handled_since_trim_ = 0;
    release_free_memory();
  });
}

asio::awaitable<void> Dispatcher::handle_message(std::shared_ptr<const onebot::MessageEvent> event,
                                                 onebot::BotApi& api,
                                                 std::shared_ptr<const BotSettings> settings_override) {
  ++counters_.messages_in;
  const auto settings = settings_override ? std::move(settings_override) : settings_;
  if (event->is_group() && !settings->group_allowed(event->group_id)) co_return;
  if (event->user_id == event->self_id) co_return;

  MessageContext ctx(event, api, settings);
  try {
    const auto hooks = registry_.hooks();  // a snapshot: a plugin stopping meanwhile does not change it
    for (const auto& hook : *hooks) {
      if (co_await hook->handler(ctx) == HookOutcome::kHandled) co_return;
    }
    const Wake wake = analyse_wake(*event, *settings);
    if (wake.is_command) {
      if (auto variants = registry_.find_variants(wake.command); !variants.empty()) {
        co_await run_command(ctx, wake, std::move(variants));
        co_return;
      }
      // An unknown command in a group may belong to another bot: stay quiet
      // unless the bot was addressed directly.
      if (wake.at_bot || wake.nickname || !event->is_group()) {
        std::string hint = ctx.tr("host.unknown_command", fmt::arg("command", wake.command),
                                  fmt::arg("prefix", settings->display_prefix()));
        co_await ctx.reply_text(std::move(hint), event->is_group());
      }
      co_return;
    }
    if (!wake.woken) co_return;
    if (chat_handler_) {
      co_await chat_handler_(ctx, wake);
    } else if (!settings->disabled_reply.empty() && (wake.at_bot || wake.nickname || !event->is_group())) {
      co_await ctx.reply_text(settings->disabled_reply, event->is_group());
    }
  } catch (const std::exception& e) {
    ++counters_.handler_errors;
    logger()->error("{}", log::text("log.handler_failed_on", fmt::arg("id", event->message_id),
                                    fmt::arg("user", event->user_id), fmt::arg("reason", e.what())));
  }
}

namespace {

// The variant the line names by its subcommand, else the one without a
// subcommand; null when neither exists.
CommandRegistry::EntryPtr select_variant(const std::vector<CommandRegistry::EntryPtr>& variants,
                                         std::string_view line) {
  for (const auto& entry : variants) {
    if (matches_subcommand(entry->spec, line)) return entry;
  }
  for (const auto& entry : variants) {
    if (entry->spec.subcommand.empty()) return entry;
  }
  return nullptr;
}

// What is wrong with the line, in the user's language.
std::string describe(const MessageContext& ctx, const ArgError& error) {
  const std::string arg = arg_label(error.arg, ctx.language());
  switch (error.kind) {
    case ArgError::kMissing:
      return ctx.tr("host.args.missing", fmt::arg("arg", arg));
    case ArgError::kNotInteger:
      return ctx.tr("host.args.not_integer", fmt::arg("arg", arg), fmt::arg("given", error.given));
    case ArgError::kNotNumber:
      return ctx.tr("host.args.not_number", fmt::arg("arg", arg), fmt::arg("given", error.given));
    case ArgError::kNotUser:
      return ctx.tr("host.args.not_user", fmt::arg("arg", arg), fmt::arg("given", error.given));
    case ArgError::kBadSubcommand:
      return error.given.empty() ? ctx.tr("host.args.no_subcommand")
                                 : ctx.tr("host.args.bad_subcommand", fmt::arg("given", error.given));
  }
  return {};
}

// The usage: one line per variant the caller may use. Built only when shown
// (formatting every variant's line was a tenth of a /ping's instructions).
std::string usage_text(const MessageContext& base, const std::vector<CommandRegistry::EntryPtr>& variants) {
  const std::string prefix = base.settings().display_prefix();
  std::string lines;
  for (const auto& variant : variants) {
    if (variant->command.admin_only && !base.is_admin()) continue;
    if (!lines.empty()) lines += "\n";
    lines += help_line(*variant, base.language(), prefix);
  }
  return base.tr("host.args.usage", fmt::arg("usage", lines));
}

}  // namespace

asio::awaitable<void> Dispatcher::run_command(MessageContext& base, const Wake& wake,
                                              std::vector<CommandRegistry::EntryPtr> variants) {
  const CommandRegistry::EntryPtr entry = select_variant(variants, wake.args);
  const bool admin_only = entry ? entry->command.admin_only
                                : std::all_of(variants.begin(), variants.end(),
                                              [](const auto& v) { return v->command.admin_only; });
  const std::string& name = variants.front()->spec.name;
  if (admin_only && !base.is_admin()) {
    ++counters_.commands_denied;
    logger()->info("{}", log::text("log.command_admin_only", fmt::arg("name", name),
                                   fmt::arg("user", base.event().user_id)));
    co_await base.reply_text(base.tr("host.admin_only"), base.is_group());
    co_return;
  }
  Result<Arguments, ArgError> args = ArgError{ArgError::kBadSubcommand, {}, {}};
  if (entry) {
    args = parse_arguments(entry->spec, wake.args, mentions_of(base.event()));
  } else {
    const std::string word = wake.args.substr(0, wake.args.find_first_of(" \t\r\n"));
    args = ArgError{ArgError::kBadSubcommand, {}, utf8_shorten(word, 40)};
  }
  if (!args) {
    logger()->info("{}", log::text("log.command_bad_arguments", fmt::arg("name", name),
                                   fmt::arg("user", base.event().user_id)));
    std::string reply = describe(base, args.error()) + "\n" + usage_text(base, variants);
    co_await base.reply_text(std::move(reply), base.is_group());
    co_return;
  }
  // By reference: ctx, and so the builder, ends before this frame does.
  CommandContext::UsageBuilder usage = [&base, &variants] { return usage_text(base, variants); };
  CommandContext ctx(base, wake.command, wake.args, std::move(*args), std::move(usage));
  ++counters_.commands_run;
  logger()->debug("command /{} from {} (owner {})", ctx.command(), ctx.event().user_id, entry->owner);
  bool failed = false;
  try {
    co_await entry->command.handler(ctx);
  } catch (const std::exception& e) {
    ++counters_.handler_errors;
    failed = true;
    logger()->error("{}",
                    log::text("log.command_failed", fmt::arg("name", name), fmt::arg("reason", e.what())));
  }
  if (failed) co_await ctx.reply_text(ctx.tr("host.command_failed"), ctx.is_group());
}

}  // namespace picbot
