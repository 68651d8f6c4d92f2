// Names of live actors that other subtrees need to reach (the router, each
// platform's sender, each handler). Entries hold weak addresses, so a dead
// actor is never kept alive and a restarted one simply registers again.

#pragma once

#include <mutex>
#include <string>
#include <unordered_map>

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>

namespace tether {

class directory {
public:
  /// Registers `hdl` under `name`, replacing any earlier entry.
  void put(const std::string& name, const caf::actor& hdl);

  /// Removes `name` if it still refers to `addr` (a newer incarnation may
  /// have registered in the meantime).
  void erase(const std::string& name, const caf::actor_addr& addr);

  /// The live actor under `name`, or an invalid handle.
  caf::actor get(const std::string& name) const;

  /// Registers `hdl` under `name` and removes it again when it exits. Call
  /// it with the handle `spawn` returned, so the name resolves before the
  /// actor ever runs (nothing sent to it in between is lost).
  caf::actor register_actor(const std::string& name, caf::actor hdl);

private:
  mutable std::mutex mtx_;
  std::unordered_map<std::string, caf::actor_addr> entries_;
};

} // namespace tether
