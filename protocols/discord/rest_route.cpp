#include "protocols/discord/rest_route.hpp"

#include <algorithm>
#include <cctype>
#include <vector>

namespace tether::discord {

namespace {

bool all_digits(std::string_view x) {
  return !x.empty() && std::all_of(x.begin(), x.end(), [](char c) {
    return c >= '0' && c <= '9';
  });
}

bool starts_with(std::string_view x, std::string_view prefix) {
  return x.substr(0, prefix.size()) == prefix;
}

// Drops `prefix` if it is a whole leading segment of `path`.
bool drop_segment(std::string_view& path, std::string_view prefix) {
  if (!starts_with(path, prefix)) return false;
  auto rest = path.substr(prefix.size());
  if (!rest.empty() && rest.front() != '/') return false;
  path = rest;
  return true;
}

// Reduces a path or URL to the path below the versioned API base.
std::string_view api_path(std::string_view path) {
  if (auto scheme = path.find("://");
      scheme != std::string_view::npos && path.find('/') > scheme) {
    auto slash = path.find('/', scheme + 3);
    path = slash == std::string_view::npos ? std::string_view{}
                                           : path.substr(slash);
  }
  path = path.substr(0, path.find_first_of("?#"));
  if (drop_segment(path, "/api") && starts_with(path, "/v")) {
    auto end = path.find('/', 1);
    auto version = path.substr(
      2, end == std::string_view::npos ? std::string_view::npos : end - 2);
    if (all_digits(version)) path.remove_prefix(2 + version.size());
  }
  return path;
}

std::vector<std::string_view> segments(std::string_view path) {
  std::vector<std::string_view> result;
  while (!path.empty()) {
    auto slash = path.find('/');
    auto seg = path.substr(0, slash);
    if (!seg.empty()) result.push_back(seg);
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return result;
}

} // namespace

std::string route_key(std::string_view method, std::string_view path) {
  std::string key;
  key.reserve(method.size() + path.size() + 8);
  for (auto c : method)
    key += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  key += ' ';
  auto segs = segments(api_path(path));
  if (segs.empty()) {
    key += '/';
    return key;
  }
  auto top = segs[0];
  bool major = top == "channels" || top == "guilds" || top == "webhooks";
  for (size_t i = 0; i < segs.size(); ++i) {
    key += '/';
    if (i > 0 && segs[i - 1] == "reactions") {
      key += ":reaction";
      break;
    }
    if ((i == 1 && major) || (i == 2 && top == "webhooks"))
      key += segs[i];
    else if (i == 2 && top == "interactions")
      key += ":token";
    else if (all_digits(segs[i]))
      key += ":id";
    else
      key += segs[i];
  }
  if (starts_with(key, "DELETE ") && segs.size() == 4 && top == "channels"
      && segs[2] == "messages" && all_digits(segs[3]))
    key += delete_message_marker;
  return key;
}

std::string loggable_route(std::string_view key) {
  std::string result;
  result.reserve(key.size());
  size_t pos = 0;
  while (pos < key.size()) {
    auto hit = std::min(key.find("/webhooks/", pos),
                        key.find("/interactions/", pos));
    if (hit == std::string_view::npos) break;
    // The id segment after the keyword is public; the one after it is not.
    auto id_begin = key.find('/', hit + 1) + 1;
    auto id_end = key.find_first_of("/?# ", id_begin);
    if (id_end == std::string_view::npos || key[id_end] != '/') {
      result.append(key, pos, id_end - pos);
      pos = id_end;
      continue;
    }
    auto tok_begin = id_end + 1;
    auto tok_end = std::min(key.find_first_of("/?# ", tok_begin), key.size());
    result.append(key, pos, tok_begin - pos);
    auto token = key.substr(tok_begin, tok_end - tok_begin);
    if (!token.empty() && token.front() != ':')
      result += "***";
    else
      result += token;
    pos = tok_end;
  }
  if (pos < key.size()) result.append(key, pos);
  return result;
}

std::string_view major_parameter(std::string_view key) {
  auto space = key.find(' ');
  auto path = space == std::string_view::npos ? key : key.substr(space + 1);
  auto segs = segments(path.substr(0, path.find('#')));
  if (segs.size() < 2) return {};
  auto top = segs[0];
  auto last = top == "webhooks" && segs.size() >= 3 ? segs[2] : segs[1];
  if (top != "channels" && top != "guilds" && top != "webhooks") return {};
  auto begin = static_cast<size_t>(top.data() - key.data());
  auto end = static_cast<size_t>(last.data() - key.data()) + last.size();
  return key.substr(begin, end - begin);
}

} // namespace tether::discord
