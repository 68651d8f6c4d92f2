// Discord's side of the shared gateway connection (actors/gateway): API v10
// payloads, the close-code table, MESSAGE_CREATE into unified messages,
// guild tracking, and raw pass-through of the dispatches a bot lists in
// `events`.

#pragma once

#include <string>

#include "actors/gateway/bot_state.hpp"
#include "config/config.hpp"

namespace tether::discord {

/// The gateway part of a Discord bot's settings.
gateway::gateway_settings
gateway_settings_of(const config::discord_settings& settings);

/// Makes one Discord dialect per connection.
gateway::dialect_factory
dialect_factory(const std::string& bot_name,
                const config::discord_settings& settings);

} // namespace tether::discord
