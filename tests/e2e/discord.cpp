// The real tetherd against the fake Discord (tests/fakes/discord): every
// fault the gateway and REST can show, and what the daemon must do about
// it. The fake runs in this process; tetherd is a child process.

#define CAF_SUITE e2e.discord

#include "caf/test/unit_test.hpp"

#include <csignal>
#include <fstream>
#include <memory>
#include <thread>


#include "fakes/discord/fake_discord.hpp"
#include "support/temp_dir.hpp"
#include "support/tetherd.hpp"

using namespace std::chrono_literals;
using tether::fakes::discord_options;
using tether::fakes::fake_discord;
using tether::test::contains;
using tether::test::deadline_in;
using tether::test::process;
using tether::test::steady_clock;

namespace {

using stream = process::stream;

constexpr auto channel = "555";
constexpr auto guild = "777";

discord_options fake_options() {
  discord_options opts;
  // Short, so zombie detection and resumes happen within a test.
  opts.heartbeat_interval = 1000ms;
  opts.resume_window = 60s;
  return opts;
}

struct fixture {
  fake_discord fake{fake_options()};
  tether::test::temp_dir tmp{"tether-discord"};
  std::string dir = tmp.path();
  tether::test::tetherd tetherd;
  // Appended to the platform and route lists of config().
  std::string more_platforms;
  std::string more_routes;

  ~fixture() {
    auto t = caf::test::engine::current_test();
    if (t != nullptr && t->bad() > 0 && tetherd.running()) {
      CAF_TEST_PRINT_INFO("stderr of tetherd:\n" << tetherd.stderr_text());
      for (auto& v : fake.violations())
        CAF_TEST_PRINT_INFO("fake: " << v);
    }
    tetherd.reset(); // before its directory goes away
  }

  std::string config(const std::string& compress = "none") {
    auto path = dir + "/tether.yaml";
    std::ofstream out{path};
    // No admin console: suites run in parallel and would share its port.
    out << "admin:\n  enabled: false\n"
           "daemon:\n"
           "  log_level: info\n"
           "  shutdown_timeout: 5s\n"
           "  data_dir: "
        << dir
        << "/var\n"
           "supervision:\n"
           "  defaults:\n"
           "    max_restarts: 20\n"
           "    within: 1m\n"
           "    backoff: {initial: 100ms, multiplier: 2, max: 1s, jitter: 0}\n"
           "platforms:\n"
           "  - kind: sandbox\n"
           "    name: console\n"
           "  - kind: discord\n"
           "    name: main\n"
           "    settings:\n"
           "      token: ${TETHER_TEST_DISCORD_TOKEN}\n"
           "      compress: "
        << compress
        << "\n"
           "      api_base: "
        << fake.api_base()
        << "\n"
           "      ping_interval: 500ms\n"
           "      ping_timeout: 1s\n"
           "      connect_timeout: 2s\n"
           "      request_timeout: 2s\n"
        << more_platforms
        << "handlers:\n"
           "  - kind: commands\n"
           "routes:\n"
           // Commands only: a flood of chat must not queue at the handler.
           "  - match: {prefix: \"/\"}\n"
           "    handler: commands\n"
        << more_routes;
    return path;
  }

  // Starts tetherd and waits until shard 0 is connected with a session.
  bool start(const std::string& compress = "none") {
    auto env = tether::test::tetherd::env_map{
      {"TETHER_TEST_DISCORD_TOKEN", "test-token"},
      {"TETHER_TEST_WEBHOOK_URL",
       fake.api_base() + "/webhooks/4242/hook-token"}};
    if (!tetherd.launch(config(compress), dir, env))
      return false;
    if (wait([&] { return ready(); }, 10s))
      return true;
    CAF_MESSAGE("tetherd did not come up:\n" << tetherd.stderr_text());
    for (auto& v : fake.violations())
      CAF_MESSAGE("fake: " << v);
    return false;
  }

  bool ready() {
    auto s = fake.shards();
    return !s.empty() && s[0].connected && !s[0].session_id.empty()
           && (stderr_has("discord ready") || stderr_has("discord resumed"));
  }

  bool stderr_has(const std::string& what) {
    return tetherd.stderr_has(what);
  }

  template <class Pred>
  bool wait(Pred pred, steady_clock::duration timeout) {
    return tetherd.wait(pred, timeout);
  }

  // Posts "/ping" as a Discord user and waits for the bot's "pong".
  bool ping_through_discord(steady_clock::duration timeout = 5s) {
    auto before = pongs();
    fake.dispatch(0, "MESSAGE_CREATE",
                  fake.message_create_json(channel, guild, "/ping"));
    return wait([&] { return pongs() > before; }, timeout);
  }

  size_t pongs() {
    size_t n = 0;
    for (auto& p : fake.posted())
      if (p.content == "pong" && p.channel_id == channel)
        ++n;
    return n;
  }

  bool ping_through_sandbox() {
    return tetherd.ping_through_sandbox();
  }

  int resumes() {
    return fake.resume_count();
  }

  int identifies() {
    return fake.identify_count();
  }

  void check_no_violations() {
    auto errors = fake.errors();
    for (auto& e : errors)
      CAF_MESSAGE("violation: " << e);
    CAF_CHECK(errors.empty());
    for (auto& v : fake.violations())
      CAF_CHECK(v.find("closed with 1000") == std::string::npos
                && v.find("closed with 1001") == std::string::npos);
  }

  std::optional<int> stop() {
    auto code = tetherd.stop();
    if (code != 0)
      CAF_MESSAGE("exit code " << (code ? std::to_string(*code) : "none")
                               << ", stderr:\n"
                               << tetherd.stderr_text());
    return code;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(discord_e2e, fixture)

CAF_TEST(a ping through the gateway gets a pong through REST) {
  CAF_REQUIRE(start());
  CAF_CHECK(ping_through_discord());
  auto posted = fake.posted();
  CAF_REQUIRE(!posted.empty());
  CAF_CHECK(posted.back().enforce_nonce);
  CAF_CHECK(!posted.back().nonce.empty());
  CAF_CHECK(ping_through_sandbox());
  CAF_CHECK_EQUAL(identifies(), 1);
  check_no_violations();
  CAF_CHECK_EQUAL(stop(), 0);
}

CAF_TEST(zlib stream compression works even when messages are split) {
  CAF_REQUIRE(start("zlib-stream"));
  CAF_CHECK(ping_through_discord());
  fake.split_compressed(tether::fakes::zlib_split::ws_messages);
  CAF_CHECK(ping_through_discord());
  fake.split_compressed(tether::fakes::zlib_split::ws_frames);
  CAF_CHECK(ping_through_discord());
  check_no_violations();
}

CAF_TEST(a dropped connection resumes and replays every missed event once) {
  CAF_REQUIRE(start());
  CAF_REQUIRE(ping_through_discord());
  fake.drop(0);
  // Said while tetherd was away: replayed on resume.
  for (int i = 0; i < 3; ++i)
    fake.dispatch(0, "MESSAGE_CREATE",
                  fake.message_create_json(channel, guild, "/ping"));
  CAF_CHECK(wait([&] { return pongs() == 4; }, 10s));
  CAF_CHECK_EQUAL(resumes(), 1);
  CAF_CHECK_EQUAL(identifies(), 1);
  std::this_thread::sleep_for(300ms);
  CAF_CHECK_EQUAL(pongs(), 4u); // none duplicated
  CAF_CHECK_EQUAL(fake.duplicate_count(), 0);
  check_no_violations();
}

CAF_TEST(a half open connection is found by the ws ping and resumed) {
  CAF_REQUIRE(start());
  auto t0 = steady_clock::now();
  fake.half_open(0);
  CAF_CHECK(wait([&] { return resumes() >= 1 && ready(); }, 10s));
  CAF_MESSAGE("half-open detected and resumed in "
              << std::chrono::duration_cast<std::chrono::milliseconds>(
                   steady_clock::now() - t0)
                   .count()
              << " ms");
  CAF_CHECK(ping_through_discord());
  check_no_violations();
}

CAF_TEST(an ack stall is a zombie connection and resumes) {
  CAF_REQUIRE(start());
  fake.stall_acks(0, true);
  CAF_CHECK(wait([&] { return stderr_has("zombie"); }, 10s));
  fake.stall_acks(0, false);
  CAF_CHECK(wait([&] { return resumes() >= 1; }, 10s));
  CAF_CHECK(ping_through_discord());
  check_no_violations();
}

CAF_TEST(refused connections are retried with backoff until they succeed) {
  CAF_REQUIRE(start());
  fake.refuse_for(2s);
  fake.drop(0);
  CAF_CHECK(wait([&] { return resumes() >= 1 && ready(); }, 10s));
  CAF_CHECK(ping_through_discord());
  check_no_violations();
}

CAF_TEST(reconnect and invalid session are followed as the gateway asks) {
  CAF_REQUIRE(start());
  fake.send_reconnect(0);
  CAF_CHECK(wait([&] { return resumes() == 1; }, 10s));
  CAF_CHECK(ping_through_discord());
  fake.send_invalid_session(0, true);
  CAF_CHECK(wait([&] { return resumes() == 2; }, 10s));
  CAF_CHECK(ping_through_discord());
  fake.send_invalid_session(0, false);
  // A fresh identify after 1-5 s.
  CAF_CHECK(wait([&] { return identifies() == 2; }, 10s));
  CAF_CHECK(ping_through_discord());
  check_no_violations();
}

CAF_TEST(resumable close codes resume and 4009 identifies again) {
  CAF_REQUIRE(start());
  fake.close_with(0, 4000, "Unknown error");
  CAF_CHECK(wait([&] { return resumes() == 1; }, 10s));
  CAF_CHECK(ping_through_discord());
  fake.close_with(0, 4009, "Session timed out");
  CAF_CHECK(wait([&] { return identifies() == 2; }, 10s));
  CAF_CHECK(ping_through_discord());
  check_no_violations();
}

CAF_TEST(a rejected token parks the bot and the rest of the daemon serves) {
  CAF_REQUIRE(start());
  auto connections = fake.connection_count();
  fake.close_with(0, 4004, "Authentication failed");
  CAF_CHECK(wait([&] { return stderr_has("park path=platforms/discord:main"); },
                 5s));
  std::this_thread::sleep_for(1500ms);
  CAF_CHECK_EQUAL(fake.connection_count(), connections); // no loop
  CAF_CHECK(ping_through_sandbox());
  CAF_REQUIRE(tetherd.proc().send_line("/status", deadline_in(1s)));
  auto line = tetherd.proc().read_line_until(stream::out,
                                      contains("platforms/discord:main parked"),
                                      deadline_in(5s));
  CAF_REQUIRE(line);
  CAF_CHECK(line->find("4004") != std::string::npos);
  CAF_CHECK_EQUAL(stop(), 0);
}

CAF_TEST(disallowed intents park the bot as well) {
  CAF_REQUIRE(start());
  fake.close_with(0, 4014, "Disallowed intent(s)");
  CAF_CHECK(wait([&] { return stderr_has("park path=platforms/discord:main"); },
                 5s));
  CAF_CHECK(ping_through_sandbox());
}

CAF_TEST(rate limited replies wait for retry_after and post once) {
  CAF_REQUIRE(start());
  fake.rate_limit_route(std::string{"/channels/"} + channel + "/messages", 1.0,
                        1);
  auto t0 = steady_clock::now();
  CAF_CHECK(ping_through_discord(6s));
  CAF_CHECK_GREATER_OR_EQUAL(steady_clock::now() - t0, 900ms);
  fake.rate_limit_global(0.5, 1);
  CAF_CHECK(ping_through_discord(6s));
  CAF_CHECK_EQUAL(fake.duplicate_count(), 0);
  check_no_violations();
}

CAF_TEST(a flood of events is absorbed and the bot still answers) {
  CAF_REQUIRE(start());
  fake.flood(0, 5000,
             fake.message_create_json(channel, guild, "just chatting"));
  CAF_CHECK(ping_through_discord(10s));
  CAF_CHECK(ping_through_sandbox());
  check_no_violations();
}

CAF_TEST(sigterm during a reconnect storm exits within the deadline) {
  CAF_REQUIRE(start());
  fake.refuse_for(30s);
  fake.drop(0);
  std::this_thread::sleep_for(1s); // tetherd is now retrying
  auto t0 = steady_clock::now();
  CAF_CHECK_EQUAL(stop(), 0);
  CAF_CHECK_LESS(steady_clock::now() - t0, 6s);
}

CAF_TEST(a restarted daemon resumes instead of identifying) {
  CAF_REQUIRE(start());
  CAF_REQUIRE_EQUAL(stop(), 0);
  CAF_CHECK(wait([&] { return !fake.shards()[0].connected; }, 5s));
  auto shards = fake.shards(); // the check keeps a reference: no temporary
  CAF_REQUIRE_EQUAL(shards.size(), 1u);
  CAF_CHECK_NOT_EQUAL(shards[0].last_close_code, 1000);
  CAF_REQUIRE(start());
  CAF_CHECK_EQUAL(identifies(), 1);
  CAF_CHECK_EQUAL(resumes(), 1);
  CAF_CHECK(ping_through_discord());
  check_no_violations();
}

CAF_TEST(a webhook bridge posts relayed messages and stops after a 404) {
  more_platforms = "  - kind: discord_webhook\n"
                   "    name: hook\n"
                   "    settings:\n"
                   "      url: ${TETHER_TEST_WEBHOOK_URL}\n"
                   "      username: Bridge\n"
                   "      wait: true\n"
                   "      request_timeout: 2s\n";
  more_routes = "  - match: {platform: sandbox}\n"
                "    relay_to: [discord_webhook:hook]\n"
                "    relay_format: \"[{bot}] {sender}: {text}\"\n";
  CAF_REQUIRE(start());
  auto hook_posts = [&] {
    std::vector<fake_discord::posted_message> xs;
    for (auto& p : fake.posted())
      if (p.channel_id == "webhook:4242")
        xs.push_back(p);
    return xs;
  };
  CAF_REQUIRE(tetherd.proc().send_line("hello <@1> bridge", deadline_in(1s)));
  CAF_REQUIRE(wait([&] { return hook_posts().size() == 1; }, 5s));
  auto first = hook_posts();
  CAF_CHECK_EQUAL(first[0].content, "[console] operator: hello <@1> bridge");
  auto body = first[0].body;
  CAF_CHECK(body.find("\"username\":\"Bridge\"") != std::string::npos);
  // Relayed text never pings anyone.
  CAF_CHECK(body.find("\"allowed_mentions\":{\"parse\":[]}")
            != std::string::npos);
  // Commands still go to the handler, not over the bridge.
  CAF_CHECK(ping_through_sandbox());
  CAF_CHECK_EQUAL(hook_posts().size(), 1u);
  // The webhook is deleted: the next post gets a 404 and the platform
  // parks instead of trying it again.
  fake.webhook_gone("4242");
  CAF_REQUIRE(tetherd.proc().send_line("second", deadline_in(1s)));
  CAF_CHECK(wait(
    [&] { return stderr_has("park path=platforms/discord_webhook:hook"); },
    5s));
  CAF_REQUIRE(tetherd.proc().send_line("third", deadline_in(1s)));
  CAF_CHECK(wait(
    [&] {
      return stderr_has("outbox sender_down platform=discord_webhook:hook");
    },
    5s));
  CAF_CHECK_EQUAL(hook_posts().size(), 1u);
  CAF_CHECK(ping_through_sandbox());
  CAF_REQUIRE(tetherd.proc().send_line("/status", deadline_in(1s)));
  auto line = tetherd.proc().read_line_until(
    stream::out, contains("platforms/discord_webhook:hook parked"),
    deadline_in(5s));
  CAF_CHECK(line.has_value());
  check_no_violations();
  CAF_CHECK_EQUAL(stop(), 0);
}

// kill -9 between "written" and "confirmed": Discord created the message
// but tetherd never learned it. After the restart the outbox sends the
// reply again with the same nonce, Discord answers with the existing
// message, and the resume replay of the question is not answered again.
CAF_TEST(a reply in flight at kill -9 is posted exactly once after restart) {
  CAF_REQUIRE(start());
  fake.hang_creates(1);
  fake.dispatch(0, "MESSAGE_CREATE",
                fake.message_create_json(channel, guild, "/ping"));
  CAF_REQUIRE(wait([&] { return pongs() == 1; }, 5s));
  CAF_REQUIRE(tetherd.proc().signal(SIGKILL));
  CAF_CHECK_EQUAL(tetherd.proc().wait_exit(deadline_in(5s)), 128 + SIGKILL);
  CAF_REQUIRE(start());
  CAF_CHECK(wait([&] { return fake.duplicate_count() >= 1; }, 10s));
  // Time for a wrong second answer to show up.
  CAF_CHECK(!wait([&] { return pongs() > 1; }, 2s));
  CAF_CHECK_EQUAL(pongs(), 1u);
  CAF_CHECK(ping_through_discord());
  check_no_violations();
}

// kill -9 after the reply was written but before Discord took it (a 429
// holds it back): after the restart it is posted, once.
CAF_TEST(a reply held back at kill -9 is posted once after restart) {
  CAF_REQUIRE(start());
  // A new process does not know the bucket: its first try after the
  // restart may get the rest of the 429 too, then it waits it out.
  fake.rate_limit_route(std::string{"/channels/"} + channel + "/messages",
                        3.0, 1);
  fake.dispatch(0, "MESSAGE_CREATE",
                fake.message_create_json(channel, guild, "/ping"));
  // Bounded: the 429 comes back within milliseconds on loopback.
  std::this_thread::sleep_for(500ms);
  CAF_CHECK_EQUAL(pongs(), 0u);
  CAF_REQUIRE(tetherd.proc().signal(SIGKILL));
  CAF_CHECK_EQUAL(tetherd.proc().wait_exit(deadline_in(5s)), 128 + SIGKILL);
  CAF_REQUIRE(start());
  CAF_CHECK(wait([&] { return pongs() == 1; }, 10s));
  CAF_CHECK(!wait([&] { return pongs() > 1; }, 2s));
  CAF_CHECK_EQUAL(pongs(), 1u);
}

CAF_TEST_FIXTURE_SCOPE_END()
