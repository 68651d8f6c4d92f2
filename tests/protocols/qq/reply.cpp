#define CAF_SUITE protocols.qq.reply

#include "protocols/qq/reply.hpp"

#include <string>

#include "caf/test/unit_test.hpp"

using namespace tether;
using namespace tether::qq;
using namespace std::chrono_literals;

namespace {

using tracker = msg_seq_tracker;

std::string status_of(const tracker::grant& g) {
  return std::string{to_string(g.status)};
}

} // namespace

CAF_TEST(api base for production and sandbox) {
  CAF_CHECK_EQUAL(std::string{api_base(false)}, "https://api.sgroup.qq.com");
  CAF_CHECK_EQUAL(std::string{api_base(true)},
                  "https://sandbox.api.sgroup.qq.com");
}

CAF_TEST(each scene has its documented endpoint) {
  // PROTOCOLS.md §2.5.
  CAF_CHECK_EQUAL(send_path(scene::guild_channel, "123"),
                  "/channels/123/messages");
  CAF_CHECK_EQUAL(send_path(scene::guild_dm, "456"), "/dms/456/messages");
  CAF_CHECK_EQUAL(send_path(scene::group, "G0"), "/v2/groups/G0/messages");
  CAF_CHECK_EQUAL(send_path(scene::c2c, "U0"), "/v2/users/U0/messages");
}

CAF_TEST(ids that would change the path are refused) {
  for (auto id : {"", "a/b", "a?b", "a#b", "a%2F", "a b", "a\nb", "\x7f"})
    CAF_CHECK_EQUAL(send_path(scene::group, id), "");
}

CAF_TEST(passive reply windows and limits per scene) {
  CAF_CHECK(passive_reply_window(scene::c2c) == 60min);
  CAF_CHECK(passive_reply_window(scene::group) == 5min);
  CAF_CHECK(passive_reply_window(scene::guild_channel) == 5min);
  CAF_CHECK(passive_reply_window(scene::guild_dm) == 5min);
  CAF_CHECK_EQUAL(passive_reply_limit(scene::c2c), 5u);
  CAF_CHECK_EQUAL(passive_reply_limit(scene::group), 5u);
  CAF_CHECK_EQUAL(passive_reply_limit(scene::guild_channel), 0u);
}

CAF_TEST(the body quotes msg_id and msg_seq) {
  CAF_CHECK_EQUAL(make_text_body("hi", "ROBOT1.0_x", 2),
                  R"({"content":"hi","msg_type":0,"msg_id":"ROBOT1.0_x",)"
                  R"("msg_seq":2})");
  CAF_CHECK_EQUAL(make_text_body("a\"\n", "", 1),
                  R"({"content":"a\"\n","msg_type":0})");
}

CAF_TEST(make_request routes a reply by its room) {
  outbound_reply r;
  r.platform = "qq";
  r.context.room_id = "group:G1";
  r.reply_to = "ROBOT1.0_m";
  r.text = "pong";
  auto req = make_request(r, false, 3);
  CAF_REQUIRE(req);
  CAF_CHECK_EQUAL(req->url, "https://api.sgroup.qq.com/v2/groups/G1/messages");
  CAF_CHECK_EQUAL(req->body, R"({"content":"pong","msg_type":0,)"
                             R"("msg_id":"ROBOT1.0_m","msg_seq":3})");
  r.context.room_id = "dm:D1";
  req = make_request(r, true, 1);
  CAF_REQUIRE(req);
  CAF_CHECK_EQUAL(req->url,
                  "https://sandbox.api.sgroup.qq.com/dms/D1/messages");
  for (auto room : {"", "console", "friend:1", "group:a/b"}) {
    r.context.room_id = room;
    CAF_CHECK(!make_request(r, false, 1));
  }
}

CAF_TEST(msg_seq counts up per msg_id) {
  tracker t;
  auto now = tracker::time_point{} + 1h;
  for (uint32_t i = 1; i <= 3; ++i) {
    auto g = t.next("a", scene::guild_channel, now);
    CAF_CHECK_EQUAL(status_of(g), "ok");
    CAF_CHECK_EQUAL(g.seq, i);
  }
  CAF_CHECK_EQUAL(t.next("b", scene::guild_channel, now).seq, 1u);
  CAF_CHECK_EQUAL(t.next("a", scene::guild_channel, now).seq, 4u);
  CAF_CHECK_EQUAL(t.size(), 2u);
}

CAF_TEST(group and c2c replies stop after five) {
  tracker t;
  auto now = tracker::time_point{};
  for (uint32_t i = 1; i <= 5; ++i)
    CAF_CHECK_EQUAL(t.next("g", scene::group, now).seq, i);
  auto g = t.next("g", scene::group, now);
  CAF_CHECK_EQUAL(status_of(g), "limit_reached");
  CAF_CHECK_EQUAL(g.seq, 0u);
  for (uint32_t i = 1; i <= 5; ++i)
    CAF_CHECK_EQUAL(t.next("c", scene::c2c, now).seq, i);
  CAF_CHECK_EQUAL(status_of(t.next("c", scene::c2c, now)), "limit_reached");
}

CAF_TEST(the window starts when the message arrives) {
  tracker t;
  auto received = tracker::time_point{} + 10s;
  t.note_received("g", scene::group, received);
  CAF_CHECK_EQUAL(status_of(t.next("g", scene::group, received + 4min)), "ok");
  auto g = t.next("g", scene::group, received + 5min);
  CAF_CHECK_EQUAL(status_of(g), "window_expired");
  t.note_received("c", scene::c2c, received);
  CAF_CHECK_EQUAL(t.next("c", scene::c2c, received + 59min).seq, 1u);
  CAF_CHECK_EQUAL(status_of(t.next("c", scene::c2c, received + 60min)),
                  "window_expired");
}

CAF_TEST(a duplicated push keeps the numbers already handed out) {
  tracker t;
  auto now = tracker::time_point{};
  t.note_received("m", scene::group, now);
  CAF_CHECK_EQUAL(t.next("m", scene::group, now).seq, 1u);
  t.note_received("m", scene::group, now + 1min);
  CAF_CHECK_EQUAL(t.next("m", scene::group, now + 1min).seq, 2u);
  CAF_CHECK_EQUAL(status_of(t.next("m", scene::group, now + 5min)),
                  "window_expired");
}

CAF_TEST(a msg_seq chosen by the caller is checked and noted) {
  tracker t;
  auto now = tracker::time_point{} + 1h;
  // The same seq again (a resend) is allowed: QQ itself refuses the pair.
  CAF_CHECK_EQUAL(t.use("g", scene::group, 2, now).seq, 2u);
  CAF_CHECK_EQUAL(t.use("g", scene::group, 2, now).seq, 2u);
  CAF_CHECK_EQUAL(t.next("g", scene::group, now).seq, 3u);
  CAF_CHECK_EQUAL(t.use("g", scene::group, 1, now).seq, 1u);
  CAF_CHECK_EQUAL(t.next("g", scene::group, now).seq, 4u);
  CAF_CHECK_EQUAL(t.use("g", scene::group, 5, now).seq, 5u);
  CAF_CHECK_EQUAL(status_of(t.use("g", scene::group, 6, now)),
                  "limit_reached");
  CAF_CHECK_EQUAL(status_of(t.use("g", scene::group, 1, now + 5min)),
                  "window_expired");
  // Guild scenes have no limit; 0 means "the next one".
  CAF_CHECK_EQUAL(t.use("ch", scene::guild_channel, 40, now).seq, 40u);
  CAF_CHECK_EQUAL(t.use("ch", scene::guild_channel, 0, now).seq, 41u);
}

CAF_TEST(expired entries are dropped) {
  tracker t;
  auto now = tracker::time_point{};
  t.next("g", scene::group, now);
  t.next("c", scene::c2c, now);
  t.expire(now + 4min);
  CAF_CHECK_EQUAL(t.size(), 2u);
  t.expire(now + 5min);
  CAF_CHECK_EQUAL(t.size(), 1u);
  t.expire(now + 60min);
  CAF_CHECK_EQUAL(t.size(), 0u);
  // A later reply starts afresh; the platform rejects the msg_id by then.
  CAF_CHECK_EQUAL(t.next("g", scene::group, now + 61min).seq, 1u);
}

CAF_TEST(memory is bounded by evicting the entry closest to expiry) {
  tracker t{3};
  CAF_CHECK_EQUAL(t.capacity(), 3u);
  auto now = tracker::time_point{};
  t.next("c2c-old", scene::c2c, now);     // expires at 60 min
  t.next("group-old", scene::group, now); // expires at 5 min
  t.next("group-new", scene::group, now + 1min);
  t.next("c2c-old", scene::c2c, now);
  t.next("x", scene::group, now + 2min); // evicts group-old
  CAF_CHECK_EQUAL(t.size(), 3u);
  CAF_CHECK_EQUAL(t.next("c2c-old", scene::c2c, now + 3min).seq, 3u);
  CAF_CHECK_EQUAL(t.next("group-new", scene::group, now + 3min).seq, 2u);
  CAF_CHECK_EQUAL(t.size(), 3u);
  CAF_CHECK_EQUAL(tracker{0}.capacity(), 1u);
}

CAF_TEST(api errors and send responses) {
  auto e = parse_api_error(R"({"code":22009,"message":"msg limit exceed"})");
  CAF_REQUIRE(e);
  CAF_CHECK_EQUAL(e->code, 22009);
  CAF_CHECK_EQUAL(e->message, "msg limit exceed");
  CAF_CHECK_EQUAL(e->err_code, 0);
  e = parse_api_error(
    R"({"code":304082,"message":"x","err_code":304082,"trace_id":"t"})");
  CAF_REQUIRE(e);
  CAF_CHECK_EQUAL(e->err_code, 304082);
  for (auto body : {"", "{", "[]", R"({"message":"x"})", "<html>"})
    CAF_CHECK(!parse_api_error(body));
  auto s = parse_send_response(
    R"({"id":"ROBOT1.0_r","timestamp":"2023-11-06T13:37:18+08:00"})");
  CAF_REQUIRE(s);
  CAF_CHECK_EQUAL(s->id, "ROBOT1.0_r");
  CAF_CHECK_EQUAL(s->timestamp, "2023-11-06T13:37:18+08:00");
  s = parse_send_response(R"({"id":"r","timestamp":1699249038})");
  CAF_REQUIRE(s);
  CAF_CHECK_EQUAL(s->timestamp, "1699249038");
  CAF_CHECK(!parse_send_response(R"({"timestamp":1})"));
  CAF_CHECK(!parse_send_response("nope"));
}
