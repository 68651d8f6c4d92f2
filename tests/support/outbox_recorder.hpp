// Stands in for `core/outbox` in actor tests: records every confirmation a
// platform sender makes (confirm_reply, actors/outbox/confirm.hpp), so a
// test can check how each reply ended.

#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>

#include "actors/runtime.hpp"
#include "actors/type_ids.hpp"

namespace tether::test {

struct recorded_confirmation {
  uint64_t outbox_id = 0;
  /// `sent`, `retry` or `rejected`.
  std::string outcome;
  std::string error;
};

using confirmation_log = std::shared_ptr<std::vector<recorded_confirmation>>;

inline caf::behavior outbox_recorder(caf::event_based_actor*,
                                     confirmation_log log) {
  return {
    [=](reply_result_atom, uint64_t id, bool ok, std::string& error,
        bool permanent) {
      log->push_back({id, ok ? "sent" : permanent ? "rejected" : "retry",
                      std::move(error)});
    },
  };
}

/// Spawns a recorder and registers it as `core/outbox` in `rt`.
inline caf::actor register_outbox_recorder(caf::actor_system& sys,
                                           runtime& rt, confirmation_log log) {
  auto hdl = sys.spawn(outbox_recorder, std::move(log));
  rt.directory().put("core/outbox", hdl);
  return hdl;
}

} // namespace tether::test
