#include "actors/admin/assets.hpp"

#include <string>

namespace tether::admin {

namespace {

bool ends_with(std::string_view str, std::string_view suffix) {
  return str.size() >= suffix.size()
         && str.substr(str.size() - suffix.size()) == suffix;
}

} // namespace

const embedded_file* find_asset(std::string_view name) {
  for (size_t i = 0; i < embedded_file_count; ++i)
    if (embedded_files[i].name == name)
      return &embedded_files[i];
  return nullptr;
}

std::string_view asset_content_type(std::string_view name) {
  if (ends_with(name, ".html"))
    return "text/html; charset=utf-8";
  if (ends_with(name, ".js"))
    return "text/javascript; charset=utf-8";
  if (ends_with(name, ".css"))
    return "text/css; charset=utf-8";
  if (ends_with(name, ".svg"))
    return "image/svg+xml";
  if (ends_with(name, ".png"))
    return "image/png";
  return "application/octet-stream";
}

net::header_list asset_headers(std::string_view name) {
  return {
    {"Content-Type", std::string{asset_content_type(name)}},
    // Revalidate on every load: a new tetherd may serve a new page.
    {"Cache-Control", "no-cache"},
    {"Content-Security-Policy",
     "default-src 'self'; script-src 'self'; style-src 'self'; "
     "img-src 'self'; connect-src 'self'; object-src 'none'; "
     "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"},
    {"X-Content-Type-Options", "nosniff"},
    {"X-Frame-Options", "DENY"},
    {"Referrer-Policy", "no-referrer"},
  };
}

} // namespace tether::admin
