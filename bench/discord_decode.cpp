// CPU cost of the Discord gateway hot path per MESSAGE_CREATE event, in
// process, without sockets: one ~1 KB dispatch frame (the shape that
// tests/fakes/discord sends) through
//   nlohmann       nlohmann::json::parse of the whole frame (comparison)
//   frame          discord::parse_frame (envelope; `d` copied as text)
//   convert        parse_frame + convert_message_create
//   zlib           zlib_stream::push (inflate) + parse_frame + convert
//   actor          parse_frame + convert + anon_send(inbound_atom, msg) to a
//                  counting actor standing in for the router, until the
//                  actor has counted every event
// docs/benchmarks.md ("Discord gateway throughput") defines the figures.
//
// Usage: bench_discord_decode [--events N] [--threads N]

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <future>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <time.h>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>

#include <nlohmann/json.hpp>
#include <zlib.h>

#include "actors/type_ids.hpp"
#include "protocols/discord/gateway.hpp"
#include "protocols/discord/message.hpp"
#include "protocols/discord/zlib_stream.hpp"
#include "protocols/message.hpp"
#include "protocols/type_ids.hpp"
#include "supervision/type_ids.hpp"

using namespace tether;

namespace {

struct options {
  size_t events = 100000;
  size_t threads = std::max(1u, std::thread::hardware_concurrency());
};

/// The `d` of the fake's flood (fake_discord::message_create_json: keys in
/// nlohmann's sorted order), with a chat-like content instead of "flood".
const char* sample_d =
  R"({"attachments":[],"author":{"avatar":"a_4f1d4e8b2c3a9f0e7d6c5b4a39281706",)"
  R"("avatar_decoration_data":null,"clan":null,"collectibles":null,)"
  R"("discriminator":"0","global_name":"alice","id":"42","primary_guild":null,)"
  R"("public_flags":0,"username":"alice"},"channel_id":"1200000000000000001",)"
  R"("channel_type":0,"components":[],"content":"just chatting about the)"
  R"( weekend, anyone up for a game tonight? <@1000> maybe you too",)"
  R"("edited_timestamp":null,"embeds":[],"flags":0,)"
  R"("guild_id":"1100000000000000000","id":"1300000000000000042",)"
  R"("member":{"avatar":null,"banner":null,)"
  R"("communication_disabled_until":null,"deaf":false,"flags":0,)"
  R"("joined_at":"2024-01-01T00:00:00.000000+00:00","mute":false,)"
  R"("nick":null,"pending":false,"premium_since":null,"roles":[]},)"
  R"("mention_everyone":false,"mention_roles":[],"mentions":[],)"
  R"("nonce":"1300000000000000041","pinned":false,)"
  R"("timestamp":"2024-05-01T12:34:56.789000+00:00","tts":false,"type":0})";

std::string frame_with_seq(int64_t seq) {
  std::string out = R"({"t":"MESSAGE_CREATE","s":)";
  out += std::to_string(seq);
  out += R"(,"op":0,"d":)";
  out += sample_d;
  out += '}';
  return out;
}

int64_t ns_of(const timespec& ts) {
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

int64_t cpu_ns() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ns_of(ts);
}

int64_t wall_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ns_of(ts);
}

[[noreturn]] void abort_run(const std::string& why) {
  std::fprintf(stderr, "discord_decode: ABORT: %s\n", why.c_str());
  std::fflush(stdout);
  std::fflush(stderr);
  std::_Exit(1);
}

struct result {
  std::string name;
  size_t events;
  int64_t cpu;
  int64_t wall;
};

void report(const result& r, size_t frame_bytes, size_t threads) {
  auto n = static_cast<double>(r.events);
  auto cpu_us = static_cast<double>(r.cpu) / 1e3 / n;
  auto wall_us = static_cast<double>(r.wall) / 1e3 / n;
  std::printf("%-9s %8zu events  cpu %6.2f us/event (%9.0f events/cpu-s)  "
              "wall %6.2f us/event (%9.0f events/s)\n",
              r.name.c_str(), r.events, cpu_us, 1e6 / cpu_us, wall_us,
              1e6 / wall_us);
  std::fflush(stdout);
  (void) frame_bytes;
  (void) threads;
}

void report_json(const result& r, size_t frame_bytes, size_t threads) {
  auto n = static_cast<double>(r.events);
  auto cpu_us = static_cast<double>(r.cpu) / 1e3 / n;
  auto wall_us = static_cast<double>(r.wall) / 1e3 / n;
  std::printf("{\"bench\":\"discord_decode\",\"case\":\"%s\",\"events\":%zu,"
              "\"frame_bytes\":%zu,\"threads\":%zu,\"cpu_us_per_event\":%.3f,"
              "\"wall_us_per_event\":%.3f,\"events_per_cpu_s\":%.0f,"
              "\"events_per_s\":%.0f}\n",
              r.name.c_str(), r.events, frame_bytes, threads, cpu_us, wall_us,
              1e6 / cpu_us, 1e6 / wall_us);
}

/// Runs `body(i)` for i in [0, n) after n/10 unmeasured warm-up calls.
template <class F>
result measure(const std::string& name, size_t n, F body) {
  for (size_t i = 0; i < std::max<size_t>(1, n / 10); ++i)
    body(i % n);
  auto c0 = cpu_ns();
  auto w0 = wall_ns();
  for (size_t i = 0; i < n; ++i)
    body(i);
  return result{name, n, cpu_ns() - c0, wall_ns() - w0};
}

/// All frames through one deflate stream with Z_SYNC_FLUSH after each, as
/// Discord's zlib-stream transport does.
std::vector<std::string> deflate_all(const std::vector<std::string>& frames) {
  z_stream zs;
  std::memset(&zs, 0, sizeof(zs));
  if (deflateInit(&zs, Z_DEFAULT_COMPRESSION) != Z_OK)
    abort_run("deflateInit failed");
  std::vector<std::string> out;
  out.reserve(frames.size());
  std::vector<unsigned char> buf(64 * 1024);
  for (auto& f : frames) {
    std::string z;
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(f.data()));
    zs.avail_in = static_cast<uInt>(f.size());
    do {
      zs.next_out = buf.data();
      zs.avail_out = static_cast<uInt>(buf.size());
      if (deflate(&zs, Z_SYNC_FLUSH) == Z_STREAM_ERROR)
        abort_run("deflate failed");
      z.append(reinterpret_cast<char*>(buf.data()),
               buf.size() - zs.avail_out);
    } while (zs.avail_out == 0);
    out.push_back(std::move(z));
  }
  deflateEnd(&zs);
  return out;
}

/// The router stand-in: counts inbound messages, fulfils `done` at `n`.
struct counter_state {
  size_t count = 0;
};

caf::behavior counter(caf::stateful_actor<counter_state>* self, size_t n,
                      std::shared_ptr<std::promise<void>> done) {
  return {
    [=](inbound_atom, const inbound_message& msg) {
      if (msg.id.empty()) abort_run("empty message id");
      if (++self->state.count == n) done->set_value();
    },
  };
}

result run_actor(const std::vector<std::string>& frames, size_t threads,
                 const std::string& bot, const std::string& bot_id) {
  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", threads);
  cfg.add_message_types<caf::id_block::tether_supervision>();
  cfg.add_message_types<caf::id_block::tether_protocols>();
  cfg.add_message_types<caf::id_block::tether_actors>();
  caf::actor_system sys{cfg};
  auto n = frames.size();
  auto pass = [&](size_t count) {
    auto done = std::make_shared<std::promise<void>>();
    auto fut = done->get_future();
    auto sink = sys.spawn(counter, count, done);
    auto c0 = cpu_ns();
    auto w0 = wall_ns();
    for (size_t i = 0; i < count; ++i) {
      auto f = discord::parse_frame(frames[i]);
      if (!f) abort_run("parse_frame failed");
      auto msg = discord::convert_message_create(f->d, bot, bot_id);
      if (!msg) abort_run("convert_message_create failed");
      caf::anon_send(sink, inbound_atom::value, std::move(*msg));
    }
    if (fut.wait_for(std::chrono::seconds{30}) != std::future_status::ready)
      abort_run("the counting actor did not reach " + std::to_string(count)
                + " within 30 s");
    auto r = result{"actor", count, cpu_ns() - c0, wall_ns() - w0};
    caf::anon_send_exit(sink, caf::exit_reason::user_shutdown);
    return r;
  };
  pass(std::max<size_t>(1, n / 10)); // warm-up
  return pass(n);
}

bool parse_args(int argc, char** argv, options& opts) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (i + 1 >= argc) return false;
    auto val = std::strtoull(argv[++i], nullptr, 10);
    if (val == 0) return false;
    if (arg == "--events")
      opts.events = val;
    else if (arg == "--threads")
      opts.threads = val;
    else
      return false;
  }
  return true;
}

} // namespace

int main(int argc, char** argv) {
  options opts;
  if (!parse_args(argc, argv, opts)) {
    std::fprintf(stderr,
                 "usage: %s [--events N] [--threads N]\n"
                 "example: %s --events 100000\n",
                 argv[0], argv[0]);
    return EXIT_FAILURE;
  }
  const std::string bot = "bench";
  const std::string bot_id = "1000";
  auto n = opts.events;
  std::vector<std::string> frames;
  frames.reserve(n);
  for (size_t i = 0; i < n; ++i)
    frames.push_back(frame_with_seq(static_cast<int64_t>(i + 1)));
  auto frame_bytes = frames.front().size();
  auto zframes = deflate_all(frames);
  size_t zbytes = 0;
  for (auto& z : zframes)
    zbytes += z.size();
  std::printf("# discord_decode: %zu events, frame %zu bytes, zlib-stream "
              "%.0f bytes/frame on average, %zu scheduler threads\n",
              n, frame_bytes, static_cast<double>(zbytes) / n, opts.threads);
  volatile size_t sink = 0;
  std::vector<result> results;

  results.push_back(measure("nlohmann", n, [&](size_t i) {
    auto j = nlohmann::json::parse(frames[i]);
    sink = sink + j.size();
  }));
  report(results.back(), frame_bytes, 1);

  results.push_back(measure("frame", n, [&](size_t i) {
    auto f = discord::parse_frame(frames[i]);
    if (!f) abort_run("parse_frame failed");
    sink = sink + f->d.size();
  }));
  report(results.back(), frame_bytes, 1);

  results.push_back(measure("convert", n, [&](size_t i) {
    auto f = discord::parse_frame(frames[i]);
    if (!f) abort_run("parse_frame failed");
    auto msg = discord::convert_message_create(f->d, bot, bot_id);
    if (!msg) abort_run("convert_message_create failed");
    sink = sink + msg->text.size();
  }));
  report(results.back(), frame_bytes, 1);

  // The warm-up pass must see the stream from its start, so it gets its own
  // inflater; the measured pass starts over with a fresh one.
  {
    discord::zlib_stream warm;
    for (size_t i = 0; i < std::max<size_t>(1, n / 10); ++i)
      if (!warm.push(zframes[i])) abort_run("inflate (warm-up) failed");
    discord::zlib_stream z;
    auto c0 = cpu_ns();
    auto w0 = wall_ns();
    for (size_t i = 0; i < n; ++i) {
      std::string error;
      auto text = z.push(zframes[i], &error);
      if (!text) abort_run("inflate failed: " + error);
      auto f = discord::parse_frame(*text);
      if (!f) abort_run("parse_frame failed");
      auto msg = discord::convert_message_create(f->d, bot, bot_id);
      if (!msg) abort_run("convert_message_create failed");
      sink = sink + msg->text.size();
    }
    results.push_back(result{"zlib", n, cpu_ns() - c0, wall_ns() - w0});
    report(results.back(), frame_bytes, 1);
  }

  results.push_back(run_actor(frames, opts.threads, bot, bot_id));
  report(results.back(), frame_bytes, opts.threads);

  for (auto& r : results)
    report_json(r, frame_bytes, r.name == "actor" ? opts.threads : 1);
  return EXIT_SUCCESS;
}
