#include "protocols/discord/message.hpp"

#include <algorithm>
#include <vector>

#include "protocols/discord/json_input.hpp"

namespace dom = simdjson::dom;

namespace tether::discord {

namespace {

// String views below point into the DOM parser's string buffer, which lives
// as long as the json_input; nothing is copied until the result is built.

struct user_ref {
  std::string_view id;
  std::string_view username;
  std::string_view global_name;
  std::string_view nick;

  std::string_view display_name() const {
    if (!nick.empty()) return nick;
    if (!global_name.empty()) return global_name;
    return username;
  }
};

bool read(dom::element x, std::string_view& out) {
  return !x.get(out);
}

// A string member that may also be null (global_name, nick, ...).
bool read_optional(dom::element x, std::string_view& out) {
  if (x.is_null()) {
    out = {};
    return true;
  }
  return read(x, out);
}

// Calls `f(key, value)` per member of the object `x`; false stops.
template<class F>
bool for_each_field(dom::element x, F&& f) {
  dom::object obj;
  if (x.get(obj)) return false;
  for (auto [key, value] : obj)
    if (!f(key, value)) return false;
  return true;
}

template<class F>
bool for_each_item(dom::element x, F&& f) {
  dom::array arr;
  if (x.get(arr)) return false;
  for (auto item : arr)
    if (!f(item)) return false;
  return true;
}

bool read_user(dom::element x, user_ref& u) {
  auto read_member = [&u](std::string_view key, dom::element v) {
    return key != "nick" || read_optional(v, u.nick);
  };
  return for_each_field(x, [&](std::string_view key, dom::element v) {
    if (key == "id") return read(v, u.id);
    if (key == "username") return read(v, u.username);
    if (key == "global_name") return read_optional(v, u.global_name);
    if (key == "member") return v.is_null() || for_each_field(v, read_member);
    return true;
  });
}

bool read_attachment(dom::element x, attachment& a) {
  std::string_view url, name, content_type;
  auto ok = for_each_field(x, [&](std::string_view key, dom::element v) {
    if (key == "url") return read(v, url);
    if (key == "filename") return read(v, name);
    if (key == "content_type") return read_optional(v, content_type);
    if (key == "size") return !v.get(a.size);
    return true;
  });
  a.url = url;
  a.name = name;
  a.content_type = content_type;
  return ok;
}

// The message a reference points to, unless it is a forward (type 1).
bool read_reference(dom::element x, std::string_view& reply_to) {
  std::string_view message_id;
  int64_t type = 0;
  auto ok = for_each_field(x, [&](std::string_view key, dom::element v) {
    if (key == "message_id") return read(v, message_id);
    if (key == "type") return !v.get(type);
    return true;
  });
  if (ok && type == 0) reply_to = message_id;
  return ok;
}

// -- content rendering --------------------------------------------------------

// Closures rather than functions so that take() inlines them.
constexpr auto is_digit = [](char c) {
  return c >= '0' && c <= '9';
};

constexpr auto is_name_char = [](char c) {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
         || c == '_';
};

// Consumes a run of 1..max chars satisfying `pred` from the front of `x`.
template<class Pred>
std::string_view take(std::string_view& x, size_t max, Pred pred) {
  size_t n = 0;
  while (n < x.size() && n < max && pred(x[n]))
    ++n;
  if (n == 0 || (n < x.size() && pred(x[n]))) return {};
  auto result = x.substr(0, n);
  x.remove_prefix(n);
  return result;
}

bool take_char(std::string_view& x, char c) {
  if (x.empty() || x.front() != c) return false;
  x.remove_prefix(1);
  return true;
}

struct token {
  std::string_view type; // "mention", "role", "channel" or "emoji"
  std::string_view id;
  std::string_view name; // emoji only
  size_t length = 0;     // bytes of the markup, '<' to '>'
};

// Recognizes the markup at the front of `x` (which starts with '<').
std::optional<token> read_token(std::string_view x) {
  constexpr size_t max_id = 20; // a uint64 snowflake in decimal
  constexpr size_t max_emoji_name = 32;
  auto in = x.substr(1);
  token t;
  if (take_char(in, '@')) {
    if (take_char(in, '&'))
      t.type = "role";
    else {
      take_char(in, '!'); // legacy nickname mention
      t.type = "mention";
    }
    t.id = take(in, max_id, is_digit);
  } else if (take_char(in, '#')) {
    t.type = "channel";
    t.id = take(in, max_id, is_digit);
  } else {
    take_char(in, 'a'); // animated
    if (!take_char(in, ':')) return std::nullopt;
    t.type = "emoji";
    t.name = take(in, max_emoji_name, is_name_char);
    if (t.name.empty() || !take_char(in, ':')) return std::nullopt;
    t.id = take(in, max_id, is_digit);
  }
  if (t.id.empty() || !take_char(in, '>')) return std::nullopt;
  t.length = x.size() - in.size();
  return t;
}

void render(std::string_view content, const std::vector<user_ref>& mentions,
            inbound_message& msg) {
  auto& text = msg.text;
  text.reserve(content.size());
  // At most a token and a text piece per '<', plus the tail.
  auto tokens
    = static_cast<size_t>(std::count(content.begin(), content.end(), '<'));
  msg.segments.reserve(2 * tokens + 1);
  size_t pending = 0; // start of the current plain-text segment in `text`
  auto flush_text = [&] {
    if (text.size() > pending)
      msg.segments.push_back({"text", text.substr(pending), {}});
  };
  for (size_t pos = 0; pos < content.size();) {
    auto lt = content.find('<', pos);
    if (lt == std::string_view::npos) {
      text.append(content.substr(pos));
      break;
    }
    text.append(content.substr(pos, lt - pos));
    auto tok = read_token(content.substr(lt));
    if (!tok) {
      text += '<';
      pos = lt + 1;
      continue;
    }
    flush_text();
    std::string shown;
    if (tok->type == "mention") {
      shown = "@";
      std::string_view name = tok->id;
      for (auto& u : mentions)
        if (u.id == tok->id) {
          name = u.display_name();
          break;
        }
      shown += name;
    } else if (tok->type == "role") {
      // Role names are not in the event; a guild cache would have them.
      shown = "@role";
    } else if (tok->type == "channel") {
      shown = "#";
      shown += tok->id;
    } else {
      shown = ":";
      shown += tok->name;
      shown += ':';
    }
    text += shown;
    msg.segments.push_back(
      {std::string{tok->type}, std::move(shown), std::string{tok->id}});
    pending = text.size();
    pos = lt + tok->length;
  }
  flush_text();
}

// -- time ---------------------------------------------------------------------

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
// days_from_civil).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  auto era = (y >= 0 ? y : y - 399) / 400;
  auto yoe = static_cast<unsigned>(y - era * 400);
  auto doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  auto doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool read_digits(std::string_view& x, size_t n, int& out) {
  if (x.size() < n) return false;
  out = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!is_digit(x[i])) return false;
    out = out * 10 + (x[i] - '0');
  }
  x.remove_prefix(n);
  return true;
}

} // namespace

std::optional<int64_t> parse_iso8601(std::string_view x) {
  int year, month, day, hour, minute, second;
  if (!read_digits(x, 4, year) || !take_char(x, '-')
      || !read_digits(x, 2, month) || !take_char(x, '-')
      || !read_digits(x, 2, day) || !(take_char(x, 'T') || take_char(x, ' '))
      || !read_digits(x, 2, hour) || !take_char(x, ':')
      || !read_digits(x, 2, minute) || !take_char(x, ':')
      || !read_digits(x, 2, second))
    return std::nullopt;
  static constexpr int month_days[] = {31, 29, 31, 30, 31, 30,
                                       31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12 || day < 1 || day > month_days[month - 1]
      || hour > 23 || minute > 59 || second > 60)
    return std::nullopt;
  if (take_char(x, '.') && take(x, 9, is_digit).empty()) return std::nullopt;
  int offset = 0;
  if (!x.empty() && (x.front() == '+' || x.front() == '-')) {
    auto sign = x.front() == '-' ? -1 : 1;
    x.remove_prefix(1);
    int oh, om;
    if (!read_digits(x, 2, oh) || !take_char(x, ':') || !read_digits(x, 2, om)
        || oh > 23 || om > 59)
      return std::nullopt;
    offset = sign * (oh * 3600 + om * 60);
  } else {
    take_char(x, 'Z');
  }
  if (!x.empty()) return std::nullopt;
  return days_from_civil(year, static_cast<unsigned>(month),
                         static_cast<unsigned>(day))
           * 86400
         + hour * 3600 + minute * 60 + second - offset;
}

std::optional<inbound_message>
convert_message_create(std::string_view d, const std::string& bot_name,
                       const std::string& bot_user_id, std::string* error) {
  auto fail = [error](const char* what) -> std::optional<inbound_message> {
    if (error) *error = what;
    return std::nullopt;
  };
  detail::json_input in{d};
  dom::element root;
  if (in.parse().get(root)) return fail("malformed JSON");
  inbound_message msg;
  std::string_view id, channel_id, guild_id, content, timestamp, reply_to;
  user_ref author;
  std::vector<user_ref> mentions;
  auto ok = for_each_field(root, [&](std::string_view key, dom::element v) {
    // referenced_message, embeds, components and the like are not read.
    if (key == "content") return read(v, content);
    if (key == "id") return read(v, id);
    if (key == "channel_id") return read(v, channel_id);
    if (key == "guild_id") return read_optional(v, guild_id);
    if (key == "author") return read_user(v, author);
    if (key == "timestamp") return read(v, timestamp);
    if (key == "mentions")
      return for_each_item(v, [&mentions](dom::element x) {
        return read_user(x, mentions.emplace_back());
      });
    if (key == "attachments")
      return for_each_item(v, [&msg](dom::element x) {
        return read_attachment(x, msg.attachments.emplace_back());
      });
    if (key == "message_reference")
      return v.is_null() || read_reference(v, reply_to);
    return true;
  });
  if (!ok) return fail("malformed message object");
  if (id.empty()) return fail("id missing");
  if (channel_id.empty()) return fail("channel_id missing");
  if (author.id.empty()) return fail("author.id missing");
  if (!timestamp.empty()) {
    auto t = parse_iso8601(timestamp);
    if (!t) return fail("malformed timestamp");
    msg.timestamp = *t;
  }
  msg.platform = "discord";
  msg.bot = bot_name;
  msg.id = id;
  msg.sender.id = author.id;
  msg.sender.name = author.global_name.empty() ? author.username
                                               : author.global_name;
  msg.context.room_id = channel_id;
  msg.context.guild_id = guild_id;
  msg.reply_to = reply_to;
  if (!bot_user_id.empty())
    for (auto& u : mentions)
      if (u.id == bot_user_id) msg.mentions_bot = true;
  render(content, mentions, msg);
  msg.raw = d;
  return msg;
}

std::optional<dispatch_ids> parse_dispatch_ids(std::string_view d) {
  detail::json_input in{d};
  dom::element root;
  if (in.parse().get(root) || !root.is_object()) return std::nullopt;
  dispatch_ids out;
  std::string_view id, channel_id, guild_id;
  auto ok = for_each_field(root, [&](std::string_view key, dom::element v) {
    // Other members may be anything; only these must have their type.
    if (key == "id") return read(v, id);
    if (key == "channel_id") return read_optional(v, channel_id);
    if (key == "guild_id") return read_optional(v, guild_id);
    if (key == "unavailable") return !v.get(out.unavailable);
    return true;
  });
  if (!ok) return std::nullopt;
  out.id = id;
  out.channel_id = channel_id;
  out.guild_id = guild_id;
  return out;
}

std::optional<inbound_message>
convert_dispatch(std::string_view t, std::string_view d,
                 const std::string& bot_name, const std::string& bot_user_id) {
  std::optional<inbound_message> msg;
  if (t == "MESSAGE_UPDATE")
    msg = convert_message_create(d, bot_name, bot_user_id);
  if (!msg) {
    auto ids = parse_dispatch_ids(d);
    if (!ids) return std::nullopt;
    msg.emplace();
    msg->platform = "discord";
    msg->bot = bot_name;
    msg->id = ids->id;
    msg->context.room_id = ids->channel_id;
    msg->context.guild_id = ids->guild_id;
    msg->raw = std::string{d};
  }
  if (t == "MESSAGE_UPDATE") {
    msg->type = "message_update";
  } else if (t == "MESSAGE_DELETE") {
    msg->type = "message_delete";
  } else {
    msg->type = "event";
    msg->event = std::string{t};
  }
  return msg;
}

} // namespace tether::discord
