// Typed, error-collecting access to a YAML tree (internal to the loader).
//
// Every read either yields a value or records an error with file:line:column
// and the dotted key path, so that one pass reports all problems.

#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "config/config.hpp"

namespace tether::config::detail {

/// A node together with where it sits in the file.
struct node_ref {
  YAML::Node node;
  /// Dotted key path with list indices, e.g. `platforms[0].settings.user`.
  std::string path;
  /// Where errors about this value point: the value, or its key when the
  /// value is empty (yaml-cpp places empty values at the next token).
  position pos;

  bool is_null() const {
    return !node || node.IsNull();
  }
};

class reader {
public:
  explicit reader(std::string file) : file_(std::move(file)) {
    // nop
  }

  const std::string& file() const {
    return file_;
  }

  std::vector<error>& errors() {
    return errors_;
  }

  /// Number of errors so far, to tell whether a step added any.
  size_t error_count() const {
    return errors_.size();
  }

  void fail(const position& pos, std::string key_path, std::string message);

  void fail(const node_ref& x, std::string message) {
    fail(x.pos, x.path, std::move(message));
  }

  /// The 1-based position of a node (line 0 if yaml-cpp has none).
  position pos_of(const YAML::Node& node) const;

  /// The document root.
  node_ref root(const YAML::Node& node) const;

  /// The `index`th element of a list.
  node_ref element(const node_ref& list, size_t index,
                   const YAML::Node& node) const;

  /// Checks that `x` is a list (null counts as empty) and returns its items.
  std::vector<node_ref> list(const node_ref& x);

  // -- scalars: nullopt after recording an error ------------------------------

  /// A scalar with `${NAME}` replaced. Error messages never quote the value
  /// when `secret` is set.
  std::optional<std::string> string(const node_ref& x, bool secret = false);

  /// A non-empty string.
  std::optional<std::string> non_empty_string(const node_ref& x);

  std::optional<int64_t> integer(const node_ref& x, int64_t min, int64_t max);

  std::optional<double> number(const node_ref& x, double min, double max);

  std::optional<bool> boolean(const node_ref& x);

  /// A duration literal; zero only if `allow_zero`.
  std::optional<duration> duration_value(const node_ref& x, bool allow_zero);

  /// One of `options`, with a suggestion for near misses; `what` names the
  /// value in errors, e.g. `unknown platform kind `x``.
  std::optional<std::string> choice(const node_ref& x,
                                    const std::vector<std::string>& options,
                                    std::string_view what = "value");

  /// A secret string; registered with the log redaction when non-empty.
  std::optional<secret> secret_value(const node_ref& x);

  /// `${NAME}` substitution without error reporting (unset stays literal).
  static std::string substitute_quietly(const std::string& str);

  /// A canonical rendering of `node` after `${NAME}` substitution: maps with
  /// sorted keys, all scalars quoted. Equal for equal content. Nullopt if
  /// aliases expand it beyond 64 levels or 100000 values.
  static std::optional<std::string> canonical(const YAML::Node& node);

private:
  std::string file_;
  std::vector<error> errors_;
};

/// The entries of a map after checking for unknown and duplicate keys.
class map_reader {
public:
  /// Checks that `x` is a map (null counts as empty) whose keys all appear
  /// in `known`; records errors for anything else.
  map_reader(reader& r, const node_ref& x, std::vector<std::string> known);

  /// Whether `x` was a map (or null).
  bool ok() const {
    return ok_;
  }

  /// The value of `key`, with its key path and position; nullopt if absent.
  std::optional<node_ref> get(std::string_view key) const;

  bool has(std::string_view key) const {
    return get(key).has_value();
  }

  /// Where the map itself is (for errors about missing keys).
  const node_ref& self() const {
    return self_;
  }

private:
  struct entry {
    std::string key;
    position key_pos;
    node_ref value;
  };

  node_ref self_;
  bool ok_ = false;
  std::vector<entry> entries_;
};

/// `parent.key`, or `key` at the top.
std::string join_path(const std::string& parent, std::string_view key);

} // namespace tether::config::detail
