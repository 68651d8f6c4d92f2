#include "actors/discord/bot.hpp"

#include <caf/actor_system.hpp>

#include "actors/discord/dialect.hpp"
#include "actors/discord/rest.hpp"
#include "actors/gateway/bot_state.hpp"
#include "actors/gateway/dialect.hpp"
#include "actors/gateway/shards.hpp"
#include "config/logging.hpp"
#include "protocols/discord/intents.hpp"
#include "protocols/net/http_client.hpp"
#include "supervision/supervisor.hpp"

namespace tether::discord {

using namespace supervision;

namespace {

std::string state_file(const config::tether_config& cfg,
                       const std::string& name) {
  if (cfg.daemon.data_dir.empty())
    return {};
  return cfg.daemon.data_dir + "/discord-" + name + ".sessions.json";
}

net::http_client_options http_options(const std::string& ca_file) {
  net::http_client_options opts;
  opts.tls.ca_file = ca_file;
  opts.user_agent = "DiscordBot (tether, " TETHER_VERSION ")";
  return opts;
}

} // namespace

child_spec bot_spec(runtime_ptr rt, const config::tether_config& cfg,
                    const config::platform_entry& entry) {
  auto settings = std::get<config::discord_settings>(entry.settings);
  auto bot_path = "platforms/" + entry.id();
  auto bot = std::make_shared<gateway::bot_state>(
    entry.name, gateway_settings_of(settings),
    dialect_factory(entry.name, settings), state_file(cfg, entry.name));
  std::string error;
  if (!bot->load(&error))
    logging::log(spdlog::level::warn, "discord", "sessions_not_loaded",
                 {{"path", bot_path}, {"error", error}});
  // The HTTP pool lives as long as this spec: a restarted bot reuses it.
  auto http = net::http_client::make(rt->io(),
                                     http_options(settings.ca_file));
  bot->http(http);
  child_spec rest;
  rest.id = "rest";
  rest.policy = cfg.policy_for(bot_path + "/rest");
  auto name = entry.name;
  rest.start = [rt, name, settings, http](child_context& ctx) {
    return spawn_bot_rest(ctx.parent, rt, name, settings, http, ctx.path);
  };
  std::vector<child_spec> children{rest};
  for (auto& x : gateway::gateway_children(rt, bot, cfg, bot_path))
    children.push_back(std::move(x));
  return supervisor_spec(entry.id(),
                         gateway::gateway_flags(strategy::one_for_one),
                         std::move(children), cfg.policy_for(bot_path));
}

child_spec webhook_spec(runtime_ptr rt, const config::tether_config& cfg,
                        const config::platform_entry& entry) {
  auto settings = std::get<config::discord_webhook_settings>(entry.settings);
  auto http = net::http_client::make(rt->io(), http_options(settings.ca_file));
  child_spec spec;
  spec.id = entry.id();
  spec.policy = cfg.policy_for("platforms/" + entry.id());
  auto name = entry.name;
  spec.start = [rt, name, settings, http](child_context& ctx) {
    return spawn_webhook_rest(ctx.parent, rt, name, settings, http, ctx.path);
  };
  return spec;
}

std::vector<config::error> validate(const config::tether_config& cfg) {
  std::vector<config::error> errors;
  for (size_t i = 0; i < cfg.platforms.size(); ++i) {
    auto& entry = cfg.platforms[i];
    auto settings = std::get_if<config::discord_settings>(&entry.settings);
    if (!settings)
      continue;
    std::vector<std::string> unknown;
    intents_of(settings->intents, &unknown);
    for (auto& name : unknown)
      errors.push_back({settings->intents_pos,
                        "platforms[" + std::to_string(i) + "].settings.intents",
                        "unknown intent `" + name + "`"});
  }
  return errors;
}

} // namespace tether::discord
