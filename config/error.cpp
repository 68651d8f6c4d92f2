// Rendering of config errors.

#include <string>

#include "config/config.hpp"
#include "config/logging.hpp"

namespace tether::config {

std::string error::to_string() const {
  std::string out = pos.file.empty() ? std::string{"<unknown>"} : pos.file;
  if (pos.line > 0) {
    out += ':';
    out += std::to_string(pos.line);
    if (pos.column > 0) {
      out += ':';
      out += std::to_string(pos.column);
    }
  }
  out += ": ";
  if (!key_path.empty()) {
    out += key_path;
    out += ": ";
  }
  out += message;
  // Messages never quote secret fields; this also catches a secret that
  // shows up in some other value.
  return logging::redact(std::move(out));
}

} // namespace tether::config
