// Bit flags named in the config (gateway intents and the like): a table of
// SCREAMING_CASE names matched case-insensitively, with errors that list
// what would have been accepted.

#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tether::gateway {

struct named_bit {
  std::string_view name;
  uint64_t bit;
};

/// A view of a static table of names. The first `canonical` entries are
/// the names reported back; entries after them are accepted aliases.
class bit_names {
public:
  // -- constructors, destructors, and assignment operators -------------------

  template<size_t N>
  constexpr explicit bit_names(const named_bit (&table)[N])
    : first_(table), size_(N), canonical_(N) {
    // nop
  }

  template<size_t N>
  constexpr bit_names(const named_bit (&table)[N], size_t canonical)
    : first_(table), size_(N), canonical_(canonical < N ? canonical : N) {
    // nop
  }

  // -- observers --------------------------------------------------------------

  /// The bit of `name` (any letter case), or nullopt if unknown.
  std::optional<uint64_t> find(std::string_view name) const;

  /// ORs the bits of `names`; unknown names are appended to `*unknown`
  /// (when not null) and contribute nothing.
  uint64_t bits_of(const std::vector<std::string>& names,
                   std::vector<std::string>* unknown) const;

  /// ORs the bits of `names`, or returns nullopt and sets `*error` to
  /// `unknown <what> "X"; valid names: A, B, ...` naming the first
  /// unknown entry.
  std::optional<uint64_t> parse(const std::vector<std::string>& names,
                                std::string_view what,
                                std::string* error = nullptr) const;

  /// The canonical names of the bits set in `bits`, in table order, then
  /// any bits without a name as decimal values (for logs).
  std::vector<std::string> names_of(uint64_t bits) const;

  /// The canonical names joined by ", ".
  std::string valid_names() const;

private:
  const named_bit* first_;
  size_t size_;
  size_t canonical_;
};

/// ASCII case-insensitive equality.
bool equal_ignoring_case(std::string_view x, std::string_view y);

} // namespace tether::gateway
