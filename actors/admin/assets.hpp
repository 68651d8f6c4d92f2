// The admin console's web page (actors/admin/ui/), compiled into the
// binary: cmake/embed_files.cmake writes the bytes of each file into a
// generated source at build time, so tetherd serves the page without any
// file on disk.

#pragma once

#include <cstddef>
#include <string_view>

#include "protocols/net/http_server.hpp"

namespace tether::admin {

struct embedded_file {
  /// The file name, e.g. `app.js`.
  std::string_view name;
  std::string_view bytes;
};

/// Generated; the last entry is empty.
extern const embedded_file embedded_files[];
extern const size_t embedded_file_count;

/// The file called `name`, or null.
const embedded_file* find_asset(std::string_view name);

/// The Content-Type for a file name, by its extension.
std::string_view asset_content_type(std::string_view name);

/// The page's security headers: a strict Content-Security-Policy (only this
/// origin's scripts, styles and connections; no inline scripts), no
/// sniffing, no framing, no referrer; `Cache-Control: no-cache`.
net::header_list asset_headers(std::string_view name);

} // namespace tether::admin
