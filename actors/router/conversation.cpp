#include "actors/router/conversation.hpp"

namespace tether {

conversation_key conversation_of(const inbound_message& msg) {
  conversation_key key;
  key.reserve(msg.platform.size() + msg.bot.size()
              + msg.context.room_id.size() + msg.context.thread_id.size() + 3);
  key += msg.platform;
  key += '\x1f';
  key += msg.bot;
  key += '\x1f';
  key += msg.context.room_id;
  key += '\x1f';
  key += msg.context.thread_id;
  return key;
}

uint64_t conversation_book::open(const conversation_key& conv,
                                 message_ptr msg, size_t slots) {
  auto& c = convs_[conv];
  auto seq = c.next_seq++;
  auto& e = c.entries[seq];
  e.msg = std::move(msg);
  e.slots.resize(slots);
  e.done.resize(slots, false);
  e.remaining = slots;
  ++open_messages_;
  return seq;
}

void conversation_book::complete(const conversation_key& conv, uint64_t seq,
                                 size_t slot, std::vector<std::string> texts) {
  auto c = convs_.find(conv);
  if (c == convs_.end())
    return;
  auto e = c->second.entries.find(seq);
  if (e == c->second.entries.end() || slot >= e->second.done.size()
      || e->second.done[slot])
    return;
  e->second.done[slot] = true;
  e->second.slots[slot] = std::move(texts);
  --e->second.remaining;
}

std::vector<conversation_book::ready>
conversation_book::take_ready(const conversation_key& conv) {
  std::vector<ready> out;
  auto c = convs_.find(conv);
  if (c == convs_.end())
    return out;
  auto& entries = c->second.entries;
  while (!entries.empty()) {
    auto i = entries.begin();
    if (i->first != c->second.next_release || i->second.remaining > 0)
      break;
    ready r;
    r.msg = std::move(i->second.msg);
    for (auto& texts : i->second.slots)
      for (auto& text : texts)
        r.texts.push_back(std::move(text));
    out.push_back(std::move(r));
    entries.erase(i);
    ++c->second.next_release;
    --open_messages_;
  }
  if (entries.empty())
    convs_.erase(c);
  return out;
}

} // namespace tether
