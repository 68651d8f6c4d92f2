// QQ's side of the shared gateway connection (actors/gateway): Identify
// and Resume with `QQBot {access_token}` from the token cell, the QQ
// close-code table (PROTOCOLS.md §2.3), message events into unified
// messages, and dedupe of message ids (QQ re-pushes the same msg_id).

#pragma once

#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_set>

#include "actors/gateway/bot_state.hpp"
#include "actors/qq/token.hpp"
#include "config/config.hpp"
#include "protocols/message.hpp"

namespace tether::qq {

/// Message ids seen recently, shared by every shard of a bot: a re-pushed
/// msg_id (or a resume replay) is routed once. Bounded: the oldest id is
/// forgotten first.
class seen_ids {
public:
  explicit seen_ids(size_t capacity = 10'000) : capacity_(capacity) {
    // nop
  }

  /// True the first time `id` is seen.
  bool first(const std::string& id);

private:
  std::mutex mtx_;
  size_t capacity_;
  std::unordered_set<std::string> ids_;
  std::deque<std::string> order_;
};

gateway::gateway_settings gateway_settings_of(const config::qq_settings& x);

/// Drops the space QQ leaves where an @-mention was, so `/ping` routes
/// alike in every scene.
void trim_leading_space(inbound_message& msg);

/// The OpenAPI base: `api_base`, else the production or sandbox host.
std::string api_base_of(const config::qq_settings& x);

gateway::dialect_factory dialect_factory(const std::string& bot_name,
                                         const config::qq_settings& settings,
                                         token_ptr token,
                                         std::shared_ptr<seen_ids> seen);

} // namespace tether::qq
