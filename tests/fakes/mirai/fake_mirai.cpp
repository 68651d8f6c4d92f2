// The WebSocket adapter protocol of the fake mirai-api-http and its public
// API. All protocol state lives in fake_mirai::impl under one mutex; see
// internal.hpp.

#include "fakes/mirai/fake_mirai.hpp"

#include <algorithm>
#include <ctime>
#include <utility>

#include "fakes/mirai/internal.hpp"

namespace tether::fakes {

using namespace std::chrono_literals;
using mirai_detail::clock_type;
using mirai_detail::json;
namespace asio = mirai_detail::asio;
namespace beast = mirai_detail::beast;
namespace http = mirai_detail::http;

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

/// Header first, then the query (ws/router/utils.kt).
std::string param(const mirai_detail::request& req, const std::string& key) {
  auto h = req.find(key);
  if (h != req.end()) return std::string{h->value()};
  return query_param(req.target(), key);
}

int64_t unix_seconds() {
  return static_cast<int64_t>(std::time(nullptr));
}

/// A target id as mirai's lenient JSON reads it: a number or a numeric
/// string. 0 when absent or malformed.
int64_t id_field(const json& content, const char* a, const char* b = nullptr) {
  for (auto key : {a, b}) {
    if (!key || !content.is_object()) continue;
    auto i = content.find(key);
    if (i == content.end()) continue;
    if (i->is_number_integer()) return i->get<int64_t>();
    if (i->is_string()) {
      auto s = i->get<std::string>();
      char* end = nullptr;
      auto v = std::strtoll(s.c_str(), &end, 10);
      if (!s.empty() && end && *end == '\0') return v;
    }
  }
  return 0;
}

bool is_message_type(const std::string& type) {
  return type.size() >= 7 && type.compare(type.size() - 7, 7, "Message") == 0;
}

} // namespace

// -- mirai_chain --------------------------------------------------------------

mirai_chain& mirai_chain::plain(std::string text) {
  elements_.push_back(json{{"type", "Plain"}, {"text", text}}.dump());
  return *this;
}

mirai_chain& mirai_chain::at(int64_t target, std::string display) {
  if (display.empty()) display = "@" + std::to_string(target);
  elements_.push_back(
    json{{"type", "At"}, {"target", target}, {"display", display}}.dump());
  return *this;
}

mirai_chain& mirai_chain::at_all() {
  elements_.push_back(json{{"type", "AtAll"}}.dump());
  return *this;
}

mirai_chain& mirai_chain::face(int face_id, std::string name) {
  elements_.push_back(json{
    {"type", "Face"}, {"faceId", face_id}, {"name", name}, {"superFace", false}}
                        .dump());
  return *this;
}

mirai_chain& mirai_chain::image(std::string image_id, std::string url) {
  if (url.empty())
    url = "http://gchat.qpic.cn/gchatpic_new/0/0-0-" + image_id + "/0?term=2";
  elements_.push_back(json{
    {"type", "Image"},
    {"imageId", image_id},
    {"url", url},
    {"path", nullptr},
    {"base64", nullptr},
    {"width", 640},
    {"height", 480},
    {"size", 34567},
    {"imageType", "PNG"},
    {"isEmoji", false}}.dump());
  return *this;
}

mirai_chain& mirai_chain::quote(int32_t id, int64_t group_id, int64_t sender_id,
                                int64_t target_id, std::string origin_text) {
  elements_.push_back(
    json{{"type", "Quote"},
         {"id", id},
         {"groupId", group_id},
         {"senderId", sender_id},
         {"targetId", target_id},
         {"origin", json::array({{{"type", "Plain"}, {"text", origin_text}}})}}
      .dump());
  return *this;
}

mirai_chain& mirai_chain::raw(std::string element_json) {
  if (!json::accept(element_json))
    throw std::invalid_argument("mirai_chain::raw: not JSON");
  elements_.push_back(std::move(element_json));
  return *this;
}

std::string mirai_chain::dump() const {
  std::string out = "[";
  for (size_t i = 0; i < elements_.size(); ++i) {
    if (i > 0) out += ',';
    out += elements_[i];
  }
  out += ']';
  return out;
}

// -- impl: lifetime -----------------------------------------------------------

fake_mirai::impl::impl(mirai_options opts)
  : opts_(std::move(opts)),
    ioc_(std::max(1, opts_.io_threads)),
    listener_(ioc_, stopping_, "fake_mirai") {
  opts_.io_threads = std::max(1, opts_.io_threads);
  if (opts_.bots.empty()) opts_.bots.push_back(10001);
}

fake_mirai::impl::~impl() {
  stop();
}

void fake_mirai::impl::start() {
  common::http_settings cfg;
  cfg.name = "fake-mirai";
  cfg.on_request = [this](const request& req) {
    return on_request(req);
  };
  cfg.on_upgrade = [this](beast::tcp_stream&& stream, request req) {
    on_upgrade(std::move(stream), std::move(req));
  };
  http_ = std::make_shared<const common::http_settings>(std::move(cfg));
  listener_.open(opts_.port, [this](mirai_detail::tcp::socket&& sock) {
    std::make_shared<common::http_conn>(std::move(sock), http_)->start();
  });
  port_ = listener_.port();
  common::run_io_threads(ioc_, opts_.io_threads, "fake_mirai", threads_);
}

void fake_mirai::impl::stop() {
  if (stopped_) return;
  stopped_ = true;
  stopping_ = true;
  // Not graceful on purpose: bounded even with half-open clients.
  ioc_.stop();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  listener_.close();
  std::lock_guard<std::mutex> guard{mtx_};
  conns_.clear();
}

// -- impl: connections --------------------------------------------------------

void fake_mirai::impl::on_upgrade(beast::tcp_stream&& stream,
                                  mirai_detail::request req) {
  uint64_t id;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    id = next_conn_id_++;
  }
  std::make_shared<common::ws_conn>(
    id, std::move(stream), common::ws_settings{"fake-mirai"}, ws_callbacks())
    ->accept(std::move(req));
}

common::ws_callbacks fake_mirai::impl::ws_callbacks() {
  common::ws_callbacks cb;
  cb.on_open = [this](const conn_ptr& conn) {
    on_ws_open(conn);
  };
  cb.on_message = [this](uint64_t id, std::string msg, bool binary) {
    on_frame(id, std::move(msg), binary);
  };
  cb.on_end = [this](uint64_t id, common::end_kind, uint16_t) {
    on_end(id);
  };
  return cb;
}

void fake_mirai::impl::on_ws_open(const conn_ptr& conn) {
  std::lock_guard<std::mutex> guard{mtx_};
  if (stopping_) return;
  ++connection_count_;
  auto id = conn->id();
  auto& c = conns_[id];
  c.io = conn;
  auto& req = conn->upgrade_request();
  auto target = req.target();
  auto path = target.substr(0, target.find('?'));
  c.channel = std::string{path.substr(1)};
  auto verify_key = param(req, "verifyKey");
  auto session_key = param(req, "sessionKey");
  auto qq = param(req, "qq");
  // The order of checks follows the adapter (PROTOCOLS.md §3.1).
  if (opts_.enable_verify && verify_key != opts_.verify_key) {
    reject_locked(id, 1, "Auth Key错误");
    return;
  }
  if (!session_key.empty()) {
    // A new socket on the same channel + session closes the old one.
    uint64_t old = 0;
    for (auto& [oid, other] : conns_)
      if (oid != id && other.authed && other.session_key == session_key)
        old = oid;
    if (old == 0) {
      reject_locked(id, 3, "Session失效或不存在");
      return;
    }
    c.qq = conns_[old].qq;
    if (conns_[old].channel == c.channel)
      close_locked(old, 1000, "session reused by a new connection");
  } else if (!qq.empty()) {
    char* end = nullptr;
    auto n = std::strtoll(qq.c_str(), &end, 10);
    if (!end || *end != '\0'
        || std::find(opts_.bots.begin(), opts_.bots.end(), n)
             == opts_.bots.end()) {
      reject_locked(id, 2, "指定Bot不存在");
      return;
    }
    c.qq = n;
    session_key = "SESSION" + std::to_string(next_session_++);
  } else {
    reject_locked(id, 400, "无效参数");
    return;
  }
  c.session_key = session_key;
  c.authed = true;
  ++session_count_;
  json hello{{"syncId", ""}, {"data", {{"code", 0}, {"session", session_key}}}};
  send_locked(c, hello.dump());
}

void fake_mirai::impl::reject_locked(uint64_t id, int code,
                                     const std::string& msg) {
  auto& c = conns_[id];
  json err{{"syncId", ""}, {"data", {{"code", code}, {"msg", msg}}}};
  send_locked(c, err.dump());
  close_locked(id, 1000, msg);
}

void fake_mirai::impl::on_frame(uint64_t id, std::string msg, bool binary) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto i = conns_.find(id);
  if (i == conns_.end()) return;
  auto& c = i->second;
  if (c.closing || c.frozen || !c.authed) return;
  if (binary) {
    violation("binary-frame: " + std::to_string(msg.size()) + " bytes");
    return;
  }
  auto frame = json::parse(msg, nullptr, false);
  if (frame.is_discarded() || !frame.is_object() || !frame.contains("command")
      || !frame["command"].is_string()) {
    violation("bad-frame: " + excerpt(msg));
    return;
  }
  auto si = frame.find("syncId");
  if (si == frame.end() || !(si->is_string() || si->is_number_integer())) {
    violation("bad-frame: command without a syncId: " + excerpt(msg));
    return;
  }
  // The adapter's JSON is lenient: a numeric syncId becomes its string.
  auto sync_id = si->is_string() ? si->get<std::string>() : si->dump();
  if (sync_id.empty() || sync_id == opts_.reserved_sync_id)
    violation("sync-id-reserved: command used syncId \"" + sync_id + "\"");
  auto name = frame["command"].get<std::string>();
  std::string sub;
  if (auto sc = frame.find("subCommand"); sc != frame.end() && sc->is_string())
    sub = sc->get<std::string>();
  json content = frame.contains("content") ? frame["content"] : json{};
  commands_.push_back(
    fake_mirai::command{sync_id, name, sub, content.dump(), c.channel, false});
  auto index = commands_.size() - 1;
  if (take_rule_locked(swallow_, name)) return;
  json data;
  if (auto* r = take_rule_locked(fail_, name))
    data = json{{"code", r->code}, {"msg", "fake: injected failure"}};
  else
    data = execute_locked(name, content);
  if (delay_.count() <= 0) {
    commands_[index].answered = true;
    answer_locked(id, sync_id, std::move(data));
    return;
  }
  auto timer = std::make_shared<asio::steady_timer>(ioc_, delay_);
  timer->async_wait([this, timer, id, index, sync_id,
                     data = std::move(data)](beast::error_code ec) mutable {
    if (ec || stopping_) return;
    std::lock_guard<std::mutex> guard{mtx_};
    commands_[index].answered = true;
    answer_locked(id, sync_id, std::move(data));
  });
}

void fake_mirai::impl::on_end(uint64_t id) {
  std::lock_guard<std::mutex> guard{mtx_};
  // The session ends with its socket (sessionManager.closeSession).
  conns_.erase(id);
}

// -- impl: commands -----------------------------------------------------------

fake_mirai::impl::rule*
fake_mirai::impl::take_rule_locked(std::vector<rule>& rules,
                                   const std::string& command) {
  for (auto& r : rules) {
    if (r.count == 0 || (!r.command.empty() && r.command != command)) continue;
    if (r.count > 0) --r.count;
    return &r;
  }
  return nullptr;
}

void fake_mirai::impl::answer_locked(uint64_t id, const std::string& sync_id,
                                     json data) {
  auto i = conns_.find(id);
  if (i == conns_.end()) return;
  json out{{"syncId", sync_id}, {"data", std::move(data)}};
  send_locked(i->second, out.dump());
}

fake_mirai::impl::json
fake_mirai::impl::execute_locked(const std::string& command,
                                 const json& content) {
  auto invalid = json{{"code", 400}, {"msg", "无效参数"}};
  auto sent = [&](const json& chain) {
    if (!chain.is_array() || chain.empty()) return invalid;
    return json{
      {"code", 0}, {"msg", "success"}, {"messageId", next_message_id_++}};
  };
  auto chain = content.is_object() && content.contains("messageChain")
                 ? content["messageChain"]
                 : json{};
  if (command == "about")
    return json{{"code", 0}, {"msg", ""}, {"data", {{"version", "2.10.0"}}}};
  if (command == "botList")
    return json{{"code", 0}, {"msg", ""}, {"data", opts_.bots}};
  if (command == "sendFriendMessage") {
    if (id_field(content, "target", "qq") == 0) return invalid;
    return sent(chain);
  }
  if (command == "sendGroupMessage") {
    if (id_field(content, "target", "group") == 0) return invalid;
    return sent(chain);
  }
  if (command == "sendTempMessage") {
    if (id_field(content, "qq") == 0 || id_field(content, "group") == 0)
      return invalid;
    return sent(chain);
  }
  if (command == "recall" || command == "sendNudge")
    return json{{"code", 0}, {"msg", "success"}};
  return json{{"code", 6}, {"msg", "指定操作不支持"}};
}

// -- impl: helpers ------------------------------------------------------------

void fake_mirai::impl::violation(std::string what) {
  violations_.push_back(std::move(what));
}

void fake_mirai::impl::send_locked(conn_state& c, std::string payload) {
  if (c.frozen || c.closing) return;
  c.io->send(std::make_shared<const std::string>(std::move(payload)));
}

void fake_mirai::impl::close_locked(uint64_t id, uint16_t code,
                                    std::string reason) {
  auto i = conns_.find(id);
  if (i == conns_.end()) return;
  auto& c = i->second;
  if (c.closing || c.frozen) return;
  c.closing = true;
  c.io->close(code, std::move(reason));
}

void fake_mirai::impl::push_locked(const json& data) {
  auto type = data.value("type", std::string{});
  auto wanted = is_message_type(type) ? "message" : "event";
  auto text = json{{"syncId", opts_.reserved_sync_id}, {"data", data}}.dump();
  for (auto& [id, c] : conns_)
    if (c.authed && (c.channel == "all" || c.channel == wanted))
      send_locked(c, text);
}

fake_mirai::impl::json
fake_mirai::impl::source_chain_locked(const mirai_chain& chain, int32_t& id) {
  id = next_message_id_++;
  auto out
    = json::array({{{"type", "Source"}, {"id", id}, {"time", unix_seconds()}}});
  for (auto& e : json::parse(chain.dump()))
    out.push_back(e);
  return out;
}

fake_mirai::impl::json
fake_mirai::impl::member_sender(int64_t sender, const std::string& member_name,
                                int64_t group,
                                const std::string& group_name) const {
  auto now = unix_seconds();
  return json{
    {"id", sender},
    {"memberName", member_name},
    {"specialTitle", ""},
    {"permission", "MEMBER"},
    {"joinTimestamp", now - 86400},
    {"lastSpeakTimestamp", now},
    {"muteTimeRemaining", 0},
    {"group", {{"id", group}, {"name", group_name}, {"permission", "MEMBER"}}}};
}

// -- fake_mirai ---------------------------------------------------------------

fake_mirai::fake_mirai(mirai_options opts)
  : impl_(std::make_unique<impl>(std::move(opts))) {
  impl_->start();
}

fake_mirai::~fake_mirai() {
  impl_->stop();
}

uint16_t fake_mirai::port() const {
  return impl_->port_;
}

std::string fake_mirai::url(std::string channel) const {
  return "ws://127.0.0.1:" + std::to_string(impl_->port_) + "/" + channel
         + "?verifyKey=" + impl_->opts_.verify_key
         + "&qq=" + std::to_string(impl_->opts_.bots.front());
}

void fake_mirai::drop() {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  for (auto& [id, c] : impl_->conns_)
    c.io->drop();
  // on_end removes them once the strands ran.
}

void fake_mirai::half_open() {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  for (auto& [id, c] : impl_->conns_) {
    if (c.frozen || c.closing) continue;
    c.frozen = true;
    c.io->half_open();
  }
}

void fake_mirai::refuse_for(std::chrono::milliseconds d) {
  impl_->listener_.refuse_for(d);
}

void fake_mirai::close_all(uint16_t code, std::string reason) {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  for (auto& [id, c] : impl_->conns_)
    impl_->close_locked(id, code, reason);
}

void fake_mirai::swallow(std::string command, int count) {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  impl_->swallow_.push_back(impl::rule{std::move(command), count});
}

void fake_mirai::delay_answers(std::chrono::milliseconds d) {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  impl_->delay_ = d;
}

void fake_mirai::fail_command(std::string command, int code, int count) {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  impl_->fail_.push_back(impl::rule{std::move(command), count, code});
}

int32_t fake_mirai::push_friend_message(int64_t sender,
                                        const mirai_chain& chain,
                                        std::string nickname) {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  int32_t id = 0;
  json data{{"type", "FriendMessage"},
            {"sender",
             {{"id", sender}, {"nickname", nickname}, {"remark", nickname}}},
            {"messageChain", impl_->source_chain_locked(chain, id)}};
  impl_->push_locked(data);
  return id;
}

int32_t fake_mirai::push_group_message(int64_t group, int64_t sender,
                                       const mirai_chain& chain,
                                       std::string member_name,
                                       std::string group_name) {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  int32_t id = 0;
  json data{{"type", "GroupMessage"},
            {"sender",
             impl_->member_sender(sender, member_name, group, group_name)},
            {"messageChain", impl_->source_chain_locked(chain, id)}};
  impl_->push_locked(data);
  return id;
}

int32_t fake_mirai::push_temp_message(int64_t group, int64_t sender,
                                      const mirai_chain& chain,
                                      std::string member_name) {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  int32_t id = 0;
  json data{{"type", "TempMessage"},
            {"sender",
             impl_->member_sender(sender, member_name, group, "test group")},
            {"messageChain", impl_->source_chain_locked(chain, id)}};
  impl_->push_locked(data);
  return id;
}

void fake_mirai::push_bot_offline_dropped() {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  impl_->push_locked(json{{"type", "BotOfflineEventDropped"},
                          {"qq", impl_->opts_.bots.front()}});
}

void fake_mirai::push_bot_relogin() {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  impl_->push_locked(
    json{{"type", "BotReloginEvent"}, {"qq", impl_->opts_.bots.front()}});
}

void fake_mirai::push_raw(std::string data_json) {
  auto data = json::parse(data_json, nullptr, false);
  if (data.is_discarded())
    throw std::invalid_argument("fake_mirai::push_raw: not JSON");
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  impl_->push_locked(data);
}

std::vector<fake_mirai::command> fake_mirai::commands() const {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  return impl_->commands_;
}

int fake_mirai::command_count(const std::string& name) const {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  return static_cast<int>(std::count_if(
    impl_->commands_.begin(), impl_->commands_.end(), [&](const command& c) {
      return c.command == name;
    }));
}

std::vector<fake_mirai::connection_state> fake_mirai::connections() const {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  std::vector<connection_state> result;
  for (auto& [id, c] : impl_->conns_)
    result.push_back(
      connection_state{id, c.channel, c.session_key, c.qq, c.authed, c.frozen});
  return result;
}

int fake_mirai::session_count() const {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  return impl_->session_count_;
}

int fake_mirai::connection_count() const {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  return impl_->connection_count_;
}

std::vector<std::string> fake_mirai::violations() const {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  return impl_->violations_;
}

bool fake_mirai::has_violation(const std::string& prefix) const {
  std::lock_guard<std::mutex> guard{impl_->mtx_};
  return std::any_of(impl_->violations_.begin(), impl_->violations_.end(),
                     [&](const std::string& v) {
                       return v.compare(0, prefix.size(), prefix) == 0;
                     });
}

bool fake_mirai::wait_for(std::function<bool()> pred,
                          std::chrono::milliseconds timeout) const {
  auto deadline = clock_type::now() + timeout;
  for (;;) {
    if (pred()) return true;
    if (clock_type::now() >= deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
}

} // namespace tether::fakes
