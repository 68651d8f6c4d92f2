#include "protocols/message.hpp"

namespace tether {

outbound_reply make_reply(const inbound_message& msg, std::string text) {
  return {msg.platform, msg.bot, msg.context, msg.id, std::move(text)};
}

} // namespace tether
