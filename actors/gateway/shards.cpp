#include "actors/gateway/shards.hpp"

#include <memory>

#include "actors/gateway/connection.hpp"
#include "actors/gateway/errors.hpp"
#include "actors/gateway/heartbeat.hpp"
#include "actors/gateway/identify_queue.hpp"

namespace tether::gateway {

using namespace supervision;

supervisor_flags gateway_flags(strategy strat) {
  supervisor_flags f;
  f.strat = strat;
  f.escalate_fatal = true;
  return f;
}

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
  return supervisor_spec("shard:" + std::to_string(shard),
                         gateway_flags(strategy::one_for_all),
                         std::vector<child_spec>{conn, beat},
                         cfg.policy_for(unit_path));
}

std::vector<child_spec> gateway_children(runtime_ptr rt, bot_ptr bot,
                                         const config::tether_config& cfg,
                                         const std::string& bot_path) {
  register_error_category();
  auto cfg_copy = std::make_shared<const config::tether_config>(cfg);
  auto make_shard = [rt, bot, cfg_copy, bot_path](uint32_t shard) {
    return shard_unit(rt, bot, shard, *cfg_copy, bot_path);
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
    "shards", gateway_flags(strategy::one_for_one),
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
  return {queue, shards};
}

} // namespace tether::gateway
