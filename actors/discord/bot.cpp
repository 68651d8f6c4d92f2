#include "actors/discord/bot.hpp"

#include <caf/actor_system.hpp>

#include "actors/discord/connection.hpp"
#include "actors/discord/errors.hpp"
#include "actors/discord/heartbeat.hpp"
#include "actors/discord/identify_queue.hpp"
#include "actors/discord/rest.hpp"
#include "config/logging.hpp"
#include "protocols/discord/intents.hpp"
#include "protocols/net/http_client.hpp"
#include "supervision/supervisor.hpp"

namespace tether::discord {

using namespace supervision;

namespace {

supervisor_flags flags_for(strategy strat) {
  supervisor_flags f;
  f.strat = strat;
  f.escalate_fatal = true;
  return f;
}

} // namespace

// The heartbeat needs its connection's handle; both start functions share
// a cell that the connection's start fills in first (start order is
// guaranteed).
child_spec shard_unit(runtime_ptr rt, bot_ptr bot, uint32_t shard,
                      const config::tether_config& cfg,
                      const std::string& bot_path) {
  register_error_category();
  auto unit_path = bot_path + "/shards/shard:" + std::to_string(shard);
  auto cell = std::make_shared<caf::actor>();
  child_spec conn;
  conn.id = "connection";
  conn.signals_ready = true; // READY or RESUMED
  conn.policy = cfg.policy_for(unit_path + "/connection");
  conn.start = [rt, bot, shard, cell](child_context& ctx) {
    *cell = spawn_connection(ctx.parent, rt, bot, shard, ctx.path);
    return *cell;
  };
  child_spec beat;
  beat.id = "heartbeat";
  beat.policy = cfg.policy_for(unit_path + "/heartbeat");
  beat.start = [cell](child_context& ctx) {
    return spawn_heartbeat(ctx.parent, *cell);
  };
  auto spec = supervisor_spec("shard:" + std::to_string(shard),
                              flags_for(strategy::one_for_all),
                              std::vector<child_spec>{conn, beat},
                              cfg.policy_for(unit_path));
  return spec;
}

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
  register_error_category();
  auto settings = std::get<config::discord_settings>(entry.settings);
  auto bot_path = "platforms/" + entry.id();
  auto bot = std::make_shared<bot_state>(entry.name, settings,
                                         state_file(cfg, entry.name));
  std::string error;
  if (!bot->load(&error))
    logging::log(spdlog::level::warn, "discord", "sessions_not_loaded",
                 {{"path", bot_path}, {"error", error}});
  bot->http(net::http_client::make(rt->io(), http_options(settings.ca_file)));
  auto cfg_copy = std::make_shared<const config::tether_config>(cfg);
  auto make_shard = [rt, bot, cfg_copy, bot_path](uint32_t shard) {
    return shard_unit(rt, bot, shard, *cfg_copy, bot_path);
  };
  child_spec rest;
  rest.id = "rest";
  rest.policy = cfg.policy_for(bot_path + "/rest");
  rest.start = [rt, bot](child_context& ctx) {
    return spawn_bot_rest(ctx.parent, rt, bot, ctx.path);
  };
  child_spec queue;
  queue.id = "identify_queue";
  queue.policy = cfg.policy_for(bot_path + "/identify_queue");
  queue.start = [rt, bot, make_shard](child_context& ctx) {
    auto hdl = spawn_identify_queue(ctx.parent, rt, bot, ctx.path,
                                    make_shard);
    bot->identify_queue(hdl);
    return hdl;
  };
  // Starts empty until the identify_queue knows the plan, then from it.
  auto shards = supervisor_spec(
    "shards", flags_for(strategy::one_for_one),
    [bot, make_shard] {
      std::vector<child_spec> xs;
      if (auto plan = bot->plan())
        for (auto id = plan->first; id <= plan->last; ++id)
          xs.push_back(make_shard(id));
      return xs;
    },
    cfg.policy_for(bot_path + "/shards"));
  auto start_shards = shards.start;
  shards.start = [bot, start_shards](child_context& ctx) {
    auto hdl = start_shards(ctx);
    bot->shards(hdl);
    return hdl;
  };
  // The HTTP pool lives as long as this spec: a restarted bot reuses it.
  return supervisor_spec(entry.id(), flags_for(strategy::one_for_one),
                         std::vector<child_spec>{rest, queue, shards},
                         cfg.policy_for(bot_path));
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
