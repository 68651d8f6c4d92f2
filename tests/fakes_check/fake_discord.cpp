// Checks the fake Discord against the wire facts of PROTOCOLS.md §1 with a
// small blocking Beast client. Every I/O step has a deadline.

#define CAF_SUITE fakes_check.fake_discord

#include "fakes/discord/fake_discord.hpp"

#include <chrono>
#include <csignal>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

#include "caf/test/unit_test.hpp"
#include "support/process.hpp"
#include "support/raw_clients.hpp"

#include <zlib.h>

using namespace std::chrono_literals;
using tether::fakes::discord_options;
using tether::fakes::fake_discord;
using tether::fakes::zlib_split;

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using json = nlohmann::json;
using steady = std::chrono::steady_clock;

namespace {

using tether::test::raw::http_result;
using tether::test::raw::io_timeout;
using tether::test::raw::run_until;
using tether::test::raw::silence;

std::string gateway_target(bool compress = false) {
  return compress ? "/gateway?v=10&encoding=json&compress=zlib-stream"
                  : "/gateway?v=10&encoding=json";
}

json identify(const std::string& token, uint32_t shard = 0,
              uint32_t count = 1) {
  return json{
    {"op", 2},
    {"d",
     {{"token", token},
      {"properties",
       {{"os", "linux"}, {"browser", "tether"}, {"device", "tether"}}},
      {"intents", 513},
      {"shard", {shard, count}}}}};
}

/// A minimal blocking gateway client with zlib-stream support.
class ws_client {
public:
  explicit ws_client(uint16_t port, std::string target = gateway_target())
    : port_(port), target_(std::move(target)), ws_(ioc_) {
    compress_ = target_.find("zlib-stream") != std::string::npos;
    zs_ = z_stream{};
    inflateInit(&zs_);
  }

  ~ws_client() {
    inflateEnd(&zs_);
  }

  bool connect() {
    bool done = false;
    beast::error_code result;
    auto& tcp_layer = beast::get_lowest_layer(ws_);
    tcp_layer.async_connect(tcp::endpoint{asio::ip::address_v4::loopback(),
                                          port_},
                            [&](beast::error_code ec) {
                              result = ec;
                              done = true;
                            });
    if (!run_until(ioc_, done, io_timeout,
                   [&] {
                     tcp_layer.close();
                   })
        || result)
      return false;
    done = false;
    ws_.async_handshake("127.0.0.1:" + std::to_string(port_), target_,
                        [&](beast::error_code ec) {
                          result = ec;
                          done = true;
                        });
    if (!run_until(ioc_, done, io_timeout, [&] {
          tcp_layer.close();
        }))
      return false;
    return !result;
  }

  bool send_text(const std::string& text) {
    bool done = false;
    beast::error_code result;
    ws_.text(true);
    ws_.async_write(asio::buffer(text), [&](beast::error_code ec, size_t) {
      result = ec;
      done = true;
    });
    run_until(ioc_, done, io_timeout, [&] {
      beast::get_lowest_layer(ws_).close();
    });
    return done && !result;
  }

  bool send(const json& frame) {
    return send_text(frame.dump());
  }

  /// One WS message; counts its frames in `frames`. Nullopt on timeout,
  /// close or error (see close_code()).
  std::optional<std::string>
  read_message(std::chrono::milliseconds timeout = io_timeout) {
    buffer_.clear();
    frames = 0;
    auto deadline = steady::now() + timeout;
    do {
      bool done = false;
      beast::error_code result;
      ws_.async_read_some(buffer_, 1 << 20, [&](beast::error_code ec, size_t) {
        result = ec;
        done = true;
      });
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - steady::now());
      if (!run_until(ioc_, done, std::max(left, 1ms),
                     [&] {
                       beast::get_lowest_layer(ws_).close();
                     })
          || result) {
        if (result == websocket::error::closed) close_code_ = ws_.reason().code;
        return std::nullopt;
      }
      ++frames;
    } while (!ws_.is_message_done());
    last_binary = ws_.got_binary();
    return beast::buffers_to_string(buffer_.data());
  }

  /// One gateway payload, inflated when zlib-stream; counts the WS
  /// messages it took in `parts`.
  std::optional<json> read(std::chrono::milliseconds timeout = io_timeout) {
    parts = 0;
    if (!compress_) {
      auto msg = read_message(timeout);
      if (!msg) return std::nullopt;
      parts = 1;
      return json::parse(*msg, nullptr, false);
    }
    std::string pending;
    for (;;) {
      auto msg = read_message(timeout);
      if (!msg) return std::nullopt;
      ++parts;
      pending += *msg;
      if (pending.size() >= 4
          && pending.compare(pending.size() - 4, 4, "\x00\x00\xff\xff", 4) == 0)
        break;
    }
    return json::parse(inflate_all(pending), nullptr, false);
  }

  /// Reads until a payload with op `op` (and event `t`, if given).
  std::optional<json> read_until(int op, const std::string& t = {}) {
    for (int i = 0; i < 50; ++i) {
      auto frame = read();
      if (!frame) return std::nullopt;
      if ((*frame)["op"] == op && (t.empty() || (*frame)["t"] == t))
        return frame;
    }
    return std::nullopt;
  }

  /// Waits for the server's close frame; returns its code (0: none).
  uint16_t wait_closed() {
    for (int i = 0; i < 1000; ++i)
      if (!read_message()) break;
    return close_code_;
  }

  void close(uint16_t code) {
    bool done = false;
    ws_.async_close(websocket::close_reason{code}, [&](beast::error_code) {
      done = true;
    });
    run_until(ioc_, done, io_timeout, [&] {
      beast::get_lowest_layer(ws_).close();
    });
  }

  int frames = 0;
  int parts = 0;
  bool last_binary = false;

private:
  std::string inflate_all(const std::string& in) {
    std::string out;
    zs_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    zs_.avail_in = static_cast<uInt>(in.size());
    char chunk[16384];
    do {
      zs_.next_out = reinterpret_cast<Bytef*>(chunk);
      zs_.avail_out = sizeof(chunk);
      auto rc = inflate(&zs_, Z_SYNC_FLUSH);
      if (rc != Z_OK && rc != Z_BUF_ERROR) return "inflate failed";
      out.append(chunk, sizeof(chunk) - zs_.avail_out);
    } while (zs_.avail_out == 0);
    return out;
  }

  uint16_t port_;
  std::string target_;
  asio::io_context ioc_;
  websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer buffer_;
  bool compress_ = false;
  z_stream zs_;
  uint16_t close_code_ = 0;
};

const std::vector<std::pair<std::string, std::string>> bot_headers{
  {"Authorization", "Bot test-token"},
  {"User-Agent", "DiscordBot (https://example.org/tether, 0.1)"},
};

/// One request on a fresh connection, as the bot by default.
http_result
http_call(uint16_t port, http::verb verb, const std::string& target,
          const std::string& body = {},
          const std::vector<std::pair<std::string, std::string>>& headers
          = bot_headers) {
  return tether::test::raw::http_call(port, verb, target, body, headers);
}

http_result post_message(uint16_t port, const std::string& channel,
                         const json& body) {
  return http_call(port, http::verb::post,
                   "/api/v10/channels/" + channel + "/messages", body.dump());
}

// CAF_CHECK_EQUAL binds its arguments to references: a member of an element
// of a temporary vector would dangle, a member of a temporary does not.

fake_discord::shard_state shard_of(const fake_discord& fake, size_t i) {
  return fake.shards().at(i);
}

fake_discord::posted_message posted_at(const fake_discord& fake, size_t i) {
  return fake.posted().at(i);
}

/// Connects, reads Hello, identifies and reads READY + GUILD_CREATE.
std::optional<json> identify_client(ws_client& c, const std::string& token,
                                    uint32_t shard = 0, uint32_t count = 1) {
  if (!c.connect()) return std::nullopt;
  auto hello = c.read();
  if (!hello || (*hello)["op"] != 10) return std::nullopt;
  if (!c.send(identify(token, shard, count))) return std::nullopt;
  auto ready = c.read();
  if (!ready || (*ready)["t"] != "READY") return std::nullopt;
  auto guild = c.read();
  if (!guild || (*guild)["t"] != "GUILD_CREATE") return std::nullopt;
  return ready;
}

} // namespace

CAF_TEST(hello identify ready guild_create) {
  fake_discord fake{discord_options{}};
  ws_client c{fake.port()};
  CAF_REQUIRE(c.connect());
  auto hello = c.read();
  CAF_REQUIRE(hello.has_value());
  CAF_CHECK_EQUAL((*hello)["op"], 10);
  CAF_CHECK_EQUAL((*hello)["d"]["heartbeat_interval"], 41250);
  CAF_CHECK((*hello)["s"].is_null());
  CAF_REQUIRE(c.send(identify("test-token")));
  auto ready = c.read();
  CAF_REQUIRE(ready.has_value());
  CAF_CHECK_EQUAL((*ready)["op"], 0);
  CAF_CHECK_EQUAL((*ready)["t"], "READY");
  CAF_CHECK_EQUAL((*ready)["s"], 1);
  auto& d = (*ready)["d"];
  CAF_CHECK_EQUAL(d["v"], 10);
  CAF_CHECK_EQUAL(d["user"]["id"], "1000");
  CAF_CHECK_EQUAL(d["user"]["username"], "tether-test");
  CAF_CHECK_EQUAL(d["user"]["bot"], true);
  CAF_CHECK_EQUAL(d["resume_gateway_url"], fake.gateway_url());
  CAF_CHECK_EQUAL(d["shard"], json::array({0, 1}));
  CAF_CHECK_EQUAL(d["application"]["id"], "1000");
  CAF_CHECK_EQUAL(d["session_id"].get<std::string>().size(), 32u);
  auto guild = c.read();
  CAF_REQUIRE(guild.has_value());
  CAF_CHECK_EQUAL((*guild)["t"], "GUILD_CREATE");
  CAF_CHECK_EQUAL((*guild)["s"], 2);
  CAF_CHECK_EQUAL((*guild)["d"]["id"], fake.guild_id(0));
  auto shards = fake.shards();
  CAF_REQUIRE_EQUAL(shards.size(), 1u);
  CAF_CHECK(shards[0].connected);
  CAF_CHECK(shards[0].resumable);
  CAF_CHECK_EQUAL(shards[0].session_id, d["session_id"]);
  CAF_CHECK_EQUAL(shards[0].last_seq, 2);
  CAF_CHECK_EQUAL(shards[0].identifies, 1);
  CAF_CHECK_EQUAL(fake.identify_count(), 1);
  CAF_CHECK_EQUAL(fake.connection_count(), 1);
  CAF_CHECK(fake.violations().empty());
  CAF_CHECK_EQUAL(fake.gateway_url(),
                  "ws://127.0.0.1:" + std::to_string(fake.port()) + "/gateway");
  CAF_CHECK_EQUAL(fake.api_base(),
                  "http://127.0.0.1:" + std::to_string(fake.port())
                    + "/api/v10");
}

CAF_TEST(heartbeats get acks unless stalled) {
  fake_discord fake{discord_options{}};
  ws_client c{fake.port()};
  CAF_REQUIRE(identify_client(c, "test-token"));
  CAF_REQUIRE(c.send(json{{"op", 1}, {"d", 2}}));
  auto ack = c.read();
  CAF_REQUIRE(ack.has_value());
  CAF_CHECK_EQUAL((*ack)["op"], 11);
  CAF_CHECK_EQUAL(shard_of(fake, 0).heartbeats, 1);
  CAF_CHECK(fake.violations().empty());
  // A seq we never sent is a lie.
  CAF_REQUIRE(c.send(json{{"op", 1}, {"d", 99}}));
  CAF_CHECK(c.read_until(11).has_value());
  CAF_CHECK(fake.has_violation("heartbeat-seq"));
  // op 1 from the server asks for an immediate heartbeat.
  fake.request_heartbeat(0);
  auto req = c.read();
  CAF_REQUIRE(req.has_value());
  CAF_CHECK_EQUAL((*req)["op"], 1);
  fake.stall_acks(0, true);
  CAF_REQUIRE(c.send(json{{"op", 1}, {"d", 2}}));
  CAF_CHECK(!c.read(silence).has_value());
  CAF_CHECK(fake.wait_for(
    [&] {
      return shard_of(fake, 0).heartbeats == 3;
    },
    1s));
}

CAF_TEST(a bad token gets 4004) {
  fake_discord fake{discord_options{}};
  ws_client c{fake.port()};
  CAF_REQUIRE(c.connect());
  CAF_REQUIRE(c.read().has_value());
  CAF_REQUIRE(c.send(identify("wrong-token")));
  CAF_CHECK_EQUAL(c.wait_closed(), 4004);
  CAF_CHECK(!shard_of(fake, 0).connected);
}

CAF_TEST(resume after a drop replays missed events then RESUMED) {
  fake_discord fake{discord_options{}};
  std::string session_id;
  {
    ws_client c{fake.port()};
    auto ready = identify_client(c, "test-token");
    CAF_REQUIRE(ready);
    session_id = (*ready)["d"]["session_id"];
    auto seq
      = fake.dispatch(0, "MESSAGE_CREATE",
                      fake.message_create_json("7", fake.guild_id(0), "one"));
    CAF_CHECK_EQUAL(seq, 3);
    auto one = c.read();
    CAF_REQUIRE(one.has_value());
    CAF_CHECK_EQUAL((*one)["s"], 3);
    CAF_CHECK_EQUAL((*one)["d"]["content"], "one");
    fake.drop(0);
    CAF_CHECK(!c.read().has_value()); // no close frame, just gone
  }
  CAF_REQUIRE(fake.wait_for(
    [&] {
      return !shard_of(fake, 0).connected;
    },
    1s));
  CAF_CHECK(shard_of(fake, 0).resumable);
  CAF_CHECK_EQUAL(fake.dispatch(0, "MESSAGE_CREATE",
                                fake.message_create_json("7", "", "two")),
                  4);
  CAF_CHECK_EQUAL(fake.dispatch(0, "TYPING_START", R"({"channel_id":"7"})"), 5);
  ws_client c{fake.port()};
  CAF_REQUIRE(c.connect());
  CAF_REQUIRE(c.read().has_value()); // hello
  CAF_REQUIRE(c.send(json{
    {"op", 6},
    {"d", {{"token", "test-token"}, {"session_id", session_id}, {"seq", 3}}}}));
  auto two = c.read();
  CAF_REQUIRE(two.has_value());
  CAF_CHECK_EQUAL((*two)["s"], 4);
  CAF_CHECK_EQUAL((*two)["d"]["content"], "two");
  auto typing = c.read();
  CAF_REQUIRE(typing.has_value());
  CAF_CHECK_EQUAL((*typing)["s"], 5);
  CAF_CHECK_EQUAL((*typing)["t"], "TYPING_START");
  auto resumed = c.read();
  CAF_REQUIRE(resumed.has_value());
  CAF_CHECK_EQUAL((*resumed)["t"], "RESUMED");
  CAF_CHECK_EQUAL((*resumed)["s"], 6);
  CAF_CHECK_EQUAL(fake.resume_count(), 1);
  CAF_CHECK_EQUAL(fake.identify_count(), 1);
  auto shard = shard_of(fake, 0);
  CAF_CHECK(shard.connected);
  CAF_CHECK_EQUAL(shard.resumes, 1);
  CAF_CHECK_EQUAL(shard.session_id, session_id);
  CAF_CHECK(fake.violations().empty());
  // Unknown sessions get op 9 false.
  ws_client other{fake.port()};
  CAF_REQUIRE(other.connect());
  CAF_REQUIRE(other.read().has_value());
  CAF_REQUIRE(other.send(json{
    {"op", 6},
    {"d", {{"token", "test-token"}, {"session_id", "nope"}, {"seq", 1}}}}));
  auto invalid = other.read();
  CAF_REQUIRE(invalid.has_value());
  CAF_CHECK_EQUAL((*invalid)["op"], 9);
  CAF_CHECK_EQUAL((*invalid)["d"], false);
}

CAF_TEST(expired and 1000 - closed sessions are not resumable) {
  discord_options opts;
  opts.resume_window = 200ms;
  fake_discord fake{opts};
  std::string first;
  {
    ws_client c{fake.port()};
    auto ready = identify_client(c, "test-token");
    CAF_REQUIRE(ready);
    first = (*ready)["d"]["session_id"];
    fake.drop(0);
  }
  CAF_CHECK(fake.wait_for(
    [&] {
      return !shard_of(fake, 0).resumable;
    },
    2s));
  // A normal close ends the session at once and is noted.
  fake_discord fake2{discord_options{}};
  ws_client c{fake2.port()};
  CAF_REQUIRE(identify_client(c, "test-token"));
  c.close(1000);
  CAF_CHECK(fake2.wait_for(
    [&] {
      return !shard_of(fake2, 0).connected;
    },
    1s));
  CAF_CHECK(!shard_of(fake2, 0).resumable);
  CAF_CHECK_EQUAL(shard_of(fake2, 0).last_close_code, 1000);
  CAF_CHECK(fake2.has_violation("note: session closed with 1000"));
  CAF_CHECK(fake2.errors().empty());
}

CAF_TEST(identifying faster than max_concurrency allows gets op 9) {
  discord_options opts;
  opts.shards = 2;
  fake_discord fake{opts};
  ws_client c0{fake.port()};
  CAF_REQUIRE(identify_client(c0, "test-token", 0, 2));
  ws_client c1{fake.port()};
  CAF_REQUIRE(c1.connect());
  CAF_REQUIRE(c1.read().has_value());
  CAF_REQUIRE(c1.send(identify("test-token", 1, 2)));
  auto invalid = c1.read();
  CAF_REQUIRE(invalid.has_value());
  CAF_CHECK_EQUAL((*invalid)["op"], 9);
  CAF_CHECK_EQUAL((*invalid)["d"], false);
  CAF_CHECK(fake.has_violation("identify-rate"));
  CAF_CHECK_EQUAL(fake.identify_count(), 2);
  CAF_CHECK(!shard_of(fake, 1).connected);
  // One identify was accepted, so remaining went down by one.
  auto bot = http_call(fake.port(), http::verb::get, "/api/v10/gateway/bot");
  CAF_REQUIRE(bot.ok);
  CAF_CHECK_EQUAL(bot.body["session_start_limit"]["remaining"], 999);
  // A wrong shard count is fatal.
  ws_client c2{fake.port()};
  CAF_REQUIRE(c2.connect());
  CAF_REQUIRE(c2.read().has_value());
  CAF_REQUIRE(c2.send(identify("test-token", 2, 2)));
  CAF_CHECK_EQUAL(c2.wait_closed(), 4010);
}

CAF_TEST(zlib stream messages inflate with one shared context) {
  fake_discord fake{discord_options{}};
  ws_client c{fake.port(), gateway_target(true)};
  CAF_REQUIRE(c.connect());
  auto hello = c.read();
  CAF_REQUIRE(hello.has_value());
  CAF_CHECK(c.last_binary);
  CAF_CHECK_EQUAL((*hello)["op"], 10);
  CAF_REQUIRE(c.send(identify("test-token")));
  auto ready = c.read();
  CAF_REQUIRE(ready.has_value());
  CAF_CHECK_EQUAL((*ready)["t"], "READY");
  CAF_REQUIRE(c.read().has_value()); // GUILD_CREATE
  auto d = fake.message_create_json("7", fake.guild_id(0), "zipped");
  fake.split_compressed(zlib_split::ws_messages);
  fake.dispatch(0, "MESSAGE_CREATE", d);
  auto split = c.read();
  CAF_REQUIRE(split.has_value());
  CAF_CHECK_EQUAL(c.parts, 2);
  CAF_CHECK_EQUAL((*split)["d"]["content"], "zipped");
  fake.split_compressed(zlib_split::ws_frames);
  fake.dispatch(0, "MESSAGE_CREATE", d);
  auto framed = c.read();
  CAF_REQUIRE(framed.has_value());
  CAF_CHECK_EQUAL(c.parts, 1);
  CAF_CHECK_EQUAL(c.frames, 2);
  CAF_CHECK_EQUAL((*framed)["s"], 4);
  fake.split_compressed(zlib_split::none);
  CAF_REQUIRE(c.send(json{{"op", 1}, {"d", 4}}));
  auto ack = c.read();
  CAF_REQUIRE(ack.has_value());
  CAF_CHECK_EQUAL((*ack)["op"], 11);
  CAF_CHECK(fake.violations().empty());
}

CAF_TEST(protocol errors close with the documented codes) {
  fake_discord fake{discord_options{}};
  auto expect_close = [&](const std::string& frame, uint16_t code) {
    ws_client c{fake.port()};
    if (!c.connect() || !c.read()) return false;
    c.send_text(frame);
    return c.wait_closed() == code;
  };
  CAF_CHECK(expect_close(std::string(5000, ' '), 4002));
  CAF_CHECK(fake.has_violation("oversized-frame"));
  CAF_CHECK(expect_close("{not json", 4002));
  CAF_CHECK(fake.has_violation("bad-frame"));
  CAF_CHECK(expect_close(R"({"op":3,"d":{}})", 4003));
  CAF_CHECK(fake.has_violation("not-authenticated"));
  CAF_CHECK(expect_close(R"({"op":5,"d":null})", 4001));
  CAF_CHECK(fake.has_violation("unknown-opcode"));
  // Wrong API version: closed right after the upgrade.
  ws_client old{fake.port(), "/gateway?v=6&encoding=json"};
  CAF_REQUIRE(old.connect());
  CAF_CHECK_EQUAL(old.wait_closed(), 4012);
}

CAF_TEST(more than 120 frames a minute get 4008) {
  fake_discord fake{discord_options{}};
  ws_client c{fake.port()};
  CAF_REQUIRE(c.connect());
  CAF_REQUIRE(c.read().has_value());
  for (int i = 0; i < 121; ++i)
    c.send_text(R"({"op":1,"d":null})");
  CAF_CHECK_EQUAL(c.wait_closed(), 4008);
  CAF_CHECK(fake.has_violation("gateway-send-rate"));
}

CAF_TEST(server side faults) {
  fake_discord fake{discord_options{}};
  ws_client c{fake.port()};
  CAF_REQUIRE(identify_client(c, "test-token"));
  fake.send_reconnect(0);
  auto reconnect = c.read();
  CAF_REQUIRE(reconnect.has_value());
  CAF_CHECK_EQUAL((*reconnect)["op"], 7);
  CAF_CHECK((*reconnect)["d"].is_null());
  fake.send_invalid_session(0, true);
  auto invalid = c.read();
  CAF_REQUIRE(invalid.has_value());
  CAF_CHECK_EQUAL((*invalid)["op"], 9);
  CAF_CHECK_EQUAL((*invalid)["d"], true);
  CAF_CHECK(shard_of(fake, 0).resumable);
  fake.close_with(0, 4009, "Session timed out.");
  CAF_CHECK_EQUAL(c.wait_closed(), 4009);
  CAF_CHECK(!shard_of(fake, 0).resumable);
  // refuse_for: connections are cut right after accept, then work again.
  fake.refuse_for(300ms);
  ws_client refused{fake.port()};
  CAF_CHECK(!refused.connect());
  std::this_thread::sleep_for(350ms);
  ws_client later{fake.port()};
  CAF_CHECK(later.connect());
}

CAF_TEST(half open connections stay silent and shutdown stays bounded) {
  auto fake = std::make_unique<fake_discord>(discord_options{});
  ws_client c{fake->port()};
  CAF_REQUIRE(identify_client(c, "test-token"));
  fake->half_open(0);
  std::this_thread::sleep_for(50ms);
  CAF_REQUIRE(c.send(json{{"op", 1}, {"d", 2}}));
  CAF_CHECK(!c.read(silence).has_value());
  CAF_CHECK(shard_of(*fake, 0).connected);
  // Events while half-open are logged for a later resume.
  CAF_CHECK_EQUAL(fake->dispatch(0, "TYPING_START", "{}"), 3);
  auto t0 = steady::now();
  fake.reset();
  CAF_CHECK(steady::now() - t0 < 2s);
}

CAF_TEST(flood delivers consecutive seqs) {
  fake_discord fake{discord_options{}};
  ws_client c{fake.port()};
  CAF_REQUIRE(identify_client(c, "test-token"));
  auto d = fake.message_create_json("7", fake.guild_id(0), "flood");
  CAF_CHECK_GREATER(d.size(), 700u);
  fake.flood(0, 1000, d);
  int64_t expected = 3;
  for (; expected < 1003; ++expected) {
    auto m = c.read();
    if (!m || (*m)["s"] != expected) break;
  }
  CAF_CHECK_EQUAL(expected, 1003);
  CAF_CHECK_EQUAL(shard_of(fake, 0).last_seq, 1002);
}

CAF_TEST(two io threads serve shards and rest concurrently) {
  discord_options opts;
  opts.io_threads = 2;
  opts.shards = 2;
  opts.max_concurrency = 2;
  fake_discord fake{opts};
  ws_client c0{fake.port()};
  ws_client c1{fake.port(), gateway_target(true)};
  CAF_REQUIRE(identify_client(c0, "test-token", 0, 2));
  CAF_REQUIRE(identify_client(c1, "test-token", 1, 2));
  fake.flood(-1, 500, fake.message_create_json("7", "", "both"));
  std::thread poster{[&] {
    for (int i = 0; i < 5; ++i)
      post_message(fake.port(), "31", {{"content", "x"}});
  }};
  auto drain = [](ws_client& c) {
    int64_t expected = 3;
    for (; expected < 503; ++expected) {
      auto m = c.read();
      if (!m || (*m)["s"] != expected) break;
    }
    return expected;
  };
  CAF_CHECK_EQUAL(drain(c0), 503);
  CAF_CHECK_EQUAL(drain(c1), 503);
  poster.join();
  CAF_CHECK_EQUAL(fake.posted().size(), 5u);
  CAF_CHECK(fake.errors().empty());
}

CAF_TEST(gateway and gateway bot) {
  discord_options opts;
  opts.shards = 3;
  opts.max_concurrency = 2;
  fake_discord fake{opts};
  auto url = fake.gateway_url();
  auto gw = http_call(fake.port(), http::verb::get, "/api/v10/gateway", {}, {});
  CAF_REQUIRE(gw.ok);
  CAF_CHECK_EQUAL(gw.status(), 200u);
  CAF_CHECK_EQUAL(gw.body, json({{"url", url}}));
  auto bot = http_call(fake.port(), http::verb::get, "/api/v10/gateway/bot");
  CAF_REQUIRE(bot.ok);
  CAF_CHECK_EQUAL(bot.status(), 200u);
  CAF_CHECK_EQUAL(bot.body, json({{"url", url},
                                  {"shards", 3},
                                  {"session_start_limit",
                                   {{"total", 1000},
                                    {"remaining", 1000},
                                    {"reset_after", 14400000},
                                    {"max_concurrency", 2}}}}));
  auto anon = http_call(fake.port(), http::verb::get, "/api/v10/gateway/bot",
                        {}, {});
  CAF_REQUIRE(anon.ok);
  CAF_CHECK_EQUAL(anon.status(), 401u);
  CAF_CHECK_EQUAL(anon.body,
                  json({{"message", "401: Unauthorized"}, {"code", 0}}));
  // Guild ids route to their shard by (id >> 22) % shards.
  for (uint32_t s = 0; s < 3; ++s)
    CAF_CHECK_EQUAL((std::stoull(fake.guild_id(s)) >> 22) % 3, s);
}

CAF_TEST(create message validates and deduplicates by nonce) {
  fake_discord fake{discord_options{}};
  auto first = post_message(
    fake.port(), "11",
    {{"content", "hello"}, {"nonce", "n-1"}, {"enforce_nonce", true}});
  CAF_REQUIRE(first.ok);
  CAF_CHECK_EQUAL(first.status(), 200u);
  auto msg = first.body;
  CAF_CHECK_EQUAL(msg["channel_id"], "11");
  CAF_CHECK_EQUAL(msg["content"], "hello");
  CAF_CHECK_EQUAL(msg["nonce"], "n-1");
  CAF_CHECK(!msg["id"].get<std::string>().empty());
  CAF_CHECK_EQUAL(first.header("x-ratelimit-limit"), "5");
  CAF_CHECK_EQUAL(first.header("x-ratelimit-remaining"), "4");
  CAF_CHECK(!first.header("x-ratelimit-reset-after").empty());
  CAF_CHECK(!first.header("x-ratelimit-bucket").empty());
  auto again = post_message(
    fake.port(), "11",
    {{"content", "hello"}, {"nonce", "n-1"}, {"enforce_nonce", true}});
  CAF_REQUIRE(again.ok);
  CAF_CHECK_EQUAL(again.status(), 200u);
  CAF_CHECK_EQUAL(again.body["id"], msg["id"]);
  CAF_CHECK_EQUAL(fake.posted().size(), 1u);
  CAF_CHECK_EQUAL(fake.duplicate_count(), 1);
  CAF_CHECK_EQUAL(posted_at(fake, 0).nonce, "n-1");
  CAF_CHECK(posted_at(fake, 0).enforce_nonce);
  // 2000 characters are fine even as 4000 bytes of UTF-8; 2001 are not.
  std::string long_text;
  for (int i = 0; i < 2000; ++i)
    long_text += "\xc3\xa9";
  auto ok = post_message(fake.port(), "12", {{"content", long_text}});
  CAF_CHECK_EQUAL(ok.status(), 200u);
  auto too_long = post_message(fake.port(), "12",
                               {{"content", long_text + "x"}});
  CAF_CHECK_EQUAL(too_long.status(), 400u);
  CAF_CHECK_EQUAL(too_long.body["code"], 50035);
  auto empty = post_message(fake.port(), "12", {{"content", ""}});
  CAF_CHECK_EQUAL(empty.status(), 400u);
  CAF_CHECK_EQUAL(empty.body["code"], 50006);
  auto no_agent = http_call(
    fake.port(), http::verb::post, "/api/v10/channels/13/messages",
    R"({"content":"x"})",
    {{"Authorization", "Bot test-token"}, {"User-Agent", "curl/8"}});
  CAF_CHECK_EQUAL(no_agent.status(), 400u);
  CAF_CHECK(fake.has_violation("user-agent"));
  auto no_auth
    = http_call(fake.port(), http::verb::post, "/api/v10/channels/13/messages",
                R"({"content":"x"})", {{"User-Agent", "DiscordBot (x, 1)"}});
  CAF_CHECK_EQUAL(no_auth.status(), 401u);
  CAF_CHECK_EQUAL(fake.posted().size(), 2u);
}

CAF_TEST(rate limits and ignored 429s) {
  fake_discord fake{discord_options{}};
  // Per-channel bucket: 5 per 5 s.
  for (int i = 0; i < 5; ++i) {
    auto r = post_message(fake.port(), "21", {{"content", "x"}});
    CAF_CHECK_EQUAL(r.status(), 200u);
    CAF_CHECK_EQUAL(r.header("x-ratelimit-remaining"), std::to_string(4 - i));
  }
  CAF_CHECK(!fake.has_violation("429-ignored"));
  auto over = post_message(fake.port(), "21", {{"content", "x"}});
  CAF_CHECK_EQUAL(over.status(), 429u);
  CAF_CHECK_EQUAL(over.header("x-ratelimit-scope"), "user");
  CAF_CHECK(fake.has_violation("429-ignored"));
  // Another channel has its own bucket.
  CAF_CHECK_EQUAL(post_message(fake.port(), "22", {{"content", "x"}}).status(),
                  200u);
  // Injected route limit.
  fake_discord fake2{discord_options{}};
  fake2.rate_limit_route("/channels/23/messages", 0.3, 1);
  auto limited = post_message(fake2.port(), "23", {{"content", "x"}});
  CAF_REQUIRE(limited.ok);
  CAF_CHECK_EQUAL(limited.status(), 429u);
  CAF_CHECK_EQUAL(limited.header("retry-after"), "1");
  CAF_CHECK_EQUAL(limited.header("x-ratelimit-scope"), "user");
  CAF_CHECK_EQUAL(limited.body,
                  json({{"message", "You are being rate limited."},
                        {"retry_after", 0.3},
                        {"global", false}}));
  CAF_CHECK(!fake2.has_violation("429-ignored"));
  // Other routes are unaffected.
  CAF_CHECK_EQUAL(post_message(fake2.port(), "24", {{"content", "x"}}).status(),
                  200u);
  auto ignored = post_message(fake2.port(), "23", {{"content", "x"}});
  CAF_CHECK_EQUAL(ignored.status(), 429u);
  CAF_CHECK(fake2.has_violation("429-ignored"));
  std::this_thread::sleep_for(350ms);
  CAF_CHECK_EQUAL(post_message(fake2.port(), "23", {{"content", "x"}}).status(),
                  200u);
  // Injected global limit.
  fake_discord fake3{discord_options{}};
  fake3.rate_limit_global(0.2, 1);
  auto global = http_call(fake3.port(), http::verb::get, "/api/v10/gateway");
  CAF_CHECK_EQUAL(global.status(), 429u);
  CAF_CHECK_EQUAL(global.header("x-ratelimit-global"), "true");
  CAF_CHECK_EQUAL(global.header("x-ratelimit-scope"), "global");
  CAF_CHECK_EQUAL(global.body["global"], true);
  std::this_thread::sleep_for(250ms);
  CAF_CHECK_EQUAL(post_message(fake3.port(), "25", {{"content", "x"}}).status(),
                  200u);
  CAF_CHECK(fake3.errors().empty());
}

CAF_TEST(webhooks answer 204 200 and 404 when gone) {
  fake_discord fake{discord_options{}};
  std::vector<std::pair<std::string, std::string>> hdrs{
    {"User-Agent", "DiscordBot (x, 1)"}};
  auto plain = http_call(fake.port(), http::verb::post,
                         "/api/v10/webhooks/55/secret", R"({"content":"hook"})",
                         hdrs);
  CAF_CHECK_EQUAL(plain.status(), 204u);
  CAF_CHECK(plain.res.body().empty());
  auto waited = http_call(fake.port(), http::verb::post,
                          "/api/v10/webhooks/55/secret?wait=true",
                          R"({"content":"hook2","username":"relay"})", hdrs);
  CAF_CHECK_EQUAL(waited.status(), 200u);
  CAF_CHECK_EQUAL(waited.body["webhook_id"], "55");
  CAF_CHECK_EQUAL(waited.body["content"], "hook2");
  CAF_CHECK_EQUAL(waited.body["author"]["username"], "relay");
  fake.webhook_gone("55");
  auto gone = http_call(fake.port(), http::verb::post,
                        "/api/v10/webhooks/55/secret", R"({"content":"hook3"})",
                        hdrs);
  CAF_CHECK_EQUAL(gone.status(), 404u);
  CAF_CHECK_EQUAL(gone.body["code"], 10015);
  CAF_CHECK(!fake.has_violation("webhook-gone-reused"));
  http_call(fake.port(), http::verb::post, "/api/v10/webhooks/55/secret",
            R"({"content":"hook4"})", hdrs);
  CAF_CHECK(fake.has_violation("webhook-gone-reused"));
  auto posted = fake.posted();
  CAF_REQUIRE_EQUAL(posted.size(), 2u);
  CAF_CHECK_EQUAL(posted[0].channel_id, "webhook:55");
  CAF_CHECK_EQUAL(posted[1].content, "hook2");
}

CAF_TEST(the cli prints its port and stops on sigterm) {
  using tether::test::deadline_in;
  using tether::test::process;
  process::options popts;
  popts.args = {FAKE_DISCORD_PATH, "--port", "0", "--shards", "2"};
  process proc{popts};
  CAF_REQUIRE(proc.started());
  auto line = proc.read_line(process::stream::out, deadline_in(3s));
  CAF_REQUIRE(line.has_value());
  CAF_REQUIRE_EQUAL(line->rfind("listening 127.0.0.1:", 0), 0u);
  auto port = static_cast<uint16_t>(std::stoi(line->substr(20)));
  auto bot = http_call(port, http::verb::get, "/api/v10/gateway/bot");
  CAF_CHECK_EQUAL(bot.status(), 200u);
  CAF_CHECK_EQUAL(bot.body["shards"], 2);
  CAF_CHECK(proc.signal(SIGTERM));
  auto rc = proc.wait_exit(deadline_in(3s));
  CAF_CHECK(rc && *rc == 0);
}
