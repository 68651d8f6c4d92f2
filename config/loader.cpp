// The schema of tether.yaml: walks the YAML tree section by section and
// collects every error before giving up.

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <regex>
#include <sstream>
#include <tuple>
#include <type_traits>

#include <yaml-cpp/yaml.h>

#include "config/config.hpp"
#include "config/listen.hpp"
#include "config/llm_reader.hpp"
#include "config/message.hpp"
#include "config/policy_block.hpp"
#include "config/reader.hpp"

namespace tether::config {

namespace {

using detail::join;
using detail::map_reader;
using detail::node_ref;
using detail::reader;
using detail::ticked;

const std::vector<std::string> top_keys = {
  "daemon",    "admin",     "ingress",  "outbox", "store",
  "supervision", "platforms", "handlers", "routes",
};

const std::vector<std::string> outbox_keys = {
  "room_rate", "room_burst", "room_window", "ack_timeout", "max_age",
};

const std::vector<std::string> daemon_keys = {
  "log_level",  "log_format",    "data_dir",         "shutdown_timeout",
  "io_threads", "actor_threads", "watchdog_timeout",
};

const std::vector<std::string> log_levels = {
  "trace", "debug", "info", "warn", "error", "critical", "off",
};

const std::vector<std::string> log_formats = {"text", "json"};

const std::vector<std::string> admin_keys = {"enabled", "listen", "token"};

const std::vector<std::string> ingress_keys = {
  "listen",          "tls_cert",       "tls_key",      "body_limit",
  "max_connections", "header_timeout", "body_timeout", "replay_window",
};

const std::vector<std::string> store_keys = {
  "path",     "outbox_max_rows", "keep_sent",    "seen_ttl",
  "seen_max", "op_timeout",      "max_attempts",
};

const std::vector<std::string> supervision_keys = {"defaults", "overrides"};

const std::vector<std::string> platform_keys = {"kind", "name", "settings",
                                                "restart"};

const std::vector<std::string> platform_kinds = {
  "sandbox", "discord", "discord_webhook", "qq", "mirai", "onebot",
  "feishu", "wecom", "wechat", "discord_interactions",
};

const std::vector<std::string> feishu_keys = {
  "app_id",   "app_secret", "verification_token", "encrypt_key",
  "api_base", "path",       "request_timeout",    "ca_file",
};

const std::vector<std::string> wecom_keys = {
  "corp_id",  "agent_id", "secret",       "token",           "encoding_aes_key",
  "api_base", "path",     "reply_window", "request_timeout", "ca_file",
};

const std::vector<std::string> wechat_keys = {
  "app_id",   "app_secret", "token",        "encoding_aes_key", "mode",
  "api_base", "path",       "reply_window", "request_timeout",  "ca_file",
};

const std::vector<std::string> discord_interactions_keys = {
  "application_id", "public_key",      "api_base", "path",
  "reply_window",   "request_timeout", "ca_file",
};

const std::vector<std::string> qq_keys = {
  "app_id",          "client_secret", "intents",        "shards",
  "sandbox",         "api_base",      "token_url",      "gateway_url",
  "ping_interval",   "ping_timeout",  "connect_timeout", "request_timeout",
  "token_refresh_margin", "ca_file",  "events",         "mode",
  "path",
};

const std::vector<std::string> mirai_keys = {
  "url",          "verify_key",    "qq",          "command_timeout",
  "ping_interval", "ping_timeout", "idle_probe",  "connect_timeout",
  "ca_file",
};

const std::vector<std::string> onebot_keys = {
  "mode",          "url",          "split_endpoints", "access_token",
  "listen",        "path",         "self_id",         "action_timeout",
  "ping_interval", "ping_timeout", "connect_timeout", "ca_file",
};

const std::vector<std::string> discord_keys = {
  "token",           "intents",         "shards",
  "compress",        "api_base",        "gateway_url",
  "ping_interval",   "ping_timeout",    "connect_timeout",
  "request_timeout", "ca_file",         "allow_user_mentions",
  "events",
};

const std::vector<std::string> discord_shard_keys = {"count", "ids"};

const std::vector<std::string> discord_webhook_keys = {
  "url", "username", "avatar_url", "wait", "request_timeout", "ca_file",
};

const std::vector<std::string> sandbox_keys = {"user", "reply_prefix"};

const std::vector<std::string> handler_keys = {
  "kind", "name", "timeout", "concurrency", "queue", "settings", "restart",
};

const std::vector<std::string> handler_kinds = {"commands", "llm",
                                                 "forward", "plugin"};

const std::vector<std::string> commands_keys = {"prefix"};

const std::vector<std::string> forward_keys = {
  "url",         "secret",    "request_timeout", "retries",
  "retry_backoff", "concurrency", "max_queue",     "ca_file",
};

const std::vector<std::string> plugin_keys = {
  "command",      "args",         "env",      "working_dir",  "hello_timeout",
  "call_timeout", "max_timeouts", "max_line", "stop_timeout",
};

const std::vector<std::string> route_keys = {
  "match", "handler", "handlers", "final", "relay_to", "relay_format",
};

const std::vector<std::string> match_keys = {
  "platform", "bot", "room", "sender", "prefix", "regex", "mentions_bot",
  "type",     "event",
};

constexpr int int_max = std::numeric_limits<int>::max();

std::string file_line(const position& pos) {
  return pos.file + ":" + std::to_string(pos.line);
}

bool is_entry_name(std::string_view str) {
  return !str.empty() && std::all_of(str.begin(), str.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
           || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
  });
}

/// Checks `host:port` (IPv6 hosts in brackets); returns an error message.
std::optional<std::string> check_listen(const std::string& str) {
  auto bad = "invalid address " + ticked(str)
             + ": expected host:port, e.g. 127.0.0.1:7070 or [::1]:7070";
  std::string_view host;
  std::string_view port;
  std::string_view view{str};
  if (!view.empty() && view.front() == '[') {
    auto close = view.find(']');
    if (close == std::string_view::npos || close + 1 >= view.size()
        || view[close + 1] != ':')
      return bad;
    host = view.substr(1, close - 1);
    port = view.substr(close + 2);
  } else {
    auto colon = view.rfind(':');
    if (colon == std::string_view::npos) return bad;
    host = view.substr(0, colon);
    port = view.substr(colon + 1);
    if (host.find(':') != std::string_view::npos)
      return bad; // an IPv6 address needs brackets
  }
  if (host.empty() || port.empty() || port.size() > 5
      || !std::all_of(port.begin(), port.end(), [](char c) {
           return c >= '0' && c <= '9';
         }))
    return bad;
  auto num = std::stoi(std::string{port});
  if (num < 1 || num > 65535)
    return "port must be 1..65535, got " + std::string{port};
  return std::nullopt;
}

class loader {
public:
  explicit loader(const std::string& file) : r_(file) {
    cfg_.file = file;
  }

  load_result run(const std::string& text);

private:
  void read_daemon(const node_ref& x);
  void read_admin(const node_ref& x);
  void read_supervision(const node_ref& x);
  void read_platforms(const node_ref& x);
  void read_platform(const node_ref& x);
  void read_sandbox(const node_ref& x, sandbox_settings& out);
  void read_discord(const node_ref& x, discord_settings& out);
  void read_discord_webhook(const node_ref& x, discord_webhook_settings& out);
  void read_qq(const node_ref& x, qq_settings& out);
  void read_mirai(const node_ref& x, mirai_settings& out);
  void read_onebot(const node_ref& x, onebot_settings& out);
  void read_ingress(const node_ref& x);
  void read_outbox(const node_ref& x);
  void read_store(const node_ref& x);
  void read_feishu(const node_ref& x, feishu_settings& out);
  void read_wecom(const node_ref& x, wecom_settings& out);
  void read_wechat(const node_ref& x, wechat_settings& out);
  void read_discord_interactions(const node_ref& x,
                                 discord_interactions_settings& out);
  /// A required, non-empty secret.
  void required_secret(const node_ref& map, const map_reader& m,
                       std::string_view key, secret& out);
  /// A webhook `path` (must start with `/`).
  void read_path(const map_reader& m, std::string& out);
  /// An API base URL without trailing slashes.
  void read_api_base(const map_reader& m, std::string& out);
  template <class Settings>
  void read_shards(const node_ref& x, Settings& out);
  template <class Settings>
  void read_gateway_keys(const map_reader& m, Settings& out);
  // The `settings` map of a platform entry, read by `read`; `required`:
  // its absence is an error.
  template <class Settings>
  Settings read_settings(const map_reader& m, const node_ref& x,
                         void (loader::*read)(const node_ref&, Settings&),
                         bool required = true) {
    Settings out;
    if (auto v = m.get("settings"))
      (this->*read)(*v, out);
    else if (required)
      missing(x, "settings");
    return out;
  }
  std::optional<std::string> read_url(const node_ref& x,
                                      std::initializer_list<const char*>
                                        schemes);
  void read_handlers(const node_ref& x);
  void read_handler(const node_ref& x);
  void read_forward(const node_ref& x, const handler_entry& e,
                    forward_settings& out);
  void read_plugin(const node_ref& x, plugin_settings& out);
  void read_routes(const node_ref& x);
  void read_route(const node_ref& x);
  void read_match(const node_ref& x, route_match& out);
  void check_handler_name(const node_ref& x, const std::string& name);
  std::optional<relay_target> read_relay_target(const node_ref& x,
                                                const std::string& str);

  /// Reads an entry's `restart:` block and checks it against the defaults.
  policy_patch read_restart(const node_ref& x);

  /// Checks the policies of the platform and handler nodes as a whole: an
  /// override and a `restart:` block may each be fine but clash together.
  void check_entry_policies();

  /// The canonical text of an entry, for reload. Holds secret values after
  /// ${ENV} substitution: never log it.
  std::string fingerprint(const node_ref& x) {
    auto result = reader::canonical(x.node);
    if (!result) {
      r_.fail(x, "too large: aliases expand it beyond 64 levels or 100000 "
                 "values");
      return {};
    }
    return std::move(*result);
  }

  /// An entry's `name`: letters, digits, `_`, `.` and `-`.
  std::optional<std::string> read_entry_name(const node_ref& x) {
    auto str = r_.string(x);
    if (!str) return std::nullopt;
    if (is_entry_name(*str)) return str;
    r_.fail(x, "invalid name " + ticked(*str)
                 + ": use letters, digits, `_`, `.` and `-`");
    return std::nullopt;
  }

  void missing(const node_ref& map, std::string_view key) {
    r_.fail(map.pos, detail::join_path(map.path, key),
            "missing required key " + ticked(key));
  }

  reader r_;
  tether_config cfg_;
  /// Whether `supervision.defaults` was fine; other blocks are checked
  /// against it only then.
  bool defaults_ok_ = true;
  /// False once any policy value was rejected, to skip follow-up checks.
  bool policies_ok_ = true;
  /// Names seen so far (even in entries with errors), for references.
  std::vector<std::string> handler_names_;
  std::map<std::string, position> handler_pos_;
  std::map<std::string, position> platform_pos_;
  std::optional<position> sandbox_pos_;
  /// Webhook paths taken so far, for duplicates.
  std::map<std::string, position> webhook_paths_;
  /// The `path` value of the webhook platform being read, if given.
  std::optional<node_ref> last_path_ref_;
  /// Positions of the entries in `cfg_.platforms` and `cfg_.handlers`.
  std::vector<node_ref> platform_refs_;
  std::vector<node_ref> handler_refs_;
};

load_result loader::run(const std::string& text) {
  load_result result;
  std::vector<YAML::Node> docs;
  try {
    docs = YAML::LoadAll(text);
  } catch (const YAML::Exception& e) {
    position pos{r_.file(), e.mark.line + 1, e.mark.column + 1};
    if (e.mark.line < 0) pos = position{r_.file(), 0, 0};
    result.errors.push_back(
      error{std::move(pos), std::string{}, "YAML syntax error: " + e.msg});
    return result;
  }
  if (docs.size() > 1)
    r_.fail(r_.pos_of(docs[1]), std::string{},
            "a second YAML document; the file must hold exactly one");
  // An empty file or document leaves everything at its default.
  auto root = r_.root(docs.empty() ? YAML::Node{} : docs.front());
  map_reader top{r_, root, top_keys};
  if (top.ok()) {
    if (auto x = top.get("daemon")) read_daemon(*x);
    if (auto x = top.get("admin")) read_admin(*x);
    if (auto x = top.get("ingress")) read_ingress(*x);
    if (auto x = top.get("outbox")) read_outbox(*x);
    if (auto x = top.get("store")) read_store(*x);
    if (cfg_.store.path.empty())
      cfg_.store.path = cfg_.daemon.data_dir + "/tether.db";
    if (auto x = top.get("supervision")) read_supervision(*x);
    if (auto x = top.get("platforms")) read_platforms(*x);
    if (auto x = top.get("handlers")) read_handlers(*x);
    if (policies_ok_) check_entry_policies();
    auto routes = top.get("routes");
    if (routes) read_routes(*routes);
    // Holds secret values after ${ENV} substitution: never log it.
    if (routes && !routes->is_null())
      cfg_.routes_fingerprint = fingerprint(*routes);
    else
      cfg_.routes_fingerprint = "[]";
  }
  result.errors = std::move(r_.errors());
  // Sections are read in schema order; report in file order.
  std::stable_sort(result.errors.begin(), result.errors.end(),
                   [](const error& x, const error& y) {
                     return std::tie(x.pos.line, x.pos.column)
                            < std::tie(y.pos.line, y.pos.column);
                   });
  if (result.errors.empty()) result.config = std::move(cfg_);
  return result;
}

// -- daemon and admin ---------------------------------------------------------

void loader::read_daemon(const node_ref& x) {
  map_reader m{r_, x, daemon_keys};
  auto& d = cfg_.daemon;
  if (auto v = m.get("log_level"))
    if (auto str = r_.choice(*v, log_levels)) d.log_level = *str;
  if (auto v = m.get("log_format"))
    if (auto str = r_.choice(*v, log_formats))
      d.log_fmt = *str == "json" ? log_format::json : log_format::text;
  if (auto v = m.get("data_dir"))
    if (auto str = r_.non_empty_string(*v)) d.data_dir = *str;
  if (auto v = m.get("shutdown_timeout"))
    if (auto t = r_.duration_value(*v, false)) d.shutdown_timeout = *t;
  if (auto v = m.get("io_threads"))
    if (auto n = r_.integer(*v, 1, int_max))
      d.io_threads = static_cast<int>(*n);
  if (auto v = m.get("actor_threads"))
    if (auto n = r_.integer(*v, 0, int_max))
      d.actor_threads = static_cast<int>(*n);
  if (auto v = m.get("watchdog_timeout"))
    if (auto t = r_.duration_value(*v, false)) d.watchdog_timeout = *t;
}

void loader::read_admin(const node_ref& x) {
  map_reader m{r_, x, admin_keys};
  auto& a = cfg_.admin;
  if (auto v = m.get("enabled"))
    if (auto b = r_.boolean(*v)) a.enabled = *b;
  if (auto v = m.get("listen")) {
    if (auto str = r_.string(*v)) {
      if (auto msg = check_listen(*str))
        r_.fail(*v, std::move(*msg));
      else
        a.listen = *str;
    }
  }
  if (auto v = m.get("token"))
    if (auto s = r_.secret_value(*v)) a.token = std::move(*s);
  // Anyone who reaches the console can stop every platform: beyond
  // loopback it must ask for a token.
  if (a.enabled && a.token.empty() && !is_loopback_listen(a.listen)) {
    auto v = m.get("listen");
    r_.fail(v ? v->pos : x.pos, detail::join_path(x.path, "listen"),
            "listening on " + ticked(a.listen)
              + " (not loopback) needs `admin.token`, e.g. "
                "`token: ${TETHER_ADMIN_TOKEN}`");
  }
}

// -- store --------------------------------------------------------------------

void loader::read_store(const node_ref& x) {
  map_reader m{r_, x, store_keys};
  if (!m.ok()) return;
  auto& s = cfg_.store;
  if (auto v = m.get("path"))
    if (auto str = r_.non_empty_string(*v)) s.path = *str;
  if (auto v = m.get("outbox_max_rows"))
    if (auto n = r_.integer(*v, 100, int64_t{1} << 40))
      s.outbox_max_rows = static_cast<uint64_t>(*n);
  if (auto v = m.get("keep_sent"))
    if (auto d = r_.duration_value(*v, true)) s.keep_sent = *d;
  if (auto v = m.get("seen_ttl"))
    if (auto d = r_.duration_value(*v, false)) s.seen_ttl = *d;
  if (auto v = m.get("seen_max"))
    if (auto n = r_.integer(*v, 100, int64_t{1} << 40))
      s.seen_max = static_cast<uint64_t>(*n);
  if (auto v = m.get("op_timeout")) {
    if (auto d = r_.duration_value(*v, false)) {
      // SQLite's busy timeout is an int of milliseconds.
      if (*d < std::chrono::milliseconds{10} || *d > std::chrono::minutes{10})
        r_.fail(*v, "must be between 10ms and 10m");
      else
        s.op_timeout = *d;
    }
  }
  if (auto v = m.get("max_attempts"))
    if (auto n = r_.integer(*v, 1, 1000000))
      s.max_attempts = static_cast<uint32_t>(*n);
}

// -- supervision --------------------------------------------------------------

void loader::read_supervision(const node_ref& x) {
  map_reader m{r_, x, supervision_keys};
  auto& s = cfg_.supervision;
  if (auto v = m.get("defaults")) {
    map_reader block_map{r_, *v, detail::policy_keys()};
    auto block = detail::read_policy_block(r_, block_map);
    defaults_ok_ = block.ok
                   && detail::check_backoff(r_, block, s.defaults,
                                            "the built-in default");
    if (defaults_ok_)
      block.patch.apply_to(s.defaults);
    else
      policies_ok_ = false;
  }
  if (auto v = m.get("overrides")) {
    auto keys = detail::policy_keys();
    keys.insert(keys.begin(), "match");
    for (auto& item : r_.list(*v)) {
      map_reader block_map{r_, item, keys};
      if (!block_map.ok()) {
        policies_ok_ = false;
        continue;
      }
      policy_override entry;
      entry.pos = item.pos;
      if (auto pattern = block_map.get("match")) {
        if (auto str = r_.non_empty_string(*pattern)) {
          if (str->front() == '/')
            r_.fail(*pattern, "must not start with `/`: node paths are "
                              "relative, e.g. `platforms/sandbox:*`");
          else
            entry.match = *str;
        }
      } else {
        missing(item, "match");
      }
      auto block = detail::read_policy_block(r_, block_map);
      entry.patch = block.patch;
      if (!block.ok
          || (defaults_ok_
              && !detail::check_backoff(r_, block, s.defaults,
                                        "supervision.defaults")))
        policies_ok_ = false;
      s.overrides.push_back(std::move(entry));
    }
  }
}

policy_patch loader::read_restart(const node_ref& x) {
  map_reader m{r_, x, detail::policy_keys()};
  auto block = detail::read_policy_block(r_, m);
  if (!block.ok
      || (defaults_ok_
          && !detail::check_backoff(r_, block, cfg_.supervision.defaults,
                                    "supervision.defaults")))
    policies_ok_ = false;
  return block.patch;
}

void loader::check_entry_policies() {
  // Resolves like policy_for, minus its safety clamp, so that a clash shows
  // up here instead of being papered over at runtime.
  auto resolve = [this](const std::string& path, const policy_patch& own) {
    auto result = cfg_.supervision.defaults;
    for (auto& x : cfg_.supervision.overrides)
      if (path_matches(x.match, path)) x.patch.apply_to(result);
    own.apply_to(result);
    return result;
  };
  auto check = [this](const node_ref& ref, const std::string& path,
                      const supervision::restart_policy& p) {
    if (p.backoff.max >= p.backoff.initial) return;
    r_.fail(ref, "the resolved policy of " + ticked(path) + " has backoff.max ("
                   + supervision::format_duration(p.backoff.max)
                   + ") < backoff.initial ("
                   + supervision::format_duration(p.backoff.initial)
                   + "); check the overrides matching it");
  };
  for (size_t i = 0; i < cfg_.platforms.size(); ++i) {
    auto& e = cfg_.platforms[i];
    auto path = "platforms/" + e.id();
    check(platform_refs_[i], path, resolve(path, e.restart));
  }
  for (size_t i = 0; i < cfg_.handlers.size(); ++i) {
    auto& e = cfg_.handlers[i];
    auto path = "handlers/" + e.name;
    check(handler_refs_[i], path, resolve(path, e.restart));
  }
}

// -- platforms ----------------------------------------------------------------

void loader::read_platforms(const node_ref& x) {
  for (auto& item : r_.list(x))
    read_platform(item);
}

void loader::read_platform(const node_ref& x) {
  map_reader m{r_, x, platform_keys};
  if (!m.ok()) return;
  auto errors_before = r_.error_count();
  platform_entry e;
  e.pos = x.pos;
  auto kind_ref = m.get("kind");
  if (kind_ref) {
    if (auto str = r_.choice(*kind_ref, platform_kinds, "platform kind"))
      e.kind = *str;
  } else {
    missing(x, "kind");
  }
  auto name_ref = m.get("name");
  if (name_ref) {
    if (auto str = read_entry_name(*name_ref)) e.name = *str;
  } else {
    missing(x, "name");
  }
  last_path_ref_.reset();
  if (e.kind == "sandbox")
    e.settings = read_settings<sandbox_settings>(m, x, &loader::read_sandbox,
                                                 false);
  else if (e.kind == "discord")
    e.settings = read_settings<discord_settings>(m, x, &loader::read_discord);
  else if (e.kind == "discord_webhook")
    e.settings = read_settings<discord_webhook_settings>(
      m, x, &loader::read_discord_webhook);
  else if (e.kind == "qq")
    e.settings = read_settings<qq_settings>(m, x, &loader::read_qq);
  else if (e.kind == "mirai")
    e.settings = read_settings<mirai_settings>(m, x, &loader::read_mirai);
  else if (e.kind == "onebot")
    e.settings = read_settings<onebot_settings>(m, x, &loader::read_onebot);
  else if (e.kind == "feishu")
    e.settings = read_settings<feishu_settings>(m, x, &loader::read_feishu);
  else if (e.kind == "wecom")
    e.settings = read_settings<wecom_settings>(m, x, &loader::read_wecom);
  else if (e.kind == "wechat")
    e.settings = read_settings<wechat_settings>(m, x, &loader::read_wechat);
  else if (e.kind == "discord_interactions")
    e.settings = read_settings<discord_interactions_settings>(
      m, x, &loader::read_discord_interactions);
  // Webhook platforms listen at /hooks/<kind>/<name> unless told otherwise.
  std::visit(
    [&e](auto& settings) {
      using T = std::decay_t<decltype(settings)>;
      if constexpr (std::is_same_v<T, qq_settings>) {
        if (settings.webhook && settings.path.empty())
          settings.path = "/hooks/" + e.kind + "/" + e.name;
      } else if constexpr (std::is_same_v<T, feishu_settings>
                           || std::is_same_v<T, wecom_settings>
                           || std::is_same_v<T, wechat_settings>
                           || std::is_same_v<
                             T, discord_interactions_settings>) {
        if (settings.path.empty())
          settings.path = "/hooks/" + e.kind + "/" + e.name;
      }
    },
    e.settings);
  if (auto v = m.get("restart")) e.restart = read_restart(*v);
  e.fingerprint = fingerprint(x);
  if (e.kind.empty() || e.name.empty()) return;
  auto id = e.id();
  auto name_pos = name_ref ? name_ref->pos : x.pos;
  if (auto i = platform_pos_.find(id); i != platform_pos_.end()) {
    r_.fail(name_pos, detail::join_path(x.path, "name"),
            "duplicate platform " + ticked(id) + "; first defined at "
              + file_line(i->second));
    return;
  }
  platform_pos_.emplace(id, x.pos);
  if (e.kind == "sandbox") {
    // Two sandboxes would fight over stdin.
    if (sandbox_pos_) {
      r_.fail(*kind_ref, "only one `sandbox` platform is allowed (it reads "
                         "stdin); first defined at "
                           + file_line(*sandbox_pos_));
      return;
    }
    sandbox_pos_ = x.pos;
  }
  if (auto path = webhook_path(e.settings); !path.empty()) {
    auto path_ref = std::move(last_path_ref_);
    last_path_ref_.reset();
    auto pos = path_ref ? path_ref->pos : name_pos;
    auto key = path_ref ? path_ref->path
                        : detail::join_path(x.path, "settings.path");
    if (auto i = webhook_paths_.find(path); i != webhook_paths_.end()) {
      r_.fail(pos, key,
              "webhook path " + ticked(path)
                + " is already used by the platform defined at "
                + file_line(i->second));
      return;
    }
    webhook_paths_.emplace(path, x.pos);
  }
  if (r_.error_count() == errors_before) {
    cfg_.platforms.push_back(std::move(e));
    platform_refs_.push_back(x);
  }
}

void loader::read_sandbox(const node_ref& x, sandbox_settings& out) {
  map_reader m{r_, x, sandbox_keys};
  if (auto v = m.get("user"))
    if (auto str = r_.non_empty_string(*v)) out.user = *str;
  if (auto v = m.get("reply_prefix"))
    if (auto str = r_.string(*v)) out.reply_prefix = *str;
}

std::optional<std::string>
loader::read_url(const node_ref& x, std::initializer_list<const char*> schemes) {
  auto str = r_.string(x);
  if (!str) return std::nullopt;
  for (auto scheme : schemes)
    if (str->rfind(scheme, 0) == 0 && str->size() > std::strlen(scheme))
      return str;
  std::string expected;
  for (auto scheme : schemes)
    expected += (expected.empty() ? "" : " or ") + std::string{scheme};
  r_.fail(x, "expected a URL starting with " + expected);
  return std::nullopt;
}

void loader::read_discord(const node_ref& x, discord_settings& out) {
  map_reader m{r_, x, discord_keys};
  if (!m.ok()) return;
  if (auto v = m.get("token")) {
    if (auto s = r_.secret_value(*v)) {
      if (s->empty())
        r_.fail(*v, "must not be empty");
      out.token = std::move(*s);
    }
  } else {
    missing(x, "token");
  }
  read_gateway_keys(m, out);
  if (auto v = m.get("compress")) {
    if (auto str = r_.choice(*v, {"zlib-stream", "none"}, "compression"))
      out.compress = *str == "zlib-stream";
  }
  if (auto v = m.get("allow_user_mentions"))
    if (auto b = r_.boolean(*v)) out.allow_user_mentions = *b;
  if (auto v = m.get("events"))
    for (auto& item : r_.list(*v))
      if (auto name = r_.non_empty_string(item)) {
        if (*name == "MESSAGE_CREATE")
          r_.fail(item, "MESSAGE_CREATE is always routed; list only other "
                        "dispatches");
        else
          out.events.push_back(*name);
      }
}

// The keys every Discord-shaped gateway platform has (discord, qq).
template <class Settings>
void loader::read_gateway_keys(const map_reader& m, Settings& out) {
  if (auto v = m.get("intents")) {
    out.intents.clear();
    out.intents_pos = v->pos;
    for (auto& item : r_.list(*v))
      if (auto name = r_.non_empty_string(item))
        out.intents.push_back(*name);
  }
  if (auto v = m.get("shards")) read_shards(*v, out);
  if (auto v = m.get("api_base"))
    if (auto str = read_url(*v, {"https://", "http://"})) {
      while (!str->empty() && str->back() == '/') str->pop_back();
      out.api_base = *str;
    }
  if (auto v = m.get("gateway_url"))
    if (auto str = read_url(*v, {"wss://", "ws://"})) out.gateway_url = *str;
  if (auto v = m.get("ping_interval"))
    if (auto d = r_.duration_value(*v, true)) out.ping_interval = *d;
  if (auto v = m.get("ping_timeout"))
    if (auto d = r_.duration_value(*v, false)) out.ping_timeout = *d;
  if (auto v = m.get("connect_timeout"))
    if (auto d = r_.duration_value(*v, false)) out.connect_timeout = *d;
  if (auto v = m.get("request_timeout"))
    if (auto d = r_.duration_value(*v, false)) out.request_timeout = *d;
  if (auto v = m.get("ca_file"))
    if (auto str = r_.string(*v)) out.ca_file = *str;
}

// `shards: auto`, `shards: 4`, or `shards: {count: 4, ids: 0-1}`.
template <class Settings>
void loader::read_shards(const node_ref& x, Settings& out) {
  if (x.node.IsScalar()) {
    if (x.node.Scalar() == "auto") {
      out.shards_auto = true;
      return;
    }
    if (auto n = r_.integer(x, 1, 65535)) {
      out.shards_auto = false;
      out.shard_count = static_cast<uint32_t>(*n);
      out.shard_first = 0;
      out.shard_last = out.shard_count - 1;
    }
    return;
  }
  map_reader m{r_, x, discord_shard_keys};
  if (!m.ok()) return;
  out.shards_auto = false;
  if (auto v = m.get("count")) {
    if (auto n = r_.integer(*v, 1, 65535))
      out.shard_count = static_cast<uint32_t>(*n);
  } else {
    missing(x, "count");
    return;
  }
  out.shard_first = 0;
  out.shard_last = out.shard_count - 1;
  if (auto v = m.get("ids")) {
    auto str = r_.string(*v);
    if (!str) return;
    unsigned first = 0;
    unsigned last = 0;
    char dash = 0;
    char extra = 0;
    auto n = std::sscanf(str->c_str(), "%u%c%u%c", &first, &dash, &last,
                         &extra);
    if (n == 1) {
      last = first;
    } else if (n != 3 || dash != '-') {
      r_.fail(*v, "expected a shard id range like `0-15` or one id");
      return;
    }
    if (first > last || last >= out.shard_count) {
      r_.fail(*v, "shard ids must satisfy first <= last < count ("
                    + std::to_string(out.shard_count) + ")");
      return;
    }
    out.shard_first = first;
    out.shard_last = last;
  }
}

void loader::read_discord_webhook(const node_ref& x,
                                  discord_webhook_settings& out) {
  map_reader m{r_, x, discord_webhook_keys};
  if (!m.ok()) return;
  if (auto v = m.get("url")) {
    if (auto s = r_.secret_value(*v)) {
      auto& url = s->reveal();
      if (url.rfind("https://", 0) != 0 && url.rfind("http://", 0) != 0)
        r_.fail(*v, "expected a webhook URL starting with https://");
      out.url = std::move(*s);
    }
  } else {
    missing(x, "url");
  }
  if (auto v = m.get("username"))
    if (auto str = r_.string(*v)) out.username = *str;
  if (auto v = m.get("avatar_url"))
    if (auto str = r_.string(*v)) out.avatar_url = *str;
  if (auto v = m.get("wait"))
    if (auto b = r_.boolean(*v)) out.wait = *b;
  if (auto v = m.get("request_timeout"))
    if (auto d = r_.duration_value(*v, false)) out.request_timeout = *d;
  if (auto v = m.get("ca_file"))
    if (auto str = r_.string(*v)) out.ca_file = *str;
}

void loader::read_qq(const node_ref& x, qq_settings& out) {
  map_reader m{r_, x, qq_keys};
  if (!m.ok()) return;
  if (auto v = m.get("app_id")) {
    // Often written as a number; either way it is an id.
    if (auto str = r_.non_empty_string(*v)) out.app_id = *str;
  } else {
    missing(x, "app_id");
  }
  if (auto v = m.get("client_secret")) {
    if (auto s = r_.secret_value(*v)) {
      if (s->empty())
        r_.fail(*v, "must not be empty");
      out.client_secret = std::move(*s);
    }
  } else {
    missing(x, "client_secret");
  }
  read_gateway_keys(m, out);
  if (auto v = m.get("sandbox"))
    if (auto b = r_.boolean(*v)) out.sandbox = *b;
  if (auto v = m.get("token_url"))
    if (auto str = read_url(*v, {"https://", "http://"})) out.token_url = *str;
  if (auto v = m.get("token_refresh_margin"))
    if (auto d = r_.duration_value(*v, true)) out.token_refresh_margin = *d;
  if (auto v = m.get("events"))
    for (auto& item : r_.list(*v))
      if (auto name = r_.non_empty_string(item)) out.events.push_back(*name);
  if (auto v = m.get("mode"))
    if (auto str = r_.choice(*v, {"gateway", "webhook"}, "QQ mode"))
      out.webhook = *str == "webhook";
  read_path(m, out.path);
}

void loader::read_mirai(const node_ref& x, mirai_settings& out) {
  map_reader m{r_, x, mirai_keys};
  if (!m.ok()) return;
  if (auto v = m.get("url")) {
    if (auto str = read_url(*v, {"ws://", "wss://"})) {
      while (!str->empty() && str->back() == '/') str->pop_back();
      out.url = *str;
    }
  } else {
    missing(x, "url");
  }
  if (auto v = m.get("verify_key")) {
    if (auto s = r_.secret_value(*v)) out.verify_key = std::move(*s);
  } else {
    missing(x, "verify_key");
  }
  if (auto v = m.get("qq")) {
    if (auto n = r_.integer(*v, 1, std::numeric_limits<int64_t>::max()))
      out.qq = *n;
  } else {
    missing(x, "qq");
  }
  if (auto v = m.get("command_timeout"))
    if (auto d = r_.duration_value(*v, false)) out.command_timeout = *d;
  if (auto v = m.get("ping_interval"))
    if (auto d = r_.duration_value(*v, true)) out.ping_interval = *d;
  if (auto v = m.get("ping_timeout"))
    if (auto d = r_.duration_value(*v, false)) out.ping_timeout = *d;
  if (auto v = m.get("idle_probe"))
    if (auto d = r_.duration_value(*v, true)) out.idle_probe = *d;
  if (auto v = m.get("connect_timeout"))
    if (auto d = r_.duration_value(*v, false)) out.connect_timeout = *d;
  if (auto v = m.get("ca_file"))
    if (auto str = r_.string(*v)) out.ca_file = *str;
}

void loader::read_onebot(const node_ref& x, onebot_settings& out) {
  map_reader m{r_, x, onebot_keys};
  if (!m.ok()) return;
  if (auto v = m.get("mode"))
    if (auto str = r_.choice(*v, {"forward", "reverse"}, "OneBot mode"))
      out.reverse = *str == "reverse";
  if (auto v = m.get("url")) {
    if (auto str = read_url(*v, {"ws://", "wss://"})) {
      while (!str->empty() && str->back() == '/') str->pop_back();
      out.url = *str;
    }
  } else if (!out.reverse) {
    missing(x, "url");
  }
  if (auto v = m.get("split_endpoints"))
    if (auto b = r_.boolean(*v)) out.split_endpoints = *b;
  if (auto v = m.get("access_token"))
    if (auto s = r_.secret_value(*v)) out.access_token = std::move(*s);
  if (auto v = m.get("listen")) {
    if (auto str = r_.non_empty_string(*v)) {
      auto colon = str->rfind(':');
      if (colon == std::string::npos || colon == 0
          || str->find_first_not_of("0123456789", colon + 1)
               != std::string::npos
          || colon + 1 == str->size())
        r_.fail(*v, "expected `host:port`, e.g. `127.0.0.1:6700`");
      else
        out.listen = *str;
    }
  } else if (out.reverse) {
    missing(x, "listen");
  }
  if (auto v = m.get("path"))
    if (auto str = r_.non_empty_string(*v)) {
      if (str->front() != '/')
        r_.fail(*v, "must start with `/`");
      else
        out.path = *str;
    }
  if (auto v = m.get("self_id"))
    if (auto n = r_.integer(*v, 1, std::numeric_limits<int64_t>::max()))
      out.self_id = *n;
  if (auto v = m.get("action_timeout"))
    if (auto d = r_.duration_value(*v, false)) out.action_timeout = *d;
  if (auto v = m.get("ping_interval"))
    if (auto d = r_.duration_value(*v, true)) out.ping_interval = *d;
  if (auto v = m.get("ping_timeout"))
    if (auto d = r_.duration_value(*v, false)) out.ping_timeout = *d;
  if (auto v = m.get("connect_timeout"))
    if (auto d = r_.duration_value(*v, false)) out.connect_timeout = *d;
  if (auto v = m.get("ca_file"))
    if (auto str = r_.string(*v)) out.ca_file = *str;
}

// -- ingress and webhook platforms --------------------------------------------

void loader::read_outbox(const node_ref& x) {
  map_reader m{r_, x, outbox_keys};
  if (!m.ok()) return;
  auto& o = cfg_.outbox;
  if (auto v = m.get("room_rate"))
    if (auto d = r_.number(*v, 0.01, 1000)) o.room_rate = *d;
  if (auto v = m.get("room_burst"))
    if (auto n = r_.integer(*v, 1, 1000)) o.room_burst = *n;
  if (auto v = m.get("room_window"))
    if (auto n = r_.integer(*v, 1, 1000)) o.room_window = *n;
  if (auto v = m.get("ack_timeout"))
    if (auto t = r_.duration_value(*v, false)) o.ack_timeout = *t;
  if (auto v = m.get("max_age"))
    if (auto t = r_.duration_value(*v, false)) o.max_age = *t;
}

void loader::read_ingress(const node_ref& x) {
  map_reader m{r_, x, ingress_keys};
  if (!m.ok()) return;
  auto& g = cfg_.ingress;
  if (auto v = m.get("listen")) {
    if (auto str = r_.string(*v)) {
      if (auto msg = check_listen(*str))
        r_.fail(*v, std::move(*msg));
      else
        g.listen = *str;
    }
  }
  auto cert = m.get("tls_cert");
  auto key = m.get("tls_key");
  if (cert)
    if (auto str = r_.non_empty_string(*cert)) g.tls_cert = *str;
  if (key)
    if (auto str = r_.non_empty_string(*key)) g.tls_key = *str;
  if (cert && !key)
    r_.fail(*cert, "`tls_cert` needs `tls_key` as well");
  else if (key && !cert)
    r_.fail(*key, "`tls_key` needs `tls_cert` as well");
  if (auto v = m.get("body_limit"))
    if (auto n = r_.integer(*v, 1024, int64_t{1} << 30))
      g.body_limit = static_cast<size_t>(*n);
  if (auto v = m.get("max_connections"))
    if (auto n = r_.integer(*v, 1, 1000000))
      g.max_connections = static_cast<size_t>(*n);
  if (auto v = m.get("header_timeout"))
    if (auto d = r_.duration_value(*v, false)) g.header_timeout = *d;
  if (auto v = m.get("body_timeout"))
    if (auto d = r_.duration_value(*v, false)) g.body_timeout = *d;
  if (auto v = m.get("replay_window"))
    if (auto d = r_.duration_value(*v, false)) g.replay_window = *d;
}

void loader::required_secret(const node_ref& map, const map_reader& m,
                             std::string_view key, secret& out) {
  if (auto v = m.get(key)) {
    if (auto s = r_.secret_value(*v)) {
      if (s->empty())
        r_.fail(*v, "must not be empty");
      out = std::move(*s);
    }
  } else {
    missing(map, key);
  }
}

void loader::read_path(const map_reader& m, std::string& out) {
  if (auto v = m.get("path")) {
    if (auto str = r_.non_empty_string(*v)) {
      if (str->front() != '/' || str->find_first_of("?# ") != std::string::npos)
        r_.fail(*v, "must start with `/` and hold no `?`, `#` or space");
      else
        out = *str;
    }
    last_path_ref_ = *v;
  }
}

void loader::read_api_base(const map_reader& m, std::string& out) {
  if (auto v = m.get("api_base"))
    if (auto str = read_url(*v, {"https://", "http://"})) {
      while (!str->empty() && str->back() == '/') str->pop_back();
      out = *str;
    }
}

void loader::read_feishu(const node_ref& x, feishu_settings& out) {
  map_reader m{r_, x, feishu_keys};
  if (!m.ok()) return;
  if (auto v = m.get("app_id")) {
    if (auto str = r_.non_empty_string(*v)) out.app_id = *str;
  } else {
    missing(x, "app_id");
  }
  required_secret(x, m, "app_secret", out.app_secret);
  required_secret(x, m, "verification_token", out.verification_token);
  if (auto v = m.get("encrypt_key"))
    if (auto s = r_.secret_value(*v)) out.encrypt_key = std::move(*s);
  read_api_base(m, out.api_base);
  read_path(m, out.path);
  if (auto v = m.get("request_timeout"))
    if (auto d = r_.duration_value(*v, false)) out.request_timeout = *d;
  if (auto v = m.get("ca_file"))
    if (auto str = r_.string(*v)) out.ca_file = *str;
}

namespace {

// EncodingAESKey: 43 characters of [A-Za-z0-9] (PROTOCOLS.md §6.1).
bool is_encoding_aes_key(const std::string& str) {
  if (str.size() != 43) return false;
  for (auto c : str)
    if (!std::isalnum(static_cast<unsigned char>(c))) return false;
  return true;
}

} // namespace

void loader::read_wecom(const node_ref& x, wecom_settings& out) {
  map_reader m{r_, x, wecom_keys};
  if (!m.ok()) return;
  if (auto v = m.get("corp_id")) {
    if (auto str = r_.non_empty_string(*v)) out.corp_id = *str;
  } else {
    missing(x, "corp_id");
  }
  if (auto v = m.get("agent_id")) {
    if (auto n = r_.integer(*v, 1, std::numeric_limits<int64_t>::max()))
      out.agent_id = *n;
  } else {
    missing(x, "agent_id");
  }
  required_secret(x, m, "secret", out.app_secret);
  required_secret(x, m, "token", out.token);
  required_secret(x, m, "encoding_aes_key", out.encoding_aes_key);
  if (auto v = m.get("encoding_aes_key");
      v && !out.encoding_aes_key.empty()
      && !is_encoding_aes_key(out.encoding_aes_key.reveal()))
    r_.fail(*v, "must be 43 letters and digits");
  read_api_base(m, out.api_base);
  read_path(m, out.path);
  if (auto v = m.get("reply_window"))
    if (auto d = r_.duration_value(*v, true)) out.reply_window = *d;
  if (auto v = m.get("request_timeout"))
    if (auto d = r_.duration_value(*v, false)) out.request_timeout = *d;
  if (auto v = m.get("ca_file"))
    if (auto str = r_.string(*v)) out.ca_file = *str;
}

void loader::read_wechat(const node_ref& x, wechat_settings& out) {
  map_reader m{r_, x, wechat_keys};
  if (!m.ok()) return;
  if (auto v = m.get("app_id")) {
    if (auto str = r_.non_empty_string(*v)) out.app_id = *str;
  } else {
    missing(x, "app_id");
  }
  required_secret(x, m, "app_secret", out.app_secret);
  required_secret(x, m, "token", out.token);
  if (auto v = m.get("mode"))
    if (auto str = r_.choice(*v, {"plain", "compatible", "safe"},
                             "WeChat mode"))
      out.mode = *str == "safe"         ? wechat_mode::safe
                 : *str == "compatible" ? wechat_mode::compatible
                                        : wechat_mode::plain;
  auto key = m.get("encoding_aes_key");
  if (key)
    if (auto s = r_.secret_value(*key)) out.encoding_aes_key = std::move(*s);
  if (key && !out.encoding_aes_key.empty()
      && !is_encoding_aes_key(out.encoding_aes_key.reveal()))
    r_.fail(*key, "must be 43 letters and digits");
  else if (out.mode != wechat_mode::plain && out.encoding_aes_key.empty())
    r_.fail(key ? key->pos : x.pos,
            detail::join_path(x.path, "encoding_aes_key"),
            "required when `mode` is `compatible` or `safe`");
  read_api_base(m, out.api_base);
  read_path(m, out.path);
  if (auto v = m.get("reply_window")) {
    if (auto d = r_.duration_value(*v, true)) {
      if (*d >= std::chrono::seconds{5})
        r_.fail(*v, "must be below 5s (WeChat's deadline)");
      else
        out.reply_window = *d;
    }
  }
  if (auto v = m.get("request_timeout"))
    if (auto d = r_.duration_value(*v, false)) out.request_timeout = *d;
  if (auto v = m.get("ca_file"))
    if (auto str = r_.string(*v)) out.ca_file = *str;
}

void loader::read_discord_interactions(const node_ref& x,
                                       discord_interactions_settings& out) {
  map_reader m{r_, x, discord_interactions_keys};
  if (!m.ok()) return;
  if (auto v = m.get("application_id")) {
    if (auto str = r_.non_empty_string(*v)) {
      if (str->find_first_not_of("0123456789") != std::string::npos)
        r_.fail(*v, "must be a snowflake (digits)");
      else
        out.application_id = *str;
    }
  } else {
    missing(x, "application_id");
  }
  if (auto v = m.get("public_key")) {
    if (auto str = r_.non_empty_string(*v)) {
      if (str->size() != 64
          || str->find_first_not_of("0123456789abcdefABCDEF")
               != std::string::npos)
        r_.fail(*v, "must be 64 hex digits (the Ed25519 public key)");
      else
        out.public_key = *str;
    }
  } else {
    missing(x, "public_key");
  }
  read_api_base(m, out.api_base);
  read_path(m, out.path);
  if (auto v = m.get("reply_window")) {
    if (auto d = r_.duration_value(*v, true)) {
      if (*d >= std::chrono::seconds{3})
        r_.fail(*v, "must be below 3s (Discord's deadline)");
      else
        out.reply_window = *d;
    }
  }
  if (auto v = m.get("request_timeout"))
    if (auto d = r_.duration_value(*v, false)) out.request_timeout = *d;
  if (auto v = m.get("ca_file"))
    if (auto str = r_.string(*v)) out.ca_file = *str;
}

// -- handlers -----------------------------------------------------------------

void loader::read_handlers(const node_ref& x) {
  for (auto& item : r_.list(x))
    read_handler(item);
}

void loader::read_handler(const node_ref& x) {
  map_reader m{r_, x, handler_keys};
  if (!m.ok()) return;
  auto errors_before = r_.error_count();
  handler_entry e;
  e.pos = x.pos;
  if (auto v = m.get("kind")) {
    if (auto str = r_.choice(*v, handler_kinds, "handler kind")) e.kind = *str;
  } else {
    missing(x, "kind");
  }
  auto name_ref = m.get("name");
  if (name_ref) {
    if (auto str = read_entry_name(*name_ref)) e.name = *str;
  } else {
    e.name = e.kind;
  }
  // An llm call may retry and wait for a slow model.
  if (e.kind == "llm") e.timeout = std::chrono::seconds{60};
  if (auto v = m.get("timeout"))
    if (auto t = r_.duration_value(*v, false)) e.timeout = *t;
  if (auto v = m.get("concurrency"))
    if (auto n = r_.integer(*v, 1, 10000)) e.concurrency = *n;
  if (auto v = m.get("queue"))
    if (auto n = r_.integer(*v, 0, 1000000)) e.queue = *n;
  if (e.kind == "commands") {
    commands_settings settings;
    if (auto v = m.get("settings")) {
      map_reader sm{r_, *v, commands_keys};
      if (auto p = sm.get("prefix"))
        if (auto str = r_.non_empty_string(*p)) settings.prefix = *str;
    }
    e.settings = settings;
  } else if (e.kind == "forward") {
    forward_settings settings;
    if (auto v = m.get("settings"))
      read_forward(*v, e, settings);
    else
      missing(x, "settings");
    e.settings = settings;
  } else if (e.kind == "plugin") {
    plugin_settings settings;
    if (auto v = m.get("settings"))
      read_plugin(*v, settings);
    else
      missing(x, "settings");
    e.settings = settings;
  }
  if (e.kind == "llm") {
    llm_settings settings;
    if (auto v = m.get("settings"))
      detail::read_llm(r_, *v, e.timeout, settings);
    else
      missing(x, "settings");
    e.settings = std::move(settings);
  }
  if (auto v = m.get("restart")) e.restart = read_restart(*v);
  e.fingerprint = fingerprint(x);
  if (e.name.empty()) return;
  if (auto i = handler_pos_.find(e.name); i != handler_pos_.end()) {
    auto msg = "duplicate handler " + ticked(e.name) + "; first defined at "
               + file_line(i->second);
    if (!name_ref)
      msg += " (the name defaults to the kind; set `name` to tell them apart)";
    r_.fail(name_ref ? name_ref->pos : x.pos, detail::join_path(x.path, "name"),
            std::move(msg));
    return;
  }
  handler_pos_.emplace(e.name, x.pos);
  handler_names_.push_back(e.name);
  if (r_.error_count() == errors_before) {
    cfg_.handlers.push_back(std::move(e));
    handler_refs_.push_back(x);
  }
}

void loader::read_forward(const node_ref& x, const handler_entry& e,
                          forward_settings& out) {
  map_reader m{r_, x, forward_keys};
  if (!m.ok()) return;
  if (auto v = m.get("url")) {
    if (auto str = read_url(*v, {"https://", "http://"})) out.url = *str;
  } else {
    missing(x, "url");
  }
  if (auto v = m.get("secret"))
    if (auto s = r_.secret_value(*v)) out.signing_secret = std::move(*s);
  if (auto v = m.get("request_timeout")) {
    if (auto t = r_.duration_value(*v, false)) {
      // The router gives up on the call at the handler's timeout; an
      // attempt that may last as long leaves no room for a retry.
      if (*t >= e.timeout)
        r_.fail(*v, "must be below the handler's timeout ("
                      + supervision::format_duration(e.timeout) + ")");
      else
        out.request_timeout = *t;
    }
  }
  if (auto v = m.get("retries"))
    if (auto n = r_.integer(*v, 0, 10)) out.retries = static_cast<size_t>(*n);
  if (auto v = m.get("retry_backoff"))
    if (auto t = r_.duration_value(*v, true)) out.retry_backoff = *t;
  if (auto v = m.get("concurrency"))
    if (auto n = r_.integer(*v, 1, 1024))
      out.concurrency = static_cast<size_t>(*n);
  if (auto v = m.get("max_queue"))
    if (auto n = r_.integer(*v, 0, 100000))
      out.max_queue = static_cast<size_t>(*n);
  if (auto v = m.get("ca_file"))
    if (auto str = r_.string(*v)) out.ca_file = *str;
}

void loader::read_plugin(const node_ref& x, plugin_settings& out) {
  map_reader m{r_, x, plugin_keys};
  if (!m.ok()) return;
  if (auto v = m.get("command")) {
    if (v->node.IsScalar()) {
      // A string is split at spaces; no shell quoting.
      if (auto str = r_.non_empty_string(*v)) {
        std::istringstream words{*str};
        for (std::string w; words >> w;)
          out.command.push_back(w);
      }
    } else {
      for (auto& item : r_.list(*v))
        if (auto str = r_.string(item)) out.command.push_back(*str);
    }
    if (out.command.empty() || out.command.front().empty())
      r_.fail(*v, "must name a program");
  } else {
    missing(x, "command");
  }
  if (auto v = m.get("args"))
    for (auto& item : r_.list(*v))
      if (auto str = r_.string(item)) out.args.push_back(*str);
  if (auto v = m.get("env")) {
    if (!v->is_null() && !v->node.IsMap()) {
      r_.fail(*v, "expected a map of variable names to values");
    } else if (!v->is_null()) {
      for (auto kv : v->node) {
        auto key_pos = r_.pos_of(kv.first);
        if (!kv.first.IsScalar() || kv.first.Scalar().empty()
            || kv.first.Scalar().find('=') != std::string::npos) {
          r_.fail(key_pos, v->path, "invalid environment variable name");
          continue;
        }
        auto& key = kv.first.Scalar();
        auto pos = kv.second.IsNull() ? key_pos : r_.pos_of(kv.second);
        if (pos.line == 0) pos = key_pos;
        node_ref value{kv.second, detail::join_path(v->path, key), pos};
        // A value taken from tetherd's environment may be a credential.
        bool from_env = kv.second.IsScalar()
                        && kv.second.Scalar().find("${") != std::string::npos;
        if (from_env) {
          if (auto s = r_.secret_value(value)) out.env[key] = s->reveal();
        } else if (auto str = r_.string(value)) {
          out.env[key] = *str;
        }
      }
    }
  }
  if (auto v = m.get("working_dir"))
    if (auto str = r_.non_empty_string(*v)) out.working_dir = *str;
  if (auto v = m.get("hello_timeout"))
    if (auto t = r_.duration_value(*v, false)) out.hello_timeout = *t;
  if (auto v = m.get("call_timeout"))
    if (auto t = r_.duration_value(*v, false)) out.call_timeout = *t;
  if (auto v = m.get("max_timeouts"))
    if (auto n = r_.integer(*v, 1, 1000))
      out.max_timeouts = static_cast<size_t>(*n);
  if (auto v = m.get("max_line"))
    if (auto n = r_.integer(*v, 1024, 64 * 1024 * 1024))
      out.max_line = static_cast<size_t>(*n);
  if (auto v = m.get("stop_timeout"))
    if (auto t = r_.duration_value(*v, false)) out.stop_timeout = *t;
}

// -- routes -------------------------------------------------------------------

void loader::read_routes(const node_ref& x) {
  for (auto& item : r_.list(x))
    read_route(item);
}

void loader::read_route(const node_ref& x) {
  map_reader m{r_, x, route_keys};
  if (!m.ok()) return;
  route_entry e;
  e.pos = x.pos;
  if (auto v = m.get("match")) read_match(*v, e.match);
  auto one = m.get("handler");
  auto many = m.get("handlers");
  if (one && many) {
    r_.fail(many->pos, many->path,
            "set either `handler` or `handlers`, not both");
  } else if (one) {
    if (auto name = r_.non_empty_string(*one)) {
      check_handler_name(*one, *name);
      e.handlers.push_back(*name);
    }
  } else if (many) {
    auto items = r_.list(*many);
    if (items.empty() && (many->is_null() || many->node.IsSequence()))
      r_.fail(*many, "must name at least one handler");
    for (auto& item : items) {
      auto name = r_.non_empty_string(item);
      if (!name) continue;
      if (std::find(e.handlers.begin(), e.handlers.end(), *name)
          != e.handlers.end()) {
        r_.fail(item, "handler " + ticked(*name) + " is listed twice");
        continue;
      }
      check_handler_name(item, *name);
      e.handlers.push_back(*name);
    }
  }
  if (auto v = m.get("relay_to"))
    for (auto& item : r_.list(*v))
      if (auto str = r_.non_empty_string(item))
        if (auto target = read_relay_target(item, *str))
          e.relay_to.push_back(std::move(*target));
  if (auto v = m.get("relay_format"))
    if (auto str = r_.non_empty_string(*v)) e.relay_format = *str;
  if (!one && !many && !m.get("relay_to"))
    r_.fail(x.pos, detail::join_path(x.path, "handler"),
            "missing required key `handler` (or `handlers`, or `relay_to`)");
  if (auto v = m.get("final"))
    if (auto b = r_.boolean(*v)) e.final = *b;
  cfg_.routes.push_back(std::move(e));
}

// `kind:name` or `kind:name/room`, naming a configured platform.
std::optional<relay_target> loader::read_relay_target(const node_ref& x,
                                                      const std::string& str) {
  auto slash = str.find('/');
  auto id = str.substr(0, slash);
  relay_target out;
  auto colon = id.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == id.size()) {
    r_.fail(x, "expected `kind:name` or `kind:name/room`, got " + ticked(str));
    return std::nullopt;
  }
  out.kind = id.substr(0, colon);
  out.name = id.substr(colon + 1);
  if (slash != std::string::npos) {
    out.room = str.substr(slash + 1);
    if (out.room.empty()) {
      r_.fail(x, "empty room in " + ticked(str));
      return std::nullopt;
    }
  }
  if (platform_pos_.count(id) == 0) {
    std::vector<std::string> ids;
    for (auto& [known, pos] : platform_pos_)
      ids.push_back(known);
    r_.fail(x, "no platform " + ticked(id) + " is configured"
                 + detail::did_you_mean(id, ids));
    return std::nullopt;
  }
  if (out.kind == "discord" && out.room.empty()) {
    r_.fail(x, "relaying to a discord bot needs a channel: "
                 + ticked(id + "/CHANNEL_ID"));
    return std::nullopt;
  }
  return out;
}

void loader::check_handler_name(const node_ref& x, const std::string& name) {
  auto& names = handler_names_;
  if (std::find(names.begin(), names.end(), name) != names.end()) return;
  auto msg = "unknown handler " + ticked(name);
  auto hint = detail::did_you_mean(name, names);
  if (!hint.empty())
    msg += hint;
  else if (names.empty())
    msg += "; no handlers are configured";
  else
    msg += "; configured handlers: " + join(names);
  r_.fail(x, std::move(msg));
}

void loader::read_match(const node_ref& x, route_match& out) {
  map_reader m{r_, x, match_keys};
  if (auto v = m.get("platform"))
    out.platform = r_.choice(*v, platform_kinds, "platform kind");
  if (auto v = m.get("bot")) {
    if (auto name = r_.non_empty_string(*v)) {
      out.bot = name;
      // Only names of platforms of the matched kind, if one is given.
      std::vector<std::string> names;
      for (auto& [id, pos] : platform_pos_) {
        auto colon = id.find(':');
        if (!out.platform || id.compare(0, colon, *out.platform) == 0)
          names.push_back(id.substr(colon + 1));
      }
      if (std::find(names.begin(), names.end(), *name) == names.end()) {
        auto msg = "no " + (out.platform ? ticked(*out.platform) + " " : "")
                   + "platform named " + ticked(*name) + " is configured";
        r_.fail(*v, msg + detail::did_you_mean(*name, names));
      }
    }
  }
  if (auto v = m.get("room")) out.room = r_.string(*v);
  if (auto v = m.get("sender")) out.sender = r_.string(*v);
  if (auto v = m.get("prefix")) out.prefix = r_.string(*v);
  if (auto v = m.get("regex")) {
    if (auto str = r_.string(*v)) {
      try {
        std::regex re{*str, std::regex::ECMAScript};
        out.regex = str;
      } catch (const std::regex_error& e) {
        r_.fail(*v, "invalid regex " + ticked(*str) + ": " + e.what());
      }
    }
  }
  if (auto v = m.get("mentions_bot")) out.mentions_bot = r_.boolean(*v);
  if (auto v = m.get("type"))
    out.type = r_.choice(*v,
                         {"message", "message_update", "message_delete",
                          "event", "*"},
                         "message type");
  if (auto v = m.get("event")) {
    out.event = r_.non_empty_string(*v);
    if (out.type && *out.type != "event" && *out.type != "*")
      r_.fail(*v, "`event` matches only `type: event`");
  }
}

} // namespace

// -- entry points -------------------------------------------------------------

load_result load_string(const std::string& text, const std::string& file) {
  return loader{file}.run(text);
}

load_result load_file(const std::string& file) {
  auto fail = [&file](std::string message) {
    load_result result;
    result.errors.push_back(
      error{position{file, 0, 0}, std::string{}, std::move(message)});
    return result;
  };
  // A directory opens fine as a stream and then reads as empty, which would
  // pass as an all-defaults config.
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec))
    return fail("cannot read file: is a directory");
  std::ifstream in{file, std::ios::binary};
  if (!in)
    return fail(std::string{"cannot open file: "} + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad())
    return fail(std::string{"cannot read file: "} + std::strerror(errno));
  return load_string(text.str(), file);
}

std::string webhook_path(const platform_settings& settings) {
  return std::visit(
    [](const auto& x) -> std::string {
      using T = std::decay_t<decltype(x)>;
      if constexpr (std::is_same_v<T, feishu_settings>
                    || std::is_same_v<T, wecom_settings>
                    || std::is_same_v<T, wechat_settings>
                    || std::is_same_v<T, discord_interactions_settings>)
        return x.path;
      else if constexpr (std::is_same_v<T, qq_settings>)
        return x.webhook ? x.path : std::string{};
      else
        return {};
    },
    settings);
}

} // namespace tether::config
