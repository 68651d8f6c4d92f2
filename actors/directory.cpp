#include "actors/directory.hpp"

#include <caf/actor_cast.hpp>
#include <caf/abstract_actor.hpp>

namespace tether {

void directory::put(const std::string& name, const caf::actor& hdl) {
  std::lock_guard<std::mutex> guard{mtx_};
  entries_[name] = hdl.address();
}

void directory::erase(const std::string& name, const caf::actor_addr& addr) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto i = entries_.find(name);
  if (i != entries_.end() && i->second == addr)
    entries_.erase(i);
}

caf::actor directory::get(const std::string& name) const {
  std::lock_guard<std::mutex> guard{mtx_};
  auto i = entries_.find(name);
  if (i == entries_.end())
    return {};
  return caf::actor_cast<caf::actor>(i->second);
}

caf::actor directory::register_actor(const std::string& name,
                                    caf::actor hdl) {
  if (!hdl)
    return hdl;
  put(name, hdl);
  auto addr = hdl.address();
  // Runs after the actor's state is gone: capture only values.
  hdl->attach_functor([this, name, addr] { erase(name, addr); });
  return hdl;
}

} // namespace tether
