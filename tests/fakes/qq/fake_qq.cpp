// The gateway protocol, the token endpoint, the OpenAPI routes of the fake
// QQ and its public API. All protocol state lives in fake_qq::impl under one
// mutex; see internal.hpp.

#include "fakes/qq/fake_qq.hpp"

#include <algorithm>
#include <ctime>
#include <utility>

#include "fakes/qq/internal.hpp"

namespace tether::fakes {

using namespace std::chrono_literals;
using qq_detail::clock_type;
using qq_detail::end_kind;
using qq_detail::json;
namespace asio = qq_detail::asio;
namespace beast = qq_detail::beast;
namespace http = qq_detail::http;

namespace {

/// max_concurrency counts identifies per 5 s (PROTOCOLS.md §2.1).
constexpr auto identify_window = 5s;

constexpr auto tick_interval = 200ms;

/// A heartbeat must carry at least the seq written this long ago.
constexpr auto seq_grace = 5s;

constexpr int64_t day_ms = 24 * 3600 * 1000;

std::string dispatch_payload(const std::string& event_id, const std::string& t,
                             int64_t seq, const std::string& d) {
  std::string out;
  out.reserve(d.size() + t.size() + event_id.size() + 48);
  out += R"({"id":)";
  out += json(event_id).dump();
  out += R"(,"op":0,"d":)";
  out += d;
  out += R"(,"s":)";
  out += std::to_string(seq);
  out += R"(,"t":)";
  out += json(t).dump();
  out += '}';
  return out;
}

std::string op_payload(int op, const json& d) {
  json j{{"op", op}};
  if (!d.is_null()) j["d"] = d;
  return j.dump();
}

/// Close codes after which the session cannot be resumed (PROTOCOLS.md
/// §2.3; only 4008 and 4009 allow RESUME).
bool ends_session(uint16_t code) {
  return (code >= 4001 && code <= 4007) || (code >= 4010 && code <= 4014)
         || (code >= 4900 && code <= 4915);
}

bool is_fatal(uint16_t code) {
  return code == 4914 || code == 4915;
}

std::string iso_timestamp() {
  auto t
    = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  // QQ sends local time with an explicit +08:00 offset.
  t += 8 * 3600;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char out[40];
  std::strftime(out, sizeof(out), "%Y-%m-%dT%H:%M:%S+08:00", &tm);
  return out;
}

std::string excerpt(const std::string& msg) {
  return msg.size() <= 80 ? msg : msg.substr(0, 77) + "...";
}

json error_body(int64_t code, const std::string& message) {
  return json{{"code", code},
              {"message", message},
              {"err_code", code},
              {"trace_id", "fake-qq-trace"}};
}

qq_detail::rest_response reply(http::status status, const json& body) {
  qq_detail::rest_response r;
  r.status = status;
  r.body = body.dump();
  return r;
}

/// Splits "/a/b/c?x" into {"a","b","c"}.
std::vector<std::string> path_parts(beast::string_view target) {
  auto path = std::string{target.substr(0, target.find('?'))};
  std::vector<std::string> parts;
  size_t pos = 0;
  while (pos < path.size()) {
    auto slash = path.find('/', pos);
    if (slash == std::string::npos) slash = path.size();
    if (slash > pos) parts.push_back(path.substr(pos, slash - pos));
    pos = slash + 1;
  }
  return parts;
}

} // namespace

// -- impl: lifetime -----------------------------------------------------------

fake_qq::impl::impl(qq_options opts)
  : opts_(std::move(opts)),
    ioc_(std::max(1, opts_.io_threads)),
    listener_(ioc_, stopping_, "fake_qq"),
    tick_timer_(ioc_) {
  opts_.shards = std::max<uint32_t>(1, opts_.shards);
  opts_.max_concurrency = std::max(1, opts_.max_concurrency);
  opts_.io_threads = std::max(1, opts_.io_threads);
  opts_.replay_limit = std::max<size_t>(1, opts_.replay_limit);
  opts_.token_lifetime = std::max(opts_.token_lifetime,
                                  std::chrono::seconds{1});
  session_remaining_ = opts_.session_total;
  rng_state_
    = static_cast<uint64_t>(clock_type::now().time_since_epoch().count())
      ^ reinterpret_cast<uintptr_t>(this);
}

fake_qq::impl::~impl() {
  stop();
}

void fake_qq::impl::start() {
  common::http_settings cfg;
  cfg.name = "fake-qq";
  cfg.on_request = [this](const request& req) {
    return on_request(req);
  };
  cfg.on_upgrade = [this](beast::tcp_stream&& stream, request req) {
    on_upgrade(std::move(stream), std::move(req));
  };
  http_ = std::make_shared<const common::http_settings>(std::move(cfg));
  listener_.open(opts_.port, [this](qq_detail::tcp::socket&& sock) {
    std::make_shared<common::http_conn>(std::move(sock), http_)->start();
  });
  port_ = listener_.port();
  schedule_tick();
  common::run_io_threads(ioc_, opts_.io_threads, "fake_qq", threads_);
}

void fake_qq::impl::stop() {
  if (stopped_) return;
  stopped_ = true;
  stopping_ = true;
  // Not graceful on purpose: bounded even with half-open clients.
  ioc_.stop();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  listener_.close();
  tick_timer_.cancel();
  std::lock_guard<std::mutex> guard{mtx_};
  conns_.clear();
}

void fake_qq::impl::schedule_tick() {
  tick_timer_.expires_after(tick_interval);
  tick_timer_.async_wait([this](beast::error_code ec) {
    if (ec || stopping_) return;
    tick();
    schedule_tick();
  });
}

void fake_qq::impl::tick() {
  std::lock_guard<std::mutex> guard{mtx_};
  auto now = clock_type::now();
  auto deadline = 2 * opts_.heartbeat_interval + 1s;
  std::vector<uint64_t> timed_out;
  for (auto& [id, c] : conns_) {
    if (c.frozen || c.closing) continue;
    if (!c.session_id.empty()) {
      c.written.emplace_back(now, c.io->written_seq());
      while (c.written.size() > 2
             && c.written.front().first < now - 2 * seq_grace)
        c.written.pop_front();
    }
    if (opts_.enforce_heartbeats && c.hello_sent
        && now - c.last_beat > deadline)
      timed_out.push_back(id);
  }
  for (auto id : timed_out) {
    violation(
      "heartbeat-missed: connection " + std::to_string(id)
      + " sent no heartbeat for "
      + std::to_string(
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline).count())
      + " ms");
    close_locked(id, 4009, "connection expired");
  }
  for (auto i = sessions_.begin(); i != sessions_.end();) {
    auto& s = i->second;
    auto sh = shards_.find(s.shard);
    bool current = sh != shards_.end() && sh->second.session_id == s.id;
    if (s.conn == 0 && !current && !resumable_locked(s, now))
      i = sessions_.erase(i);
    else
      ++i;
  }
}

// -- impl: gateway
// --------------------------------------------------------------

void fake_qq::impl::on_upgrade(beast::tcp_stream&& stream, request req) {
  uint64_t id;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    id = next_conn_id_++;
  }
  common::ws_callbacks cb;
  cb.on_open = [this](const conn_ptr& conn) {
    on_ws_open(conn);
  };
  cb.on_message = [this](uint64_t id, std::string msg, bool binary) {
    on_frame(id, std::move(msg), binary);
  };
  cb.on_end = [this](uint64_t id, end_kind kind, uint16_t code) {
    on_end(id, kind, code);
  };
  std::make_shared<common::ws_conn>(
    id, std::move(stream), common::ws_settings{"fake-qq"}, std::move(cb))
    ->accept(std::move(req));
}

void fake_qq::impl::on_ws_open(const conn_ptr& conn) {
  std::lock_guard<std::mutex> guard{mtx_};
  if (stopping_) return;
  ++connection_count_;
  auto id = conn->id();
  auto& c = conns_[id];
  c.io = conn;
  c.last_beat = clock_type::now();
  if (opts_.hello_delay.count() <= 0) {
    hello_locked(id);
    return;
  }
  auto timer = std::make_shared<asio::steady_timer>(ioc_, opts_.hello_delay);
  timer->async_wait([this, timer, id](beast::error_code ec) {
    if (ec || stopping_) return;
    std::lock_guard<std::mutex> guard{mtx_};
    hello_locked(id);
  });
}

void fake_qq::impl::hello_locked(uint64_t id) {
  auto i = conns_.find(id);
  if (i == conns_.end() || i->second.hello_sent) return;
  auto& c = i->second;
  c.hello_sent = true;
  // The heartbeat deadline starts with Hello.
  c.last_beat = clock_type::now();
  send_locked(c, op_payload(10, json{{"heartbeat_interval",
                                      opts_.heartbeat_interval.count()}}));
}

void fake_qq::impl::on_frame(uint64_t id, std::string msg, bool binary) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto i = conns_.find(id);
  if (i == conns_.end()) return;
  auto& c = i->second;
  if (c.closing || c.frozen) return;
  auto frame = binary ? json{} : json::parse(msg, nullptr, false);
  if (frame.is_discarded() || !frame.is_object() || !frame.contains("op")
      || !frame["op"].is_number_integer()) {
    violation("bad-frame: " + excerpt(msg));
    close_locked(id, 4002, "invalid payload");
    return;
  }
  handle_op_locked(id, c, frame);
}

void fake_qq::impl::on_end(uint64_t id, end_kind kind, uint16_t code) {
  std::lock_guard<std::mutex> guard{mtx_};
  end_locked(id, kind, code);
}

void fake_qq::impl::handle_op_locked(uint64_t id, conn_state& c,
                                     const json& frame) {
  auto op = frame["op"].get<int>();
  auto di = frame.find("d");
  json d = di == frame.end() ? json{} : *di;
  switch (op) {
    case 1: heartbeat_locked(c, frame); break;
    case 2: identify_locked(id, c, d); break;
    case 6: resume_locked(id, c, d); break;
    default:
      violation("unknown-opcode: op " + std::to_string(op));
      close_locked(id, 4001, "invalid opcode");
  }
}

void fake_qq::impl::heartbeat_locked(conn_state& c, const json& frame) {
  auto now = clock_type::now();
  ++c.heartbeats;
  c.last_beat = now;
  session* s = nullptr;
  if (!c.session_id.empty())
    if (auto i = sessions_.find(c.session_id); i != sessions_.end())
      s = &i->second;
  if (s) ++shards_[s->shard].heartbeats;
  auto di = frame.find("d");
  json d = di == frame.end() ? json{} : *di;
  if (!d.is_null() && !d.is_number_integer()) {
    violation("heartbeat-seq: d is " + excerpt(d.dump())
              + ", not the last seq or null");
  } else if (s) {
    int64_t got = d.is_null() ? 0 : d.get<int64_t>();
    int64_t floor = 0;
    for (auto& [when, seq] : c.written)
      if (when <= now - seq_grace) floor = std::max(floor, seq);
    if (got > s->seq)
      violation("heartbeat-seq: d=" + std::to_string(got)
                + " but the last seq sent is " + std::to_string(s->seq));
    else if (got < floor)
      violation("heartbeat-seq: d=" + std::to_string(got) + " but seq "
                + std::to_string(floor) + " was delivered over 5 s ago");
  }
  if (!c.stall) send_locked(c, op_payload(11, nullptr));
}

bool fake_qq::impl::check_gateway_token_locked(uint64_t id, const json& token,
                                               const char* what) {
  auto now = clock_type::now();
  if (!token.is_string()) {
    violation(std::string{"bad-frame: "} + what + " without a token string");
    close_locked(id, 4004, "invalid token");
    return false;
  }
  auto tok = token.get<std::string>();
  static const std::string prefix = "QQBot ";
  if (tok.compare(0, prefix.size(), prefix) != 0) {
    auto bare
      = tok.substr(tok.find(' ') == std::string::npos ? 0 : tok.find(' ') + 1);
    if (tokens_.count(bare))
      violation(std::string{"bad-token-format: "} + what
                + " token lacks the \"QQBot \" prefix");
    close_locked(id, 4004, "invalid token");
    return false;
  }
  tok.erase(0, prefix.size());
  if (token_valid_locked(tok, now)) return true;
  if (tokens_.count(tok))
    violation(std::string{"stale-token: "} + what
              + " with an expired access token");
  close_locked(id, 4004, "invalid token");
  return false;
}

void fake_qq::impl::identify_locked(uint64_t id, conn_state& c, const json& d) {
  ++identify_count_;
  auto now = clock_type::now();
  if (!c.hello_sent)
    violation("identify-before-hello: connection " + std::to_string(id));
  if (!c.session_id.empty()) {
    violation("already-authenticated: identify on an identified connection");
    close_locked(id, 4002, "invalid payload");
    return;
  }
  if (!d.is_object()) {
    violation("bad-frame: identify without a d object");
    close_locked(id, 4002, "invalid payload");
    return;
  }
  int64_t shard_id = 0;
  int64_t count = 1;
  auto sh = d.find("shard");
  if (sh != d.end() && !sh->is_null()) {
    if (!sh->is_array() || sh->size() != 2 || !(*sh)[0].is_number_integer()
        || !(*sh)[1].is_number_integer()) {
      close_locked(id, 4010, "invalid shard");
      return;
    }
    shard_id = (*sh)[0].get<int64_t>();
    count = (*sh)[1].get<int64_t>();
  }
  if (count != static_cast<int64_t>(opts_.shards) || shard_id < 0
      || shard_id >= count) {
    close_locked(id, 4010, "invalid shard");
    return;
  }
  auto shard = static_cast<uint32_t>(shard_id);
  ++shards_[shard].identifies;
  if (fatal_code_ != 0) {
    violation("reconnect-after-fatal: identify after close "
              + std::to_string(fatal_code_));
    close_locked(id, fatal_code_, "bot offline");
    return;
  }
  auto token = d.find("token");
  if (!check_gateway_token_locked(id, token == d.end() ? json{} : *token,
                                  "identify"))
    return;
  auto intents = d.find("intents");
  if (intents == d.end() || !intents->is_number_integer()) {
    violation("bad-frame: identify without integer intents");
    close_locked(id, 4013, "invalid intent");
    return;
  }
  if ((intents->get<uint64_t>() & ~opts_.granted_intents) != 0) {
    close_locked(id, 4014, "intent not permitted");
    return;
  }
  while (!identify_times_.empty()
         && identify_times_.front() <= now - identify_window)
    identify_times_.pop_front();
  if (static_cast<int>(identify_times_.size()) >= opts_.max_concurrency) {
    violation("identify-rate: more than "
              + std::to_string(opts_.max_concurrency)
              + " identify(s) within 5 s (max_concurrency)");
    send_locked(c, op_payload(9, false));
    return;
  }
  if (session_remaining_ <= 0) {
    violation("identify-limit: session_start_limit exhausted");
    send_locked(c, op_payload(9, false));
    return;
  }
  identify_times_.push_back(now);
  --session_remaining_;
  if (auto* old = current_session_locked(shard);
      old && resumable_locked(*old, now))
    violation("note: identify while resumable (shard " + std::to_string(shard)
              + ", session " + old->id + ")");
  // A half-open connection of this shard would linger forever otherwise.
  std::vector<uint64_t> stale;
  for (auto& [cid, other] : conns_)
    if (cid != id && other.frozen && !other.session_id.empty())
      if (auto i = sessions_.find(other.session_id);
          i != sessions_.end() && i->second.shard == shard)
        stale.push_back(cid);
  for (auto cid : stale)
    drop_locked(cid);
  session fresh;
  fresh.id = new_id();
  fresh.shard = shard;
  fresh.shard_count = static_cast<uint32_t>(count);
  fresh.conn = id;
  auto sid = fresh.id;
  auto& s = sessions_[sid] = std::move(fresh);
  c.session_id = sid;
  auto& info = shards_[shard];
  info.session_id = sid;
  info.heartbeats += c.heartbeats;
  json ready{{"version", 1},
             {"session_id", sid},
             {"user",
              {{"id", opts_.bot_user_id},
               {"username", opts_.bot_name},
               {"bot", true},
               {"status", 1}}},
             {"shard", {shard, count}}};
  dispatch_locked(s, "READY", "",
                  std::make_shared<const std::string>(ready.dump()));
}

void fake_qq::impl::resume_locked(uint64_t id, conn_state& c, const json& d) {
  ++resume_count_;
  auto now = clock_type::now();
  if (!c.hello_sent)
    violation("identify-before-hello: resume on connection "
              + std::to_string(id));
  if (!c.session_id.empty()) {
    violation("already-authenticated: resume on an identified connection");
    close_locked(id, 4002, "invalid payload");
    return;
  }
  if (!d.is_object() || !d.contains("session_id")
      || !d["session_id"].is_string()) {
    violation("bad-frame: resume without session_id");
    close_locked(id, 4002, "invalid payload");
    return;
  }
  if (fatal_code_ != 0) {
    violation("reconnect-after-fatal: resume after close "
              + std::to_string(fatal_code_));
    close_locked(id, fatal_code_, "bot offline");
    return;
  }
  auto token = d.find("token");
  if (!check_gateway_token_locked(id, token == d.end() ? json{} : *token,
                                  "resume"))
    return;
  int64_t seq = 0;
  if (auto si = d.find("seq"); si != d.end() && !si->is_null()) {
    if (!si->is_number_integer()) {
      violation("bad-frame: resume seq is " + excerpt(si->dump()));
      close_locked(id, 4002, "invalid payload");
      return;
    }
    seq = si->get<int64_t>();
  }
  auto i = sessions_.find(d["session_id"].get<std::string>());
  if (i == sessions_.end() || !resumable_locked(i->second, now)) {
    close_locked(id, 4006, "invalid session id, cannot resume");
    return;
  }
  auto& s = i->second;
  ++shards_[s.shard].resumes;
  if (seq > s.seq) {
    s.invalid = true;
    close_locked(id, 4007, "seq error");
    return;
  }
  if (!s.log.empty() && seq + 1 < s.log.front().seq) {
    // The replay buffer no longer reaches back that far.
    s.invalid = true;
    close_locked(id, 4007, "seq error");
    return;
  }
  // A resume takes the session over from its old connection.
  if (s.conn != 0 && s.conn != id) drop_locked(s.conn);
  s.conn = id;
  c.session_id = s.id;
  auto& info = shards_[s.shard];
  info.session_id = s.id;
  info.heartbeats += c.heartbeats;
  for (auto& e : s.log)
    if (e.seq > seq)
      send_locked(c, dispatch_payload(e.event_id, e.t, e.seq, *e.d), e.seq);
  auto rs = ++s.seq;
  json resumed{{"op", 0}, {"s", rs}, {"t", "RESUMED"}, {"d", ""}};
  send_locked(c, resumed.dump(), rs);
}

// -- impl: helpers ------------------------------------------------------------

void fake_qq::impl::violation(std::string what) {
  violations_.push_back(std::move(what));
}

void fake_qq::impl::send_locked(conn_state& c, std::string payload,
                                int64_t seq) {
  if (c.frozen || c.closing) return;
  c.io->send(std::make_shared<const std::string>(std::move(payload)), seq);
}

void fake_qq::impl::close_locked(uint64_t id, uint16_t code,
                                 std::string reason) {
  auto i = conns_.find(id);
  if (i == conns_.end()) return;
  auto& c = i->second;
  if (c.closing || c.frozen) return;
  c.closing = true;
  if (is_fatal(code)) fatal_code_ = code;
  if (ends_session(code) && !c.session_id.empty())
    if (auto s = sessions_.find(c.session_id); s != sessions_.end())
      s->second.invalid = true;
  c.io->close(code, std::move(reason));
}

void fake_qq::impl::drop_locked(uint64_t id) {
  auto i = conns_.find(id);
  if (i == conns_.end()) return;
  i->second.io->drop();
  end_locked(id, end_kind::dropped, 0);
}

void fake_qq::impl::end_locked(uint64_t id, end_kind kind, uint16_t code) {
  auto i = conns_.find(id);
  if (i == conns_.end()) return;
  auto& c = i->second;
  if (!c.session_id.empty()) {
    auto si = sessions_.find(c.session_id);
    if (si != sessions_.end() && si->second.conn == id) {
      auto& s = si->second;
      s.conn = 0;
      s.disconnected_at = clock_type::now();
      auto& info = shards_[s.shard];
      if (kind == end_kind::client_close && !c.closing) {
        info.last_close_code = code;
        // 1000/1001 end the session: the bot shows offline, no resume.
        if (code == 1000 || code == 1001) {
          s.invalid = true;
          violation("session-ended: client closed with " + std::to_string(code)
                    + " (shard " + std::to_string(s.shard) + ", session " + s.id
                    + ")");
        }
      } else if (!c.closing) {
        info.last_close_code = 0;
      }
    }
  }
  conns_.erase(i);
}

int64_t fake_qq::impl::dispatch_locked(session& s, const std::string& t,
                                       const std::string& event_id,
                                       std::shared_ptr<const std::string> d) {
  auto seq = ++s.seq;
  if (s.conn != 0)
    if (auto i = conns_.find(s.conn); i != conns_.end())
      send_locked(i->second, dispatch_payload(event_id, t, seq, *d), seq);
  s.log.push_back(log_entry{seq, t, event_id, std::move(d)});
  while (s.log.size() > opts_.replay_limit)
    s.log.pop_front();
  return seq;
}

fake_qq::impl::session* fake_qq::impl::current_session_locked(uint32_t shard) {
  auto i = shards_.find(shard);
  if (i == shards_.end() || i->second.session_id.empty()) return nullptr;
  auto s = sessions_.find(i->second.session_id);
  return s == sessions_.end() ? nullptr : &s->second;
}

bool fake_qq::impl::resumable_locked(const session& s, time_point now) const {
  return !s.invalid
         && (s.conn != 0 || now - s.disconnected_at < opts_.resume_window);
}

std::vector<uint64_t> fake_qq::impl::targets_locked(int shard) {
  std::vector<uint64_t> result;
  if (shard < 0) {
    for (auto& [id, c] : conns_)
      result.push_back(id);
  } else if (auto* s = current_session_locked(static_cast<uint32_t>(shard));
             s && s->conn != 0) {
    result.push_back(s->conn);
  }
  return result;
}

bool fake_qq::impl::token_valid_locked(const std::string& token,
                                       time_point now) const {
  auto i = tokens_.find(token);
  return i != tokens_.end() && now < i->second;
}

std::string fake_qq::impl::gateway_url() const {
  return "ws://127.0.0.1:" + std::to_string(port_) + "/websocket";
}

std::string fake_qq::impl::new_id() const {
  // splitmix64: good enough for ids that only need to be unique.
  auto next = [this] {
    uint64_t z = (rng_state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  };
  auto a = next();
  auto b = next();
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%08llx-%04llx-%04llx-%04llx-%012llx",
                static_cast<unsigned long long>(a >> 32),
                static_cast<unsigned long long>((a >> 16) & 0xffff),
                static_cast<unsigned long long>(a & 0xffff),
                static_cast<unsigned long long>(b >> 48),
                static_cast<unsigned long long>(b & 0xffffffffffffull));
  return buf;
}

// -- impl: REST ---------------------------------------------------------------

fake_qq::impl::rest_response fake_qq::impl::on_rest(const request& req) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto parts = path_parts(req.target());
  auto verb = req.method();
  if (verb == http::verb::post && parts.size() == 2 && parts[0] == "app"
      && parts[1] == "getAppAccessToken")
    return token_request(req);
  // OpenAPI: injected faults first, then auth.
  std::string path{req.target().substr(0, req.target().find('?'))};
  for (auto& f : rest_faults_) {
    if (f.count <= 0 || path.compare(0, f.prefix.size(), f.prefix) != 0)
      continue;
    --f.count;
    return reply(static_cast<http::status>(f.status),
                 error_body(f.status,
                            "fake: injected HTTP " + std::to_string(f.status)));
  }
  auto auth = std::string{req[http::field::authorization]};
  static const std::string prefix = "QQBot ";
  bool authed = auth.compare(0, prefix.size(), prefix) == 0
                && token_valid_locked(auth.substr(prefix.size()),
                                      clock_type::now());
  if (!authed) {
    violation("rest-401: " + std::string{req.method_string()} + " " + path
              + (auth.empty() ? " without Authorization"
                              : " with an invalid or expired token"));
    return reply(http::status::unauthorized,
                 error_body(11244, "token not exist or expire"));
  }
  if (verb == http::verb::get && parts.size() == 1 && parts[0] == "gateway")
    return gateway_info(false);
  if (verb == http::verb::get && parts.size() == 2 && parts[0] == "gateway"
      && parts[1] == "bot")
    return gateway_info(true);
  if (verb == http::verb::post && parts.size() == 3 && parts[2] == "messages") {
    if (parts[0] == "channels") return post_message("channel", parts[1], req);
    if (parts[0] == "dms") return post_message("dms", parts[1], req);
  }
  if (verb == http::verb::post && parts.size() == 4 && parts[0] == "v2"
      && parts[3] == "messages") {
    if (parts[1] == "groups") return post_message("group", parts[2], req);
    if (parts[1] == "users") return post_message("c2c", parts[2], req);
  }
  return reply(http::status::not_found, error_body(11241, "api not found"));
}

fake_qq::impl::rest_response fake_qq::impl::token_request(const request& req) {
  ++token_fetches_;
  if (token_fault_count_ > 0) {
    --token_fault_count_;
    if (token_fault_kind_ == qq_token_fault::timeout) {
      rest_response r;
      r.hang = true;
      return r;
    }
    return reply(http::status::internal_server_error,
                 error_body(500, "internal error"));
  }
  auto body = json::parse(req.body(), nullptr, false);
  if (!body.is_object() || !body.contains("appId")
      || !body.contains("clientSecret"))
    return reply(http::status::ok, error_body(100007, "appid or secret empty"));
  auto app_id = body["appId"];
  auto secret = body["clientSecret"];
  // appId is documented as a string; accept a number too.
  auto app_str = app_id.is_string() ? app_id.get<std::string>() : app_id.dump();
  if (app_str != opts_.app_id || !secret.is_string()
      || secret.get<std::string>() != opts_.client_secret)
    return reply(http::status::ok,
                 error_body(100016, "invalid appid or secret"));
  auto now = clock_type::now();
  auto cur = tokens_.find(current_token_);
  bool rotate = opts_.rotate_on_fetch || cur == tokens_.end()
                || cur->second - now <= opts_.token_grace;
  if (rotate) {
    if (cur != tokens_.end())
      cur->second = std::min(cur->second, now + opts_.token_grace);
    auto id = new_id();
    id.erase(std::remove(id.begin(), id.end(), '-'), id.end());
    current_token_ = "qq-" + id;
    tokens_[current_token_] = now + opts_.token_lifetime;
  }
  auto left = std::chrono::duration_cast<std::chrono::seconds>(
                tokens_[current_token_] - now)
                .count();
  // expires_in is a string on the wire (PROTOCOLS.md §2.1).
  return reply(
    http::status::ok,
    json{{"access_token", current_token_},
         {"expires_in", std::to_string(std::max<int64_t>(left, 1))}});
}

fake_qq::impl::rest_response fake_qq::impl::gateway_info(bool bot) {
  json body{{"url", gateway_url()}};
  if (bot) {
    body["shards"] = opts_.shards;
    body["session_start_limit"]
      = json{{"total", opts_.session_total},
             {"remaining", std::max(0, session_remaining_)},
             {"reset_after", day_ms},
             {"max_concurrency", opts_.max_concurrency}};
  }
  return reply(http::status::ok, body);
}

fake_qq::impl::rest_response
fake_qq::impl::post_message(const std::string& scene, const std::string& target,
                            const request& req) {
  posted_message pm{scene, target, {}, 0, {}, 1, {}, 200, req.body()};
  auto body = json::parse(req.body(), nullptr, false);
  auto bad = [&](const std::string& why) {
    violation("rest-400: " + scene + " " + target + ": " + why);
    pm.status = 400;
    posted_.push_back(pm);
    return reply(http::status::bad_request, error_body(40034006, why));
  };
  if (!body.is_object()) return bad("body is not a JSON object");
  if (auto v = body.find("content"); v != body.end() && v->is_string())
    pm.content = v->get<std::string>();
  if (auto v = body.find("msg_type"); v != body.end()) {
    if (!v->is_number_integer()) return bad("msg_type is not an integer");
    pm.msg_type = v->get<int>();
  }
  if (auto v = body.find("msg_id"); v != body.end() && v->is_string())
    pm.msg_id = v->get<std::string>();
  if (auto v = body.find("event_id"); v != body.end() && v->is_string())
    pm.event_id = v->get<std::string>();
  if (auto v = body.find("msg_seq"); v != body.end() && !v->is_null()) {
    if (!v->is_number_integer()) return bad("msg_seq is not an integer");
    pm.msg_seq = v->get<int64_t>();
  }
  bool has_rich = body.contains("markdown") || body.contains("ark")
                  || body.contains("embed") || body.contains("media")
                  || body.contains("image") || body.contains("file_image");
  if (pm.content.empty() && !has_rich) return bad("content is empty");
  if (!pm.msg_id.empty()
      && !reply_seqs_.emplace(pm.msg_id, pm.msg_seq).second) {
    violation("msg-seq-reused: msg_id " + pm.msg_id + " msg_seq "
              + std::to_string(pm.msg_seq) + " (" + scene + " " + target + ")");
    pm.status = 400;
    posted_.push_back(pm);
    return reply(http::status::bad_request,
                 error_body(40054005, "消息被去重，请检查请求msgseq"));
  }
  posted_.push_back(pm);
  auto ts = iso_timestamp();
  auto id = new_id();
  if (scene == "group" || scene == "c2c")
    return reply(http::status::ok,
                 json{{"id", "ROBOT1.0_" + id}, {"timestamp", ts}});
  json msg{{"id", id},
           {"channel_id", scene == "channel" ? target : target + "0"},
           {"guild_id", scene == "dms" ? target : "5237615478283154023"},
           {"content", pm.content},
           {"timestamp", ts},
           {"tts", false},
           {"mention_everyone", false},
           {"author",
            {{"id", opts_.bot_user_id},
             {"username", opts_.bot_name},
             {"avatar", ""},
             {"bot", true}}},
           {"pinned", false},
           {"type", 0},
           {"flags", 0},
           {"seq_in_channel", std::to_string(posted_.size())}};
  return reply(http::status::ok, msg);
}

// -- fake_qq ------------------------------------------------------------------

fake_qq::fake_qq(qq_options opts)
  : impl_(std::make_unique<impl>(std::move(opts))) {
  impl_->start();
}

fake_qq::~fake_qq() {
  impl_->stop();
}

uint16_t fake_qq::port() const {
  return impl_->port_;
}

std::string fake_qq::token_url() const {
  return api_base() + "/app/getAppAccessToken";
}

std::string fake_qq::api_base() const {
  return "http://127.0.0.1:" + std::to_string(impl_->port_);
}

std::string fake_qq::gateway_url() const {
  return impl_->gateway_url();
}

std::string fake_qq::current_token() const {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  return impl_->current_token_;
}

bool fake_qq::token_valid(const std::string& token) const {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  return impl_->token_valid_locked(token, clock_type::now());
}

void fake_qq::drop(int shard) {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  for (auto id : impl_->targets_locked(shard))
    impl_->drop_locked(id);
}

void fake_qq::half_open(int shard) {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  for (auto id : impl_->targets_locked(shard)) {
    auto& c = impl_->conns_[id];
    if (c.frozen || c.closing) continue;
    c.frozen = true;
    c.io->half_open();
  }
}

void fake_qq::refuse_for(std::chrono::milliseconds d) {
  impl_->listener_.refuse_for(d);
}

void fake_qq::close_with(int shard, uint16_t code, std::string reason) {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  for (auto id : impl_->targets_locked(shard))
    impl_->close_locked(id, code, reason);
}

void fake_qq::send_reconnect(int shard) {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  for (auto id : impl_->targets_locked(shard))
    impl_->send_locked(impl_->conns_[id], op_payload(7, nullptr));
}

void fake_qq::send_invalid_session(int shard) {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  for (auto id : impl_->targets_locked(shard)) {
    auto& c = impl_->conns_[id];
    if (!c.session_id.empty())
      if (auto s = impl_->sessions_.find(c.session_id);
          s != impl_->sessions_.end())
        s->second.invalid = true;
    impl_->send_locked(c, op_payload(9, false));
  }
}

void fake_qq::stall_acks(int shard, bool on) {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  for (auto id : impl_->targets_locked(shard))
    impl_->conns_[id].stall = on;
}

void fake_qq::fail_token(int count, qq_token_fault kind) {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  impl_->token_fault_count_ = count;
  impl_->token_fault_kind_ = kind;
}

void fake_qq::expire_tokens() {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  auto now = clock_type::now();
  for (auto& [tok, until] : impl_->tokens_)
    until = std::min(until, now);
}

void fake_qq::fail_rest(unsigned status, int count, std::string path_prefix) {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  impl_->rest_faults_.push_back(
    impl::rest_fault{status, count, std::move(path_prefix)});
}

int64_t fake_qq::dispatch(int shard, std::string t, std::string d_json,
                          std::string event_id) {
  if (!json::accept(d_json))
    throw std::invalid_argument("fake_qq::dispatch: d is not JSON");
  auto d = std::make_shared<const std::string>(std::move(d_json));
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  if (event_id.empty()) event_id = t + ":" + impl_->new_id();
  auto now = clock_type::now();
  auto one = [&](uint32_t s) -> int64_t {
    auto* ses = impl_->current_session_locked(s);
    if (!ses || !impl_->resumable_locked(*ses, now)) return -1;
    return impl_->dispatch_locked(*ses, t, event_id, d);
  };
  if (shard >= 0) return one(static_cast<uint32_t>(shard));
  int64_t last = -1;
  for (auto& [id, info] : impl_->shards_)
    if (auto seq = one(id); seq >= 0) last = seq;
  return last;
}

int64_t fake_qq::dispatch_twice(int shard, std::string t, std::string d_json) {
  std::string event_id;
  {
    std::lock_guard<std::mutex> guard{impl_->mtx_};
    event_id = t + ":" + impl_->new_id();
  }
  if (dispatch(shard, t, d_json, event_id) < 0) return -1;
  return dispatch(shard, std::move(t), std::move(d_json), std::move(event_id));
}

std::string
fake_qq::guild_message_json(std::string channel_id, std::string guild_id,
                            std::string content, bool mention_bot,
                            std::string author_id, std::string msg_id) const {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  auto& o = impl_->opts_;
  if (msg_id.empty()) msg_id = "08" + impl_->new_id();
  json mentions = json::array();
  if (mention_bot) {
    content = "<@!" + o.bot_user_id + "> " + content;
    mentions.push_back({{"avatar", ""},
                        {"bot", true},
                        {"id", o.bot_user_id},
                        {"username", o.bot_name}});
  }
  json d{{"author",
          {{"avatar", "https://thirdqq.qlogo.cn/g?b=oidb&k=0&s=0"},
           {"bot", false},
           {"id", author_id},
           {"username", "alice"}}},
         {"channel_id", channel_id},
         {"content", content},
         {"guild_id", guild_id},
         {"id", msg_id},
         {"member",
          {{"joined_at", "2023-04-12T16:34:54+08:00"}, {"roles", {"1"}}}},
         {"seq", 42},
         {"seq_in_channel", "42"},
         {"timestamp", iso_timestamp()}};
  if (mention_bot) d["mentions"] = mentions;
  return d.dump();
}

std::string
fake_qq::direct_message_json(std::string guild_id, std::string channel_id,
                             std::string content, std::string author_id,
                             std::string msg_id) const {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  if (msg_id.empty()) msg_id = "08" + impl_->new_id();
  json d{{"author",
          {{"avatar", "https://thirdqq.qlogo.cn/g?b=oidb&k=0&s=0"},
           {"id", author_id},
           {"username", "alice"}}},
         {"channel_id", channel_id},
         {"content", content},
         {"direct_message", true},
         {"guild_id", guild_id},
         {"id", msg_id},
         {"member", {{"joined_at", "2023-04-12T16:34:54+08:00"}}},
         {"seq", 7},
         {"seq_in_channel", "7"},
         {"src_guild_id", "5237615478283154023"},
         {"timestamp", iso_timestamp()}};
  return d.dump();
}

std::string fake_qq::group_at_message_json(std::string group_openid,
                                           std::string member_openid,
                                           std::string content,
                                           std::string msg_id) const {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  if (msg_id.empty()) msg_id = "ROBOT1.0_" + impl_->new_id();
  // QQ puts a leading space where the @bot was.
  json d{{"author", {{"id", member_openid}, {"member_openid", member_openid}}},
         {"content", " " + content},
         {"group_id", group_openid},
         {"group_openid", group_openid},
         {"id", msg_id},
         {"timestamp", iso_timestamp()},
         {"attachments", json::array()}};
  return d.dump();
}

std::string fake_qq::c2c_message_json(std::string user_openid,
                                      std::string content,
                                      std::string msg_id) const {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  if (msg_id.empty()) msg_id = "ROBOT1.0_" + impl_->new_id();
  json d{{"author", {{"id", user_openid}, {"user_openid", user_openid}}},
         {"content", content},
         {"id", msg_id},
         {"timestamp", iso_timestamp()},
         {"attachments", json::array()}};
  return d.dump();
}

std::vector<fake_qq::shard_state> fake_qq::shards() const {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  auto now = clock_type::now();
  std::vector<uint32_t> ids;
  for (uint32_t i = 0; i < impl_->opts_.shards; ++i)
    ids.push_back(i);
  for (auto& [id, info] : impl_->shards_)
    if (id >= impl_->opts_.shards) ids.push_back(id);
  std::vector<shard_state> result;
  for (auto id : ids) {
    shard_state st{id, false, {}, 0, 0, 0, 0, false, 0};
    if (auto i = impl_->shards_.find(id); i != impl_->shards_.end()) {
      st.identifies = i->second.identifies;
      st.resumes = i->second.resumes;
      st.heartbeats = i->second.heartbeats;
      st.last_close_code = i->second.last_close_code;
    }
    if (auto* s = impl_->current_session_locked(id)) {
      st.connected = s->conn != 0;
      st.session_id = s->id;
      st.last_seq = s->seq;
      st.resumable = impl_->resumable_locked(*s, now);
    }
    result.push_back(std::move(st));
  }
  return result;
}

std::vector<std::string> fake_qq::violations() const {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  return impl_->violations_;
}

bool fake_qq::has_violation(const std::string& prefix) const {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  return std::any_of(impl_->violations_.begin(), impl_->violations_.end(),
                     [&](const std::string& v) {
                       return v.compare(0, prefix.size(), prefix) == 0;
                     });
}

std::vector<std::string> fake_qq::errors() const {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  std::vector<std::string> result;
  for (auto& v : impl_->violations_)
    if (v.compare(0, 6, "note: ") != 0) result.push_back(v);
  return result;
}

std::vector<fake_qq::posted_message> fake_qq::posted() const {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  return impl_->posted_;
}

int fake_qq::token_fetch_count() const {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  return impl_->token_fetches_;
}

int fake_qq::identify_count() const {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  return impl_->identify_count_;
}

int fake_qq::resume_count() const {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  return impl_->resume_count_;
}

int fake_qq::connection_count() const {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  return impl_->connection_count_;
}

bool fake_qq::wait_for(std::function<bool()> pred,
                       std::chrono::milliseconds timeout) const {
  auto deadline = clock_type::now() + timeout;
  for (;;) {
    if (pred()) return true;
    if (clock_type::now() >= deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
}

} // namespace tether::fakes
