#define CAF_SUITE actors.sandbox.transcript

#include "caf/test/unit_test.hpp"

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "actors/sandbox/transcript.hpp"
#include "config/logging.hpp"

using nlohmann::json;
using tether::sandbox::transcript;
using tether::sandbox::transcript_watch;

namespace {

struct recorder {
  std::vector<json> got;
  bool closed = false;
  bool accept = true;

  std::shared_ptr<transcript_watch> watch() {
    auto w = std::make_shared<transcript_watch>();
    w->write = [this](const std::string& x) {
      if (!accept)
        return false;
      got.push_back(json::parse(x));
      return true;
    };
    w->close = [this] { closed = true; };
    return w;
  }
};

} // namespace

CAF_TEST(entries carry who said what in order) {
  transcript t;
  auto u = t.add_user("/ping", "console", "1-1", 1000);
  auto b = t.add_bot("pong", "1-1", 1001);
  CAF_CHECK_EQUAL(u["seq"], 1);
  CAF_CHECK_EQUAL(u["from"], "user");
  CAF_CHECK_EQUAL(u["via"], "console");
  CAF_CHECK_EQUAL(u["id"], "1-1");
  CAF_CHECK_EQUAL(b["seq"], 2);
  CAF_CHECK_EQUAL(b["from"], "bot");
  CAF_CHECK_EQUAL(b["reply_to"], "1-1");
  auto all = t.tail(10);
  CAF_REQUIRE_EQUAL(all.size(), 2u);
  CAF_CHECK_EQUAL(all[0]["text"], "/ping");
  CAF_CHECK_EQUAL(all[1]["text"], "pong");
  // Kept alive while checked: the macro holds a reference into it.
  auto last = t.tail(1);
  CAF_CHECK_EQUAL(last[0]["text"], "pong");
  CAF_CHECK_EQUAL(t.tail(0).size(), 0u);
}

CAF_TEST(the ring keeps the most recent entries) {
  transcript t{3};
  for (int i = 0; i < 5; ++i)
    t.add_user("line " + std::to_string(i), "stdin", std::to_string(i), i);
  CAF_CHECK_EQUAL(t.size(), 3u);
  auto all = t.tail(10);
  CAF_REQUIRE_EQUAL(all.size(), 3u);
  CAF_CHECK_EQUAL(all[0]["text"], "line 2");
  CAF_CHECK_EQUAL(all[2]["seq"], 5);
}

CAF_TEST(watchers get the backlog then every new entry) {
  transcript t;
  t.add_user("a", "stdin", "1", 1);
  t.add_bot("b", "1", 2);
  recorder r;
  t.watch(r.watch(), 1);
  CAF_REQUIRE_EQUAL(r.got.size(), 1u);
  CAF_CHECK_EQUAL(r.got[0]["text"], "b");
  t.add_user("c", "console", "2", 3);
  CAF_REQUIRE_EQUAL(r.got.size(), 2u);
  CAF_CHECK_EQUAL(r.got[1]["text"], "c");
  // A reader that is gone is dropped at the next entry.
  r.accept = false;
  t.add_bot("d", "2", 4);
  CAF_CHECK_EQUAL(t.watchers(), 0u);
}

CAF_TEST(watchers are bounded and closed at the end) {
  recorder a;
  recorder b;
  recorder c;
  {
    transcript t{10, 2};
    t.watch(a.watch(), 0);
    t.watch(b.watch(), 0);
    CAF_CHECK(!a.closed);
    // A third one pushes the oldest out.
    t.watch(c.watch(), 0);
    CAF_CHECK(a.closed);
    CAF_CHECK_EQUAL(t.watchers(), 2u);
    CAF_CHECK(!b.closed);
  }
  CAF_CHECK(b.closed);
  CAF_CHECK(c.closed);
}

CAF_TEST(texts are redacted) {
  tether::logging::add_secret("transcript-secret-42");
  transcript t;
  auto e = t.add_bot("the key is transcript-secret-42", "1", 1);
  CAF_CHECK_EQUAL(e["text"], "the key is <redacted>");
  CAF_CHECK(t.tail(1).dump().find("transcript-secret-42") == std::string::npos);
}
