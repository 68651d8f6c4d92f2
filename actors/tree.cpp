#include "actors/tree.hpp"

#include <caf/actor_system.hpp>

#include "actors/admin/admin.hpp"
#include "actors/discord/bot.hpp"
#include "actors/discord/interactions.hpp"
#include "actors/feishu/app.hpp"
#include "actors/ingress/ingress.hpp"
#include "actors/wechat/account.hpp"
#include "actors/wecom/app.hpp"
#include "actors/qq/bot.hpp"
#include "actors/handlers/commands.hpp"
#include "actors/handlers/forward.hpp"
#include "actors/handlers/plugin.hpp"
#include "actors/handlers/llm.hpp"
#include "actors/mirai/client.hpp"
#include "actors/onebot/client.hpp"
#include "actors/outbox/outbox.hpp"
#include "actors/store/store.hpp"
#include "actors/router/router.hpp"
#include "actors/sandbox/sandbox.hpp"

namespace tether {

using namespace supervision;

namespace {

// Registers a supervisor under its path at each start, so the daemon can
// reach `platforms` and `handlers` for reloads.
child_spec registered(child_spec spec, runtime_ptr rt) {
  auto inner = spec.start;
  spec.start = [inner, rt](child_context& ctx) {
    auto hdl = inner(ctx);
    if (hdl)
      rt->directory().put(ctx.path, hdl);
    return hdl;
  };
  return spec;
}

// The admin console asks the root for a snapshot with a 500ms deadline;
// each level waits less for the one below, so a wedged supervisor makes
// the answer partial (marked `unresponsive`) instead of late.
supervisor_flags flags_for(strategy strat,
                           duration snapshot_timeout
                           = std::chrono::milliseconds{200}) {
  supervisor_flags f;
  f.strat = strat;
  f.snapshot_timeout = snapshot_timeout;
  return f;
}

} // namespace

child_spec platform_spec(runtime_ptr rt, const config::tether_config& cfg,
                         const config::platform_entry& entry) {
  child_spec spec;
  if (std::holds_alternative<config::sandbox_settings>(entry.settings))
    spec = sandbox_spec(rt, entry);
  else if (std::holds_alternative<config::discord_settings>(entry.settings))
    spec = discord::bot_spec(rt, cfg, entry);
  else if (std::holds_alternative<config::discord_webhook_settings>(
             entry.settings))
    spec = discord::webhook_spec(rt, cfg, entry);
  else if (std::holds_alternative<config::mirai_settings>(entry.settings))
    spec = mirai::client_spec(rt, cfg, entry);
  else if (std::holds_alternative<config::qq_settings>(entry.settings))
    spec = qq::bot_spec(rt, cfg, entry);
  else if (std::holds_alternative<config::onebot_settings>(entry.settings))
    spec = onebot::client_spec(rt, cfg, entry);
  else if (std::holds_alternative<config::feishu_settings>(entry.settings))
    spec = feishu::app_spec(rt, cfg, entry);
  else if (std::holds_alternative<config::wecom_settings>(entry.settings))
    spec = wecom::app_spec(rt, cfg, entry);
  else if (std::holds_alternative<config::wechat_settings>(entry.settings))
    spec = wechat::account_spec(rt, cfg, entry);
  else if (std::holds_alternative<config::discord_interactions_settings>(
             entry.settings))
    spec = discord::interactions_spec(rt, cfg, entry);
  spec.policy = cfg.policy_for("platforms/" + entry.id());
  return spec;
}

child_spec handler_spec(runtime_ptr rt, const config::tether_config& cfg,
                        const config::handler_entry& entry) {
  child_spec spec;
  if (std::holds_alternative<config::commands_settings>(entry.settings))
    spec = commands_spec(rt, entry);
  else if (std::holds_alternative<config::forward_settings>(entry.settings))
    spec = forward_spec(rt, entry);
  else if (std::holds_alternative<config::plugin_settings>(entry.settings))
    spec = plugin_spec(rt, entry);
  else if (std::holds_alternative<config::llm_settings>(entry.settings))
    spec = llm_spec(rt, entry);
  spec.policy = cfg.policy_for("handlers/" + entry.name);
  return spec;
}

std::vector<child_spec> root_children(runtime_ptr rt) {
  auto cfg = rt->config();
  std::vector<child_spec> result;
  auto core = supervisor_spec(
    "core", flags_for(strategy::rest_for_one),
    [rt] {
      auto cfg = rt->config();
      // rest_for_one: the router hands replies to the outbox, so an
      // outbox restart restarts what comes after it.
      // The store first: the outbox and the router read it at start.
      auto db = store::store_spec(rt);
      db.policy = cfg->policy_for("core/store");
      auto outbox = outbox_spec(rt);
      outbox.policy = cfg->policy_for("core/outbox");
      auto router = router_spec(rt);
      router.policy = cfg->policy_for("core/router");
      std::vector<child_spec> xs{db, outbox, router};
      // After the router: webhook platforms dispatch to it.
      if (ingress::has_webhooks(*cfg)) {
        auto hooks = ingress::ingress_spec(rt);
        hooks.policy = cfg->policy_for("core/ingress");
        xs.push_back(std::move(hooks));
      }
      // Last: rest_for_one restarts it after anything it reports on, and
      // its failure (a port in use) touches nothing else.
      if (cfg->admin.enabled) {
        auto console = admin::admin_spec(rt);
        console.policy = cfg->policy_for("core/admin");
        xs.push_back(std::move(console));
      }
      return xs;
    },
    node_policy(*cfg, "core"));
  result.push_back(registered(std::move(core), rt));
  auto platforms = supervisor_spec(
    "platforms", flags_for(strategy::one_for_one),
    [rt] {
      auto cfg = rt->config();
      std::vector<child_spec> xs;
      for (auto& entry : cfg->platforms)
        xs.push_back(platform_spec(rt, *cfg, entry));
      return xs;
    },
    node_policy(*cfg, "platforms"));
  result.push_back(registered(std::move(platforms), rt));
  auto handlers = supervisor_spec(
    "handlers", flags_for(strategy::one_for_one),
    [rt] {
      auto cfg = rt->config();
      std::vector<child_spec> xs;
      for (auto& entry : cfg->handlers)
        xs.push_back(handler_spec(rt, *cfg, entry));
      return xs;
    },
    node_policy(*cfg, "handlers"));
  result.push_back(registered(std::move(handlers), rt));
  return result;
}

supervisor_flags root_flags() {
  return flags_for(strategy::one_for_one, std::chrono::milliseconds{300});
}

restart_policy node_policy(const config::tether_config& cfg,
                           const std::string& path) {
  auto p = cfg.policy_for(path);
  if (is_supervisor_path(path))
    p.shutdown = cfg.daemon.shutdown_timeout;
  return p;
}

std::vector<std::string> node_paths(const config::tether_config& cfg) {
  std::vector<std::string> xs{"core", "core/store", "core/outbox",
                              "core/router"};
  if (ingress::has_webhooks(cfg))
    xs.push_back("core/ingress");
  if (cfg.admin.enabled)
    xs.push_back("core/admin");
  xs.push_back("platforms");
  for (auto& entry : cfg.platforms)
    xs.push_back("platforms/" + entry.id());
  xs.push_back("handlers");
  for (auto& entry : cfg.handlers)
    xs.push_back("handlers/" + entry.name);
  return xs;
}

std::vector<config::error> validate(const config::tether_config& cfg) {
  auto errors = discord::validate(cfg);
  for (auto& e : qq::validate(cfg))
    errors.push_back(std::move(e));
  return errors;
}

bool is_supervisor_path(const std::string& path) {
  return path == "core" || path == "platforms" || path == "handlers";
}

} // namespace tether
