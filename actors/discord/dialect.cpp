#include "actors/discord/dialect.hpp"

#include <unordered_set>

#include "actors/gateway/dialect.hpp"
#include "protocols/discord/close_code.hpp"
#include "protocols/discord/gateway.hpp"
#include "protocols/discord/intents.hpp"
#include "protocols/discord/message.hpp"
#include "protocols/discord/rest_message.hpp"

namespace tether::discord {

namespace {

class discord_dialect : public gateway::dialect {
public:
  discord_dialect(std::string bot_name, config::discord_settings settings)
    : bot_name_(std::move(bot_name)), settings_(std::move(settings)) {
    // nop
  }

  std::string connect_url(const std::string& base,
                          bool compress) const override {
    return gateway_query_url(base, compress);
  }

  std::optional<net::http_request> plan_request() const override {
    net::http_request req;
    req.url = settings_.api_base + "/gateway/bot";
    req.headers = {{"Authorization", "Bot " + settings_.token.reveal()},
                   {"User-Agent", user_agent(TETHER_VERSION)}};
    return req;
  }

  std::optional<std::string> identify(uint32_t shard,
                                      uint32_t count) const override {
    identify_params params;
    params.token = settings_.token.reveal();
    params.intents = intents_of(settings_.intents, nullptr);
    params.shard_id = shard;
    params.shard_count = count;
    return make_identify(params);
  }

  std::optional<std::string>
  resume(const gateway::session_info& session) const override {
    return make_resume(settings_.token.reveal(), session.session_id,
                       session.seq);
  }

  std::string heartbeat(std::optional<int64_t> seq) const override {
    return make_heartbeat(seq);
  }

  gateway::close_action classify_close(int code) const override {
    return discord::classify_close(code);
  }

  std::string close_name(int code) const override {
    return std::string{close_code_name(code)};
  }

  std::optional<gateway::ready_info>
  ready(std::string_view d) const override {
    auto info = parse_ready(d);
    if (!info)
      return std::nullopt;
    return gateway::ready_info{info->session_id, info->resume_gateway_url,
                               info->user_id};
  }

  gateway::dispatch_result dispatch(const std::string& t, const std::string& d,
                                    const std::string& bot_user_id,
                                    bool wanted) override {
    gateway::dispatch_result result;
    if (t == "MESSAGE_CREATE") {
      auto msg = convert_message_create(d, bot_name_, bot_user_id,
                                        &result.error);
      // The bot's own messages come back as events too.
      if (msg && msg->sender.id != bot_user_id)
        result.route = std::move(msg);
      return result;
    }
    if (t == "GUILD_CREATE" || t == "GUILD_DELETE") {
      auto ids = parse_dispatch_ids(d);
      if (!ids || ids->id.empty()) {
        result.error = "no guild id";
        return result;
      }
      if (t == "GUILD_CREATE") {
        guilds_.insert(ids->id);
        unavailable_.erase(ids->id);
      } else if (ids->unavailable) {
        // An outage: the guild comes back with a GUILD_CREATE.
        unavailable_.insert(ids->id);
      } else {
        // Removed from the guild (kicked, left, guild deleted).
        guilds_.erase(ids->id);
        unavailable_.erase(ids->id);
      }
    }
    if (!wanted)
      return result;
    result.route = convert_dispatch(t, d, bot_name_, bot_user_id);
    if (!result.route)
      result.error = "d is not an object";
    return result;
  }

private:
  std::string bot_name_;
  config::discord_settings settings_;
  // Guilds this shard serves (GUILD_CREATE minus GUILD_DELETE), and those
  // in an outage (GUILD_DELETE with unavailable).
  std::unordered_set<std::string> guilds_;
  std::unordered_set<std::string> unavailable_;
};

} // namespace

gateway::gateway_settings
gateway_settings_of(const config::discord_settings& settings) {
  gateway::gateway_settings out;
  out.platform = "discord";
  out.shards_auto = settings.shards_auto;
  out.shard_count = settings.shard_count;
  out.shard_first = settings.shard_first;
  out.shard_last = settings.shard_last;
  out.compress = settings.compress;
  out.gateway_url = settings.gateway_url;
  out.ping_interval = settings.ping_interval;
  out.ping_timeout = settings.ping_timeout;
  out.connect_timeout = settings.connect_timeout;
  out.request_timeout = settings.request_timeout;
  out.ca_file = settings.ca_file;
  out.user_agent = user_agent(TETHER_VERSION);
  out.events = settings.events;
  // Discord allows one identify per bucket per 5 s; a little margin keeps
  // clock skew from producing an op 9.
  out.identify_spacing = std::chrono::milliseconds{5250};
  return out;
}

gateway::dialect_factory
dialect_factory(const std::string& bot_name,
                const config::discord_settings& settings) {
  return [bot_name, settings] {
    return std::make_unique<discord_dialect>(bot_name, settings);
  };
}

} // namespace tether::discord
