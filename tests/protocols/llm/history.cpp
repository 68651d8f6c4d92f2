#define CAF_SUITE protocols.llm.history

#include "protocols/llm/history.hpp"

#include <string>

#include "caf/test/unit_test.hpp"

using namespace tether::llm;

namespace {

turn t(std::string text, std::string answer, std::string name = "u") {
  return turn{std::move(name), std::move(text), std::move(answer)};
}

std::string render(const std::vector<chat_message>& xs) {
  std::string out;
  for (auto& x : xs)
    out += x.role + (x.name.empty() ? "" : "(" + x.name + ")") + ":" + x.content
           + ";";
  return out;
}

} // namespace

CAF_TEST(conversation keys name platform bot room and thread) {
  CAF_CHECK_EQUAL(conversation_key("discord", "main", "123", ""),
                  "discord:main:123");
  CAF_CHECK_EQUAL(conversation_key("discord", "main", "123", "456"),
                  "discord:main:123:456");
  CAF_CHECK_EQUAL(conversation_key("sandbox", "console", "console", ""),
                  "sandbox:console:console");
}

CAF_TEST(turns come back as alternating user and assistant messages) {
  history_store h{{10, 8000, 100}};
  CAF_CHECK(h.recall("a").empty());
  h.add("a", t("q1", "a1", "alice"));
  h.add("a", t("q2", "a2", ""));
  h.add("b", t("other", "x"));
  CAF_CHECK_EQUAL(render(h.recall("a")),
                  "user(alice):q1;assistant:a1;user:q2;assistant:a2;");
  CAF_CHECK_EQUAL(render(h.recall("b")), "user(u):other;assistant:x;");
  CAF_CHECK_EQUAL(h.size(), 2u);
}

CAF_TEST(the turn budget drops the oldest turns) {
  history_store h{{2, 8000, 100}};
  h.add("a", t("q1", "a1"));
  h.add("a", t("q2", "a2"));
  h.add("a", t("q3", "a3"));
  CAF_CHECK_EQUAL(h.turns("a"), 2u);
  CAF_CHECK_EQUAL(render(h.recall("a")),
                  "user(u):q2;assistant:a2;user(u):q3;assistant:a3;");
}

CAF_TEST(the char budget drops the oldest turns and never keeps a huge one) {
  history_store h{{10, 10, 100}};
  h.add("a", t("1234", "1")); // 5
  h.add("a", t("123", "12")); // 5, total 10
  CAF_CHECK_EQUAL(h.turns("a"), 2u);
  CAF_CHECK_EQUAL(h.chars("a"), 10u);
  h.add("a", t("1", "")); // 11 -> drop the first
  CAF_CHECK_EQUAL(h.turns("a"), 2u);
  CAF_CHECK_EQUAL(h.chars("a"), 6u);
  CAF_CHECK_EQUAL(render(h.recall("a")),
                  "user(u):123;assistant:12;user(u):1;assistant:;");
  // A turn over the whole budget empties the conversation.
  h.add("a", t("12345678901", ""));
  CAF_CHECK_EQUAL(h.turns("a"), 0u);
  CAF_CHECK_EQUAL(h.size(), 0u);
  h.add("new", t("12345678901", ""));
  CAF_CHECK_EQUAL(h.size(), 0u);
}

CAF_TEST(zero turns keeps nothing) {
  history_store h{{0, 8000, 100}};
  h.add("a", t("q", "a"));
  CAF_CHECK_EQUAL(h.size(), 0u);
  CAF_CHECK(h.recall("a").empty());
}

CAF_TEST(the least recently used conversation goes first) {
  history_store h{{10, 8000, 3}};
  h.add("a", t("a", "1"));
  h.add("b", t("b", "1"));
  h.add("c", t("c", "1"));
  // Reading `a` makes `b` the oldest.
  h.recall("a");
  h.add("d", t("d", "1"));
  CAF_CHECK_EQUAL(h.size(), 3u);
  CAF_CHECK_EQUAL(h.turns("b"), 0u);
  CAF_CHECK_EQUAL(h.turns("a"), 1u);
  CAF_CHECK_EQUAL(h.turns("c"), 1u);
  CAF_CHECK_EQUAL(h.turns("d"), 1u);
  // Writing `c` makes `a` the oldest.
  h.add("c", t("c2", "2"));
  h.add("e", t("e", "1"));
  CAF_CHECK_EQUAL(h.turns("a"), 0u);
  CAF_CHECK_EQUAL(h.turns("c"), 2u);
  h.forget("c");
  CAF_CHECK_EQUAL(h.size(), 2u);
}
