#include "actors/admin/admin.hpp"

#include <algorithm>
#include <memory>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/admin/assets.hpp"
#include "actors/admin/auth.hpp"
#include "actors/admin/json.hpp"
#include "actors/admin/routes.hpp"
#include "actors/admin/sse.hpp"
#include "actors/admin/type_ids.hpp"
#include "actors/metrics/exposition.hpp"
#include "actors/sandbox/type_ids.hpp"
#include "config/listen.hpp"
#include "config/log_ring.hpp"
#include "config/logging.hpp"
#include "config/policy_input.hpp"
#include "supervision/reason.hpp"
#include "supervision/type_ids.hpp"

namespace tether::admin {

namespace {

using level = spdlog::level::level_enum;
using nlohmann::json;
using std::chrono::milliseconds;
using supervision::node_snapshot;
using supervision::node_state;

/// Bodies of PUT requests are small JSON objects.
constexpr size_t body_limit = 64 * 1024;

/// An open event stream may queue this much for a slow client, then it is
/// dropped.
constexpr size_t stream_limit = 256 * 1024;

/// `n` of /api/logs when not given, and of the backlog of a follow.
constexpr size_t default_lines = 200;
constexpr size_t default_follow_backlog = 20;

/// Longest line the chat panel may inject, and the longest wait for its
/// reply.
constexpr size_t max_say_size = 4096;
constexpr int64_t max_say_wait_ms = 10'000;

/// `n` of a sandbox transcript when not given (the sandbox keeps 200).
constexpr size_t default_transcript = 50;

struct admin_state {
  std::shared_ptr<net::http_server> server;
  /// Open event and log streams, for keep-alive comments.
  std::vector<net::http_stream> streams;
  static inline const char* name = "admin";
};

using self_ptr = caf::stateful_actor<admin_state>*;

// -- answers ------------------------------------------------------------------

void respond(const admin_call_ptr& call, int status, std::string body,
             net::header_list extra = {}) {
  net::http_server_response res;
  res.status = status;
  res.headers.emplace_back("Content-Type", "application/json");
  res.headers.emplace_back("Cache-Control", "no-store");
  for (auto& h : extra)
    res.headers.push_back(std::move(h));
  res.body = std::move(body);
  auto responder = call->responder;
  responder.respond(std::move(res));
}

void respond(const admin_call_ptr& call, int status, const json& body) {
  respond(call, status, body.dump());
}

void fail(const admin_call_ptr& call, int status, const std::string& message) {
  // Error texts may quote config values; secrets never leave the process.
  respond(call, status, error_body(logging::redact(message)));
}

// Status for an error a supervisor answered with (or a missed deadline).
int status_of(const caf::error& err) {
  if (err == supervision::sup_errc::unknown_child)
    return 404;
  if (err == supervision::sup_errc::shutting_down
      || err == supervision::sup_errc::child_running)
    return 409;
  if (err == caf::sec::request_timeout)
    return 504;
  return 500;
}

std::string ms(milliseconds x) {
  return std::to_string(x.count()) + "ms";
}

// -- the tree -----------------------------------------------------------------

// Asks the root for a snapshot; `on_error` gets a message when there is no
// root or it does not answer within the deadline.
template <class OnOk, class OnError>
void with_snapshot(self_ptr self, const runtime_ptr& rt,
                   const admin_options& opts, OnOk on_ok, OnError on_error) {
  auto root = rt->directory().get("root");
  if (!root) {
    on_error(std::string{"the supervision tree is not running"});
    return;
  }
  auto timeout = opts.snapshot_timeout;
  self->request(root, timeout, supervision::snapshot_atom::value)
    .then([on_ok](node_snapshot& snap) mutable { on_ok(snap); },
          [on_error, timeout](caf::error& err) mutable {
            on_error("the root supervisor did not answer within " + ms(timeout)
                     + ": " + supervision::describe(err));
          });
}

// Collects the live details of every node that registered for them.
template <class Done>
void collect_details(self_ptr self, const runtime_ptr& rt,
                     const admin_options& opts, const node_snapshot& snap,
                     Done done) {
  struct collector {
    details_map details;
    size_t outstanding = 0;
    Done done;
  };
  auto col = std::make_shared<collector>(collector{{}, 1, std::move(done)});
  auto finish = [col] {
    if (--col->outstanding == 0)
      col->done(std::move(col->details));
  };
  snap.for_each([&](const node_snapshot& node) {
    auto hdl = rt->directory().get("details:" + node.path);
    if (!hdl)
      return;
    ++col->outstanding;
    auto path = node.path;
    self->request(hdl, opts.details_timeout, supervision::details_atom::value)
      .then(
        [col, path, finish](std::string& text) {
          auto x = json::parse(text, nullptr, false);
          if (x.is_object())
            col->details[path] = std::move(x);
          finish();
        },
        [finish](caf::error&) { finish(); });
  });
  finish();
}

void get_tree(self_ptr self, const runtime_ptr& rt, const admin_options& opts,
              const admin_call_ptr& call) {
  with_snapshot(
    self, rt, opts,
    [self, rt, opts, call](node_snapshot& snap) {
      auto shared = std::make_shared<node_snapshot>(std::move(snap));
      collect_details(self, rt, opts, *shared,
                      [call, shared](details_map details) {
                        respond(call, 200,
                                json{{"tree", node_json(*shared, details)}});
                      });
    },
    [call](const std::string& why) { fail(call, 503, why); });
}

// -- node actions -------------------------------------------------------------

// Stopping or restarting the console (or a supervisor above it) would end
// the very request that asked for it.
bool hosts_console(const std::string& path, const std::string& admin_path) {
  return path == admin_path
         || admin_path.compare(0, path.size() + 1, path + "/") == 0;
}

void node_action(self_ptr self, const runtime_ptr& rt,
                 const admin_options& opts, const admin_call_ptr& call,
                 const std::string& admin_path) {
  auto path = call->target.node;
  auto action = call->target.action;
  if (action != "start" && hosts_console(path, admin_path)) {
    fail(call, 409,
         "`" + path + "` runs this console and cannot " + action
           + " itself through it; restart tetherd instead");
    return;
  }
  with_snapshot(
    self, rt, opts,
    [self, rt, call, path, action](node_snapshot& snap) {
      auto node = snap.find(path);
      if (!node || path.empty()) {
        fail(call, 404, "no node `" + path + "`");
        return;
      }
      auto ok = [call, path, action] {
        respond(call, 200, json{{"ok", true}, {"path", path},
                                {"action", action}});
      };
      if (action == "start"
          && (node->state == node_state::running
              || node->state == node_state::starting)) {
        ok(); // already up
        return;
      }
      auto root = rt->directory().get("root");
      if (!root) {
        fail(call, 503, "the supervision tree is not running");
        return;
      }
      // A stop waits for the node's own shutdown deadline, which the
      // daemon's shutdown budget bounds.
      auto timeout = rt->config()->daemon.shutdown_timeout
                     + std::chrono::seconds{2};
      auto on_error = [call, path](caf::error& err) {
        fail(call, status_of(err),
             "cannot act on `" + path + "`: " + supervision::describe(err));
      };
      if (action == "stop")
        self->request(root, timeout, supervision::terminate_child_atom::value,
                      path)
          .then([ok](caf::ok_atom) { ok(); }, on_error);
      else
        self->request(root, timeout, supervision::restart_child_atom::value,
                      path)
          .then([ok](caf::ok_atom) { ok(); }, on_error);
    },
    [call](const std::string& why) { fail(call, 503, why); });
}

// -- policies -----------------------------------------------------------------

void get_policies(self_ptr self, const runtime_ptr& rt,
                  const admin_options& opts, const admin_call_ptr& call) {
  with_snapshot(
    self, rt, opts,
    [self, rt, opts, call](node_snapshot& snap) {
      auto root = rt->directory().get("root");
      std::vector<std::string> paths;
      snap.for_each([&](const node_snapshot& node) {
        if (!node.path.empty())
          paths.push_back(node.path);
      });
      struct collector {
        std::vector<json> items;
        size_t outstanding = 0;
        admin_call_ptr call;
      };
      auto col = std::make_shared<collector>();
      col->call = call;
      col->outstanding = paths.size() + 1;
      for (auto& p : paths)
        col->items.push_back(json{{"path", p}, {"policy", nullptr}});
      auto finish = [col] {
        if (--col->outstanding == 0)
          respond(col->call, 200, json{{"policies", col->items}});
      };
      for (size_t i = 0; i < paths.size(); ++i)
        self
          ->request(root, opts.policy_timeout,
                    supervision::get_policy_atom::value, paths[i])
          .then(
            [col, i, finish](const supervision::restart_policy& p) {
              col->items[i]["policy"] = policy_json(p);
              finish();
            },
            [col, i, finish](caf::error& err) {
              col->items[i]["error"] = supervision::describe(err);
              finish();
            });
      finish();
    },
    [call](const std::string& why) { fail(call, 503, why); });
}

void get_policy(self_ptr self, const runtime_ptr& rt,
                const admin_options& opts, const admin_call_ptr& call) {
  auto root = rt->directory().get("root");
  if (!root) {
    fail(call, 503, "the supervision tree is not running");
    return;
  }
  auto path = call->target.node;
  self
    ->request(root, opts.policy_timeout, supervision::get_policy_atom::value,
              path)
    .then(
      [call, path](const supervision::restart_policy& p) {
        respond(call, 200, json{{"path", path}, {"policy", policy_json(p)}});
      },
      [call, path](caf::error& err) {
        auto status = status_of(err);
        fail(call, status,
             status == 404 ? "no node `" + path + "`"
                           : "cannot read the policy of `" + path
                               + "`: " + supervision::describe(err));
      });
}

void put_policy(self_ptr self, const runtime_ptr& rt,
                const admin_options& opts, const admin_call_ptr& call) {
  auto root = rt->directory().get("root");
  if (!root) {
    fail(call, 503, "the supervision tree is not running");
    return;
  }
  auto path = call->target.node;
  auto persist = query_flag(call->request.query, "persist");
  auto timeout = opts.policy_timeout;
  self->request(root, timeout, supervision::get_policy_atom::value, path)
    .then(
      [self, root, call, path, persist,
       timeout](const supervision::restart_policy& current) {
        auto parsed = config::parse_policy_input(call->request.body, current,
                                                 "request body");
        if (!parsed.policy) {
          std::vector<std::string> errors;
          for (auto& e : parsed.errors)
            errors.push_back(logging::redact(e.to_string()));
          respond(call, 400,
                  json{{"error", errors.front()}, {"errors", errors}});
          return;
        }
        auto policy = *parsed.policy;
        if (persist) {
          // yaml-cpp would drop every comment of tether.yaml on a rewrite.
          respond(call, 501,
                  json{{"error",
                        "persist is not supported: rewriting the config file "
                        "would lose its comments; put this block into the "
                        "node's entry (or an override) and reload"},
                       {"yaml", config::policy_yaml(policy)}});
          return;
        }
        self
          ->request(root, timeout, supervision::set_policy_atom::value, path,
                    policy)
          .then(
            [call, path, policy](caf::ok_atom) {
              logging::log(level::info, "admin", "policy_changed",
                           {{"path", path},
                            {"policy", supervision::to_string(policy)}});
              respond(call, 200, json{{"ok", true}, {"path", path},
                                      {"policy", policy_json(policy)}});
            },
            [call, path](caf::error& err) {
              fail(call, status_of(err), "cannot set the policy of `" + path
                                           + "`: "
                                           + supervision::describe(err));
            });
      },
      [call, path](caf::error& err) {
        auto status = status_of(err);
        fail(call, status,
             status == 404 ? "no node `" + path + "`"
                           : "cannot read the policy of `" + path
                               + "`: " + supervision::describe(err));
      });
}

// -- reload -------------------------------------------------------------------

void reload(self_ptr self, const runtime_ptr& rt, const admin_call_ptr& call,
            milliseconds timeout) {
  auto daemon = rt->directory().get("daemon");
  if (!daemon) {
    fail(call, 501, "reload is not available in this process");
    return;
  }
  self->request(daemon, timeout, reload_atom::value)
    .then(
      [call](std::string& body) {
        auto x = json::parse(body, nullptr, false);
        bool ok = x.is_object() && x.value("ok", false);
        respond(call, ok ? 200 : 400, logging::redact(body));
      },
      [call](caf::error& err) {
        fail(call, status_of(err),
             "reload did not finish: " + supervision::describe(err));
      });
}

// -- probes and metrics -------------------------------------------------------

void healthz(self_ptr self, const runtime_ptr& rt, const admin_options& opts,
             const admin_call_ptr& call) {
  with_snapshot(
    self, rt, opts,
    [call, rt](node_snapshot&) {
      auto up = std::chrono::duration_cast<milliseconds>(
        std::chrono::steady_clock::now() - rt->started_at());
      respond(call, 200, json{{"status", "ok"}, {"uptime_ms", up.count()}});
    },
    [call](const std::string& why) {
      respond(call, 503, json{{"status", "unavailable"}, {"error", why}});
    });
}

void readyz(self_ptr self, const runtime_ptr& rt, const admin_options& opts,
            const admin_call_ptr& call) {
  with_snapshot(
    self, rt, opts,
    [call, rt](node_snapshot& snap) {
      auto not_ready = json::array();
      for (auto& entry : rt->config()->platforms) {
        auto path = "platforms/" + entry.id();
        auto node = snap.find(path);
        // Parked is a decision (fatal reason or exhausted intensity), not a
        // node still on its way up.
        if (node
            && (node->state == node_state::running
                || node->state == node_state::parked))
          continue;
        not_ready.push_back(
          json{{"path", path},
               {"state", node ? supervision::to_string(node->state)
                              : std::string{"unknown"}}});
      }
      bool ready = not_ready.empty();
      respond(call, ready ? 200 : 503,
              json{{"ready", ready}, {"not_ready", not_ready}});
    },
    [call](const std::string& why) {
      respond(call, 503, json{{"ready", false}, {"error", why}});
    });
}

// The registry plus the tree's restarts and states; without an answer
// from the root in time, the registry alone (a scrape never fails because
// a supervisor is slow).
void metrics(self_ptr self, const runtime_ptr& rt, const admin_options& opts,
             const admin_call_ptr& call) {
  auto fn = opts.metrics ? opts.metrics : rt->metrics();
  auto render = [call, fn](const node_snapshot* tree) {
    std::string text;
    try {
      text = fn ? fn() : metrics::render_metrics(tree);
    } catch (const std::exception& e) {
      fail(call, 500, std::string{"metrics failed: "} + e.what());
      return;
    }
    net::http_server_response res;
    res.headers.emplace_back("Content-Type", metrics::exposition_content_type);
    res.body = logging::redact(std::move(text));
    auto responder = call->responder;
    responder.respond(std::move(res));
  };
  with_snapshot(
    self, rt, opts, [render](node_snapshot& snap) { render(&snap); },
    [render](const std::string&) { render(nullptr); });
}

// -- logs ---------------------------------------------------------------------

// `n` from the query: absent = `fallback`; bounded by the ring.
std::optional<size_t> line_count(const std::string& query, size_t fallback) {
  auto str = query_value(query, "n");
  if (!str)
    return fallback;
  if (str->empty() || str->size() > 9
      || str->find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  return std::min<size_t>(std::stoul(*str),
                          logging::recent_lines().capacity());
}

void logs(self_ptr self, const admin_call_ptr& call) {
  auto& query = call->request.query;
  bool follow = query_flag(query, "follow");
  auto n = line_count(query, follow ? default_follow_backlog : default_lines);
  if (!n) {
    fail(call, 400, "n must be a non-negative integer");
    return;
  }
  auto& ring = logging::recent_lines();
  if (follow) {
    self->state.streams.push_back(stream_logs(call->responder, ring, *n));
    return;
  }
  respond(call, 200, json{{"lines", ring.tail(*n)}});
}

// -- sandbox chat -------------------------------------------------------------

// The sandbox actor called `name`; answers 404 (not configured) or 503 (not
// running now) itself when there is none.
caf::actor find_sandbox(const runtime_ptr& rt, const admin_call_ptr& call) {
  auto& name = call->target.node;
  auto path = "platforms/sandbox:" + name;
  if (auto hdl = rt->directory().get(path))
    return hdl;
  for (auto& entry : rt->config()->platforms)
    if (entry.id() == "sandbox:" + name) {
      fail(call, 503, "`" + path + "` is not running");
      return {};
    }
  fail(call, 404, "no sandbox platform `" + name + "`");
  return {};
}

void sandbox_say(self_ptr self, const runtime_ptr& rt,
                 const admin_call_ptr& call) {
  auto body = json::parse(call->request.body, nullptr, false);
  if (!body.is_object() || !body.contains("text")
      || !body["text"].is_string()) {
    fail(call, 400, R"(expected a JSON object {"text": "..."})");
    return;
  }
  auto text = body["text"].get<std::string>();
  if (text.empty() || text.size() > max_say_size
      || text.find_first_of("\r\n") != std::string::npos) {
    fail(call, 400, "text must be one line of 1 to "
                      + std::to_string(max_say_size) + " bytes");
    return;
  }
  int64_t wait_ms = 0;
  if (body.contains("wait_ms")) {
    auto& w = body["wait_ms"];
    if (!w.is_number_integer() || w.get<int64_t>() < 0
        || w.get<int64_t>() > max_say_wait_ms) {
      fail(call, 400, "wait_ms must be an integer from 0 to "
                        + std::to_string(max_say_wait_ms));
      return;
    }
    wait_ms = w.get<int64_t>();
  }
  auto hdl = find_sandbox(rt, call);
  if (!hdl)
    return;
  self
    ->request(hdl, milliseconds{wait_ms + 500}, sandbox::say_atom::value,
              std::move(text), wait_ms)
    .then(
      [call](std::string& answer) {
        auto x = json::parse(answer, nullptr, false);
        if (!x.is_object())
          x = json::object();
        x["ok"] = true;
        respond(call, 200, x);
      },
      [call](caf::error& err) {
        fail(call, status_of(err),
             "the sandbox did not take the line: "
               + supervision::describe(err));
      });
}

void sandbox_transcript(self_ptr self, const runtime_ptr& rt,
                        const admin_options& opts,
                        const admin_call_ptr& call) {
  auto& query = call->request.query;
  bool follow = query_flag(query, "follow");
  auto n = line_count(query, default_transcript);
  if (!n) {
    fail(call, 400, "n must be a non-negative integer");
    return;
  }
  auto hdl = find_sandbox(rt, call);
  if (!hdl)
    return;
  auto count = static_cast<uint32_t>(*n);
  if (!follow) {
    self
      ->request(hdl, opts.details_timeout, sandbox::transcript_atom::value,
                count)
      .then(
        [call](std::string& entries) {
          respond(call, 200,
                  "{\"entries\":" + logging::redact(entries) + "}");
        },
        [call](caf::error& err) {
          fail(call, status_of(err), "the sandbox did not answer: "
                                       + supervision::describe(err));
        });
    return;
  }
  auto stream = call->responder.start_stream(sse_headers());
  if (!stream.write(": tether sandbox " + call->target.node + "\n\n"))
    return;
  auto watch = std::make_shared<sandbox::transcript_watch>();
  watch->write = [stream](const std::string& entry) mutable {
    return stream.write(sse_frame("chat", entry));
  };
  // The sandbox stopped: the client reconnects to the next incarnation.
  watch->close = [stream]() mutable { stream.close(); };
  self
    ->request(hdl, opts.details_timeout, sandbox::watch_atom::value,
              std::move(watch), count)
    .then([self, stream](caf::ok_atom) { self->state.streams.push_back(stream); },
          [stream](caf::error&) mutable { stream.close(); });
}

// -- dispatch -----------------------------------------------------------------

struct admin_params {
  runtime_ptr rt;
  admin_options opts;
  std::string path;
};

void dispatch(self_ptr self, const admin_params& p,
              const admin_call_ptr& call) {
  auto reload_timeout = std::chrono::duration_cast<milliseconds>(
    p.rt->config()->daemon.shutdown_timeout * 4 + std::chrono::seconds{10});
  switch (call->target.ep) {
    case endpoint::tree: get_tree(self, p.rt, p.opts, call); break;
    case endpoint::node_action:
      node_action(self, p.rt, p.opts, call, p.path);
      break;
    case endpoint::policies: get_policies(self, p.rt, p.opts, call); break;
    case endpoint::get_policy: get_policy(self, p.rt, p.opts, call); break;
    case endpoint::put_policy: put_policy(self, p.rt, p.opts, call); break;
    case endpoint::sandbox_say: sandbox_say(self, p.rt, call); break;
    case endpoint::sandbox_transcript:
      sandbox_transcript(self, p.rt, p.opts, call);
      break;
    case endpoint::reload: reload(self, p.rt, call, reload_timeout); break;
    case endpoint::events:
      self->state.streams.push_back(
        stream_events(call->responder, p.rt->events()));
      break;
    case endpoint::logs: logs(self, call); break;
    case endpoint::healthz: healthz(self, p.rt, p.opts, call); break;
    case endpoint::readyz: readyz(self, p.rt, p.opts, call); break;
    case endpoint::metrics: metrics(self, p.rt, p.opts, call); break;
    case endpoint::asset: // answered on the io thread
    case endpoint::none: fail(call, 404, "no such endpoint"); break;
  }
}

// Runs on an io thread: routing and the token check are answered here, the
// rest goes to the actor.
net::http_server::handler http_handler(caf::actor_addr admin,
                                       std::string token) {
  return [admin, token](net::http_server_request req,
                        net::http_responder res) {
    auto call = std::make_shared<admin_call>();
    call->target = parse_route(req.method, req.path);
    call->responder = std::move(res);
    auto& target = call->target;
    if (target.ep == endpoint::none) {
      net::header_list extra;
      if (!target.allow.empty())
        extra.emplace_back("Allow", target.allow);
      respond(call, target.status, error_body(target.error), extra);
      return;
    }
    if (target.ep == endpoint::asset) {
      // Static bytes: answered here, no need to bother the actor.
      auto file = find_asset(target.node);
      if (!file) {
        respond(call, 404, error_body("no such file"));
        return;
      }
      net::http_server_response page;
      page.headers = asset_headers(file->name);
      page.body = std::string{file->bytes};
      call->responder.respond(std::move(page));
      return;
    }
    if (needs_token(target.ep)
        && !authorized(req.header("authorization"), token)) {
      respond(call, 401, error_body("unauthorized: send Authorization: "
                                    "Bearer <admin.token>"),
              {{"WWW-Authenticate", "Bearer realm=\"tether\""}});
      return;
    }
    call->request = std::move(req);
    auto hdl = caf::actor_cast<caf::actor>(admin);
    if (!hdl) {
      respond(call, 503, error_body("the admin console is restarting"));
      return;
    }
    caf::anon_send(hdl, call_atom::value, std::move(call));
  };
}

caf::behavior admin_actor(self_ptr self, admin_params p) {
  auto cfg = p.rt->config();
  auto& a = cfg->admin;
  if (auto why = check_admin(a)) {
    logging::log(level::err, "admin", "refused", {{"why", *why}});
    self->quit(supervision::make_fatal(*why));
    return {};
  }
  net::http_server_options opts;
  if (!config::split_listen(a.listen, opts.address, opts.port)) {
    self->quit(supervision::make_fatal("bad admin.listen " + a.listen));
    return {};
  }
  auto token = a.token.reveal();
  if (!token.empty())
    logging::add_secret(token);
  opts.body_limit = body_limit;
  opts.max_connections = 64;
  opts.stream_queue_limit = stream_limit;
  // Covers a reload, the longest answer; every other one has its own
  // much shorter deadline.
  opts.handler_timeout = std::chrono::duration_cast<milliseconds>(
    cfg->daemon.shutdown_timeout * 4 + std::chrono::seconds{15});
  std::string error;
  auto server = net::http_server::make(
    p.rt->io(), opts, http_handler(self->address(), token), error);
  if (!server) {
    logging::log(level::err, "admin", "listen_failed",
                 {{"listen", a.listen}, {"error", error}});
    // Retrying cannot free the port: parked, visible in the tree and the
    // log, while the platforms keep running.
    self->quit(supervision::make_fatal("cannot listen on " + a.listen + ": "
                                       + error));
    return {};
  }
  self->state.server = server;
  self->attach_functor([server] { server->stop(); });
  logging::log(level::info, "admin", "listening",
               {{"url", console_url(opts.address, server->port())},
                {"auth", token.empty() ? "none" : "token"}});
  self->delayed_send(self, p.opts.keepalive, keepalive_atom::value);
  return {
    [self, p](call_atom, const admin_call_ptr& call) {
      dispatch(self, p, call);
    },
    [self, p](keepalive_atom) {
      auto& xs = self->state.streams;
      xs.erase(std::remove_if(xs.begin(), xs.end(),
                              [](net::http_stream& s) {
                                return !s.write(": keep-alive\n\n");
                              }),
               xs.end());
      self->delayed_send(self, p.opts.keepalive, keepalive_atom::value);
    },
  };
}

} // namespace

std::optional<std::string> check_admin(const config::admin_section& x) {
  if (!x.enabled || !x.token.empty() || config::is_loopback_listen(x.listen))
    return std::nullopt;
  return "admin.listen " + x.listen
         + " is not loopback and admin.token is not set";
}

std::string console_url(const std::string& host, uint16_t port) {
  auto h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return "http://" + h + ":" + std::to_string(port) + "/";
}

supervision::child_spec admin_spec(runtime_ptr rt, admin_options opts) {
  supervision::child_spec spec;
  spec.id = "admin";
  spec.start = [rt, opts](supervision::child_context& ctx) {
    // Detached: its own thread, so a scheduler busy with platforms never
    // delays an answer.
    return rt->directory().register_actor(
      ctx.path, ctx.parent->system().spawn<caf::detached>(
                  admin_actor, admin_params{rt, opts, ctx.path}));
  };
  return spec;
}

} // namespace tether::admin
