#define CAF_SUITE protocols.gateway.room

#include "protocols/gateway/room.hpp"

#include <string>

#include "caf/test/unit_test.hpp"

using namespace tether::gateway;

CAF_TEST(rooms join scene and id) {
  CAF_CHECK_EQUAL(make_room("group", "123"), "group:123");
  auto r = split_room("group:123");
  CAF_REQUIRE(r);
  CAF_CHECK_EQUAL(std::string{r->scene}, "group");
  CAF_CHECK_EQUAL(std::string{r->id}, "123");
}

CAF_TEST(ids may contain colons) {
  auto r = split_room("temp:1:2");
  CAF_REQUIRE(r);
  CAF_CHECK_EQUAL(std::string{r->scene}, "temp");
  CAF_CHECK_EQUAL(std::string{r->id}, "1:2");
}

CAF_TEST(rooms without both parts are rejected) {
  for (auto room : {"", "group", ":123", "group:", ":"})
    CAF_CHECK(!split_room(room));
}
