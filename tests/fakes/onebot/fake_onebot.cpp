// The OneBot v11 protocol of the fake (events, actions, forward and reverse
// WebSocket) and its public API. All protocol state lives in
// fake_onebot::impl under one mutex; see internal.hpp.

#include "fakes/onebot/fake_onebot.hpp"

#include <algorithm>
#include <ctime>
#include <utility>

#include "fakes/onebot/internal.hpp"

namespace tether::fakes {

using namespace std::chrono_literals;
using onebot_detail::clock_type;
using onebot_detail::json;
namespace asio = onebot_detail::asio;
namespace beast = onebot_detail::beast;
namespace http = onebot_detail::http;

namespace {

std::string excerpt(const std::string& msg) {
  return msg.size() <= 80 ? msg : msg.substr(0, 77) + "...";
}

std::string query_param(beast::string_view target, const std::string& key) {
  auto q = target.find('?');
  if (q == beast::string_view::npos) return {};
  auto query = std::string{target.substr(q + 1)};
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

const char* role_name(onebot_role r) {
  switch (r) {
    case onebot_role::api: return "api";
    case onebot_role::event: return "event";
    default: return "universal";
  }
}

/// X-Client-Role header values (PROTOCOLS.md §4.1).
const char* role_header(onebot_role r) {
  switch (r) {
    case onebot_role::api: return "API";
    case onebot_role::event: return "Event";
    default: return "Universal";
  }
}

bool carries_events(onebot_role r) {
  return r != onebot_role::api;
}

std::string cq_unescape(std::string x) {
  static const std::pair<const char*, const char*> table[]
    = {{"&#91;", "["}, {"&#93;", "]"}, {"&#44;", ","}, {"&amp;", "&"}};
  for (auto& [from, to] : table) {
    std::string out;
    size_t pos = 0;
    for (auto hit = x.find(from); hit != std::string::npos;
         hit = x.find(from, pos)) {
      out.append(x, pos, hit - pos);
      out += to;
      pos = hit + std::char_traits<char>::length(from);
    }
    out.append(x, pos, std::string::npos);
    x = std::move(out);
  }
  return x;
}

/// CQ-code string to segment array (PROTOCOLS.md §4.4).
json cq_to_segments(const std::string& cq) {
  auto out = json::array();
  auto text = [&](const std::string& t) {
    if (!t.empty())
      out.push_back({{"type", "text"}, {"data", {{"text", cq_unescape(t)}}}});
  };
  size_t pos = 0;
  while (pos < cq.size()) {
    auto open = cq.find("[CQ:", pos);
    auto close = open == std::string::npos ? open : cq.find(']', open);
    if (open == std::string::npos || close == std::string::npos) {
      text(cq.substr(pos));
      break;
    }
    text(cq.substr(pos, open - pos));
    auto body = cq.substr(open + 4, close - open - 4);
    auto comma = body.find(',');
    json seg{{"type", body.substr(0, comma)}, {"data", json::object()}};
    while (comma != std::string::npos) {
      auto next = body.find(',', comma + 1);
      auto kv = body.substr(comma + 1, next == std::string::npos
                                         ? std::string::npos
                                         : next - comma - 1);
      auto eq = kv.find('=');
      if (eq != std::string::npos)
        seg["data"][kv.substr(0, eq)] = cq_unescape(kv.substr(eq + 1));
      comma = next;
    }
    out.push_back(std::move(seg));
    pos = close + 1;
  }
  return out;
}

/// An id param as a number or a numeric string; 0 if absent or malformed.
int64_t id_param(const json& params, const char* key) {
  if (!params.is_object()) return 0;
  auto i = params.find(key);
  if (i == params.end()) return 0;
  if (i->is_number_integer()) return i->get<int64_t>();
  if (i->is_string()) {
    auto s = i->get<std::string>();
    char* end = nullptr;
    auto v = std::strtoll(s.c_str(), &end, 10);
    if (!s.empty() && end && *end == '\0') return v;
  }
  return 0;
}

bool valid_message(const json& params) {
  if (!params.is_object()) return false;
  auto i = params.find("message");
  if (i == params.end()) return false;
  if (i->is_string()) return !i->get<std::string>().empty();
  if (i->is_array()) return !i->empty();
  return i->is_object() && i->contains("type");
}

json failed(int retcode, const std::string& msg) {
  return json{{"status", "failed"},
              {"retcode", retcode},
              {"data", nullptr},
              {"msg", msg},
              {"wording", msg}};
}

} // namespace

// -- impl: lifetime -----------------------------------------------------------

fake_onebot::impl::impl(onebot_options opts)
  : opts_(std::move(opts)),
    ioc_(std::max(1, opts_.io_threads)),
    listener_(ioc_, stopping_, "fake_onebot") {
  opts_.io_threads = std::max(1, opts_.io_threads);
  opts_.heartbeat_interval = std::max(opts_.heartbeat_interval,
                                      std::chrono::milliseconds{10});
}

fake_onebot::impl::~impl() {
  stop();
}

void fake_onebot::impl::start() {
  common::http_settings cfg;
  cfg.name = "fake-onebot";
  cfg.on_request = [this](const request& req) {
    return on_request(req);
  };
  cfg.on_upgrade = [this](beast::tcp_stream&& stream, request req) {
    on_upgrade(std::move(stream), std::move(req));
  };
  http_ = std::make_shared<const common::http_settings>(std::move(cfg));
  listener_.open(opts_.port, [this](onebot_detail::tcp::socket&& sock) {
    std::make_shared<common::http_conn>(std::move(sock), http_)->start();
  });
  port_ = listener_.port();
  common::run_io_threads(ioc_, opts_.io_threads, "fake_onebot", threads_);
}

void fake_onebot::impl::stop() {
  if (stopped_) return;
  stopped_ = true;
  stopping_ = true;
  // Not graceful on purpose: bounded even with half-open peers.
  ioc_.stop();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  listener_.close();
  std::lock_guard<std::mutex> guard{mtx_};
  conns_.clear();
}

// -- impl: connections --------------------------------------------------------

unsigned fake_onebot::impl::check_upgrade(const request& req) {
  auto target = req.target();
  auto path = target.substr(0, target.find('?'));
  if (path != "/" && path != "/api" && path != "/api/" && path != "/event"
      && path != "/event/")
    return 404;
  std::lock_guard<std::mutex> guard{mtx_};
  if (opts_.access_token.empty()) return 0;
  std::string given;
  bool present = false;
  if (auto h = req.find(http::field::authorization); h != req.end()) {
    present = true;
    auto v = std::string{h->value()};
    static const std::string bearer = "Bearer ";
    if (v.compare(0, bearer.size(), bearer) == 0)
      given = v.substr(bearer.size());
  } else if (auto q = query_param(target, "access_token"); !q.empty()) {
    present = true;
    given = q;
  }
  if (present && given == opts_.access_token) return 0;
  ++auth_failures_;
  return present ? 403 : 401;
}

void fake_onebot::impl::on_upgrade(beast::tcp_stream&& stream, request req) {
  auto target = req.target();
  auto path = target.substr(0, target.find('?'));
  auto role = path.substr(0, 4) == "/api"     ? onebot_role::api
              : path.substr(0, 6) == "/event" ? onebot_role::event
                                              : onebot_role::universal;
  conn_ptr conn;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (stopping_) return;
    auto id = next_conn_id_++;
    conn = std::make_shared<common::ws_conn>(id, std::move(stream),
                                             common::ws_settings{"fake-onebot"},
                                             ws_callbacks());
    auto& c = conns_[id];
    c.io = conn;
    c.role = role;
  }
  conn->accept(std::move(req));
}

common::ws_callbacks fake_onebot::impl::ws_callbacks() {
  common::ws_callbacks cb;
  cb.on_open = [this](const conn_ptr& conn) {
    on_ws_open(conn->id());
  };
  cb.on_open_failed = [this](uint64_t id) {
    on_dial_failed(id);
  };
  cb.on_message = [this](uint64_t id, std::string msg, bool binary) {
    on_frame(id, std::move(msg), binary);
  };
  cb.on_end = [this](uint64_t id, common::end_kind, uint16_t) {
    on_end(id);
  };
  return cb;
}

void fake_onebot::impl::on_ws_open(uint64_t id) {
  std::lock_guard<std::mutex> guard{mtx_};
  if (stopping_) return;
  auto i = conns_.find(id);
  if (i == conns_.end()) return;
  auto& c = i->second;
  c.open = true;
  if (!c.reverse) ++connection_count_;
  if (c.reverse && !dials_[c.dial].active) {
    close_locked(id, 1000, "dialing stopped");
    return;
  }
  if (carries_events(c.role)) {
    send_locked(c, lifecycle_event().dump());
    arm_heartbeat_locked(id);
  }
}

void fake_onebot::impl::on_dial_failed(uint64_t id) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto i = conns_.find(id);
  if (i == conns_.end()) return;
  auto reverse = i->second.reverse;
  auto index = i->second.dial;
  conns_.erase(i);
  if (reverse) schedule_redial_locked(index);
}

void fake_onebot::impl::on_end(uint64_t id) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto i = conns_.find(id);
  if (i == conns_.end()) return;
  if (i->second.heartbeat) i->second.heartbeat->cancel();
  auto reverse = i->second.reverse;
  auto index = i->second.dial;
  conns_.erase(i);
  if (reverse) schedule_redial_locked(index);
}

void fake_onebot::impl::on_frame(uint64_t id, std::string msg, bool binary) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto i = conns_.find(id);
  if (i == conns_.end()) return;
  auto& c = i->second;
  if (c.closing || c.frozen) return;
  if (binary) {
    violation("binary-frame: " + std::to_string(msg.size()) + " bytes");
    return;
  }
  auto frame = json::parse(msg, nullptr, false);
  if (frame.is_discarded() || !frame.is_object() || !frame.contains("action")
      || !frame["action"].is_string()) {
    violation("bad-frame: " + excerpt(msg));
    return;
  }
  auto name = frame["action"].get<std::string>();
  json params = frame.contains("params") ? frame["params"] : json{};
  auto echo_it = frame.find("echo");
  fake_onebot::action rec{name,
                          params.dump(),
                          echo_it == frame.end() ? "" : echo_it->dump(),
                          role_name(c.role),
                          c.reverse,
                          -1};
  if (c.role == onebot_role::event) {
    // Event connections ignore what the client sends.
    violation("action-on-event-connection: " + name);
    actions_.push_back(std::move(rec));
    return;
  }
  if (take_rule_locked(swallow_, name)) {
    actions_.push_back(std::move(rec));
    return;
  }
  json res;
  if (auto* r = take_rule_locked(fail_, name))
    res = failed(r->retcode, "fake: injected failure");
  else
    res = execute_locked(name, params);
  if (echo_it != frame.end()) res["echo"] = *echo_it;
  rec.retcode = res["retcode"].get<int>();
  actions_.push_back(std::move(rec));
  send_locked(c, res.dump());
}

// -- impl: actions ------------------------------------------------------------

fake_onebot::impl::rule*
fake_onebot::impl::take_rule_locked(std::vector<rule>& rules,
                                    const std::string& name) {
  for (auto& r : rules) {
    if (r.count == 0 || (!r.name.empty() && r.name != name)) continue;
    if (r.count > 0) --r.count;
    return &r;
  }
  return nullptr;
}

fake_onebot::impl::json
fake_onebot::impl::execute_locked(const std::string& name, const json& params) {
  auto base = name;
  bool async = false;
  for (std::string suffix : {"_async", "_rate_limited"})
    if (base.size() > suffix.size()
        && base.compare(base.size() - suffix.size(), suffix.size(), suffix)
             == 0) {
      base.erase(base.size() - suffix.size());
      async = true;
    }
  auto ok = [&](json data) {
    if (async)
      return json{{"status", "async"}, {"retcode", 1}, {"data", nullptr}};
    return json{{"status", "ok"}, {"retcode", 0}, {"data", std::move(data)}};
  };
  auto sent = [&] {
    return ok(json{{"message_id", next_message_id_++}});
  };
  if (base == "send_private_msg") {
    if (id_param(params, "user_id") == 0 || !valid_message(params))
      return failed(1400, "invalid params");
    return sent();
  }
  if (base == "send_group_msg") {
    if (id_param(params, "group_id") == 0 || !valid_message(params))
      return failed(1400, "invalid params");
    return sent();
  }
  if (base == "send_msg") {
    auto type = params.is_object() ? params.value("message_type", "") : "";
    auto user = id_param(params, "user_id");
    auto group = id_param(params, "group_id");
    bool target_ok = type == "private" ? user != 0
                     : type == "group" ? group != 0
                                       : (user != 0 || group != 0);
    if (!target_ok || !valid_message(params))
      return failed(1400, "invalid params");
    return sent();
  }
  if (base == "get_login_info")
    return ok(json{{"user_id", opts_.self_id}, {"nickname", opts_.nickname}});
  if (base == "get_status") return ok(json{{"online", true}, {"good", true}});
  if (base == "get_version_info")
    return ok(json{{"app_name", "fake-onebot"},
                   {"app_version", "1.0.0"},
                   {"protocol_version", "v11"}});
  if (base == "delete_msg" || base == "set_group_ban"
      || base == "set_friend_add_request" || base == "set_group_add_request")
    return ok(nullptr);
  return failed(1404, "unknown action");
}

// -- impl: events -------------------------------------------------------------

fake_onebot::impl::json fake_onebot::impl::base_event(const char* pt) const {
  return json{{"time", static_cast<int64_t>(std::time(nullptr))},
              {"self_id", opts_.self_id},
              {"post_type", pt}};
}

fake_onebot::impl::json fake_onebot::impl::lifecycle_event() const {
  auto e = base_event("meta_event");
  e["meta_event_type"] = "lifecycle";
  e["sub_type"] = "connect";
  return e;
}

fake_onebot::impl::json fake_onebot::impl::heartbeat_event() const {
  auto e = base_event("meta_event");
  e["meta_event_type"] = "heartbeat";
  e["status"] = json{{"app_initialized", true}, {"app_enabled", true},
                     {"plugins_good", nullptr}, {"app_good", true},
                     {"online", true},          {"good", true}};
  e["interval"] = opts_.heartbeat_interval.count();
  return e;
}

fake_onebot::impl::json
fake_onebot::impl::message_field(const std::string& cq) const {
  if (opts_.message_format == onebot_format::array) return cq_to_segments(cq);
  return cq;
}

void fake_onebot::impl::arm_heartbeat_locked(uint64_t id) {
  auto i = conns_.find(id);
  if (i == conns_.end() || !opts_.heartbeat_enabled) return;
  auto& c = i->second;
  if (!c.heartbeat) c.heartbeat = std::make_shared<asio::steady_timer>(ioc_);
  auto timer = c.heartbeat;
  timer->expires_after(opts_.heartbeat_interval);
  timer->async_wait([this, timer, id](beast::error_code ec) {
    if (ec || stopping_) return;
    std::lock_guard<std::mutex> guard{mtx_};
    auto i = conns_.find(id);
    if (i == conns_.end() || i->second.closing || i->second.frozen) return;
    if (!heartbeats_stopped_) {
      ++heartbeats_sent_;
      send_locked(i->second, heartbeat_event().dump());
    }
    arm_heartbeat_locked(id);
  });
}

void fake_onebot::impl::push_locked(const json& event) {
  auto text = event.dump();
  for (auto& [id, c] : conns_)
    if (c.open && carries_events(c.role)) send_locked(c, text);
}

// -- impl: reverse WebSocket --------------------------------------------------

void fake_onebot::impl::dial_locked(size_t index) {
  auto& t = dials_[index];
  if (!t.active || stopping_) return;
  auto id = next_conn_id_++;
  auto conn = std::make_shared<common::ws_conn>(
    id, ioc_, common::ws_settings{"fake-onebot"}, ws_callbacks());
  auto& c = conns_[id];
  c.io = conn;
  c.role = t.role;
  c.reverse = true;
  c.dial = index;
  ++dial_attempts_;
  onebot_detail::header_list headers{{"X-Self-ID",
                                      std::to_string(opts_.self_id)},
                                     {"X-Client-Role", role_header(t.role)}};
  if (!opts_.access_token.empty())
    headers.emplace_back("Authorization", "Bearer " + opts_.access_token);
  conn->dial(t.host, t.port, t.target, std::move(headers));
}

void fake_onebot::impl::schedule_redial_locked(size_t index) {
  if (stopping_ || !dials_[index].active
      || opts_.reverse_reconnect_interval.count() <= 0)
    return;
  auto timer = std::make_shared<asio::steady_timer>(
    ioc_, opts_.reverse_reconnect_interval);
  timer->async_wait([this, timer, index](beast::error_code ec) {
    if (ec || stopping_) return;
    std::lock_guard<std::mutex> guard{mtx_};
    dial_locked(index);
  });
}

// -- impl: helpers ------------------------------------------------------------

void fake_onebot::impl::violation(std::string what) {
  violations_.push_back(std::move(what));
}

void fake_onebot::impl::send_locked(conn_state& c, std::string payload) {
  if (!c.open || c.frozen || c.closing) return;
  c.io->send(std::make_shared<const std::string>(std::move(payload)));
}

void fake_onebot::impl::close_locked(uint64_t id, uint16_t code,
                                     std::string reason) {
  auto i = conns_.find(id);
  if (i == conns_.end()) return;
  auto& c = i->second;
  if (!c.open || c.closing || c.frozen) return;
  c.closing = true;
  c.io->close(code, std::move(reason));
}

// -- fake_onebot --------------------------------------------------------------

fake_onebot::fake_onebot(onebot_options opts)
  : impl_(std::make_unique<impl>(std::move(opts))) {
  impl_->start();
}

fake_onebot::~fake_onebot() {
  impl_->stop();
}

uint16_t fake_onebot::port() const {
  return impl_->port_;
}

std::string fake_onebot::url(std::string path) const {
  return "ws://127.0.0.1:" + std::to_string(impl_->port_) + path;
}

void fake_onebot::dial(std::string ws_url, onebot_role role) {
  static const std::string scheme = "ws://";
  if (ws_url.compare(0, scheme.size(), scheme) != 0)
    throw std::invalid_argument("fake_onebot::dial: not a ws:// URL");
  auto rest = ws_url.substr(scheme.size());
  auto slash = rest.find_first_of("/?");
  auto authority = rest.substr(0, slash);
  auto target = slash == std::string::npos ? "/" : rest.substr(slash);
  if (target[0] == '?') target = "/" + target;
  auto colon = authority.rfind(':');
  auto host = authority.substr(0, colon);
  unsigned long port = 80;
  if (colon != std::string::npos) {
    char* end = nullptr;
    auto p = authority.substr(colon + 1);
    port = std::strtoul(p.c_str(), &end, 10);
    if (p.empty() || *end != '\0' || port == 0 || port > 65535)
      throw std::invalid_argument("fake_onebot::dial: bad port");
  }
  // The fake only ever talks to this machine.
  if (host != "127.0.0.1" && host != "localhost")
    throw std::invalid_argument("fake_onebot::dial: host must be 127.0.0.1");
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  impl::dial_target t;
  t.host = host;
  t.port = static_cast<uint16_t>(port);
  t.target = target;
  t.role = role;
  impl_->dials_.push_back(std::move(t));
  impl_->dial_locked(impl_->dials_.size() - 1);
}

void fake_onebot::stop_dialing() {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  for (auto& t : impl_->dials_)
    t.active = false;
  for (auto& [id, c] : impl_->conns_)
    if (c.reverse) impl_->close_locked(id, 1000, "dialing stopped");
}

int fake_onebot::dial_attempts() const {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  return impl_->dial_attempts_;
}

void fake_onebot::drop() {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  for (auto& [id, c] : impl_->conns_)
    if (c.open) c.io->drop();
}

void fake_onebot::half_open() {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  for (auto& [id, c] : impl_->conns_) {
    if (!c.open || c.frozen || c.closing) continue;
    c.frozen = true;
    c.io->half_open();
  }
}

void fake_onebot::refuse_for(std::chrono::milliseconds d) {
  impl_->listener_.refuse_for(d);
}

void fake_onebot::close_all(uint16_t code, std::string reason) {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  for (auto& [id, c] : impl_->conns_)
    impl_->close_locked(id, code, reason);
}

void fake_onebot::stop_heartbeats(bool on) {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  impl_->heartbeats_stopped_ = on;
}

void fake_onebot::swallow(std::string name, int count) {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  impl_->swallow_.push_back(impl::rule{std::move(name), count});
}

void fake_onebot::fail_action(std::string name, int retcode, int count) {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  impl_->fail_.push_back(impl::rule{std::move(name), count, retcode});
}

void fake_onebot::set_message_format(onebot_format f) {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  impl_->opts_.message_format = f;
}

int32_t fake_onebot::push_private_message(int64_t user_id,
                                          std::string cq_message,
                                          std::string nickname) {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  auto id = impl_->next_message_id_++;
  auto e = impl_->base_event("message");
  e["message_type"] = "private";
  e["sub_type"] = "friend";
  e["message_id"] = id;
  e["user_id"] = user_id;
  e["message"] = impl_->message_field(cq_message);
  e["raw_message"] = cq_message;
  e["font"] = 0;
  e["sender"] = json{{"user_id", user_id},
                     {"nickname", nickname},
                     {"sex", "unknown"},
                     {"age", 0}};
  impl_->push_locked(e);
  return id;
}

int32_t fake_onebot::push_group_message(int64_t group_id, int64_t user_id,
                                        std::string cq_message,
                                        std::string card) {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  auto id = impl_->next_message_id_++;
  auto e = impl_->base_event("message");
  e["message_type"] = "group";
  e["sub_type"] = "normal";
  e["message_id"] = id;
  e["group_id"] = group_id;
  e["user_id"] = user_id;
  e["anonymous"] = nullptr;
  e["message"] = impl_->message_field(cq_message);
  e["raw_message"] = cq_message;
  e["font"] = 0;
  e["sender"] = json{{"user_id", user_id}, {"nickname", card}, {"card", card},
                     {"sex", "unknown"},   {"age", 0},         {"area", ""},
                     {"level", "1"},       {"role", "member"}, {"title", ""}};
  impl_->push_locked(e);
  return id;
}

void fake_onebot::push_group_increase(int64_t group_id, int64_t user_id) {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  auto e = impl_->base_event("notice");
  e["notice_type"] = "group_increase";
  e["sub_type"] = "approve";
  e["group_id"] = group_id;
  e["operator_id"] = 0;
  e["user_id"] = user_id;
  impl_->push_locked(e);
}

void fake_onebot::push_friend_request(int64_t user_id, std::string comment,
                                      std::string flag) {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  auto e = impl_->base_event("request");
  e["request_type"] = "friend";
  e["user_id"] = user_id;
  e["comment"] = comment;
  e["flag"] = flag;
  impl_->push_locked(e);
}

void fake_onebot::push_raw(std::string event_json) {
  auto e = json::parse(event_json, nullptr, false);
  if (!e.is_object())
    throw std::invalid_argument("fake_onebot::push_raw: not a JSON object");
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  if (!e.contains("time")) e["time"] = static_cast<int64_t>(std::time(nullptr));
  if (!e.contains("self_id")) e["self_id"] = impl_->opts_.self_id;
  impl_->push_locked(e);
}

std::vector<fake_onebot::action> fake_onebot::actions() const {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  return impl_->actions_;
}

int fake_onebot::action_count(const std::string& name) const {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  return static_cast<int>(std::count_if(
    impl_->actions_.begin(), impl_->actions_.end(), [&](const action& a) {
      return a.action == name;
    }));
}

int fake_onebot::live_connections() const {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  return static_cast<int>(std::count_if(
    impl_->conns_.begin(), impl_->conns_.end(), [](const auto& kv) {
      return kv.second.open && !kv.second.closing;
    }));
}

int fake_onebot::connection_count() const {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  return impl_->connection_count_;
}

int fake_onebot::auth_failures() const {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  return impl_->auth_failures_;
}

int fake_onebot::heartbeats_sent() const {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  return impl_->heartbeats_sent_;
}

std::vector<std::string> fake_onebot::violations() const {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  return impl_->violations_;
}

bool fake_onebot::has_violation(const std::string& prefix) const {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  return std::any_of(impl_->violations_.begin(), impl_->violations_.end(),
                     [&](const std::string& v) {
                       return v.compare(0, prefix.size(), prefix) == 0;
                     });
}

bool fake_onebot::wait_for(std::function<bool()> pred,
                           std::chrono::milliseconds timeout) const {
  auto deadline = clock_type::now() + timeout;
  for (;;) {
    if (pred()) return true;
    if (clock_type::now() >= deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
}

} // namespace tether::fakes
