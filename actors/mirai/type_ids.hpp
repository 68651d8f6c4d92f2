// Atoms of the mirai client's own timers. Every timer carries a token, since
// CAF 0.17 cannot cancel a delayed message: a stale one is ignored.

#pragma once

#include <cstdint>
#include <string>

#include <caf/type_id.hpp>

#include "actors/type_ids.hpp"

CAF_BEGIN_TYPE_ID_BLOCK(tether_mirai, caf::id_block::tether_actors::end)

  /// Connect / session-frame deadline (uint64_t generation).
  CAF_ADD_ATOM(tether_mirai, tether::mirai, phase_timer_atom, "miraiphase")
  /// One command's deadline (std::string syncId, uint64_t token).
  CAF_ADD_ATOM(tether_mirai, tether::mirai, command_timer_atom, "miraicmd")
  /// Time to check for silence and maybe send `about` (uint64_t generation).
  CAF_ADD_ATOM(tether_mirai, tether::mirai, idle_timer_atom, "miraiidle")
  /// The bot is still offline: log it again (uint64_t generation).
  CAF_ADD_ATOM(tether_mirai, tether::mirai, offline_timer_atom, "miraioff")

CAF_END_TYPE_ID_BLOCK(tether_mirai)
