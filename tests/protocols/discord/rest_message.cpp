#define CAF_SUITE protocols.discord.rest_message

#include "protocols/discord/rest_message.hpp"

#include <cstdint>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "caf/test/unit_test.hpp"

using namespace tether::discord;

namespace {

using strings = std::vector<std::string>;

std::string repeat(std::string_view x, size_t n) {
  std::string result;
  for (size_t i = 0; i < n; ++i)
    result += x;
  return result;
}

size_t code_points(std::string_view x) {
  size_t n = 0;
  for (auto c : x)
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  return n;
}

// True if `x` starts and ends on code point boundaries of valid UTF-8.
bool whole_utf8(std::string_view x) {
  auto cont = [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
  };
  if (x.empty() || cont(x.front())) return false;
  size_t i = 0;
  while (i < x.size()) {
    auto c = static_cast<unsigned char>(x[i]);
    size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (i + len > x.size()) return false;
    for (size_t j = 1; j < len; ++j)
      if (!cont(x[i + j])) return false;
    i += len;
  }
  return true;
}

const std::string cjk = "\xE4\xB8\xAD";       // U+4E2D, 3 bytes
const std::string emoji = "\xF0\x9F\x98\x80"; // U+1F600, 4 bytes

} // namespace

CAF_TEST(short text is one part and empty text none) {
  CAF_CHECK_EQUAL(split_content(""), strings{});
  CAF_CHECK_EQUAL(split_content("hello"), strings{"hello"});
  CAF_CHECK_EQUAL(split_content(" "), strings{" "});
  auto exact = repeat("a", 2000);
  CAF_CHECK_EQUAL(split_content(exact), strings{exact});
}

CAF_TEST(long ascii text is cut at the limit) {
  auto a2000 = repeat("a", 2000);
  CAF_CHECK_EQUAL(split_content(repeat("a", 2001)), (strings{a2000, "a"}));
  CAF_CHECK_EQUAL(split_content(repeat("a", 4001)),
                  (strings{a2000, a2000, "a"}));
  CAF_CHECK_EQUAL(split_content("abcdefgh", 3), (strings{"abc", "def", "gh"}));
}

CAF_TEST(splits prefer the last newline then the last space) {
  auto a = repeat("a", 1500);
  auto b = repeat("b", 400);
  auto c = repeat("c", 200);
  CAF_CHECK_EQUAL(split_content(a + "\n" + b + " " + c),
                  (strings{a, b + " " + c}));
  CAF_CHECK_EQUAL(split_content(a + " " + b + "\n" + c + " " + a),
                  (strings{a + " " + b, c + " " + a}));
  CAF_CHECK_EQUAL(split_content(a + " " + b + " " + c),
                  (strings{a + " " + b, c}));
  CAF_CHECK_EQUAL(split_content("one two three", 5),
                  (strings{"one", "two", "three"}));
  CAF_CHECK_EQUAL(split_content("ab\ncd ef gh", 8),
                  (strings{"ab", "cd ef gh"}));
  CAF_CHECK_EQUAL(split_content("aaa\r\nbbb", 5), (strings{"aaa", "bbb"}));
}

CAF_TEST(a separator right after the limit gives a full part) {
  auto a2000 = repeat("a", 2000);
  CAF_CHECK_EQUAL(split_content(a2000 + "\nb"), (strings{a2000, "b"}));
  CAF_CHECK_EQUAL(split_content(a2000 + " b"), (strings{a2000, "b"}));
}

CAF_TEST(a separator at the very start is not used) {
  CAF_CHECK_EQUAL(split_content("\nabcdef", 4), (strings{"\nabc", "def"}));
  CAF_CHECK_EQUAL(split_content(" abcdef", 4), (strings{" abc", "def"}));
}

CAF_TEST(multi byte characters count once and are never cut) {
  // 2000 code points but 2003 bytes: still one part.
  auto a1999 = repeat("a", 1999);
  CAF_CHECK_EQUAL(split_content(a1999 + emoji), strings{a1999 + emoji});
  CAF_CHECK_EQUAL(split_content(a1999 + emoji + emoji),
                  (strings{a1999 + emoji, emoji}));
  auto a1998 = repeat("a", 1998);
  CAF_CHECK_EQUAL(split_content(a1998 + cjk + cjk + cjk),
                  (strings{a1998 + cjk + cjk, cjk}));
  auto parts = split_content(repeat(cjk, 2001));
  CAF_REQUIRE_EQUAL(parts.size(), 2u);
  CAF_CHECK_EQUAL(parts[0].size(), 6000u);
  CAF_CHECK_EQUAL(parts[1], cjk);
  auto mixed = repeat("x" + cjk + emoji + " ", 1300);
  parts = split_content(mixed);
  CAF_CHECK_EQUAL(parts.size(), 3u);
  for (auto& part : parts) {
    CAF_CHECK(whole_utf8(part));
    CAF_CHECK_LESS_OR_EQUAL(code_points(part), 2000u);
  }
  CAF_CHECK_EQUAL(split_content(emoji + emoji + emoji, 2),
                  (strings{emoji + emoji, emoji}));
}

CAF_TEST(no part is empty or blank) {
  // Only the separator at a cut is dropped; blank parts are skipped.
  CAF_CHECK_EQUAL(split_content("a" + repeat("\n", 2500) + "b"),
                  (strings{"a" + repeat("\n", 1999), repeat("\n", 500) + "b"}));
  CAF_CHECK_EQUAL(split_content(repeat("\n", 2500) + "b"),
                  (strings{repeat("\n", 499) + "b"}));
  CAF_CHECK_EQUAL(split_content(repeat(" ", 4001)), strings{});
  CAF_CHECK_EQUAL(split_content("\r\nabc", 2), (strings{"ab", "c"}));
}

CAF_TEST(invalid utf8 still makes progress) {
  std::string junk(10, '\x80');
  auto parts = split_content(junk, 2);
  std::string joined;
  for (auto& part : parts) {
    CAF_CHECK(!part.empty());
    joined += part;
  }
  CAF_CHECK_EQUAL(joined, junk);
  CAF_CHECK_EQUAL(parts.size(), 2u);
}

CAF_TEST(nonces are 25 digits) {
  CAF_CHECK_EQUAL(make_nonce(0, 0), "0100000000000000000000000");
  CAF_CHECK_EQUAL(make_nonce(1, 12345), "0100000000000000000123451");
  auto max = std::numeric_limits<uint64_t>::max();
  CAF_CHECK_EQUAL(make_nonce(max, max), "2061518446744073709551615");
  CAF_CHECK_EQUAL(make_nonce(1234, max), "04"
                                         "8446744073709551615"
                                         "1234");
  for (uint64_t seq : {uint64_t{0}, uint64_t{99}, uint64_t{123456789}, max}) {
    auto n = make_nonce(seq, 987654321);
    CAF_CHECK_EQUAL(n.size(), 25u);
    CAF_CHECK_EQUAL(n.find_first_not_of("0123456789"), std::string::npos);
  }
}

CAF_TEST(nonces are unique per salt and seq) {
  std::set<std::string> seen;
  size_t made = 0;
  auto max = std::numeric_limits<uint64_t>::max();
  // Salts chosen so that the digit strings could run into each other
  // without the length prefix.
  for (uint64_t salt : {uint64_t{0}, uint64_t{3}, uint64_t{33},
                        uint64_t{3333333333}, max, max - 1})
    for (uint64_t seq = 0; seq < 2000; ++seq, ++made)
      seen.insert(make_nonce(seq, salt));
  CAF_CHECK_EQUAL(seen.size(), made);
  seen.clear();
  for (uint64_t seq = 0; seq < 100000; ++seq)
    seen.insert(make_nonce(seq * 7919, 42));
  CAF_CHECK_EQUAL(seen.size(), 100000u);
}

CAF_TEST(create message bodies are safe by default) {
  CAF_CHECK_EQUAL(make_create_message("hi", "0100", ""),
                  R"({"allowed_mentions":{"parse":[]},"content":"hi",)"
                  R"("enforce_nonce":true,"nonce":"0100"})");
  CAF_CHECK_EQUAL(make_create_message("hi", "n1", "42"),
                  R"({"allowed_mentions":{"parse":[]},"content":"hi",)"
                  R"("enforce_nonce":true,"message_reference":)"
                  R"({"fail_if_not_exists":false,"message_id":"42"},)"
                  R"("nonce":"n1"})");
  CAF_CHECK_EQUAL(make_create_message("hi <@1>", "", "", true),
                  R"({"allowed_mentions":{"parse":["users"]},)"
                  R"("content":"hi <@1>"})");
  CAF_CHECK_EQUAL(make_create_message("@everyone \"q\"\n", "", ""),
                  R"({"allowed_mentions":{"parse":[]},)"
                  R"("content":"@everyone \"q\"\n"})");
}

CAF_TEST(invalid utf8 is replaced instead of throwing) {
  CAF_CHECK_EQUAL(make_create_message("a\xFF", "", ""),
                  R"({"allowed_mentions":{"parse":[]},)"
                  "\"content\":\"a\xEF\xBF\xBD\"}");
  CAF_CHECK_EQUAL(make_webhook_message("a\xFF", "", ""),
                  R"({"allowed_mentions":{"parse":[]},)"
                  "\"content\":\"a\xEF\xBF\xBD\"}");
}

CAF_TEST(webhook bodies omit empty fields) {
  CAF_CHECK_EQUAL(make_webhook_message("hi", "", ""),
                  R"({"allowed_mentions":{"parse":[]},"content":"hi"})");
  CAF_CHECK_EQUAL(make_webhook_message("hi", "Bob", "https://x/a.png"),
                  R"({"allowed_mentions":{"parse":[]},)"
                  R"("avatar_url":"https://x/a.png","content":"hi",)"
                  R"("username":"Bob"})");
  CAF_CHECK_EQUAL(make_webhook_message("hi", "Bob", "", true),
                  R"({"allowed_mentions":{"parse":["users"]},)"
                  R"("content":"hi","username":"Bob"})");
}

CAF_TEST(webhook urls get wait set properly) {
  std::string base = "https://discord.com/api/webhooks/1/tok";
  CAF_CHECK_EQUAL(webhook_url(base, true), base + "?wait=true");
  CAF_CHECK_EQUAL(webhook_url(base, false), base);
  CAF_CHECK_EQUAL(webhook_url(base + "?", true), base + "?wait=true");
  CAF_CHECK_EQUAL(webhook_url(base + "?thread_id=5", true),
                  base + "?thread_id=5&wait=true");
  CAF_CHECK_EQUAL(webhook_url(base + "?wait=false", true), base + "?wait=true");
  CAF_CHECK_EQUAL(webhook_url(base + "?wait=true&thread_id=5", false),
                  base + "?thread_id=5");
  CAF_CHECK_EQUAL(webhook_url(base + "?a=1&&wait&b=2", true),
                  base + "?a=1&b=2&wait=true");
  CAF_CHECK_EQUAL(webhook_url(base + "?waiter=1", true),
                  base + "?waiter=1&wait=true");
  CAF_CHECK_EQUAL(webhook_url(base + "#frag", true), base + "?wait=true#frag");
}

CAF_TEST(created messages are read back) {
  auto x = parse_created_message(
    R"({"id":"1100","type":0,"content":"hi","channel_id":"200",)"
    R"("author":{"id":"3"},"nonce":"0100000000000000000000001",)"
    R"("tts":false})");
  CAF_REQUIRE(x);
  CAF_CHECK_EQUAL(x->id, "1100");
  CAF_CHECK_EQUAL(x->channel_id, "200");
  CAF_CHECK_EQUAL(x->nonce, "0100000000000000000000001");
  auto y = parse_created_message(R"({"id":"7","nonce":12345})");
  CAF_REQUIRE(y);
  CAF_CHECK_EQUAL(y->nonce, "12345");
  CAF_CHECK_EQUAL(y->channel_id, "");
}

CAF_TEST(malformed created messages are rejected) {
  CAF_CHECK(!parse_created_message(""));
  CAF_CHECK(!parse_created_message("not json"));
  CAF_CHECK(!parse_created_message(R"(["id"])"));
  CAF_CHECK(!parse_created_message(R"({"channel_id":"1"})"));
  CAF_CHECK(!parse_created_message(R"({"id":1})"));
  CAF_CHECK(!parse_created_message(R"({"id":"1")"));
}

CAF_TEST(the user agent has the form discord requires) {
  CAF_CHECK_EQUAL(user_agent("0.1.0"),
                  "DiscordBot (https://github.com/tether-gateway/tether, "
                  "0.1.0)");
}
