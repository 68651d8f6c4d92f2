#include "actors/ingress/ingress.hpp"

#include <atomic>
#include <cctype>
#include <ctime>
#include <map>
#include <mutex>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>

#include "config/logging.hpp"

namespace tether::ingress {

namespace {

using level = spdlog::level::level_enum;
using std::chrono::duration_cast;
using std::chrono::milliseconds;

// Event ids are remembered a day: Feishu re-pushes for hours, WeChat and
// WeCom for seconds, and a restart must not forget them.
constexpr auto seen_ttl = std::chrono::hours{24};

struct ingress_state {
  std::shared_ptr<net::http_server> server;
  std::shared_ptr<std::atomic<uint64_t>> not_found;
  static inline const char* name = "ingress";
};

bool split_listen(const std::string& listen, std::string& host,
                  uint16_t& port) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos)
    return false;
  host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  if (host == "localhost")
    host = "127.0.0.1";
  try {
    auto n = std::stoi(listen.substr(colon + 1));
    if (n < 0 || n > 65535)
      return false;
    port = static_cast<uint16_t>(n);
  } catch (...) {
    return false;
  }
  return true;
}

caf::behavior ingress(caf::stateful_actor<ingress_state>* self,
                      runtime_ptr rt, std::string path) {
  auto cfg = rt->config();
  auto& g = cfg->ingress;
  net::http_server_options opts;
  if (!split_listen(g.listen, opts.address, opts.port)) {
    self->quit(caf::make_error(caf::sec::cannot_open_port,
                               "bad listen address " + g.listen));
    return {};
  }
  opts.body_limit = g.body_limit;
  opts.max_connections = g.max_connections;
  opts.header_timeout = duration_cast<milliseconds>(g.header_timeout);
  opts.body_timeout = duration_cast<milliseconds>(g.body_timeout);
  // Platform actors answer within their platform's deadline (at most 5 s);
  // this only catches a platform actor that died mid-request.
  opts.handler_timeout = milliseconds{10'000};
  opts.tls.cert_file = g.tls_cert;
  opts.tls.key_file = g.tls_key;
  auto not_found = std::make_shared<std::atomic<uint64_t>>(0);
  self->state.not_found = not_found;
  // Looked up here, so a request only reads this map.
  std::map<std::string, const webhook_meter*> meters;
  for (auto& entry : cfg->platforms)
    if (auto p = config::webhook_path(entry.settings); !p.empty())
      meters.emplace(p, &webhook_meter::of(entry.kind));
  auto* unknown = &webhook_meter::of("none");
  auto* unknown_path = &unknown->errors("unknown_path");
  std::string error;
  auto server = net::http_server::make(
    rt->io(), opts,
    [rt, not_found, meters, unknown,
     unknown_path](net::http_server_request req, net::http_responder res) {
      auto hdl = rt->directory().get("webhook:" + req.path);
      if (!hdl) {
        // No detail: a scanner learns nothing about configured paths.
        ++*not_found;
        res.respond({404, {}, {}});
        unknown->answered(404, {});
        unknown_path->inc();
        return;
      }
      auto call = std::make_shared<webhook_call>();
      auto meter = meters.find(req.path);
      call->meter = meter != meters.end() ? meter->second : unknown;
      call->received = std::chrono::steady_clock::now();
      call->request = std::move(req);
      call->responder = std::move(res);
      caf::anon_send(hdl, webhook_atom::value, std::move(call));
    },
    error);
  if (!server) {
    logging::log(level::err, "ingress", "listen_failed",
                 {{"path", path}, {"listen", g.listen}, {"error", error}});
    self->quit(caf::make_error(caf::sec::cannot_open_port, error));
    return {};
  }
  self->state.server = server;
  self->attach_functor([server] { server->stop(); });
  for (auto& entry : cfg->platforms)
    if (auto p = config::webhook_path(entry.settings); !p.empty())
      logging::log(level::info, "ingress", "route",
                   {{"path", p}, {"platform", entry.id()}});
  logging::log(level::info, "ingress", "listening",
               {{"path", path},
                {"address", opts.address},
                {"port", std::to_string(server->port())},
                {"tls", g.tls_cert.empty() ? "off" : "on"}});
  return {
    // Requests for paths without a platform, so far.
    [=](caf::get_atom) -> uint64_t { return self->state.not_found->load(); },
  };
}

} // namespace

bool has_webhooks(const config::tether_config& cfg) {
  for (auto& entry : cfg.platforms)
    if (!config::webhook_path(entry.settings).empty())
      return true;
  return false;
}

supervision::child_spec ingress_spec(runtime_ptr rt) {
  supervision::child_spec spec;
  spec.id = "ingress";
  spec.start = [rt](supervision::child_context& ctx) {
    return rt->directory().register_actor(
      ctx.path, ctx.parent->system().spawn(ingress, rt, ctx.path));
  };
  return spec;
}

replay_guard_ptr shared_replay_guard(const config::tether_config& cfg) {
  static std::mutex mtx;
  static std::map<std::string, std::weak_ptr<replay_guard>> guards;
  std::string file;
  if (!cfg.daemon.data_dir.empty())
    file = cfg.daemon.data_dir + "/ingress-seen.log";
  std::lock_guard<std::mutex> lock{mtx};
  if (auto ptr = guards[file].lock())
    return ptr;
  auto window = std::chrono::duration_cast<std::chrono::seconds>(
    cfg.ingress.replay_window);
  auto ptr = std::make_shared<replay_guard>(window, seen_ttl, file);
  std::string error;
  if (!ptr->load(unix_now(), &error))
    logging::log(level::warn, "ingress", "seen_ids_not_persisted",
                 {{"file", file}, {"error", error}});
  guards[file] = ptr;
  return ptr;
}

namespace {

// The responder ignores all but the first answer; so does the count.
void count_answer(const webhook_call& call, int status) {
  if (call.answered)
    return;
  call.answered = true;
  if (call.meter)
    call.meter->answered(status, std::chrono::steady_clock::now()
                                   - call.received);
}

} // namespace

webhook_call::~webhook_call() {
  if (answered || !meter)
    return;
  meter->answered(500, std::chrono::steady_clock::now() - received);
  meter->errors("unanswered").inc();
}

void respond_empty(const webhook_call& call, int status) {
  auto responder = call.responder;
  responder.respond({status, {}, {}});
  count_answer(call, status);
}

void respond_ok(const webhook_call& call, std::string body,
                std::string content_type) {
  auto responder = call.responder;
  net::http_server_response res;
  res.status = 200;
  res.headers.emplace_back("Content-Type", std::move(content_type));
  res.body = std::move(body);
  responder.respond(std::move(res));
  count_answer(call, 200);
}

void rejections::reject(const webhook_call& call, int status,
                        const std::string& reason,
                        const std::string& detail) {
  auto n = ++counts_[reason];
  auto& meter = meters_[reason];
  if (!meter)
    meter = &(call.meter ? *call.meter : webhook_meter::of(component_))
               .errors(reason);
  meter->inc();
  respond_empty(call, status);
  logging::log(level::warn, component_, "rejected",
               {{"path", path_},
                {"status", std::to_string(status)},
                {"reason", reason},
                {"detail", detail},
                {"remote", call.request.remote_address},
                {"count", std::to_string(n)}});
}

uint64_t rejections::count(const std::string& reason) const {
  auto i = counts_.find(reason);
  return i == counts_.end() ? 0 : i->second;
}

uint64_t rejections::total() const {
  uint64_t n = 0;
  for (auto& [k, v] : counts_)
    n += v;
  return n;
}

int64_t unix_now() {
  return static_cast<int64_t>(std::time(nullptr));
}

std::string query_param(const std::string& query, const std::string& key) {
  size_t pos = 0;
  while (pos <= query.size()) {
    auto amp = query.find('&', pos);
    if (amp == std::string::npos)
      amp = query.size();
    auto item = query.substr(pos, amp - pos);
    auto eq = item.find('=');
    auto name = item.substr(0, eq);
    if (name == key) {
      std::string raw = eq == std::string::npos ? "" : item.substr(eq + 1);
      std::string out;
      for (size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] == '+') {
          out += ' ';
        } else if (raw[i] == '%' && i + 2 < raw.size()
                   && std::isxdigit(static_cast<unsigned char>(raw[i + 1]))
                   && std::isxdigit(static_cast<unsigned char>(raw[i + 2]))) {
          out += static_cast<char>(std::stoi(raw.substr(i + 1, 2), nullptr, 16));
          i += 2;
        } else {
          out += raw[i];
        }
      }
      return out;
    }
    pos = amp + 1;
  }
  return {};
}

} // namespace tether::ingress
