// The gateway protocol of the fake Discord and the public API. All protocol
// state lives in fake_discord::impl under one mutex; see internal.hpp.

#include "fakes/discord/fake_discord.hpp"

#include <algorithm>
#include <ctime>
#include <utility>

#include "fakes/discord/internal.hpp"

namespace tether::fakes {

using namespace std::chrono_literals;
using clock_type = detail::clock_type;
using detail::end_kind;

namespace {

/// Identify buckets admit one identify per 5 s (PROTOCOLS.md §1.9).
constexpr auto identify_window = 5s;

/// 120 gateway events per connection per 60 s.
constexpr auto send_window = 60s;
constexpr size_t send_limit = 120;

/// Client frames larger than this get 4002.
constexpr size_t max_frame = 4096;

constexpr auto tick_interval = 200ms;

/// A heartbeat must carry at least the seq we wrote this long ago; a
/// shorter grace would flag clients that are merely behind in reading.
constexpr auto seq_grace = 5s;

/// Dispatches generated per step of a flood (more follow on drain).
constexpr size_t flood_chunk = 256;

constexpr const char* trace_json
  = R"(["[\"gateway-prd-fake-0\",{\"micros\":0.0}]"])";

std::string dispatch_payload(const std::string& t, int64_t seq,
                             const std::string& d) {
  std::string out;
  out.reserve(d.size() + t.size() + 48);
  out += R"({"t":)";
  out += json(t).dump();
  out += R"(,"s":)";
  out += std::to_string(seq);
  out += R"(,"op":0,"d":)";
  out += d;
  out += '}';
  return out;
}

std::string op_payload(int op, const json& d) {
  return json{{"t", nullptr}, {"s", nullptr}, {"op", op}, {"d", d}}.dump();
}

/// Close codes after which Discord wants a new session (PROTOCOLS.md §1.8).
bool ends_session(uint16_t code) {
  return code == 4004 || code == 4007 || code == 4009
         || (code >= 4010 && code <= 4014);
}

std::string query_param(const std::string& target, const std::string& key) {
  auto q = target.find('?');
  if (q == std::string::npos) return {};
  auto query = target.substr(q + 1);
  for (size_t pos = 0; pos <= query.size();) {
    auto amp = query.find('&', pos);
    if (amp == std::string::npos) amp = query.size();
    auto kv = query.substr(pos, amp - pos);
    if (kv.compare(0, key.size() + 1, key + "=") == 0)
      return kv.substr(key.size() + 1);
    pos = amp + 1;
  }
  return {};
}

std::string iso_timestamp() {
  using namespace std::chrono;
  auto now = system_clock::now();
  auto t = system_clock::to_time_t(now);
  auto us = duration_cast<microseconds>(now.time_since_epoch()).count()
            % 1000000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char head[32];
  std::strftime(head, sizeof(head), "%Y-%m-%dT%H:%M:%S", &tm);
  char out[64];
  std::snprintf(out, sizeof(out), "%s.%06lld+00:00", head,
                static_cast<long long>(us));
  return out;
}

std::string ms_string(clock_type::duration d) {
  using std::chrono::duration_cast;
  using std::chrono::milliseconds;
  return std::to_string(duration_cast<milliseconds>(d).count()) + " ms";
}

std::string excerpt(const std::string& msg) {
  return msg.size() <= 80 ? msg : msg.substr(0, 77) + "...";
}

} // namespace

// -- impl: lifetime -----------------------------------------------------------

fake_discord::impl::impl(discord_options opts)
  : opts_(std::move(opts)),
    ioc_(std::max(1, opts_.io_threads)),
    listener_(ioc_, stopping_, "fake_discord"),
    tick_timer_(ioc_),
    identify_remaining_(opts_.identify_remaining) {
  opts_.shards = std::max<uint32_t>(1, opts_.shards);
  opts_.max_concurrency = std::max(1, opts_.max_concurrency);
  opts_.io_threads = std::max(1, opts_.io_threads);
  opts_.replay_limit = std::max<size_t>(1, opts_.replay_limit);
  split_ = static_cast<int>(opts_.split);
  rng_state_
    = static_cast<uint64_t>(clock_type::now().time_since_epoch().count())
      ^ reinterpret_cast<uintptr_t>(this);
}

fake_discord::impl::~impl() {
  stop();
}

void fake_discord::impl::start() {
  common::http_settings cfg;
  cfg.name = "fake-discord";
  cfg.body_limit = 32 * 1024 * 1024;
  cfg.on_request = [this](const http::request<http::string_body>& req) {
    return on_request(req);
  };
  cfg.on_upgrade = [this](beast::tcp_stream&& stream,
                          http::request<http::string_body> req) {
    on_upgrade(std::move(stream), std::move(req));
  };
  http_ = std::make_shared<const common::http_settings>(std::move(cfg));
  listener_.open(opts_.port, [this](tcp::socket&& sock) {
    std::make_shared<common::http_conn>(std::move(sock), http_)->start();
  });
  port_ = listener_.port();
  schedule_tick();
  common::run_io_threads(ioc_, opts_.io_threads, "fake_discord", threads_);
}

void fake_discord::impl::stop() {
  if (stopped_) return;
  stopped_ = true;
  stopping_ = true;
  // Not graceful on purpose: bounded even with half-open clients. Sockets
  // close when their owners die with the io_context.
  ioc_.stop();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  listener_.close();
  tick_timer_.cancel();
  std::lock_guard<std::mutex> guard{mtx_};
  conns_.clear();
}

void fake_discord::impl::schedule_tick() {
  tick_timer_.expires_after(tick_interval);
  tick_timer_.async_wait([this](beast::error_code ec) {
    if (ec || stopping_) return;
    tick();
    schedule_tick();
  });
}

void fake_discord::impl::tick() {
  std::lock_guard<std::mutex> guard{mtx_};
  auto now = clock_type::now();
  auto deadline = 2 * opts_.heartbeat_interval + 1s;
  std::vector<uint64_t> timed_out;
  for (auto& [id, c] : conns_) {
    if (c.ended || c.frozen || c.closing) continue;
    if (!c.session_id.empty()) {
      c.written.emplace_back(now, c.io->written_seq());
      while (c.written.size() > 2
             && c.written.front().first < now - 2 * seq_grace)
        c.written.pop_front();
    }
    if (opts_.enforce_heartbeats && now - c.last_beat > deadline)
      timed_out.push_back(id);
  }
  for (auto id : timed_out) {
    violation("heartbeat-missed: connection " + std::to_string(id)
              + " sent no heartbeat for " + ms_string(deadline));
    close_locked(id, 4009, "Session timed out.");
  }
  // Forget sessions nobody can resume and no shard points to.
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

// -- impl: connection events --------------------------------------------------

void fake_discord::impl::on_upgrade(beast::tcp_stream&& stream,
                                    http::request<http::string_body> req) {
  std::string target{req.target()};
  bool compress = query_param(target, "compress") == "zlib-stream";
  uint64_t id;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    id = next_conn_id_++;
  }
  common::ws_callbacks cb;
  cb.on_open = [this](const std::shared_ptr<common::ws_conn>& conn) {
    on_ws_open(std::static_pointer_cast<detail::gateway_conn>(conn));
  };
  cb.on_message = [this](uint64_t id, std::string msg, bool binary) {
    on_frame(id, std::move(msg), binary);
  };
  cb.on_end = [this](uint64_t id, end_kind kind, uint16_t code) {
    on_end(id, kind, code);
  };
  cb.on_drained = [this](uint64_t id) {
    on_drained(id);
  };
  auto conn = std::make_shared<detail::gateway_conn>(id, std::move(stream),
                                                     compress, std::move(cb));
  conn->accept(std::move(req));
}

void fake_discord::impl::on_ws_open(const conn_ptr& conn) {
  std::string target{conn->upgrade_request().target()};
  std::lock_guard<std::mutex> guard{mtx_};
  if (stopping_) return;
  ++connection_count_;
  auto id = conn->id();
  auto& c = conns_[id];
  c.io = conn;
  c.last_beat = clock_type::now();
  auto v = query_param(target, "v");
  auto encoding = query_param(target, "encoding");
  auto compress = query_param(target, "compress");
  if (v != "10") {
    close_locked(id, 4012, "Invalid API version.");
    return;
  }
  if (!encoding.empty() && encoding != "json") {
    close_locked(id, 4000, "fake_discord speaks encoding=json only");
    return;
  }
  if (!compress.empty() && compress != "zlib-stream") {
    close_locked(id, 4000, "fake_discord speaks compress=zlib-stream only");
    return;
  }
  json hello{{"heartbeat_interval", opts_.heartbeat_interval.count()},
             {"_trace", json::parse(trace_json)}};
  send_locked(c, op_payload(10, hello));
}

void fake_discord::impl::on_frame(uint64_t id, std::string msg, bool binary) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto i = conns_.find(id);
  if (i == conns_.end()) return;
  auto& c = i->second;
  if (c.ended || c.closing || c.frozen) return;
  auto now = clock_type::now();
  c.recv_times.push_back(now);
  while (!c.recv_times.empty() && c.recv_times.front() <= now - send_window)
    c.recv_times.pop_front();
  if (c.recv_times.size() > send_limit) {
    violation("gateway-send-rate: more than 120 frames in 60 s on connection "
              + std::to_string(id));
    close_locked(id, 4008, "Rate limited.");
    return;
  }
  if (msg.size() > max_frame) {
    violation("oversized-frame: " + std::to_string(msg.size())
              + " bytes (limit 4096)");
    close_locked(id, 4002, "Error while decoding payload.");
    return;
  }
  if (binary) {
    violation("bad-frame: binary message on an encoding=json connection");
    close_locked(id, 4002, "Error while decoding payload.");
    return;
  }
  auto frame = json::parse(msg, nullptr, false);
  if (frame.is_discarded() || !frame.is_object() || !frame.contains("op")
      || !frame["op"].is_number_integer()) {
    violation("bad-frame: " + excerpt(msg));
    close_locked(id, 4002, "Error while decoding payload.");
    return;
  }
  handle_op_locked(id, c, frame);
}

void fake_discord::impl::on_end(uint64_t id, end_kind kind, uint16_t code) {
  std::lock_guard<std::mutex> guard{mtx_};
  end_locked(id, kind, code);
}

void fake_discord::impl::on_drained(uint64_t id) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto i = conns_.find(id);
  if (i != conns_.end() && i->second.flood_left > 0) pump_flood_locked(id);
}

// -- impl: protocol -----------------------------------------------------------

void fake_discord::impl::handle_op_locked(uint64_t id, conn_state& c,
                                          const json& frame) {
  auto op = frame["op"].get<int>();
  auto di = frame.find("d");
  json d = di == frame.end() ? json{} : *di;
  switch (op) {
    case 1: heartbeat_locked(id, c, frame); break;
    case 2: identify_locked(id, c, d); break;
    case 6: resume_locked(id, c, d); break;
    case 3:  // Presence Update
    case 4:  // Voice State Update
    case 8:  // Request Guild Members
    case 31: // Request Soundboard Sounds
    case 43: // Request Channel Info
      if (c.session_id.empty()) {
        violation("not-authenticated: op " + std::to_string(op)
                  + " before identify");
        close_locked(id, 4003, "Not authenticated.");
      }
      break;
    default:
      violation("unknown-opcode: op " + std::to_string(op));
      close_locked(id, 4001, "Unknown opcode.");
  }
}

void fake_discord::impl::heartbeat_locked(uint64_t, conn_state& c,
                                          const json& frame) {
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

void fake_discord::impl::identify_locked(uint64_t id, conn_state& c,
                                         const json& d) {
  ++identify_count_;
  auto now = clock_type::now();
  if (!c.session_id.empty()) {
    violation("already-authenticated: identify on an identified connection");
    close_locked(id, 4005, "Already authenticated.");
    return;
  }
  if (!d.is_object()) {
    violation("bad-frame: identify without a d object");
    close_locked(id, 4002, "Error while decoding payload.");
    return;
  }
  auto token = d.find("token");
  if (token == d.end() || !token->is_string() || *token != opts_.token) {
    close_locked(id, 4004, "Authentication failed.");
    return;
  }
  auto props = d.find("properties");
  if (props == d.end() || !props->is_object()) {
    violation("bad-frame: identify without properties");
    close_locked(id, 4002, "Error while decoding payload.");
    return;
  }
  auto intents = d.find("intents");
  if (intents == d.end() || !intents->is_number_integer()) {
    violation("bad-frame: identify without integer intents");
    close_locked(id, 4013, "Invalid intent(s).");
    return;
  }
  int64_t shard_id = 0;
  int64_t count = 1;
  auto sh = d.find("shard");
  if (sh == d.end() || sh->is_null()) {
    if (opts_.shards > 1) {
      close_locked(id, 4011, "Sharding required.");
      return;
    }
  } else {
    if (!sh->is_array() || sh->size() != 2 || !(*sh)[0].is_number_integer()
        || !(*sh)[1].is_number_integer()) {
      close_locked(id, 4010, "Invalid shard.");
      return;
    }
    shard_id = (*sh)[0].get<int64_t>();
    count = (*sh)[1].get<int64_t>();
    if (count < 1 || shard_id < 0 || shard_id >= count) {
      close_locked(id, 4010, "Invalid shard.");
      return;
    }
    if (count < static_cast<int64_t>(opts_.shards)) {
      close_locked(id, 4011, "Sharding required.");
      return;
    }
  }
  auto shard = static_cast<uint32_t>(shard_id);
  ++shards_[shard].identifies;
  if (identify_remaining_ <= 0) {
    // Discord terminates the sessions and resets the token.
    violation("identify-limit: session_start_limit exhausted");
    close_locked(id, 4004, "Authentication failed.");
    return;
  }
  auto bucket = static_cast<int>(shard % opts_.max_concurrency);
  if (auto b = identify_buckets_.find(bucket);
      b != identify_buckets_.end() && now - b->second < identify_window) {
    violation("identify-rate: shard " + std::to_string(shard) + " identified "
              + ms_string(now - b->second)
              + " after the last identify of bucket " + std::to_string(bucket)
              + " (1 per 5 s)");
    send_locked(c, op_payload(9, false));
    return;
  }
  identify_buckets_[bucket] = now;
  --identify_remaining_;
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
  fresh.id = new_session_id();
  fresh.shard = shard;
  fresh.shard_count = static_cast<uint32_t>(count);
  fresh.conn = id;
  auto sid = fresh.id;
  auto& s = sessions_[sid] = std::move(fresh);
  c.session_id = sid;
  auto& info = shards_[shard];
  info.session_id = sid;
  info.heartbeats += c.heartbeats;
  auto gid = guild_id(shard);
  json ready{{"v", 10},
             {"user_settings", json::object()},
             {"user",
              {{"verified", true},
               {"username", opts_.bot_name},
               {"mfa_enabled", false},
               {"id", opts_.bot_user_id},
               {"global_name", nullptr},
               {"flags", 0},
               {"email", nullptr},
               {"discriminator", "0"},
               {"bot", true},
               {"avatar", nullptr}}},
             {"session_type", "normal"},
             {"session_id", sid},
             {"resume_gateway_url", gateway_url()},
             {"relationships", json::array()},
             {"private_channels", json::array()},
             {"presences", json::array()},
             // Unavailable until the GUILD_CREATE that follows.
             {"guilds", json::array({{{"unavailable", true}, {"id", gid}}})},
             {"guild_join_requests", json::array()},
             {"geo_ordered_rtc_regions", {"us-east", "us-central"}},
             {"application", {{"id", opts_.bot_user_id}, {"flags", 0}}},
             {"shard", {shard, count}},
             {"_trace", json::parse(trace_json)}};
  dispatch_locked(s, "READY",
                  std::make_shared<const std::string>(ready.dump()));
  dispatch_locked(s, "GUILD_CREATE",
                  std::make_shared<const std::string>(guild_json(shard)));
  if (opts_.flood_after_ready > 0) {
    auto channel = std::to_string(std::stoull(gid) + 1);
    c.flood_left = opts_.flood_after_ready;
    c.flood_id_at = std::string::npos;
    c.flood_d = std::make_shared<const std::string>(
      message_create(channel, gid, "flood", "42", "alice"));
    pump_flood_locked(id);
  }
}

void fake_discord::impl::resume_locked(uint64_t id, conn_state& c,
                                       const json& d) {
  ++resume_count_;
  auto now = clock_type::now();
  if (!c.session_id.empty()) {
    violation("already-authenticated: resume on an identified connection");
    close_locked(id, 4005, "Already authenticated.");
    return;
  }
  if (!d.is_object() || !d.contains("session_id")
      || !d["session_id"].is_string()) {
    violation("bad-frame: resume without session_id");
    close_locked(id, 4002, "Error while decoding payload.");
    return;
  }
  auto token = d.find("token");
  if (token == d.end() || !token->is_string() || *token != opts_.token) {
    close_locked(id, 4004, "Authentication failed.");
    return;
  }
  int64_t seq = 0;
  if (auto si = d.find("seq"); si != d.end() && !si->is_null()) {
    if (!si->is_number_integer()) {
      violation("bad-frame: resume seq is " + excerpt(si->dump()));
      close_locked(id, 4002, "Error while decoding payload.");
      return;
    }
    seq = si->get<int64_t>();
  }
  auto i = sessions_.find(d["session_id"].get<std::string>());
  if (i == sessions_.end() || !resumable_locked(i->second, now)) {
    send_locked(c, op_payload(9, false));
    return;
  }
  auto& s = i->second;
  ++shards_[s.shard].resumes;
  if (seq > s.seq) {
    s.invalid = true;
    close_locked(id, 4007, "Invalid seq.");
    return;
  }
  if (!s.log.empty() && seq + 1 < s.log.front().seq) {
    // The replay buffer no longer reaches back that far.
    s.invalid = true;
    send_locked(c, op_payload(9, false));
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
    if (e.seq > seq) send_locked(c, dispatch_payload(e.t, e.seq, *e.d), e.seq);
  auto rs = ++s.seq;
  send_locked(c,
              dispatch_payload("RESUMED", rs,
                               std::string{R"({"_trace":)"} + trace_json + "}"),
              rs);
}

// -- impl: helpers ------------------------------------------------------------

void fake_discord::impl::violation(std::string what) {
  violations_.push_back(std::move(what));
}

void fake_discord::impl::send_locked(conn_state& c, std::string payload,
                                     int64_t seq) {
  if (c.ended || c.frozen || c.closing) return;
  c.io->send(std::make_shared<const std::string>(std::move(payload)), seq,
             static_cast<zlib_split>(split_.load()));
}

void fake_discord::impl::close_locked(uint64_t id, uint16_t code,
                                      std::string reason) {
  auto i = conns_.find(id);
  if (i == conns_.end()) return;
  auto& c = i->second;
  if (c.ended || c.closing || c.frozen) return;
  c.closing = true;
  c.flood_left = 0;
  if (ends_session(code) && !c.session_id.empty())
    if (auto s = sessions_.find(c.session_id); s != sessions_.end())
      s->second.invalid = true;
  c.io->close(code, std::move(reason));
}

void fake_discord::impl::drop_locked(uint64_t id) {
  auto i = conns_.find(id);
  if (i == conns_.end()) return;
  i->second.io->drop();
  end_locked(id, end_kind::dropped, 0);
}

void fake_discord::impl::end_locked(uint64_t id, end_kind kind, uint16_t code) {
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
        // 1000/1001 invalidate the session (the bot shows offline).
        if (code == 1000 || code == 1001) {
          s.invalid = true;
          violation("note: session closed with " + std::to_string(code)
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

int64_t
fake_discord::impl::dispatch_locked(session& s, std::string t,
                                    std::shared_ptr<const std::string> d) {
  auto seq = ++s.seq;
  if (s.conn != 0)
    if (auto i = conns_.find(s.conn); i != conns_.end())
      send_locked(i->second, dispatch_payload(t, seq, *d), seq);
  s.log.push_back(log_entry{seq, std::move(t), std::move(d)});
  while (s.log.size() > opts_.replay_limit)
    s.log.pop_front();
  return seq;
}

void fake_discord::impl::pump_flood_locked(uint64_t id) {
  auto i = conns_.find(id);
  if (i == conns_.end()) return;
  auto& c = i->second;
  auto si = sessions_.find(c.session_id);
  if (c.ended || c.frozen || c.closing || si == sessions_.end()
      || si->second.conn != id) {
    c.flood_left = 0;
    return;
  }
  auto n = std::min(c.flood_left, flood_chunk);
  c.flood_left -= n;
  if (c.flood_id_at == std::string::npos) {
    // Found once per flood: `"id":"<digits>"` of the message itself.
    auto d = json::parse(*c.flood_d, nullptr, false);
    if (d.is_object() && d.contains("id") && d["id"].is_string()) {
      auto needle = "\"id\":\"" + d["id"].get<std::string>() + "\"";
      if (auto at = c.flood_d->find(needle); at != std::string::npos) {
        c.flood_id_at = at + 6;
        c.flood_id_len = d["id"].get<std::string>().size();
      }
    }
  }
  for (size_t k = 0; k < n; ++k) {
    if (c.flood_id_at == std::string::npos || c.flood_id_len < 10) {
      dispatch_locked(si->second, "MESSAGE_CREATE", c.flood_d);
      continue;
    }
    // The last 9 digits count the flooded messages.
    auto d = std::make_shared<std::string>(*c.flood_d);
    auto serial = ++flood_serial_;
    for (size_t pos = c.flood_id_at + c.flood_id_len, j = 0; j < 9;
         ++j, serial /= 10)
      (*d)[--pos] = static_cast<char>('0' + serial % 10);
    dispatch_locked(si->second, "MESSAGE_CREATE", std::move(d));
  }
}

fake_discord::impl::session*
fake_discord::impl::current_session_locked(uint32_t shard) {
  auto i = shards_.find(shard);
  if (i == shards_.end() || i->second.session_id.empty()) return nullptr;
  auto s = sessions_.find(i->second.session_id);
  return s == sessions_.end() ? nullptr : &s->second;
}

bool fake_discord::impl::resumable_locked(const session& s,
                                          time_point now) const {
  return !s.invalid
         && (s.conn != 0 || now - s.disconnected_at < opts_.resume_window);
}

std::vector<uint64_t> fake_discord::impl::targets_locked(int shard) {
  std::vector<uint64_t> result;
  if (shard < 0) {
    for (auto& [id, c] : conns_)
      if (!c.ended) result.push_back(id);
  } else if (auto* s = current_session_locked(static_cast<uint32_t>(shard));
             s && s->conn != 0) {
    result.push_back(s->conn);
  }
  return result;
}

std::string fake_discord::impl::gateway_url() const {
  return "ws://127.0.0.1:" + std::to_string(port_) + "/gateway";
}

std::string fake_discord::impl::guild_id(uint32_t shard) const {
  // (id >> 22) % shards == shard, Discord's routing formula.
  auto base = static_cast<uint64_t>(shard)
              + static_cast<uint64_t>(opts_.shards) * 1000;
  return std::to_string(base << 22);
}

std::string fake_discord::impl::new_session_id() {
  // splitmix64: good enough for ids that only need to be unique.
  auto next = [this] {
    uint64_t z = (rng_state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  };
  char buf[33];
  std::snprintf(buf, sizeof(buf), "%016llx%016llx",
                static_cast<unsigned long long>(next()),
                static_cast<unsigned long long>(next()));
  return buf;
}

std::string fake_discord::impl::snowflake() const {
  using namespace std::chrono;
  constexpr int64_t discord_epoch_ms = 1420070400000;
  auto ms = duration_cast<milliseconds>(system_clock::now().time_since_epoch())
              .count()
            - discord_epoch_ms;
  auto candidate = static_cast<uint64_t>(ms) << 22;
  auto last = last_snowflake_.load();
  uint64_t next;
  do {
    next = std::max(candidate, last + 1);
  } while (!last_snowflake_.compare_exchange_weak(last, next));
  return std::to_string(next);
}

std::string fake_discord::impl::guild_json(uint32_t shard) const {
  auto gid = guild_id(shard);
  auto channel = std::to_string(std::stoull(gid) + 1);
  json everyone{{"id", gid},
                {"name", "@everyone"},
                {"permissions", "2248473465835073"},
                {"position", 0},
                {"color", 0},
                {"hoist", false},
                {"managed", false},
                {"mentionable", false},
                {"flags", 0}};
  json general{{"id", channel},
               {"type", 0},
               {"name", "general"},
               {"position", 0},
               {"parent_id", nullptr},
               {"topic", nullptr},
               {"nsfw", false},
               {"last_message_id", nullptr},
               {"rate_limit_per_user", 0},
               {"permission_overwrites", json::array()},
               {"flags", 0}};
  json g{{"id", gid},
         {"name", "tether-test-" + std::to_string(shard)},
         {"icon", nullptr},
         {"owner_id", "42"},
         {"unavailable", false},
         {"large", false},
         {"member_count", 2},
         {"joined_at", "2024-01-01T00:00:00.000000+00:00"},
         {"application_id", nullptr},
         {"afk_channel_id", nullptr},
         {"afk_timeout", 300},
         {"system_channel_id", channel},
         {"verification_level", 0},
         {"default_message_notifications", 0},
         {"explicit_content_filter", 0},
         {"mfa_level", 0},
         {"nsfw_level", 0},
         {"premium_tier", 0},
         {"preferred_locale", "en-US"},
         {"features", json::array()},
         {"roles", json::array({everyone})},
         {"emojis", json::array()},
         {"stickers", json::array()},
         {"channels", json::array({general})},
         {"threads", json::array()},
         {"members", json::array()},
         {"voice_states", json::array()},
         {"presences", json::array()},
         {"stage_instances", json::array()},
         {"guild_scheduled_events", json::array()},
         {"lazy", true}};
  return g.dump();
}

std::string
fake_discord::impl::message_json(const std::string& channel_id,
                                 const std::string& content, const json& nonce,
                                 const std::string& webhook_id,
                                 const std::string& username) const {
  bool hook = !webhook_id.empty();
  json author{{"id", hook ? webhook_id : opts_.bot_user_id},
              {"username", hook ? username : opts_.bot_name},
              {"avatar", nullptr},
              {"discriminator", hook ? "0000" : "0"},
              {"public_flags", 0},
              {"flags", 0},
              {"bot", true},
              {"global_name", nullptr}};
  json m{{"type", 0},
         {"channel_id", channel_id},
         {"content", content},
         {"attachments", json::array()},
         {"embeds", json::array()},
         {"timestamp", iso_timestamp()},
         {"edited_timestamp", nullptr},
         {"flags", 0},
         {"components", json::array()},
         {"id", snowflake()},
         {"author", author},
         {"mentions", json::array()},
         {"mention_roles", json::array()},
         {"pinned", false},
         {"mention_everyone", false},
         {"tts", false}};
  if (!nonce.is_null()) m["nonce"] = nonce;
  if (hook) m["webhook_id"] = webhook_id;
  return m.dump();
}

std::string
fake_discord::impl::message_create(const std::string& channel_id,
                                   const std::string& guild_id,
                                   const std::string& content,
                                   const std::string& author_id,
                                   const std::string& author_name) const {
  json author{{"username", author_name},
              {"public_flags", 0},
              {"primary_guild", nullptr},
              {"id", author_id},
              {"global_name", author_name},
              {"discriminator", "0"},
              {"collectibles", nullptr},
              {"clan", nullptr},
              {"avatar_decoration_data", nullptr},
              {"avatar", "a_4f1d4e8b2c3a9f0e7d6c5b4a39281706"}};
  json m{{"type", 0},
         {"tts", false},
         {"timestamp", iso_timestamp()},
         {"pinned", false},
         {"nonce", snowflake()},
         {"mentions", json::array()},
         {"mention_roles", json::array()},
         {"mention_everyone", false},
         {"id", snowflake()},
         {"flags", 0},
         {"embeds", json::array()},
         {"edited_timestamp", nullptr},
         {"content", content},
         {"components", json::array()},
         {"channel_type", 0},
         {"channel_id", channel_id},
         {"author", author},
         {"attachments", json::array()}};
  if (!guild_id.empty()) {
    m["guild_id"] = guild_id;
    m["member"] = json{{"roles", json::array()},
                       {"premium_since", nullptr},
                       {"pending", false},
                       {"nick", nullptr},
                       {"mute", false},
                       {"joined_at", "2024-01-01T00:00:00.000000+00:00"},
                       {"flags", 0},
                       {"deaf", false},
                       {"communication_disabled_until", nullptr},
                       {"banner", nullptr},
                       {"avatar", nullptr}};
  }
  return m.dump();
}

// -- fake_discord -------------------------------------------------------------

fake_discord::fake_discord(discord_options opts)
  : impl_(std::make_unique<impl>(std::move(opts))) {
  impl_->start();
}

fake_discord::~fake_discord() {
  impl_->stop();
}

uint16_t fake_discord::port() const {
  return impl_->port_;
}

std::string fake_discord::gateway_url() const {
  return impl_->gateway_url();
}

std::string fake_discord::api_base() const {
  return "http://127.0.0.1:" + std::to_string(impl_->port_) + "/api/v10";
}

std::string fake_discord::guild_id(uint32_t shard) const {
  return impl_->guild_id(shard);
}

void fake_discord::drop(int shard) {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  for (auto id : impl_->targets_locked(shard))
    impl_->drop_locked(id);
}

void fake_discord::half_open(int shard) {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  for (auto id : impl_->targets_locked(shard)) {
    auto& c = impl_->conns_[id];
    if (c.frozen || c.closing) continue;
    c.frozen = true;
    c.flood_left = 0;
    c.io->half_open();
  }
}

void fake_discord::refuse_for(std::chrono::milliseconds d) {
  impl_->listener_.refuse_for(d);
}

void fake_discord::send_reconnect(int shard) {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  for (auto id : impl_->targets_locked(shard))
    impl_->send_locked(impl_->conns_[id], op_payload(7, nullptr));
}

void fake_discord::send_invalid_session(int shard, bool resumable) {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  for (auto id : impl_->targets_locked(shard)) {
    auto& c = impl_->conns_[id];
    if (!resumable && !c.session_id.empty())
      if (auto s = impl_->sessions_.find(c.session_id);
          s != impl_->sessions_.end())
        s->second.invalid = true;
    impl_->send_locked(c, op_payload(9, resumable));
  }
}

void fake_discord::close_with(int shard, uint16_t code, std::string reason) {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  for (auto id : impl_->targets_locked(shard))
    impl_->close_locked(id, code, reason);
}

void fake_discord::stall_acks(int shard, bool on) {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  for (auto id : impl_->targets_locked(shard))
    impl_->conns_[id].stall = on;
}

void fake_discord::request_heartbeat(int shard) {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  for (auto id : impl_->targets_locked(shard))
    impl_->send_locked(impl_->conns_[id], op_payload(1, nullptr));
}

void fake_discord::rate_limit_route(std::string route_prefix,
                                    double retry_after_s, int count) {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  impl_->route_limits_.push_back(
    impl::route_limit{std::move(route_prefix), retry_after_s, count});
}

void fake_discord::hang_creates(int count) {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  impl_->hang_creates_ = count;
}

void fake_discord::rate_limit_global(double retry_after_s, int count) {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  impl_->global_retry_after_ = retry_after_s;
  impl_->global_count_ = count;
}

void fake_discord::webhook_gone(std::string webhook_id) {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  impl_->gone_webhooks_.insert(std::move(webhook_id));
}

void fake_discord::split_compressed(zlib_split mode) {
  impl_->split_ = static_cast<int>(mode);
}

int64_t fake_discord::dispatch(int shard, std::string t, std::string d_json) {
  if (!json::accept(d_json))
    throw std::invalid_argument("fake_discord::dispatch: d is not JSON");
  auto d = std::make_shared<const std::string>(std::move(d_json));
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  auto now = clock_type::now();
  auto one = [&](uint32_t s) -> int64_t {
    auto* ses = impl_->current_session_locked(s);
    if (!ses || !impl_->resumable_locked(*ses, now)) return -1;
    return impl_->dispatch_locked(*ses, t, d);
  };
  if (shard >= 0) return one(static_cast<uint32_t>(shard));
  int64_t last = -1;
  for (auto& [id, info] : impl_->shards_)
    if (auto seq = one(id); seq >= 0) last = seq;
  return last;
}

std::string
fake_discord::message_create_json(std::string channel_id, std::string guild_id,
                                  std::string content, std::string author_id,
                                  std::string author_name) const {
  return impl_->message_create(channel_id, guild_id, content, author_id,
                               author_name);
}

void fake_discord::flood(int shard, size_t n, std::string d_json) {
  if (!json::accept(d_json))
    throw std::invalid_argument("fake_discord::flood: d is not JSON");
  auto d = std::make_shared<const std::string>(std::move(d_json));
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  auto now = clock_type::now();
  std::vector<uint32_t> ids;
  if (shard >= 0)
    ids.push_back(static_cast<uint32_t>(shard));
  else
    for (auto& [id, info] : impl_->shards_)
      ids.push_back(id);
  for (auto id : ids) {
    auto* s = impl_->current_session_locked(id);
    if (!s || !impl_->resumable_locked(*s, now)) continue;
    auto ci = s->conn != 0 ? impl_->conns_.find(s->conn) : impl_->conns_.end();
    if (ci != impl_->conns_.end() && !ci->second.frozen
        && !ci->second.closing) {
      ci->second.flood_left += n;
      ci->second.flood_d = d;
      ci->second.flood_id_at = std::string::npos;
      impl_->pump_flood_locked(ci->first);
    } else {
      // Disconnected or half-open: log for replay, bounded by replay_limit.
      for (size_t k = 0; k < n; ++k)
        impl_->dispatch_locked(*s, "MESSAGE_CREATE", d);
    }
  }
}

std::vector<fake_discord::shard_state> fake_discord::shards() const {
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

std::vector<std::string> fake_discord::violations() const {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  return impl_->violations_;
}

bool fake_discord::has_violation(const std::string& prefix) const {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  return std::any_of(impl_->violations_.begin(), impl_->violations_.end(),
                     [&](const std::string& v) {
                       return v.compare(0, prefix.size(), prefix) == 0;
                     });
}

std::vector<std::string> fake_discord::errors() const {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  std::vector<std::string> result;
  for (auto& v : impl_->violations_)
    if (v.compare(0, 6, "note: ") != 0) result.push_back(v);
  return result;
}

std::vector<fake_discord::posted_message> fake_discord::posted() const {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  return impl_->posted_;
}

int fake_discord::duplicate_count() const {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  return impl_->duplicates_;
}

int fake_discord::identify_count() const {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  return impl_->identify_count_;
}

int fake_discord::resume_count() const {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  return impl_->resume_count_;
}

int fake_discord::connection_count() const {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  return impl_->connection_count_;
}

bool fake_discord::wait_for(std::function<bool()> pred,
                            std::chrono::milliseconds timeout) const {
  auto deadline = clock_type::now() + timeout;
  for (;;) {
    if (pred()) return true;
    if (clock_type::now() >= deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
}

} // namespace tether::fakes
