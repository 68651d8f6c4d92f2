#include "protocols/gateway/room.hpp"

namespace tether::gateway {

std::string make_room(std::string_view scene, std::string_view id) {
  std::string result;
  result.reserve(scene.size() + 1 + id.size());
  result += scene;
  result += ':';
  result += id;
  return result;
}

std::optional<room_ref> split_room(std::string_view room) {
  auto colon = room.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == room.size())
    return std::nullopt;
  return room_ref{room.substr(0, colon), room.substr(colon + 1)};
}

} // namespace tether::gateway
