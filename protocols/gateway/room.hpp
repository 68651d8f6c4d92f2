// Room ids for platforms whose reply endpoint depends on the kind of chat
// (QQ guild channel vs group vs C2C, mirai friend vs group vs temp, OneBot
// private vs group). `message_context::room_id` is then `<scene>:<id>`,
// e.g. `group:123456`, so an `outbound_reply` alone says where to send
// and route configs can name rooms unambiguously.

#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tether::gateway {

/// `scene` + ':' + `id`.
std::string make_room(std::string_view scene, std::string_view id);

struct room_ref {
  std::string_view scene;
  std::string_view id;
};

/// Splits at the first ':'; nullopt when there is none or either side is
/// empty. The views point into `room`.
std::optional<room_ref> split_room(std::string_view room);

} // namespace tether::gateway
