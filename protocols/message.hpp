// The unified message model shared by every platform (DESIGN.md,
// seeds/003): platforms convert their events into `inbound_message`, the
// router hands it to handlers, and handlers answer with `outbound_reply`s
// that each platform's sender converts back.

#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>

namespace tether {

struct sender_info {
  std::string id;
  std::string name;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, sender_info& x) {
  return f(caf::meta::type_name("sender_info"), x.id, x.name);
}

/// Where a message was said; platforms fill what they have.
struct message_context {
  std::string room_id;
  std::string thread_id;
  std::string guild_id;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, message_context& x) {
  return f(caf::meta::type_name("message_context"), x.room_id, x.thread_id,
           x.guild_id);
}

/// One piece of rich content: `text`, `mention`, `emoji`, `image`, ...
struct segment {
  std::string type;
  /// Display text (`@name`, `:smile:`, the plain text itself).
  std::string text;
  /// The platform id the segment refers to (user, emoji, image url).
  std::string target;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, segment& x) {
  return f(caf::meta::type_name("segment"), x.type, x.text, x.target);
}

struct attachment {
  std::string url;
  std::string name;
  std::string content_type;
  uint64_t size = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, attachment& x) {
  return f(caf::meta::type_name("attachment"), x.url, x.name, x.content_type,
           x.size);
}

struct inbound_message {
  /// `message` (something said), `message_update`, `message_delete`, or
  /// `event` (any other platform event, passed on raw; see `event`).
  std::string type = "message";
  /// For `event`: the platform's event name, e.g. `GUILD_CREATE`.
  std::string event;
  /// Platform kind, e.g. `discord`, `sandbox`.
  std::string platform;
  /// Name of the configured bot (platform entry).
  std::string bot;
  /// Platform message id; unique per platform and bot.
  std::string id;
  sender_info sender;
  /// The plain text with mentions and emoji rendered readable.
  std::string text;
  std::vector<segment> segments;
  std::vector<attachment> attachments;
  /// Unix seconds.
  int64_t timestamp = 0;
  message_context context;
  bool mentions_bot = false;
  /// Id of the message this one replies to; empty if none.
  std::string reply_to;
  /// The platform's raw event (JSON text) for handlers that want it.
  std::string raw;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, inbound_message& x) {
  return f(caf::meta::type_name("inbound_message"), x.type, x.event,
           x.platform, x.bot, x.id,
           x.sender, x.text, x.segments, x.attachments, x.timestamp,
           x.context, x.mentions_bot, x.reply_to, x.raw);
}

/// A reply on its way to a platform sender.
struct outbound_reply {
  std::string platform;
  std::string bot;
  message_context context;
  /// The inbound message this answers.
  std::string reply_to;
  std::string text;
  /// 1-based index of this reply among the replies to `reply_to`; QQ uses
  /// it as msg_seq, so a resend after a crash reuses the same pair.
  uint32_t seq = 1;
  /// The outbox row of this reply; 0 when it does not come from the outbox
  /// (then no confirmation is expected).
  uint64_t outbox_id = 0;
  /// Stable across resends (Discord nonce, Feishu uuid); empty = none.
  std::string idempotency_key;
  /// Steady-clock nanoseconds when the message it answers reached the
  /// router (for the latency metric); 0 = unknown (recovered replies).
  int64_t received_ns = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, outbound_reply& x) {
  return f(caf::meta::type_name("outbound_reply"), x.platform, x.bot,
           x.context, x.reply_to, x.text, x.seq, x.outbox_id,
           x.idempotency_key, x.received_ns);
}

/// What a handler answers for one message: zero or more replies.
struct handler_result {
  std::vector<std::string> texts;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, handler_result& x) {
  return f(caf::meta::type_name("handler_result"), x.texts);
}

/// A reply addressed back to where `msg` came from.
outbound_reply make_reply(const inbound_message& msg, std::string text);

} // namespace tether
