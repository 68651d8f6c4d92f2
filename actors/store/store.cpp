#include "actors/store/store.hpp"

#include <map>
#include <memory>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/store/database.hpp"
#include "actors/store/type_ids.hpp"
#include "config/logging.hpp"
#include "supervision/reason.hpp"

namespace tether::store {

namespace {

using level = spdlog::level::level_enum;

struct store_state {
  std::unique_ptr<database> db;
  store_options opts;
  static inline const char* name = "store";
};

using self_ptr = caf::stateful_actor<store_state>*;

int64_t wall_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch())
    .count();
}

// Turns a database failure into the error a requester gets. A damaged
// file makes the store exit with a fatal reason: every later operation
// would fail the same way, and the supervisor parks a fatal child.
caf::error on_failure(self_ptr self, const database_error& e) {
  auto code = e.corrupt()     ? store_errc::corrupt
              : e.timed_out() ? store_errc::timeout
                              : store_errc::failed;
  logging::log(code == store_errc::corrupt ? level::critical : level::warn,
               "store", "operation_failed", {{"error", e.what()}});
  if (code == store_errc::corrupt)
    self->quit(supervision::make_fatal(e.what()));
  return caf::make_error(code, std::string{e.what()});
}

// Runs `f` against the database; failures become an error answer.
template<class F>
auto guarded(self_ptr self, F f) -> caf::result<decltype(f(*self->state.db))> {
  try {
    return f(*self->state.db);
  } catch (const database_error& e) {
    return on_failure(self, e);
  }
}

void prune(self_ptr self) {
  auto& st = self->state;
  auto now = st.opts.now_ms();
  try {
    auto out = st.db->prune_outbox(now, st.opts.keep_sent.count(),
                                   st.opts.outbox_max_rows);
    auto seen = st.db->prune_seen(now, st.opts.seen_max);
    if (out.pending > 0)
      logging::log(level::warn, "store", "outbox_full",
                   {{"dropped_pending", std::to_string(out.pending)},
                    {"max_rows", std::to_string(st.opts.outbox_max_rows)}});
    if (out.finished + out.pending + seen > 0)
      logging::log(level::debug, "store", "pruned",
                   {{"outbox", std::to_string(out.finished + out.pending)},
                    {"seen", std::to_string(seen)}});
  } catch (const database_error& e) {
    on_failure(self, e);
  }
}

caf::behavior store_actor(self_ptr self, store_options opts) {
  if (!opts.now_ms) opts.now_ms = wall_ms;
  self->state.opts = opts;
  uint64_t pending = 0;
  try {
    self->state.db = std::make_unique<database>(opts.path, opts.op_timeout);
    pending = self->state.db->depth();
  } catch (const database_error& e) {
    // Fatal whatever the cause: a restart a second later would meet the
    // same file, directory or schema.
    logging::log(level::critical, "store", "open_failed",
                 {{"path", opts.path}, {"error", e.what()}});
    self->quit(supervision::make_fatal(e.what()));
    return {};
  }
  logging::log(level::info, "store", "opened",
               {{"path", opts.path}, {"pending", std::to_string(pending)}});
  self->delayed_send(self, opts.prune_interval, store_prune_atom::value);
  return {
    [=](store_put_atom, outbox_entry& x) -> caf::result<uint64_t> {
      if (x.created_ms == 0) x.created_ms = self->state.opts.now_ms();
      return guarded(self, [&](database& db) {
        return db.put(x);
      });
    },
    [=](store_sent_atom, uint64_t id) {
      auto now = self->state.opts.now_ms();
      guarded(self, [&](database& db) {
        return db.mark_sent(id, now);
      });
    },
    [=](store_failed_atom, uint64_t id, const std::string& error,
        bool permanent) {
      auto max = self->state.opts.max_attempts;
      guarded(self, [&](database& db) {
        std::string reason = error;
        if (!permanent) {
          auto attempts = db.mark_attempt(id, error);
          if (!attempts || *attempts < max) return false;
          reason = "gave up after " + std::to_string(*attempts)
                   + " attempts: " + error;
        }
        auto dropped = db.mark_dropped(id, reason);
        if (dropped)
          logging::log(level::warn, "store", "reply_dropped",
                       {{"id", std::to_string(id)}, {"reason", reason}});
        return dropped;
      });
    },
    [=](store_pending_atom) -> caf::result<std::vector<outbox_entry>> {
      auto limit = self->state.opts.outbox_max_rows;
      return guarded(self, [&](database& db) {
        return db.pending(static_cast<size_t>(limit));
      });
    },
    [=](store_seen_atom, const std::string& key,
        int64_t ttl_ms) -> caf::result<bool> {
      auto& opts = self->state.opts;
      if (ttl_ms <= 0) ttl_ms = opts.seen_ttl.count();
      auto now = opts.now_ms();
      return guarded(self, [&](database& db) {
        return db.check_and_insert(key, ttl_ms, now);
      });
    },
    [=](store_remember_atom, const std::vector<std::string>& keys,
        int64_t ttl_ms) {
      auto& opts = self->state.opts;
      if (ttl_ms <= 0) ttl_ms = opts.seen_ttl.count();
      auto now = opts.now_ms();
      guarded(self, [&](database& db) {
        db.remember(keys, ttl_ms, now);
        return true;
      });
    },
    [=](store_recent_seen_atom,
        uint64_t limit) -> caf::result<std::vector<std::string>> {
      auto now = self->state.opts.now_ms();
      return guarded(self, [&](database& db) {
        return db.recent_seen(static_cast<size_t>(limit), now);
      });
    },
    [=](store_session_get_atom,
        const std::string& key) -> caf::result<std::string> {
      return guarded(self, [&](database& db) {
        return db.get_session(key).value_or(std::string{});
      });
    },
    [=](store_session_put_atom, const std::string& key,
        const std::string& value) -> caf::result<bool> {
      auto now = self->state.opts.now_ms();
      return guarded(self, [&](database& db) {
        db.put_session(key, value, now);
        return true;
      });
    },
    [=](store_session_erase_atom, const std::string& key) -> caf::result<bool> {
      return guarded(self, [&](database& db) {
        return db.erase_session(key);
      });
    },
    [=](store_sessions_atom, const std::string& prefix)
      -> caf::result<std::map<std::string, std::string>> {
      return guarded(self, [&](database& db) {
        std::map<std::string, std::string> result;
        for (auto& [key, value] : db.sessions_with_prefix(prefix))
          result.emplace(std::move(key), std::move(value));
        return result;
      });
    },
    [=](store_stats_atom) -> caf::result<store_stats> {
      return guarded(self, [&](database& db) {
        auto x = db.stats();
        return store_stats{x.pending, x.sent,     x.dropped,
                           x.seen,    x.sessions, x.bytes};
      });
    },
    [=](store_prune_atom) {
      prune(self);
      self->delayed_send(self, self->state.opts.prune_interval,
                         store_prune_atom::value);
    },
  };
}

} // namespace

std::string to_string(store_errc x) {
  switch (x) {
    case store_errc::none: return "none";
    case store_errc::failed: return "store_failed";
    case store_errc::timeout: return "store_timeout";
    case store_errc::corrupt: return "store_corrupt";
  }
  return "unknown";
}

store_options make_options(const config::tether_config& cfg) {
  using std::chrono::duration_cast;
  using std::chrono::milliseconds;
  auto& s = cfg.store;
  store_options opts;
  opts.path = s.path.empty() ? cfg.daemon.data_dir + "/tether.db" : s.path;
  opts.op_timeout = duration_cast<milliseconds>(s.op_timeout);
  opts.outbox_max_rows = s.outbox_max_rows;
  opts.keep_sent = duration_cast<milliseconds>(s.keep_sent);
  opts.seen_ttl = duration_cast<milliseconds>(s.seen_ttl);
  opts.seen_max = s.seen_max;
  opts.max_attempts = s.max_attempts;
  return opts;
}

caf::actor spawn_store(caf::actor_system& sys, store_options opts,
                       bool detached) {
  supervision::register_category(caf::atom("store"), [](uint8_t code) {
    return to_string(static_cast<store_errc>(code));
  });
  if (detached) return sys.spawn<caf::detached>(store_actor, std::move(opts));
  return sys.spawn(store_actor, std::move(opts));
}

supervision::child_spec store_spec(runtime_ptr rt) {
  supervision::child_spec spec;
  spec.id = "store";
  spec.start = [rt](supervision::child_context& ctx) {
    auto opts = make_options(*rt->config());
    return rt->directory().register_actor(
      ctx.path, spawn_store(ctx.parent->system(), std::move(opts)));
  };
  return spec;
}

} // namespace tether::store
