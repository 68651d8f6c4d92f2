#define CAF_SUITE actors.admin.auth

#include "caf/test/unit_test.hpp"

#include "actors/admin/admin.hpp"
#include "actors/admin/auth.hpp"

using namespace tether;
using namespace tether::admin;

CAF_TEST(constant time comparison) {
  CAF_CHECK(constant_time_equal("", ""));
  CAF_CHECK(constant_time_equal("s3cret-token", "s3cret-token"));
  CAF_CHECK(!constant_time_equal("s3cret-token", "s3cret-tokeN"));
  CAF_CHECK(!constant_time_equal("s3cret-token", "s3cret-token2"));
  CAF_CHECK(!constant_time_equal("s3cret", "s3cret-token"));
  CAF_CHECK(!constant_time_equal("", "x"));
  // A prefix padded with NULs must not pass as the shorter input.
  CAF_CHECK(!constant_time_equal(std::string_view{"ab\0", 3}, "ab"));
}

CAF_TEST(without a token everything is allowed) {
  CAF_CHECK(authorized("", ""));
  CAF_CHECK(authorized("Bearer whatever", ""));
}

CAF_TEST(with a token only the bearer header with it passes) {
  std::string token = "tok-0123456789";
  CAF_CHECK(authorized("Bearer tok-0123456789", token));
  CAF_CHECK(authorized("bearer tok-0123456789", token));
  CAF_CHECK(authorized("Bearer  tok-0123456789 ", token));
  CAF_CHECK(!authorized("", token));
  CAF_CHECK(!authorized("Bearer", token));
  CAF_CHECK(!authorized("Bearer ", token));
  CAF_CHECK(!authorized("Bearer tok-012345678", token));
  CAF_CHECK(!authorized("Basic tok-0123456789", token));
  CAF_CHECK(!authorized("tok-0123456789", token));
}

CAF_TEST(a non loopback listen address needs a token) {
  config::admin_section a;
  CAF_CHECK(!check_admin(a));
  a.listen = "0.0.0.0:7070";
  CAF_CHECK(check_admin(a).has_value());
  a.token = config::secret{"abcd1234"};
  CAF_CHECK(!check_admin(a));
  a.token = config::secret{};
  a.enabled = false;
  CAF_CHECK(!check_admin(a));
  a.enabled = true;
  a.listen = "[::1]:7070";
  CAF_CHECK(!check_admin(a));
  a.listen = "127.1.2.3:7070";
  CAF_CHECK(!check_admin(a));
  a.listen = "10.0.0.1:7070";
  CAF_CHECK(check_admin(a).has_value());
}

CAF_TEST(console urls bracket ipv6 hosts) {
  CAF_CHECK_EQUAL(console_url("127.0.0.1", 7070), "http://127.0.0.1:7070/");
  CAF_CHECK_EQUAL(console_url("::1", 7070), "http://[::1]:7070/");
}
