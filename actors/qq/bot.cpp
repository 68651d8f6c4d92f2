#include "actors/qq/bot.hpp"

#include "actors/gateway/bot_state.hpp"
#include "actors/gateway/dialect.hpp"
#include "actors/gateway/shards.hpp"
#include "actors/qq/dialect.hpp"
#include "actors/qq/sender.hpp"
#include "actors/qq/token.hpp"
#include "actors/qq/webhook.hpp"
#include "config/logging.hpp"
#include "protocols/net/http_client.hpp"
#include "protocols/qq/intents.hpp"

namespace tether::qq {

using namespace supervision;

child_spec bot_spec(runtime_ptr rt, const config::tether_config& cfg,
                    const config::platform_entry& entry) {
  auto settings = std::get<config::qq_settings>(entry.settings);
  auto bot_path = "platforms/" + entry.id();
  auto token = std::make_shared<token_cell>();
  auto seen = std::make_shared<seen_ids>();
  std::string file;
  if (!cfg.daemon.data_dir.empty())
    file = cfg.daemon.data_dir + "/qq-" + entry.name + ".sessions.json";
  auto bot = std::make_shared<gateway::bot_state>(
    entry.name, gateway_settings_of(settings),
    dialect_factory(entry.name, settings, token, seen), file);
  std::string error;
  if (!bot->load(&error))
    logging::log(spdlog::level::warn, "qq", "sessions_not_loaded",
                 {{"path", bot_path}, {"error", error}});
  net::http_client_options opts;
  opts.tls.ca_file = settings.ca_file;
  opts.user_agent = "tether/" TETHER_VERSION;
  auto http = net::http_client::make(rt->io(), opts);
  bot->http(http);
  auto name = entry.name;
  child_spec tok;
  tok.id = "token";
  tok.policy = cfg.policy_for(bot_path + "/token");
  tok.start = [rt, settings, http, token](child_context& ctx) {
    return spawn_token(ctx.parent, rt, settings, http, token, ctx.path);
  };
  child_spec rest;
  rest.id = "rest";
  rest.policy = cfg.policy_for(bot_path + "/rest");
  rest.start = [rt, name, settings, http, token](child_context& ctx) {
    return spawn_sender(ctx.parent, rt, name, settings, http, token,
                        ctx.path);
  };
  std::vector<child_spec> children{tok, rest};
  if (settings.webhook) {
    // Callbacks through the ingress instead of gateway shards.
    child_spec hook;
    hook.id = "webhook";
    hook.policy = cfg.policy_for(bot_path + "/webhook");
    hook.start = [rt, name, settings, seen](child_context& ctx) {
      return spawn_webhook(ctx.parent, rt, name, settings, seen, ctx.path);
    };
    children.push_back(std::move(hook));
  } else {
    for (auto& x : gateway::gateway_children(rt, bot, cfg, bot_path))
      children.push_back(std::move(x));
  }
  return supervisor_spec(entry.id(),
                         gateway::gateway_flags(strategy::one_for_one),
                         std::move(children), cfg.policy_for(bot_path));
}

std::vector<config::error> validate(const config::tether_config& cfg) {
  std::vector<config::error> errors;
  for (size_t i = 0; i < cfg.platforms.size(); ++i) {
    auto settings = std::get_if<config::qq_settings>(&cfg.platforms[i].settings);
    if (!settings)
      continue;
    std::string why;
    if (!parse_intents(settings->intents, &why))
      errors.push_back({settings->intents_pos,
                        "platforms[" + std::to_string(i) + "].settings.intents",
                        why});
  }
  return errors;
}

} // namespace tether::qq
