#define CAF_SUITE protocols.gateway.named_bits

#include "protocols/gateway/named_bits.hpp"

#include <string>
#include <vector>

#include "caf/test/unit_test.hpp"

using namespace tether::gateway;

using strings = std::vector<std::string>;

namespace {

constexpr named_bit table[] = {
  {"ALPHA", 1},
  {"BETA_TWO", 4},
  {"GAMMA", 8},
  {"OLD_BETA", 4}, // alias
};

constexpr bit_names names{table, 3};

constexpr bit_names all_canonical{table};

} // namespace

CAF_TEST(names match in any letter case) {
  CAF_CHECK_EQUAL(names.find("ALPHA").value_or(0), 1u);
  CAF_CHECK_EQUAL(names.find("beta_two").value_or(0), 4u);
  CAF_CHECK_EQUAL(names.find("Gamma").value_or(0), 8u);
  CAF_CHECK_EQUAL(names.find("old_beta").value_or(0), 4u);
  CAF_CHECK(!names.find("DELTA"));
  CAF_CHECK(!names.find("ALPH"));
  CAF_CHECK(!names.find("ALPHAA"));
  CAF_CHECK(!names.find(""));
}

CAF_TEST(bits_of ors known names and collects unknown ones) {
  strings unknown;
  CAF_CHECK_EQUAL(names.bits_of({"alpha", "GAMMA", "x", "y"}, &unknown), 9u);
  CAF_CHECK_EQUAL(unknown, (strings{"x", "y"}));
  CAF_CHECK_EQUAL(names.bits_of({}, nullptr), 0u);
  CAF_CHECK_EQUAL(names.bits_of({"nope"}, nullptr), 0u);
}

CAF_TEST(parse names the first unknown entry and every valid name) {
  std::string error;
  CAF_CHECK_EQUAL(
    names.parse({"ALPHA", "BETA_TWO"}, "flag", &error).value_or(0), 5u);
  CAF_CHECK_EQUAL(error, "");
  CAF_CHECK(!names.parse({"ALPHA", "DELTA", "EPS"}, "flag", &error));
  CAF_CHECK_EQUAL(error, "unknown flag \"DELTA\"; valid names: ALPHA, "
                         "BETA_TWO, GAMMA");
  CAF_CHECK(!names.parse({"x"}, "flag", nullptr));
}

CAF_TEST(names_of lists canonical names then unnamed bits) {
  CAF_CHECK_EQUAL(names.names_of(13), (strings{"ALPHA", "BETA_TWO", "GAMMA"}));
  CAF_CHECK_EQUAL(names.names_of(2 | 16), (strings{"2", "16"}));
  CAF_CHECK_EQUAL(names.names_of(0), strings{});
  CAF_CHECK_EQUAL(all_canonical.valid_names(),
                  "ALPHA, BETA_TWO, GAMMA, OLD_BETA");
}

CAF_TEST(case folding is ASCII only) {
  CAF_CHECK(equal_ignoring_case("abc", "ABC"));
  CAF_CHECK(!equal_ignoring_case("abc", "ABD"));
  CAF_CHECK(!equal_ignoring_case("ab", "abc"));
  CAF_CHECK(!equal_ignoring_case("\xc3\xa4", "\xc3\x84"));
}
