#include "protocols/message.hpp"

namespace tether {

outbound_reply make_reply(const inbound_message& msg, std::string text) {
  outbound_reply out;
  out.platform = msg.platform;
  out.bot = msg.bot;
  out.context = msg.context;
  out.reply_to = msg.id;
  out.text = std::move(text);
  return out;
}

} // namespace tether
