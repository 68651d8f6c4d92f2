// Globs over node paths such as `platforms/discord:main/shards/3`.

#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace tether::config {

bool path_matches(std::string_view glob, std::string_view path) {
  // Dynamic programming over suffixes: ok[j] says whether the rest of the
  // glob (from the current token on) matches path[j..]. Quadratic in the
  // worst case, which is fine for paths of a few dozen characters.
  auto n = path.size();
  std::vector<char> ok(n + 1, 0);
  std::vector<char> next(n + 1, 0);
  ok[n] = 1; // the empty glob matches the empty rest
  // Walk the glob backwards, token by token.
  auto g = glob.size();
  while (g > 0) {
    if (glob[g - 1] == '*') {
      bool any = g >= 2 && glob[g - 2] == '*';
      g -= any ? 2 : 1;
      // next[j]: some k >= j with path[j..k) free of '/' (unless `**`) and
      // ok[k]. Computed from the right.
      next[n] = ok[n];
      for (size_t j = n; j-- > 0;) {
        if (ok[j])
          next[j] = 1;
        else if (!any && path[j] == '/')
          next[j] = 0;
        else
          next[j] = next[j + 1];
      }
    } else {
      auto c = glob[g - 1];
      g -= 1;
      next[n] = 0;
      for (size_t j = 0; j < n; ++j)
        next[j] = path[j] == c && ok[j + 1];
    }
    ok.swap(next);
  }
  return ok[0] != 0;
}

} // namespace tether::config
