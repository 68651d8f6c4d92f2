#include "actors/mirai/client.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/metrics/names.hpp"
#include "actors/mirai/type_ids.hpp"
#include "actors/outbox/confirm.hpp"
#include "config/logging.hpp"
#include "protocols/mirai/frame.hpp"
#include "supervision/reason.hpp"
#include "supervision/supervisor.hpp"

namespace tether::mirai {

/// Exit reasons of the client that the supervisor restarts with backoff.
/// Fatal ones (a rejected verifyKey) are made with supervision::make_fatal.
enum class client_errc : uint8_t {
  none = 0,
  /// No WebSocket within the connect deadline, or no session frame after.
  connect_timeout,
  /// The session frame carried an error worth retrying (bot not logged in).
  session_refused,
  /// The socket closed, dropped, or failed its WS ping.
  connection_closed,
  /// The idle `about` probe went unanswered.
  probe_timeout,
  /// Too many frames in a row could not be read.
  bad_frames,
};

} // namespace tether::mirai

CAF_ERROR_CODE_ENUM(tether::mirai::client_errc, "mirai")

namespace tether::mirai {

namespace {

using std::chrono::milliseconds;
using level = spdlog::level::level_enum;
using clock_type = caf::actor_clock;

// Consecutive unreadable frames before the connection gives up.
constexpr int max_bad_frames = 10;

// How often a bot that stays offline is logged again.
constexpr auto offline_report_interval = std::chrono::minutes{5};

enum class phase { connecting, authenticating, ready };

struct command {
  /// Tells this command's deadline from one of an earlier holder of the
  /// same syncId.
  uint64_t token = 0;
  /// The idle `about` probe rather than a reply.
  bool probe = false;
  /// Accepted before the session was ready: the frame waits here.
  std::string unsent;
  std::string room;
  std::string reply_to;
  /// Confirmed to the outbox when the command ends; 0 = no confirmation.
  uint64_t outbox_id = 0;
};

struct client_state {
  std::shared_ptr<net::ws_session> ws;
  /// Read by the exit hook: drop the socket instead of closing politely
  /// (the peer is not answering anyway).
  std::shared_ptr<bool> abort_on_exit = std::make_shared<bool>(false);
  phase ph = phase::connecting;
  /// Cancels the deadline of an earlier phase.
  uint64_t generation = 0;
  uint64_t idle_generation = 0;
  uint64_t offline_generation = 0;
  uint64_t tokens = 0;
  sync_id_allocator ids;
  std::unordered_map<std::string, command> pending;
  /// syncId and token of replies accepted while not ready, in order.
  std::deque<std::pair<std::string, uint64_t>> waiting;
  std::optional<std::string> probe_id;
  clock_type::time_point last_rx;
  std::optional<bot_status> status;
  clock_type::time_point offline_since;
  int bad_frames = 0;
  /// Set once the client decided to exit; later input is ignored.
  bool done = false;
  uint64_t messages_in = 0;
  uint64_t replies_ok = 0;
  uint64_t replies_failed = 0;
  uint64_t replies_timed_out = 0;
  uint64_t replies_dropped = 0;
  // +1 on tether_gateway_connections while the session is ready.
  metrics::gauge_hold connected;
  static inline const char* name = "mirai.client";
};

using self_ptr = caf::stateful_actor<client_state>*;

bool is_offline(bot_status x) {
  return x == bot_status::offline_active || x == bot_status::offline_force
         || x == bot_status::offline_dropped;
}

std::string fmt(config::duration d) {
  return supervision::format_duration(d);
}

milliseconds to_ms(config::duration d) {
  return std::chrono::duration_cast<milliseconds>(d);
}

/// How a failed send command ends: codes that name the target or the
/// message are final; session trouble, internal errors and unknown codes
/// may pass once the connection is renewed.
reply_outcome send_failure(int code) {
  switch (code) {
    case state_code::no_element:
    case state_code::no_operate_support:
    case state_code::permission_denied:
    case state_code::bot_muted:
    case state_code::message_too_large:
    case state_code::invalid_parameter:
      return reply_outcome::rejected;
    default:
      return reply_outcome::retry;
  }
}

void register_error_category() {
  supervision::register_category(caf::atom("mirai"),
                                 [](uint8_t) { return std::string{"mirai"}; });
}

class client_logic {
public:
  client_logic(self_ptr self, runtime_ptr rt, std::string name,
               config::mirai_settings settings, std::string path,
               caf::actor supervisor, ws_factory sessions)
    : self_(self),
      rt_(std::move(rt)),
      name_(std::move(name)),
      settings_(std::move(settings)),
      path_(std::move(path)),
      supervisor_(std::move(supervisor)),
      sessions_(std::move(sessions)) {
    // nop
  }

  void start() {
    auto& st = self_->state;
    net::ws_options opts;
    opts.url = ws_url(settings_.url, settings_.verify_key.reveal(),
                      settings_.qq);
    opts.connect_timeout = to_ms(settings_.connect_timeout);
    opts.handshake_timeout = to_ms(settings_.connect_timeout);
    opts.ping_interval = to_ms(settings_.ping_interval);
    opts.ping_timeout = to_ms(settings_.ping_timeout);
    opts.user_agent = "tether/" TETHER_VERSION;
    opts.tls.ca_file = settings_.ca_file;
    if (sessions_)
      st.ws = sessions_(self_->address(), opts);
    else
      st.ws = net::ws_session::make(rt_->io(), self_->address(), opts);
    // State is gone when attachables run: capture by value.
    auto ws = st.ws;
    auto abort_flag = st.abort_on_exit;
    self_->attach_functor([ws, abort_flag] {
      if (*abort_flag)
        ws->abort();
      else
        ws->close(1000, "bye");
    });
    st.last_rx = self_->clock().now();
    st.ws->start();
    // Resolve + connect + TLS + upgrade.
    arm_phase_deadline(settings_.connect_timeout * 2);
    // The base URL only: the query carries the verifyKey.
    log(level::info, "connecting",
        {{"url", settings_.url}, {"qq", std::to_string(settings_.qq)}});
  }

  // -- transport --------------------------------------------------------------

  void on_open() {
    auto& st = self_->state;
    if (st.done)
      return;
    st.ph = phase::authenticating;
    st.last_rx = self_->clock().now();
    arm_phase_deadline(settings_.connect_timeout);
  }

  void on_frame(const std::string& payload, bool binary) {
    auto& st = self_->state;
    if (st.done)
      return;
    st.last_rx = self_->clock().now();
    if (binary)
      return bad_frame("binary frame");
    std::string error;
    auto fr = parse_frame(payload, &error);
    if (!fr)
      return bad_frame(error);
    switch (fr->type) {
      case frame_type::session:
        on_session(fr->data);
        break;
      case frame_type::push:
        on_push(fr->data);
        break;
      case frame_type::response:
        on_response(fr->sync_id, fr->data);
        break;
    }
  }

  void on_closed(const net::ws_close_info& info) {
    auto& st = self_->state;
    if (st.done)
      return;
    auto what = describe_close(info);
    log(level::warn, "closed", {{"close", what}});
    // The ws session is gone already; nothing to close on exit.
    fail(caf::make_error(client_errc::connection_closed,
                         "connection closed: " + what));
  }

  // -- protocol ---------------------------------------------------------------

  void on_session(const std::string& data) {
    auto& st = self_->state;
    auto res = parse_session(data);
    if (!res)
      return bad_frame("session frame without a code");
    if (st.ph == phase::ready) {
      log(level::debug, "session_frame_again");
      return;
    }
    st.bad_frames = 0;
    if (res->ok())
      return became_ready();
    auto what = "code " + std::to_string(res->code) + " ("
                + std::string{state_code_name(res->code)} + ")";
    // The server's message never holds our key; redact() makes sure.
    if (!res->msg.empty())
      what += ": " + logging::redact(res->msg);
    if (res->code == 0) {
      // code 0 without a session key: a confused server; try again later.
      log(level::warn, "session_refused", {{"error", what}});
      return fail(caf::make_error(client_errc::session_refused,
                                  "session frame without a session key"));
    }
    if (res->kind == session_error_kind::fatal) {
      auto why = res->code == state_code::wrong_verify_key
                   ? "mirai-api-http rejected the verify_key: " + what
                   : "mirai-api-http rejected the connection: " + what;
      log(level::err, "rejected", {{"error", why}});
      return fail(supervision::make_fatal(why));
    }
    log(level::warn, "session_refused", {{"error", what}});
    fail(caf::make_error(client_errc::session_refused,
                         "session refused: " + what));
  }

  void became_ready() {
    auto& st = self_->state;
    st.ph = phase::ready;
    st.connected.acquire(
      metrics::gateway_connections().with({"mirai", name_}));
    ++st.generation; // cancels the session-frame deadline
    supervision::report_ready(self_, supervisor_);
    log(level::info, "ready",
        {{"qq", std::to_string(settings_.qq)},
         {"waiting", std::to_string(st.waiting.size())}});
    // Replies accepted while connecting go out now, in order.
    while (!st.waiting.empty()) {
      auto [sid, token] = std::move(st.waiting.front());
      st.waiting.pop_front();
      auto i = st.pending.find(sid);
      if (i == st.pending.end() || i->second.token != token)
        continue; // its deadline passed already
      st.ws->send_text(std::move(i->second.unsent));
      i->second.unsent.clear();
    }
    arm_idle(settings_.idle_probe);
  }

  void on_push(const std::string& data) {
    auto& st = self_->state;
    if (st.ph != phase::ready) {
      log(level::debug, "push_before_session");
      return;
    }
    std::string error;
    auto ev = parse_push(data, settings_.qq, name_, &error);
    if (!ev)
      return bad_frame("push: " + error);
    st.bad_frames = 0;
    switch (ev->kind) {
      case push_kind::message:
        if (ev->message)
          route(std::move(*ev->message));
        return;
      case push_kind::bot_status:
        if (ev->status)
          on_status(*ev->status, ev->qq);
        return;
      case push_kind::other:
        log(level::debug, "event", {{"type", ev->type}});
        return;
    }
  }

  void route(inbound_message msg) {
    auto& st = self_->state;
    ++st.messages_in;
    if (auto router = rt_->directory().get("core/router"))
      self_->send(router, inbound_atom::value, std::move(msg));
    else
      log(level::warn, "router_down", {{"id", msg.id}});
  }

  // Offline is the bot's business with the QQ servers; mirai logs in again
  // by itself. Logged, never fatal: the connection to mirai is fine.
  void on_status(bot_status x, int64_t qq) {
    auto& st = self_->state;
    auto now = self_->clock().now();
    auto was_offline = st.status && is_offline(*st.status);
    st.status = x;
    if (is_offline(x)) {
      if (!was_offline)
        st.offline_since = now;
      log(level::warn, "bot_offline",
          {{"status", std::string{to_string(x)}},
           {"qq", std::to_string(qq)}});
      self_->delayed_send(self_, offline_report_interval,
                          offline_timer_atom::value, ++st.offline_generation);
      return;
    }
    ++st.offline_generation;
    std::vector<logging::field> fields{{"status", std::string{to_string(x)}},
                                       {"qq", std::to_string(qq)}};
    if (was_offline)
      fields.push_back({"offline_for", fmt(now - st.offline_since)});
    log(level::info, "bot_online", std::move(fields));
  }

  void on_offline_timer(uint64_t generation) {
    auto& st = self_->state;
    if (st.done || generation != st.offline_generation || !st.status
        || !is_offline(*st.status))
      return;
    log(level::warn, "bot_still_offline",
        {{"status", std::string{to_string(*st.status)}},
         {"offline_for", fmt(self_->clock().now() - st.offline_since)}});
    self_->delayed_send(self_, offline_report_interval,
                        offline_timer_atom::value, st.offline_generation);
  }

  // -- commands ---------------------------------------------------------------

  void on_reply(const outbound_reply& reply) {
    auto& st = self_->state;
    if (st.done)
      return;
    if (st.pending.size() >= max_outstanding_commands) {
      ++st.replies_dropped;
      auto why = "too many commands waiting ("
                 + std::to_string(max_outstanding_commands) + ")";
      log(level::warn, "reply_dropped",
          {{"room", reply.context.room_id}, {"reason", why}});
      confirm_reply(*rt_, reply.outbox_id, reply_outcome::retry, why);
      return;
    }
    auto sid = next_sync_id();
    auto text = make_reply(sid, reply);
    if (!text) {
      ++st.replies_dropped;
      log(level::warn, "reply_dropped",
          {{"room", reply.context.room_id}, {"reason", "not a mirai room"}});
      confirm_reply(*rt_, reply.outbox_id, reply_outcome::rejected,
                    "not a mirai room: " + reply.context.room_id);
      return;
    }
    command cmd;
    cmd.token = ++st.tokens;
    cmd.room = reply.context.room_id;
    cmd.reply_to = reply.reply_to;
    cmd.outbox_id = reply.outbox_id;
    if (st.ph == phase::ready) {
      st.ws->send_text(std::move(*text));
    } else {
      cmd.unsent = std::move(*text);
      st.waiting.emplace_back(sid, cmd.token);
    }
    arm_command_deadline(sid, cmd.token);
    st.pending.emplace(std::move(sid), std::move(cmd));
  }

  void on_response(const std::string& sid, const std::string& data) {
    auto& st = self_->state;
    auto i = st.pending.find(sid);
    if (i == st.pending.end()) {
      log(level::debug, "late_answer", {{"sync_id", sid}});
      return;
    }
    auto cmd = std::move(i->second);
    st.pending.erase(i);
    st.bad_frames = 0;
    if (cmd.probe) {
      st.probe_id.reset();
      log(level::debug, "probe_answered", {{"sync_id", sid}});
      arm_idle(settings_.idle_probe);
      return;
    }
    auto res = parse_response(data);
    if (!res) {
      ++st.replies_failed;
      log(level::warn, "command_failed",
          {{"sync_id", sid}, {"room", cmd.room},
           {"reason", "answer without a code"}});
      // Unknown whether it went out; the outbox decides.
      confirm_reply(*rt_, cmd.outbox_id, reply_outcome::retry,
                    "answer without a code");
    } else if (res->ok()) {
      ++st.replies_ok;
      log(level::debug, "sent",
          {{"sync_id", sid}, {"room", cmd.room},
           {"message_id",
            res->message_id ? std::to_string(*res->message_id) : ""}});
      confirm_reply(*rt_, cmd.outbox_id, reply_outcome::sent);
    } else {
      ++st.replies_failed;
      auto name = std::string{state_code_name(res->code)};
      log(level::warn, "command_failed",
          {{"sync_id", sid}, {"room", cmd.room},
           {"code", std::to_string(res->code)},
           {"reason", name},
           {"msg", res->msg}});
      confirm_reply(*rt_, cmd.outbox_id, send_failure(res->code),
                    "code " + std::to_string(res->code) + " (" + name
                      + "): " + res->msg);
    }
  }

  void on_command_timer(const std::string& sid, uint64_t token) {
    auto& st = self_->state;
    if (st.done)
      return;
    auto i = st.pending.find(sid);
    if (i == st.pending.end() || i->second.token != token)
      return; // answered in time
    auto within = fmt(settings_.command_timeout);
    if (i->second.probe)
      return fail(caf::make_error(client_errc::probe_timeout,
                                  "no answer to about within " + within),
                  true);
    auto unsent = !i->second.unsent.empty();
    ++st.replies_timed_out;
    auto why = unsent ? "not connected within " + within
                      : "no answer within " + within;
    log(level::warn, "command_timeout",
        {{"sync_id", sid}, {"room", i->second.room}, {"reason", why}});
    confirm_reply(*rt_, i->second.outbox_id, reply_outcome::retry, why);
    st.pending.erase(i);
  }

  // -- liveness ---------------------------------------------------------------

  void on_idle_timer(uint64_t generation) {
    auto& st = self_->state;
    if (st.done || generation != st.idle_generation || st.ph != phase::ready
        || st.probe_id)
      return;
    auto quiet = self_->clock().now() - st.last_rx;
    if (quiet < settings_.idle_probe) {
      arm_idle(settings_.idle_probe - quiet);
      return;
    }
    auto sid = next_sync_id();
    command cmd;
    cmd.token = ++st.tokens;
    cmd.probe = true;
    st.ws->send_text(make_about(sid));
    arm_command_deadline(sid, cmd.token);
    st.probe_id = sid;
    st.pending.emplace(sid, std::move(cmd));
    log(level::debug, "probe",
        {{"sync_id", sid}, {"quiet_for", fmt(quiet)}});
  }

  // -- deadlines --------------------------------------------------------------

  void on_phase_timer(uint64_t generation) {
    auto& st = self_->state;
    if (st.done || generation != st.generation)
      return;
    switch (st.ph) {
      case phase::connecting:
        log(level::warn, "connect_timeout");
        fail(caf::make_error(client_errc::connect_timeout,
                             "no connection within "
                               + fmt(settings_.connect_timeout * 2)),
             true);
        return;
      case phase::authenticating:
        log(level::warn, "session_timeout");
        fail(caf::make_error(client_errc::connect_timeout,
                             "no session frame within "
                               + fmt(settings_.connect_timeout)),
             true);
        return;
      case phase::ready:
        return;
    }
  }

private:
  std::string next_sync_id() {
    auto& st = self_->state;
    // Ids wrap after 2^31 commands; skip one still waiting for its answer.
    auto sid = st.ids.next();
    while (st.pending.count(sid) > 0)
      sid = st.ids.next();
    return sid;
  }

  void arm_phase_deadline(config::duration d) {
    auto& st = self_->state;
    self_->delayed_send(self_, d, phase_timer_atom::value, ++st.generation);
  }

  void arm_command_deadline(const std::string& sid, uint64_t token) {
    self_->delayed_send(self_, settings_.command_timeout,
                        command_timer_atom::value, sid, token);
  }

  void arm_idle(config::duration d) {
    auto& st = self_->state;
    if (settings_.idle_probe.count() <= 0)
      return;
    self_->delayed_send(self_, d, idle_timer_atom::value,
                        ++st.idle_generation);
  }

  void bad_frame(const std::string& why) {
    auto& st = self_->state;
    ++st.bad_frames;
    log(level::warn, "bad_frame", {{"error", why}});
    if (st.bad_frames >= max_bad_frames)
      fail(caf::make_error(client_errc::bad_frames, why));
  }

  void fail(const caf::error& reason, bool abort = false) {
    auto& st = self_->state;
    st.done = true;
    *st.abort_on_exit = abort;
    size_t replies = 0;
    for (auto& kvp : st.pending)
      if (!kvp.second.probe)
        ++replies;
    if (replies > 0)
      log(level::warn, "commands_abandoned",
          {{"count", std::to_string(replies)}});
    self_->quit(reason);
  }

  std::string describe_close(const net::ws_close_info& info) {
    std::string out;
    if (info.code >= 0) {
      out = std::to_string(info.code);
      if (!info.reason.empty())
        out += " " + logging::redact(info.reason);
    } else {
      out = "no close frame";
    }
    if (!info.error.empty())
      out += ": " + info.error;
    return out;
  }

  void log(level lvl, std::string_view event,
           std::vector<logging::field> fields = {}) {
    fields.insert(fields.begin(), {{"path", path_}, {"bot", name_}});
    logging::log(lvl, "mirai", event, fields);
  }

  self_ptr self_;
  runtime_ptr rt_;
  std::string name_;
  config::mirai_settings settings_;
  std::string path_;
  caf::actor supervisor_;
  ws_factory sessions_;
};

caf::behavior client(self_ptr self, runtime_ptr rt, std::string name,
                     config::mirai_settings settings, std::string path,
                     caf::actor supervisor, ws_factory sessions) {
  auto logic = std::make_shared<client_logic>(
    self, std::move(rt), std::move(name), std::move(settings),
    std::move(path), std::move(supervisor), std::move(sessions));
  logic->start();
  return {
    [=](net::ws_open_atom) { logic->on_open(); },
    [=](net::ws_frame_atom, const std::string& payload, bool binary) {
      logic->on_frame(payload, binary);
    },
    [=](net::ws_closed_atom, const net::ws_close_info& info) {
      logic->on_closed(info);
    },
    [=](reply_atom, const outbound_reply& reply) { logic->on_reply(reply); },
    [=](phase_timer_atom, uint64_t generation) {
      logic->on_phase_timer(generation);
    },
    [=](command_timer_atom, const std::string& sid, uint64_t token) {
      logic->on_command_timer(sid, token);
    },
    [=](idle_timer_atom, uint64_t generation) {
      logic->on_idle_timer(generation);
    },
    [=](offline_timer_atom, uint64_t generation) {
      logic->on_offline_timer(generation);
    },
  };
}

} // namespace

supervision::child_spec client_spec(runtime_ptr rt,
                                    const config::tether_config& cfg,
                                    const config::platform_entry& entry) {
  return client_spec(std::move(rt), cfg, entry, ws_factory{});
}

supervision::child_spec client_spec(runtime_ptr rt,
                                    const config::tether_config& cfg,
                                    const config::platform_entry& entry,
                                    ws_factory sessions) {
  register_error_category();
  auto settings = std::get<config::mirai_settings>(entry.settings);
  supervision::child_spec spec;
  spec.id = entry.id();
  spec.policy = cfg.policy_for("platforms/" + entry.id());
  spec.signals_ready = true;
  auto name = entry.name;
  spec.start = [rt, name, settings,
                sessions](supervision::child_context& ctx) {
    auto supervisor = caf::actor_cast<caf::actor>(ctx.parent);
    auto hdl = ctx.parent->system().spawn(client, rt, name, settings,
                                          ctx.path, supervisor, sessions);
    rt->directory().register_actor(ctx.path, hdl);
    return rt->directory().register_actor("sender:mirai:" + name, hdl);
  };
  return spec;
}

} // namespace tether::mirai
