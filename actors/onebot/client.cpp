#include "actors/onebot/client.hpp"

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <nlohmann/json.hpp>

#include "actors/gateway/errors.hpp"
#include "actors/metrics/names.hpp"
#include "actors/type_ids.hpp"
#include "actors/outbox/confirm.hpp"
#include "config/logging.hpp"
#include "protocols/gateway/room.hpp"
#include "protocols/net/ws_server.hpp"
#include "protocols/onebot/api.hpp"
#include "protocols/onebot/event.hpp"
#include "supervision/reason.hpp"
#include "supervision/supervisor.hpp"

namespace tether::onebot {

namespace {

using std::chrono::milliseconds;
using level = spdlog::level::level_enum;
using gateway::gateway_errc;

// Timers of the client, each to itself. Stale ones are recognized by their
// argument (CAF 0.17 cannot cancel a delayed send).
/// (uint64_t generation): the connection(s) must be open by now.
using open_deadline_atom = caf::atom_constant<caf::atom("obopendl")>;
/// (std::string echo): that action must have been answered by now.
using action_deadline_atom = caf::atom_constant<caf::atom("obactiondl")>;
/// (uint64_t generation): a heartbeat must have arrived by now.
using heartbeat_due_atom = caf::atom_constant<caf::atom("obhbdue")>;

/// An action on its way, keyed by its echo.
struct pending_action {
  std::string action;
  std::string room;
  std::string reply_to;
  /// Confirmed to the outbox when the action ends; 0 = no confirmation.
  uint64_t outbox_id = 0;
};

/// How a failed send action ends: the HTTP-like refusals (1400 bad
/// request, 1401/1403 auth, 1404 unknown action) and go-cqhttp's 100
/// (bad parameters) are final; other retcodes may pass later.
reply_outcome send_failure(int64_t retcode) {
  if (retcode == 100 || (retcode >= 1400 && retcode < 1500 && retcode != 1429))
    return reply_outcome::rejected;
  return reply_outcome::retry;
}

struct client_state {
  /// [0] carries events (universal or /event); the last one carries
  /// actions (the same session, or /api).
  std::vector<std::shared_ptr<net::ws_session>> sessions;
  size_t open = 0;
  bool ready = false;
  /// Set once the client decided to exit; later input is ignored.
  bool done = false;
  uint64_t open_generation = 0;
  uint64_t heartbeat_generation = 0;
  std::optional<milliseconds> heartbeat_interval;
  std::optional<bool> online;
  std::unordered_map<std::string, pending_action> pending;
  uint64_t next_echo = 0;
  /// Reused between batches (keeps its capacity).
  std::vector<net::ws_message> batch;
  uint64_t messages = 0;
  uint64_t events = 0;
  uint64_t heartbeats = 0;
  uint64_t actions_ok = 0;
  uint64_t actions_failed = 0;
  uint64_t actions_timed_out = 0;
  uint64_t replies_dropped = 0;
  // Reverse mode: the listener and the one connection being driven (also
  // sessions[0] while it lives); replaced ones are closed and forgotten.
  std::shared_ptr<net::ws_server> server;
  std::shared_ptr<const std::atomic<bool>> conn_finished;
  int64_t conn_self_id = 0;
  uint64_t connections = 0;
  // +1 on tether_gateway_connections while an implementation is connected.
  metrics::gauge_hold connected;
  static inline const char* name = "onebot.client";
};

using self_ptr = caf::stateful_actor<client_state>*;

std::string ms_text(milliseconds x) {
  return std::to_string(x.count()) + "ms";
}

template <class Duration>
milliseconds to_ms(Duration d) {
  return std::chrono::duration_cast<milliseconds>(d);
}

/// `group:<group_id>` or `private:<user_id>` for a notice or request, so
/// routes can match rooms; empty when the event names neither.
void fill_event_context(const std::string& raw, inbound_message& ev) {
  auto doc = nlohmann::json::parse(raw, nullptr, false);
  if (doc.is_discarded() || !doc.is_object())
    return;
  auto id_of = [&](const char* key) -> std::string {
    auto i = doc.find(key);
    if (i == doc.end())
      return {};
    if (i->is_number_integer())
      return std::to_string(i->get<int64_t>());
    if (i->is_string())
      return i->get<std::string>();
    return {};
  };
  auto user = id_of("user_id");
  auto group = id_of("group_id");
  if (!group.empty())
    ev.context.room_id = gateway::make_room("group", group);
  else if (!user.empty())
    ev.context.room_id = gateway::make_room("private", user);
  ev.sender.id = user;
}

class client_logic {
public:
  client_logic(self_ptr self, runtime_ptr rt, config::platform_entry entry,
               std::string path, uint64_t incarnation, ws_factory sessions,
               caf::actor parent)
    : self_(self),
      rt_(std::move(rt)),
      entry_(std::move(entry)),
      settings_(std::get<config::onebot_settings>(entry_.settings)),
      path_(std::move(path)),
      incarnation_(incarnation),
      factory_(std::move(sessions)),
      parent_(std::move(parent)),
      connections_(
        metrics::gateway_connections().with({"onebot", entry_.name})) {
    // nop
  }

  void start() {
    auto& st = self_->state;
    if (settings_.reverse)
      return listen();
    if (settings_.split_endpoints) {
      connect(forward_url(settings_.url, forward_endpoint::event));
      connect(forward_url(settings_.url, forward_endpoint::api));
    } else {
      connect(forward_url(settings_.url, forward_endpoint::universal));
    }
    // The sessions bound connect and upgrade themselves; this guards
    // against a transport that never reports at all.
    self_->delayed_send(self_, open_limit(), open_deadline_atom::value,
                        ++st.open_generation);
    log(level::info, "connecting",
        {{"url", settings_.url},
         {"endpoints", settings_.split_endpoints ? "api+event" : "universal"},
         {"auth", settings_.access_token.empty() ? "none" : "bearer"}});
  }

  // -- transport --------------------------------------------------------------

  void on_open() {
    auto& st = self_->state;
    if (st.done || st.ready || settings_.reverse)
      return;
    if (++st.open < st.sessions.size())
      return;
    st.ready = true;
    st.connected.acquire(connections_);
    ++st.open_generation; // cancels the open deadline
    supervision::report_ready(self_, parent_);
    log(level::info, "connected");
  }

  void on_frame(std::string& payload, bool binary) {
    if (self_->state.done)
      return;
    if (binary) {
      log(level::warn, "bad_frame", {{"error", "binary frame"}});
      return;
    }
    switch (classify_frame(payload)) {
      case frame_kind::event:
        on_event(payload);
        return;
      case frame_kind::response:
        on_response(payload);
        return;
      case frame_kind::invalid:
        log(level::warn, "bad_frame",
            {{"error", "neither an event nor a response"},
             {"size", std::to_string(payload.size())}});
        return;
    }
  }

  // A batch of messages waits in the session(s). Events and responses are
  // told apart by their shape, so it does not matter which session it is.
  void on_frames() {
    auto& st = self_->state;
    for (auto& ws : st.sessions)
      ws->take_frames(st.batch);
    for (auto& msg : st.batch) {
      if (st.done)
        break;
      on_frame(msg.payload, msg.binary);
    }
    st.batch.clear();
  }

  void on_closed(const net::ws_close_info& info) {
    auto& st = self_->state;
    // What was read before the close still counts.
    on_frames();
    if (st.done)
      return;
    auto what = describe_close(info);
    if (settings_.reverse)
      return on_reverse_closed(what);
    if (!info.was_open
        && (info.error.find("(HTTP 401)") != std::string::npos
            || info.error.find("(HTTP 403)") != std::string::npos)) {
      log(level::err, "access_token_rejected", {{"close", what}});
      return fail(supervision::make_fatal("access token rejected: " + what));
    }
    log(level::warn, "disconnected", {{"close", what}});
    fail(caf::make_error(gateway_errc::gateway_closed, what));
  }

  void on_open_deadline(uint64_t generation) {
    auto& st = self_->state;
    if (generation != st.open_generation || st.done || st.ready)
      return;
    auto limit = ms_text(open_limit());
    log(level::warn, "connect_timeout", {{"after", limit}});
    fail(caf::make_error(gateway_errc::gateway_closed,
                         "not connected within " + limit));
  }

  // -- events -----------------------------------------------------------------

  void on_event(const std::string& text) {
    auto& st = self_->state;
    std::string error;
    auto ev = parse_event(text, entry_.name, &error);
    if (!ev) {
      log(level::warn, "bad_event", {{"error", error}});
      return;
    }
    switch (ev->kind) {
      case event_kind::message:
        if (ev->message) {
          ++st.messages;
          route(std::move(*ev->message));
        }
        return;
      case event_kind::notice:
      case event_kind::request: {
        ++st.events;
        inbound_message msg;
        msg.type = "event";
        msg.event = ev->post_type + "." + ev->detail_type;
        msg.platform = "onebot";
        msg.bot = entry_.name;
        msg.id = std::to_string(incarnation_) + "-e"
                 + std::to_string(st.events);
        msg.timestamp = ev->time;
        msg.raw = text;
        fill_event_context(text, msg);
        route(std::move(msg));
        return;
      }
      case event_kind::heartbeat:
        on_heartbeat(*ev);
        return;
      case event_kind::lifecycle:
        log(level::info, "lifecycle",
            {{"sub_type", ev->sub_type},
             {"self_id", std::to_string(ev->self_id)}});
        return;
      case event_kind::other:
        log(level::debug, "event_ignored",
            {{"post_type", ev->post_type}, {"type", ev->detail_type}});
        return;
    }
  }

  void route(inbound_message msg) {
    if (auto router = rt_->directory().get("core/router"))
      self_->send(router, inbound_atom::value, std::move(msg));
    else
      log(level::warn, "router_down", {{"id", msg.id}});
  }

  // -- heartbeat watchdog -----------------------------------------------------

  void on_heartbeat(const event& ev) {
    auto& st = self_->state;
    ++st.heartbeats;
    if (ev.online && ev.online != st.online) {
      // The implementation lives, but its QQ account may not.
      log(*ev.online ? level::info : level::warn, "account_status",
          {{"online", *ev.online ? "true" : "false"}});
    }
    st.online = ev.online;
    if (!ev.heartbeat_interval || ev.heartbeat_interval->count() <= 0) {
      log(level::debug, "heartbeat", {{"interval", "none"}});
      return;
    }
    if (st.heartbeat_interval != ev.heartbeat_interval)
      log(level::debug, "heartbeat_interval",
          {{"interval", ms_text(*ev.heartbeat_interval)}});
    st.heartbeat_interval = ev.heartbeat_interval;
    self_->delayed_send(self_, *ev.heartbeat_interval * 2,
                        heartbeat_due_atom::value,
                        ++st.heartbeat_generation);
  }

  void on_heartbeat_due(uint64_t generation) {
    auto& st = self_->state;
    if (generation != st.heartbeat_generation || st.done)
      return;
    auto interval = st.heartbeat_interval.value_or(milliseconds{0});
    auto why = "no heartbeat within " + ms_text(interval * 2) + " (interval "
               + ms_text(interval) + ")";
    log(level::warn, "heartbeat_missed", {{"error", why}});
    if (settings_.reverse) {
      // Drop the hung connection; the listener stays for the redial.
      if (!st.sessions.empty())
        st.sessions.front()->abort();
      return;
    }
    fail(caf::make_error(gateway_errc::zombie, why));
  }

  // -- actions ----------------------------------------------------------------

  void on_reply(const outbound_reply& reply) {
    auto& st = self_->state;
    if (st.done)
      return;
    if (st.sessions.empty()) {
      // Reverse mode without a connection: fail now rather than queue.
      ++st.replies_dropped;
      log(level::warn, "reply_dropped",
          {{"error", "no OneBot implementation connected"},
           {"room", reply.context.room_id}});
      confirm_reply(*rt_, reply.outbox_id, reply_outcome::retry,
                    "no OneBot implementation connected");
      return;
    }
    if (st.pending.size() >= max_pending_actions) {
      ++st.replies_dropped;
      log(level::warn, "reply_dropped",
          {{"error", "too many unanswered actions"},
           {"pending", std::to_string(st.pending.size())},
           {"room", reply.context.room_id}});
      confirm_reply(*rt_, reply.outbox_id, reply_outcome::retry,
                    "too many unanswered actions");
      return;
    }
    auto echo = "tether:" + std::to_string(incarnation_) + ":"
                + std::to_string(++st.next_echo);
    auto frame = make_reply(reply, echo);
    if (!frame) {
      ++st.replies_dropped;
      log(level::warn, "reply_dropped",
          {{"error", "not a OneBot room"}, {"room", reply.context.room_id}});
      confirm_reply(*rt_, reply.outbox_id, reply_outcome::rejected,
                    "not a OneBot room: " + reply.context.room_id);
      return;
    }
    auto room = gateway::split_room(reply.context.room_id);
    std::string action = room && room->scene == "group" ? "send_group_msg"
                                                        : "send_private_msg";
    st.pending.emplace(echo, pending_action{action, reply.context.room_id,
                                            reply.reply_to, reply.outbox_id});
    st.sessions.back()->send_text(std::move(*frame));
    self_->delayed_send(self_, settings_.action_timeout,
                        action_deadline_atom::value, echo);
    log(level::debug, "action_sent", {{"action", action}, {"echo", echo}});
  }

  void on_response(const std::string& text) {
    auto& st = self_->state;
    std::string error;
    auto resp = parse_response(text, &error);
    if (!resp) {
      log(level::warn, "bad_response", {{"error", error}});
      return;
    }
    auto i = st.pending.find(resp->echo);
    if (i == st.pending.end()) {
      // Late (its deadline passed) or not ours.
      log(level::debug, "response_unmatched", {{"echo", resp->echo}});
      return;
    }
    auto act = std::move(i->second);
    st.pending.erase(i);
    if (resp->ok()) {
      ++st.actions_ok;
      log(level::debug, "action_ok",
          {{"action", act.action},
           {"echo", resp->echo},
           {"message_id", resp->message_id
                            ? std::to_string(*resp->message_id)
                            : std::string{}}});
      confirm_reply(*rt_, act.outbox_id, reply_outcome::sent);
      return;
    }
    ++st.actions_failed;
    log(level::warn, "action_failed",
        {{"action", act.action},
         {"echo", resp->echo},
         {"room", act.room},
         {"status", resp->status},
         {"retcode", std::to_string(resp->retcode)}});
    confirm_reply(*rt_, act.outbox_id, send_failure(resp->retcode),
                  act.action + " " + resp->status + ", retcode "
                    + std::to_string(resp->retcode));
  }

  void on_action_deadline(const std::string& echo) {
    auto& st = self_->state;
    auto i = st.pending.find(echo);
    if (i == st.pending.end())
      return; // answered in time
    auto act = std::move(i->second);
    st.pending.erase(i);
    ++st.actions_timed_out;
    auto why = "no response within " + ms_text(to_ms(settings_.action_timeout));
    log(level::warn, "action_timeout",
        {{"action", act.action},
         {"echo", echo},
         {"room", act.room},
         {"error", why}});
    confirm_reply(*rt_, act.outbox_id, reply_outcome::retry, why);
  }

  // -- reverse mode -------------------------------------------------------------

  void on_accept(net::ws_accepted& acc) {
    auto& st = self_->state;
    if (st.done || !settings_.reverse) {
      acc.session->close(1001, "going away");
      return;
    }
    // Checked on the io thread already; this only reads the identity.
    auto hs = check_handshake(acc.upgrade.header("X-Self-ID"),
                              acc.upgrade.header("X-Client-Role"),
                              acc.upgrade.header("Authorization"),
                              settings_.access_token.reveal(),
                              settings_.self_id);
    if (!hs.ok() || hs.role != client_role::universal) {
      acc.session->close(1008, "rejected");
      return;
    }
    if (!st.sessions.empty()) {
      log(level::info, "connection_replaced",
          {{"self_id", std::to_string(st.conn_self_id)},
           {"by", std::to_string(hs.self_id)}});
      st.sessions.front()->close(1000, "replaced by a new connection");
      drop_connection();
    }
    st.sessions.push_back(acc.session);
    st.conn_finished = acc.finished;
    st.conn_self_id = hs.self_id;
    ++st.connections;
    st.connected.acquire(connections_);
    *current_ = acc.session;
    acc.session->start();
    log(level::info, "connected",
        {{"self_id", std::to_string(hs.self_id)},
         {"role", std::string{to_string(hs.role)}},
         {"remote", acc.upgrade.remote}});
  }

private:
  void listen() {
    auto& st = self_->state;
    net::ws_server_options opts;
    auto colon = settings_.listen.rfind(':');
    opts.host = settings_.listen.substr(0, colon);
    if (opts.host.size() >= 2 && opts.host.front() == '[')
      opts.host = opts.host.substr(1, opts.host.size() - 2);
    auto digits = settings_.listen.substr(colon + 1);
    if (digits.empty() || digits.size() > 5 || std::stoul(digits) > 65535) {
      log(level::err, "listen_failed", {{"error", "bad port"}});
      return fail(supervision::make_fatal("onebot reverse: bad listen port in "
                                          + settings_.listen));
    }
    opts.port = static_cast<uint16_t>(std::stoul(digits));
    opts.max_connections = 16;
    opts.handshake_timeout = to_ms(settings_.connect_timeout);
    opts.session.ping_interval = to_ms(settings_.ping_interval);
    opts.session.ping_timeout = to_ms(settings_.ping_timeout);
    opts.session.batch = true;
    auto check = [path = settings_.path,
                  token = std::string{settings_.access_token.reveal()},
                  expected = settings_.self_id,
                  node = path_](const net::ws_upgrade& up) {
      auto refuse = [&](int status, std::string reason) {
        logging::log(level::warn, "onebot", "handshake_rejected",
                     {{"path", node},
                      {"status", std::to_string(status)},
                      {"reason", reason},
                      {"remote", up.remote}});
        return net::ws_verdict::reject(status, std::move(reason));
      };
      auto p = up.path;
      if (p.size() > 1 && p.back() == '/')
        p.pop_back();
      if (p != path)
        return refuse(404, "no OneBot endpoint at this path");
      auto hs = check_handshake(up.header("X-Self-ID"),
                                up.header("X-Client-Role"),
                                up.header("Authorization"), token, expected);
      if (!hs.ok())
        return refuse(hs.status, hs.reason);
      if (hs.role != client_role::universal)
        return refuse(400, "X-Client-Role " + std::string{to_string(hs.role)}
                             + " is not supported; use Universal");
      return net::ws_verdict::accept();
    };
    auto srv = net::ws_server::make(rt_->io(), self_->address(),
                                    std::move(opts), std::move(check));
    std::string error;
    if (!srv->start(error)) {
      log(level::err, "listen_failed", {{"error", error}});
      return fail(supervision::make_fatal("onebot reverse: " + error));
    }
    st.server = srv;
    // The state is gone when attachables run: capture by value.
    self_->attach_functor([srv, current = current_] {
      srv->stop();
      if (*current)
        (*current)->close(1001, "bye");
    });
    st.ready = true;
    supervision::report_ready(self_, parent_);
    log(level::info, "listening",
        {{"listen", settings_.listen},
         {"port", std::to_string(srv->port())},
         {"path", settings_.path},
         {"auth", settings_.access_token.empty() ? "none" : "bearer"}});
  }

  void on_reverse_closed(const std::string& what) {
    auto& st = self_->state;
    if (st.sessions.empty() || !st.conn_finished || !*st.conn_finished) {
      log(level::debug, "replaced_connection_closed", {{"close", what}});
      return;
    }
    log(level::warn, "disconnected",
        {{"self_id", std::to_string(st.conn_self_id)}, {"close", what}});
    drop_connection();
  }

  /// Forgets the driven connection; its actions can no longer be answered.
  void drop_connection() {
    auto& st = self_->state;
    // A closing connection runs on without its handle, bounded by its
    // own close deadline.
    st.sessions.clear();
    st.connected.release();
    current_->reset();
    st.conn_finished.reset();
    ++st.heartbeat_generation; // disarms the watchdog
    st.heartbeat_interval.reset();
    if (!st.pending.empty()) {
      log(level::warn, "actions_abandoned",
          {{"count", std::to_string(st.pending.size())}});
      // The client lives on: say so now rather than after the outbox's
      // ack timeout.
      for (auto& [echo, act] : st.pending)
        confirm_reply(*rt_, act.outbox_id, reply_outcome::retry,
                      "the connection closed before an answer");
      st.pending.clear();
    }
  }

  // Connect plus upgrade, each bounded by connect_timeout, and a margin.
  milliseconds open_limit() const {
    return to_ms(settings_.connect_timeout) * 2 + milliseconds{500};
  }

  void connect(std::string url) {
    auto& st = self_->state;
    net::ws_options opts;
    opts.url = std::move(url);
    opts.connect_timeout = to_ms(settings_.connect_timeout);
    opts.handshake_timeout = to_ms(settings_.connect_timeout);
    opts.ping_interval = to_ms(settings_.ping_interval);
    opts.ping_timeout = to_ms(settings_.ping_timeout);
    opts.batch = true;
    opts.tls.ca_file = settings_.ca_file;
    for (auto& hdr : auth_headers(settings_.access_token.reveal()))
      opts.headers.push_back(std::move(hdr));
    std::shared_ptr<net::ws_session> ws;
    if (factory_)
      ws = factory_(self_->address(), opts);
    else
      ws = net::ws_session::make(rt_->io(), self_->address(), opts);
    st.sessions.push_back(ws);
    // The state is gone when attachables run: capture by value.
    self_->attach_functor([ws] { ws->close(1000, "bye"); });
    ws->start();
  }

  void fail(const caf::error& reason) {
    auto& st = self_->state;
    st.done = true;
    if (!st.pending.empty())
      log(level::warn, "actions_abandoned",
          {{"count", std::to_string(st.pending.size())}});
    self_->quit(reason);
  }

  std::string describe_close(const net::ws_close_info& info) {
    std::string out;
    if (info.code >= 0) {
      out = "close " + std::to_string(info.code);
      if (!info.reason.empty())
        out += " " + info.reason;
    } else {
      out = "no close frame";
    }
    if (!info.error.empty())
      out += ": " + info.error;
    return out;
  }

  void log(level lvl, std::string_view event,
           std::vector<logging::field> fields = {}) {
    fields.insert(fields.begin(), {"path", path_});
    logging::log(lvl, "onebot", event, fields);
  }

  self_ptr self_;
  runtime_ptr rt_;
  config::platform_entry entry_;
  config::onebot_settings settings_;
  std::string path_;
  uint64_t incarnation_;
  ws_factory factory_;
  caf::actor parent_;
  metrics::gauge& connections_;
  /// Reverse mode: the driven connection, for closing it on exit (the
  /// state is gone when attachables run).
  std::shared_ptr<std::shared_ptr<net::ws_session>> current_
    = std::make_shared<std::shared_ptr<net::ws_session>>();
};

caf::behavior client(self_ptr self, runtime_ptr rt,
                     config::platform_entry entry, std::string path,
                     uint64_t incarnation, ws_factory sessions,
                     caf::actor parent) {
  auto logic = std::make_shared<client_logic>(self, std::move(rt),
                                              std::move(entry),
                                              std::move(path), incarnation,
                                              std::move(sessions),
                                              std::move(parent));
  logic->start();
  if (self->state.done)
    return {}; // quit during start; the reason is already set
  return {
    [=](net::ws_open_atom) { logic->on_open(); },
    [=](net::ws_accept_atom, net::ws_accepted& acc) { logic->on_accept(acc); },
    [=](net::ws_frame_atom, std::string& payload, bool binary) {
      logic->on_frame(payload, binary);
    },
    [=](net::ws_frames_atom) { logic->on_frames(); },
    [=](net::ws_closed_atom, const net::ws_close_info& info) {
      logic->on_closed(info);
    },
    [=](reply_atom, const outbound_reply& reply) { logic->on_reply(reply); },
    [=](open_deadline_atom, uint64_t generation) {
      logic->on_open_deadline(generation);
    },
    [=](heartbeat_due_atom, uint64_t generation) {
      logic->on_heartbeat_due(generation);
    },
    [=](action_deadline_atom, const std::string& echo) {
      logic->on_action_deadline(echo);
    },
  };
}

} // namespace

supervision::child_spec client_spec(runtime_ptr rt,
                                    const config::tether_config& cfg,
                                    const config::platform_entry& entry,
                                    ws_factory sessions) {
  // Exit reasons (zombie, closed) print by name.
  gateway::register_error_category();
  supervision::child_spec spec;
  spec.id = entry.id();
  spec.policy = cfg.policy_for("platforms/" + entry.id());
  spec.signals_ready = true;
  spec.start = [rt, entry, sessions](supervision::child_context& ctx) {
    auto parent = caf::actor_cast<caf::actor>(ctx.parent);
    auto hdl = ctx.parent->system().spawn(client, rt, entry, ctx.path,
                                          ctx.incarnation, sessions, parent);
    rt->directory().register_actor(ctx.path, hdl);
    return rt->directory().register_actor("sender:onebot:" + entry.name,
                                          hdl);
  };
  return spec;
}

} // namespace tether::onebot
