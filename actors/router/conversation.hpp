// Per-conversation reply order: handlers answer in any order, but the
// replies in one room leave in the order the messages came in. Pure logic,
// no actors.

#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "protocols/message.hpp"

namespace tether {

/// `platform`, `bot`, room and thread of a message, joined.
using conversation_key = std::string;

conversation_key conversation_of(const inbound_message& msg);

class conversation_book {
public:
  using message_ptr = std::shared_ptr<const inbound_message>;

  /// A message whose every handler call ended, with the replies of all
  /// its calls in handler (slot) order.
  struct ready {
    message_ptr msg;
    std::vector<std::string> texts;
  };

  /// Opens `msg` with `slots` handler calls; returns its sequence number
  /// in the conversation.
  uint64_t open(const conversation_key& conv, message_ptr msg, size_t slots);

  /// Ends call `slot` of message `seq`; unknown or repeated ends are
  /// ignored.
  void complete(const conversation_key& conv, uint64_t seq, size_t slot,
                std::vector<std::string> texts);

  /// Messages that ended and have no earlier message still open, oldest
  /// first; they are forgotten.
  std::vector<ready> take_ready(const conversation_key& conv);

  /// Conversations with at least one open message.
  size_t conversations() const {
    return convs_.size();
  }

  /// Messages not yet taken, over all conversations.
  size_t open_messages() const {
    return open_messages_;
  }

private:
  struct entry {
    message_ptr msg;
    std::vector<std::vector<std::string>> slots;
    std::vector<bool> done;
    size_t remaining = 0;
  };

  struct conversation {
    uint64_t next_seq = 0;
    uint64_t next_release = 0;
    std::map<uint64_t, entry> entries;
  };

  std::unordered_map<conversation_key, conversation> convs_;
  size_t open_messages_ = 0;
};

} // namespace tether
