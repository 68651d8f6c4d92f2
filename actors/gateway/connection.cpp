#include "actors/gateway/connection.hpp"

#include <chrono>
#include <random>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <nlohmann/json.hpp>

#include "actors/gateway/dialect.hpp"
#include "actors/gateway/errors.hpp"
#include "actors/gateway/type_ids.hpp"
#include "actors/metrics/names.hpp"
#include "config/logging.hpp"
#include "protocols/discord/gateway.hpp"
#include "protocols/discord/send_limiter.hpp"
#include "protocols/discord/zlib_stream.hpp"
#include "protocols/net/ws_session.hpp"
#include "supervision/reason.hpp"
#include "supervision/supervisor.hpp"
#include "supervision/type_ids.hpp"

namespace tether::gateway {

namespace {

using std::chrono::milliseconds;
using level = spdlog::level::level_enum;

// Close code for our own restarts: anything but 1000/1001 keeps the
// session resumable.
constexpr uint16_t restart_close_code = 4000;

// Consecutive undecodable frames before the connection gives up.
constexpr int max_bad_frames = 10;

enum class phase { connecting, hello, identifying, resuming, ready };

const char* to_string(phase x) {
  switch (x) {
    case phase::connecting: return "connecting";
    case phase::hello: return "hello";
    case phase::identifying: return "identifying";
    case phase::resuming: return "resuming";
    case phase::ready: return "ready";
  }
  return "?";
}

// The envelope ({op, d, s, t}), Hello, op 9, the zlib-stream inflater and
// the gateway send limiter are the same for every Discord-shaped gateway.
using discord::gateway_frame;
using discord::opcode;
using discord::parse_frame;
using discord::parse_hello;
using discord::parse_invalid_session;
using discord::send_limiter;
using discord::zlib_stream;

struct connection_state {
  std::shared_ptr<net::ws_session> ws;
  std::unique_ptr<dialect> dia;
  std::shared_ptr<session_slot> slot;
  std::unique_ptr<zlib_stream> zlib;
  std::unique_ptr<send_limiter> limiter;
  caf::actor heartbeat;
  std::optional<int64_t> hello_interval;
  std::optional<int64_t> seq;
  phase ph = phase::connecting;
  // Cancels the deadline of an earlier phase.
  uint64_t generation = 0;
  int bad_frames = 0;
  // Set once the connection decided to exit; later frames are ignored.
  bool done = false;
  // Reused between batches (keeps its capacity).
  std::vector<net::ws_message> batch;
  uint64_t dispatches = 0;
  uint64_t messages = 0;
  // When the last frame arrived, for the admin console.
  std::optional<std::chrono::steady_clock::time_point> last_frame_at;
  // +1 on tether_gateway_connections while READY; dropped on exit.
  metrics::gauge_hold connected;
  // When the unanswered heartbeat went out (actor clock, for its RTT).
  std::optional<caf::actor_clock::time_point> beat_sent;
  std::minstd_rand rng{std::random_device{}()};
  static inline const char* name = "gateway.connection";
};

using self_ptr = caf::stateful_actor<connection_state>*;

class connection_logic {
public:
  connection_logic(self_ptr self, runtime_ptr rt, bot_ptr bot,
                   uint32_t shard, std::string path, caf::actor unit)
    : self_(self),
      rt_(std::move(rt)),
      bot_(std::move(bot)),
      shard_(shard),
      path_(std::move(path)),
      unit_(std::move(unit)),
      labels_{bot_->settings().platform, bot_->name()},
      connections_(metrics::gateway_connections().with(labels_)),
      events_(metrics::gateway_events().with(labels_)),
      reconnects_(metrics::gateway_reconnects().with(labels_)),
      rtt_(metrics::heartbeat_rtt().with(labels_)) {
    // nop
  }

  void start() {
    auto& st = self_->state;
    auto& cfg = bot_->settings();
    st.slot = bot_->slot(shard_);
    if (st.slot->count_start() > 0)
      reconnects_.inc();
    st.dia = bot_->make_dialect();
    auto plan = bot_->plan();
    auto session = st.slot->get();
    std::string url = plan ? plan->gateway_url : cfg.gateway_url;
    if (session && !session->resume_url.empty())
      url = session->resume_url;
    if (cfg.compress)
      st.zlib = std::make_unique<zlib_stream>();
    net::ws_options opts;
    opts.url = st.dia->connect_url(url, cfg.compress);
    auto timeout = std::chrono::duration_cast<milliseconds>(
      cfg.connect_timeout);
    opts.connect_timeout = timeout;
    opts.handshake_timeout = timeout;
    opts.ping_interval = std::chrono::duration_cast<milliseconds>(
      cfg.ping_interval);
    opts.ping_timeout = std::chrono::duration_cast<milliseconds>(
      cfg.ping_timeout);
    opts.user_agent = cfg.user_agent;
    opts.batch = true;
    opts.tls.ca_file = cfg.ca_file;
    if (auto factory = bot_->sessions())
      st.ws = factory(self_->address(), opts);
    else
      st.ws = net::ws_session::make(rt_->io(), self_->address(), opts);
    auto ws = st.ws;
    // State is gone when attachables run: capture by value.
    self_->attach_functor([ws] { ws->close(restart_close_code, "restart"); });
    st.ws->start();
    // Connect, TLS, upgrade and Hello share one deadline.
    arm_deadline(cfg.connect_timeout * 2);
    log(level::debug, "connecting", {{"resume", session ? "yes" : "no"}});
  }

  // -- transport ---------------------------------------------------------------

  void on_open() {
    self_->state.ph = phase::hello;
  }

  void on_frame(std::string& payload, bool binary) {
    auto& st = self_->state;
    st.last_frame_at = std::chrono::steady_clock::now();
    std::string_view text = payload;
    std::optional<std::string> inflated;
    if (st.zlib) {
      std::string error;
      inflated = st.zlib->push(payload, &error);
      if (!error.empty())
        // The shared inflate context is broken for good: reconnect.
        return fail(caf::make_error(gateway_errc::bad_frames,
                                    "zlib-stream: " + error));
      if (!inflated)
        return; // the rest of the message comes in later frames
      text = *inflated;
    } else if (binary) {
      return bad_frame("binary frame without compression");
    }
    std::string error;
    auto frame = parse_frame(text, &error);
    if (!frame)
      return bad_frame(error);
    st.bad_frames = 0;
    on_gateway_frame(*frame);
  }

  // A batch of messages (ws_options::batch) waits in the session.
  void on_frames() {
    auto& st = self_->state;
    st.ws->take_frames(st.batch);
    for (auto& msg : st.batch) {
      if (st.done)
        break;
      on_frame(msg.payload, msg.binary);
    }
    st.batch.clear();
  }

  void on_closed(const net::ws_close_info& info) {
    auto& st = self_->state;
    // Events read before the close still count (their seq, their messages).
    on_frames();
    if (st.done)
      return;
    auto what = describe_close(info);
    switch (st.dia->classify_close(info.code)) {
      case close_action::fatal:
        log(level::err, "fatal_close", {{"close", what}});
        st.done = true;
        self_->quit(supervision::make_fatal(
          bot_->settings().platform + " closed the gateway: " + what));
        return;
      case close_action::reidentify:
        st.slot->clear();
        break;
      case close_action::resume:
        // A resume URL that cannot even be reached falls back to the
        // default gateway (twilight does the same).
        if (!info.was_open)
          if (auto session = st.slot->get()) {
            session->resume_url.clear();
            st.slot->set(*session);
          }
        break;
    }
    fail(caf::make_error(gateway_errc::gateway_closed, what));
  }

  // -- protocol ----------------------------------------------------------------

  void on_gateway_frame(gateway_frame& frame) {
    auto& st = self_->state;
    switch (static_cast<opcode>(frame.op)) {
      case opcode::dispatch:
        if (frame.s) {
          st.seq = frame.s;
          st.slot->seq(*frame.s);
        }
        on_dispatch(frame);
        return;
      case opcode::hello:
        on_hello(frame.d);
        return;
      case opcode::heartbeat_ack:
        if (st.beat_sent)
          rtt_.observe(std::chrono::duration<double>(self_->clock().now()
                                                     - *st.beat_sent)
                         .count());
        st.beat_sent.reset();
        if (st.heartbeat)
          self_->send(st.heartbeat, hb_ack_atom::value);
        return;
      case opcode::heartbeat:
        if (st.heartbeat)
          self_->send(st.heartbeat, hb_now_atom::value);
        return;
      case opcode::reconnect:
        log(level::info, "reconnect_requested");
        fail(caf::make_error(gateway_errc::reconnect_requested));
        return;
      case opcode::invalid_session:
        on_invalid_session(frame.d);
        return;
      default:
        log(level::debug, "unexpected_opcode", {{"op", std::to_string(frame.op)}});
    }
  }

  void on_hello(const std::string& d) {
    auto& st = self_->state;
    auto interval = parse_hello(d);
    if (!interval)
      return bad_frame("Hello without heartbeat_interval");
    st.hello_interval = interval->count();
    st.limiter = std::make_unique<send_limiter>(*interval);
    if (st.heartbeat)
      self_->send(st.heartbeat, hb_start_atom::value, *st.hello_interval);
    if (auto session = st.slot->get()) {
      auto frame = st.dia->resume(*session);
      if (!frame)
        return fail(caf::make_error(gateway_errc::gateway_unavailable,
                                    "no access token to resume with"));
      st.ph = phase::resuming;
      send(std::move(*frame));
      arm_deadline(bot_->settings().connect_timeout);
      log(level::info, "resuming", {{"seq", std::to_string(session->seq)}});
    } else {
      identify();
    }
  }

  // Identify only with a slot from the identify_queue (one per 5 s per
  // bucket, within the daily budget).
  void identify() {
    auto& st = self_->state;
    st.ph = phase::identifying;
    ++st.generation; // no deadline while queued; the request has one
    auto queue = bot_->identify_queue();
    if (!queue)
      return fail(caf::make_error(gateway_errc::gateway_unavailable,
                                  "identify queue not running"));
    auto plan = bot_->plan();
    auto per_bucket = plan ? plan->count / std::max(1, plan->max_concurrency)
                           : 1u;
    // Bounded: our turn comes after at most one slot per shard ahead of us.
    auto wait = std::chrono::seconds{6} * (per_bucket + 1);
    auto gen = st.generation;
    self_->request(queue, wait, identify_atom::value, shard_)
      .then(
        [this, gen](caf::ok_atom) {
          auto& st = self_->state;
          if (gen != st.generation || st.ph != phase::identifying)
            return;
          send_identify();
        },
        [this](caf::error& err) { fail(err); });
  }

  void send_identify() {
    auto& cfg = bot_->settings();
    auto plan = bot_->plan();
    auto frame = self_->state.dia->identify(shard_, plan ? plan->count : 1);
    if (!frame)
      return fail(caf::make_error(gateway_errc::gateway_unavailable,
                                  "no access token to identify with"));
    send(std::move(*frame));
    arm_deadline(cfg.connect_timeout);
    log(level::info, "identify");
  }

  void on_invalid_session(const std::string& d) {
    auto& st = self_->state;
    auto resumable = parse_invalid_session(d).value_or(false);
    log(level::warn, "invalid_session",
        {{"resumable", resumable ? "true" : "false"}});
    if (resumable)
      return fail(caf::make_error(gateway_errc::session_invalidated));
    // Discord asks for a new connection and a fresh Identify; waiting 1-5 s
    // first keeps a crowd of shards from identifying in lockstep.
    st.slot->clear();
    st.ph = phase::identifying;
    std::uniform_int_distribution<int> wait_ms{1000, 5000};
    self_->delayed_send(self_, milliseconds{wait_ms(st.rng)},
                        reidentify_atom::value, ++st.generation);
  }

  void on_reidentify(uint64_t generation) {
    if (generation == self_->state.generation)
      fail(caf::make_error(gateway_errc::session_invalidated,
                           "not resumable"));
  }

  void on_dispatch(gateway_frame& frame) {
    auto& st = self_->state;
    ++st.dispatches;
    events_.inc();
    if (frame.t == "READY") {
      auto info = st.dia->ready(frame.d);
      if (!info)
        return bad_frame("READY without session_id");
      st.slot->set({info->session_id, st.seq.value_or(0), info->resume_url});
      bot_->user_id(info->user_id);
      std::string error;
      if (!bot_->save_if_due(std::chrono::steady_clock::now(), &error))
        log(level::warn, "session_not_saved", {{"error", error}});
      became_ready("ready");
      return;
    }
    if (frame.t == "RESUMED") {
      became_ready("resumed");
      return;
    }
    auto result = st.dia->dispatch(frame.t, frame.d, bot_->user_id(),
                                   wants(frame.t));
    if (!result.error.empty())
      return bad_frame(frame.t + ": " + result.error);
    if (!result.route)
      return;
    if (result.route->type == "message")
      ++st.messages;
    if (auto router = rt_->directory().get("core/router"))
      self_->send(router, inbound_atom::value, std::move(*result.route));
    else
      log(level::warn, "router_down", {{"id", result.route->id}});
  }

  bool wants(const std::string& t) const {
    for (auto& name : bot_->settings().events)
      if (name == "*" || name == t)
        return true;
    return false;
  }

  void became_ready(const char* what) {
    auto& st = self_->state;
    if (st.ph == phase::ready)
      return;
    st.ph = phase::ready;
    st.connected.acquire(connections_);
    ++st.generation; // cancels the READY deadline
    supervision::report_ready(self_, unit_);
    log(level::info, what,
        {{"seq", std::to_string(st.seq.value_or(0))}});
  }

  // -- heartbeat ---------------------------------------------------------------

  void on_heartbeat_hello(caf::actor hb) {
    auto& st = self_->state;
    st.heartbeat = std::move(hb);
    if (st.hello_interval)
      self_->send(st.heartbeat, hb_start_atom::value, *st.hello_interval);
  }

  void on_heartbeat_send() {
    auto& st = self_->state;
    if (st.limiter)
      st.limiter->try_acquire(std::chrono::steady_clock::now(), true);
    st.beat_sent = self_->clock().now();
    st.ws->send_text(st.dia->heartbeat(st.seq));
  }

  // -- deadlines ---------------------------------------------------------------

  void arm_deadline(config::duration d) {
    auto& st = self_->state;
    self_->delayed_send(self_, d, deadline_atom::value, ++st.generation);
  }

  void on_deadline(uint64_t generation) {
    auto& st = self_->state;
    if (generation != st.generation)
      return;
    switch (st.ph) {
      case phase::connecting:
      case phase::hello:
        fail(caf::make_error(gateway_errc::hello_timeout));
        return;
      case phase::identifying:
      case phase::resuming:
        fail(caf::make_error(gateway_errc::ready_timeout));
        return;
      case phase::ready:
        return;
    }
  }

  // What the admin console shows next to this node (details_atom).
  std::string details() const {
    auto& st = self_->state;
    nlohmann::json out;
    out["shard"] = shard_;
    out["session_state"] = to_string(st.ph);
    out["resumable"] = st.slot && st.slot->get().has_value();
    out["seq"] = st.seq ? nlohmann::json(*st.seq) : nlohmann::json(nullptr);
    out["dispatches"] = st.dispatches;
    if (st.last_frame_at)
      out["last_event_ago_ms"]
        = std::chrono::duration_cast<milliseconds>(
            std::chrono::steady_clock::now() - *st.last_frame_at)
            .count();
    else
      out["last_event_ago_ms"] = nullptr;
    if (st.hello_interval)
      out["heartbeat_interval_ms"] = *st.hello_interval;
    return out.dump();
  }

private:
  void send(std::string frame) {
    auto& st = self_->state;
    if (st.limiter
        && !st.limiter->try_acquire(std::chrono::steady_clock::now(), false)) {
      // Identify and Resume are the only commands we send; running out of
      // budget here means something loops.
      log(level::err, "send_limit_reached");
      return;
    }
    st.ws->send_text(std::move(frame));
  }

  void bad_frame(const std::string& why) {
    auto& st = self_->state;
    ++st.bad_frames;
    log(level::warn, "bad_frame", {{"error", why}});
    if (st.bad_frames >= max_bad_frames)
      fail(caf::make_error(gateway_errc::bad_frames, why));
  }

  void fail(const caf::error& reason) {
    self_->state.done = true;
    self_->quit(reason);
  }

  std::string describe_close(const net::ws_close_info& info) {
    std::string out;
    if (info.code >= 0) {
      out = std::to_string(info.code) + " ("
            + self_->state.dia->close_name(info.code) + ")";
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
    logging::log(lvl, bot_->settings().platform, event, fields);
  }

  self_ptr self_;
  runtime_ptr rt_;
  bot_ptr bot_;
  uint32_t shard_;
  std::string path_;
  caf::actor unit_;
  std::vector<std::string> labels_;
  metrics::gauge& connections_;
  metrics::counter& events_;
  metrics::counter& reconnects_;
  metrics::histogram& rtt_;
};

caf::behavior connection(self_ptr self, runtime_ptr rt, bot_ptr bot,
                         uint32_t shard, std::string path, caf::actor unit) {
  auto logic = std::make_shared<connection_logic>(self, rt, bot, shard, path,
                                                  unit);
  logic->start();
  return {
    [=](net::ws_open_atom) { logic->on_open(); },
    [=](net::ws_frame_atom, std::string& payload, bool binary) {
      logic->on_frame(payload, binary);
    },
    [=](net::ws_frames_atom) { logic->on_frames(); },
    [=](net::ws_closed_atom, const net::ws_close_info& info) {
      logic->on_closed(info);
    },
    [=](hb_hello_atom, caf::actor& hb) {
      logic->on_heartbeat_hello(std::move(hb));
    },
    [=](hb_send_atom) { logic->on_heartbeat_send(); },
    [=](deadline_atom, uint64_t generation) { logic->on_deadline(generation); },
    [=](reidentify_atom, uint64_t generation) {
      logic->on_reidentify(generation);
    },
    [=](supervision::details_atom) { return logic->details(); },
  };
}

} // namespace

caf::actor spawn_connection(caf::local_actor* parent, runtime_ptr rt,
                            bot_ptr bot, uint32_t shard, std::string path) {
  auto& dir = rt->directory();
  auto details_name = "details:" + path;
  return dir.register_actor(
    details_name,
    parent->system().spawn(connection, std::move(rt), std::move(bot), shard,
                           std::move(path),
                           caf::actor_cast<caf::actor>(parent)));
}

} // namespace tether::gateway
