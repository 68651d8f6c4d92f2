#define CAF_SUITE protocols.forward.signature

#include "protocols/forward/signature.hpp"

#include <string>

#include "caf/test/unit_test.hpp"
#include "protocols/crypto/digest.hpp"

using namespace tether;

CAF_TEST(the signature is an hmac of timestamp dot body) {
  // Independent of forward::sign: HMAC-SHA256("k", "1700000000.{}").
  auto expected = "sha256="
                  + crypto::to_hex(crypto::hmac_sha256("k", "1700000000.{}"));
  CAF_CHECK_EQUAL(forward::sign("k", 1700000000, "{}"), expected);
  CAF_CHECK_EQUAL(expected.size(), 7u + 64u);
  // A fixed vector (Python: hmac.new(b"secret", b'1700000000.{"id":"m1"}',
  // hashlib.sha256).hexdigest()), so the documented recipe stays true.
  CAF_CHECK_EQUAL(forward::sign("secret", 1700000000, R"({"id":"m1"})"),
                  "sha256=0ee64de5ac21a293e90a2bd72b653977"
                  "7fd862647c681b8474f9c4f628e873b0");
}

CAF_TEST(verify accepts the signature and rejects any change) {
  auto sig = forward::sign("k", 1700000000, R"({"a":1})");
  CAF_CHECK(forward::verify("k", "1700000000", R"({"a":1})", sig));
  CAF_CHECK(!forward::verify("other", "1700000000", R"({"a":1})", sig));
  CAF_CHECK(!forward::verify("k", "1700000001", R"({"a":1})", sig));
  CAF_CHECK(!forward::verify("k", "1700000000", R"({"a":2})", sig));
  CAF_CHECK(!forward::verify("k", "1700000000", R"({"a":1})", ""));
  CAF_CHECK(!forward::verify("k", "1700000000", R"({"a":1})",
                             sig.substr(7)));
}
