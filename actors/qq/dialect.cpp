#include "actors/qq/dialect.hpp"

#include <chrono>

#include "actors/gateway/dialect.hpp"
#include "protocols/qq/close_code.hpp"
#include "protocols/qq/gateway.hpp"
#include "protocols/qq/intents.hpp"
#include "protocols/qq/message.hpp"
#include "protocols/qq/reply.hpp"
#include "protocols/qq/token.hpp"

namespace tether::qq {

bool seen_ids::first(const std::string& id) {
  std::lock_guard<std::mutex> guard{mtx_};
  if (!ids_.insert(id).second)
    return false;
  order_.push_back(id);
  if (order_.size() > capacity_) {
    ids_.erase(order_.front());
    order_.pop_front();
  }
  return true;
}

void trim_leading_space(inbound_message& msg) {
  auto n = msg.text.find_first_not_of(" \t");
  if (n == 0 || n == std::string::npos)
    return;
  msg.text.erase(0, n);
  for (auto i = msg.segments.begin(); i != msg.segments.end() && n > 0;) {
    if (i->type != "text")
      break;
    auto cut = std::min(n, i->text.size());
    i->text.erase(0, cut);
    n -= cut;
    if (i->text.empty())
      i = msg.segments.erase(i);
    else
      ++i;
  }
}

namespace {

class qq_dialect : public gateway::dialect {
public:
  qq_dialect(std::string bot_name, config::qq_settings settings,
             token_ptr token, std::shared_ptr<seen_ids> seen)
    : bot_name_(std::move(bot_name)),
      settings_(std::move(settings)),
      token_(std::move(token)),
      seen_(std::move(seen)) {
    // nop
  }

  std::string connect_url(const std::string& base, bool) const override {
    return base;
  }

  std::optional<net::http_request> plan_request() const override {
    auto tok = current_token();
    if (!tok)
      return std::nullopt;
    net::http_request req;
    req.url = api_base_of(settings_) + "/gateway/bot";
    req.headers = {{"Authorization", authorization(*tok)},
                   {"X-Union-Appid", settings_.app_id}};
    return req;
  }

  std::optional<std::string> identify(uint32_t shard,
                                      uint32_t count) const override {
    auto tok = current_token();
    if (!tok)
      return std::nullopt;
    identify_params params;
    params.access_token = *tok;
    params.intents = parse_intents(settings_.intents, nullptr).value_or(0);
    params.shard_id = shard;
    params.shard_count = count;
    return make_identify(params);
  }

  std::optional<std::string>
  resume(const gateway::session_info& session) const override {
    auto tok = current_token();
    if (!tok)
      return std::nullopt;
    return make_resume(*tok, session.session_id, session.seq);
  }

  std::string heartbeat(std::optional<int64_t> seq) const override {
    return make_heartbeat(seq);
  }

  gateway::close_action classify_close(int code) const override {
    return qq::classify_close(code);
  }

  std::string close_name(int code) const override {
    return std::string{close_code_name(code)};
  }

  std::optional<gateway::ready_info>
  ready(std::string_view d) const override {
    auto info = parse_ready(d);
    if (!info)
      return std::nullopt;
    return gateway::ready_info{info->session_id, std::string{},
                               info->user_id};
  }

  gateway::dispatch_result dispatch(const std::string& t, const std::string& d,
                                    const std::string& bot_user_id,
                                    bool wanted) override {
    gateway::dispatch_result result;
    if (scene_of_event(t)) {
      auto msg = convert_message(t, d, bot_name_, bot_user_id, &result.error);
      if (!msg)
        return result;
      // QQ re-pushes the same msg_id now and then.
      if (!seen_->first(msg->id))
        return result;
      trim_leading_space(*msg);
      result.route = std::move(msg);
      return result;
    }
    if (!wanted)
      return result;
    inbound_message ev;
    ev.type = "event";
    ev.event = t;
    ev.platform = "qq";
    ev.bot = bot_name_;
    ev.raw = d;
    result.route = std::move(ev);
    return result;
  }

private:
  std::optional<std::string> current_token() const {
    return token_->get(std::chrono::steady_clock::now());
  }

  std::string bot_name_;
  config::qq_settings settings_;
  token_ptr token_;
  std::shared_ptr<seen_ids> seen_;
};

} // namespace

std::string api_base_of(const config::qq_settings& x) {
  if (!x.api_base.empty())
    return x.api_base;
  return std::string{qq::api_base(x.sandbox)};
}

gateway::gateway_settings gateway_settings_of(const config::qq_settings& x) {
  gateway::gateway_settings out;
  out.platform = "qq";
  out.shards_auto = x.shards_auto;
  out.shard_count = x.shard_count;
  out.shard_first = x.shard_first;
  out.shard_last = x.shard_last;
  out.compress = false;
  out.gateway_url = x.gateway_url;
  out.ping_interval = x.ping_interval;
  out.ping_timeout = x.ping_timeout;
  out.connect_timeout = x.connect_timeout;
  out.request_timeout = x.request_timeout;
  out.ca_file = x.ca_file;
  out.user_agent = "tether/" TETHER_VERSION;
  out.events = x.events;
  // max_concurrency sessions per 5 s, like Discord.
  out.identify_spacing = std::chrono::milliseconds{5250};
  return out;
}

gateway::dialect_factory dialect_factory(const std::string& bot_name,
                                         const config::qq_settings& settings,
                                         token_ptr token,
                                         std::shared_ptr<seen_ids> seen) {
  return [=] {
    return std::make_unique<qq_dialect>(bot_name, settings, token, seen);
  };
}

} // namespace tether::qq
