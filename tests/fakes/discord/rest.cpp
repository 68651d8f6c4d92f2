// The REST side of the fake: /gateway, /gateway/bot, Create Message and
// Execute Webhook, with Discord's rate-limit headers, 429 bodies and error
// shapes (PROTOCOLS.md §1.11).

#include <cmath>
#include <cstdio>

#include "fakes/discord/internal.hpp"

namespace tether::fakes {

using namespace std::chrono_literals;
using detail::rest_response;
using clock_type = detail::clock_type;

namespace {

/// The per-route bucket id: opaque and shared by all channels, as on
/// Discord; the limit itself is per channel (the major parameter).
constexpr const char* messages_bucket = "80c17d2f203122d936070c88c8d10f33";

constexpr int channel_limit = 5;
constexpr auto channel_window = 5s;

std::string secs(double x) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.3f", x);
  return buf;
}

double to_secs(clock_type::duration d) {
  return std::chrono::duration<double>(d).count();
}

double epoch_now() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

rest_response json_response(http::status st, const json& body) {
  rest_response r;
  r.status = st;
  r.body = body.dump();
  return r;
}

rest_response error_response(http::status st, int code, std::string msg) {
  return json_response(st, json{{"message", std::move(msg)}, {"code", code}});
}

rest_response invalid_form_body(const std::string& field,
                                const std::string& code,
                                const std::string& msg) {
  json err = {{"_errors", json::array({{{"code", code}, {"message", msg}}})}};
  return json_response(http::status::bad_request,
                       json{{"message", "Invalid Form Body"},
                            {"code", 50035},
                            {"errors", {{field, err}}}});
}

size_t utf8_length(const std::string& str) {
  size_t n = 0;
  for (unsigned char ch : str)
    if ((ch & 0xC0) != 0x80) ++n;
  return n;
}

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> result;
  size_t pos = 0;
  while (pos < path.size()) {
    auto next = path.find('/', pos);
    if (next == std::string::npos) next = path.size();
    if (next > pos) result.emplace_back(path.substr(pos, next - pos));
    pos = next + 1;
  }
  return result;
}

bool starts_with(const std::string& str, const std::string& prefix) {
  return str.compare(0, prefix.size(), prefix) == 0;
}

/// Validates a message body like Create Message / Execute Webhook do.
std::optional<rest_response> check_message(const json& body) {
  if (!body.is_object())
    return error_response(http::status::bad_request, 50109,
                          "The request body contains invalid JSON.");
  auto content = body.find("content");
  if (content != body.end() && !content->is_null()) {
    if (!content->is_string())
      return invalid_form_body("content", "BASE_TYPE_BAD_TYPE",
                               "Must be a string.");
    if (utf8_length(content->get_ref<const std::string&>()) > 2000)
      return invalid_form_body("content", "BASE_TYPE_MAX_LENGTH",
                               "Must be 2000 or fewer in length.");
  }
  auto nonce = body.find("nonce");
  if (nonce != body.end() && !nonce->is_null()) {
    if (nonce->is_string()) {
      if (nonce->get_ref<const std::string&>().size() > 25)
        return invalid_form_body("nonce", "BASE_TYPE_MAX_LENGTH",
                                 "Must be 25 or fewer in length.");
    } else if (!nonce->is_number_integer()) {
      return invalid_form_body("nonce", "NONCE_TYPE_INVALID",
                               "Nonce must be an integer or string.");
    }
  }
  auto non_empty = [&](const char* key) {
    auto i = body.find(key);
    if (i == body.end() || i->is_null()) return false;
    if (i->is_string()) return !i->get_ref<const std::string&>().empty();
    if (i->is_array() || i->is_object()) return !i->empty();
    return true;
  };
  if (!non_empty("content") && !non_empty("embeds") && !non_empty("sticker_ids")
      && !non_empty("components") && !non_empty("files")
      && !non_empty("attachments") && !non_empty("poll"))
    return error_response(http::status::bad_request, 50006,
                          "Cannot send an empty message");
  return std::nullopt;
}

std::string nonce_string(const json& body) {
  auto i = body.find("nonce");
  if (i == body.end() || i->is_null()) return {};
  if (i->is_string()) return i->get<std::string>();
  return i->dump();
}

} // namespace

rest_response fake_discord::impl::rate_limited(double retry_after, bool global,
                                               const std::string& scope) {
  json body{{"message", "You are being rate limited."},
            {"retry_after", std::round(retry_after * 1000) / 1000},
            {"global", global}};
  auto r = json_response(http::status::too_many_requests, body);
  // Retry-After is whole seconds (rounded up); the body has the fraction.
  auto header_secs = std::max(1.0, std::ceil(retry_after));
  r.headers.emplace_back("retry-after",
                         std::to_string(static_cast<int64_t>(header_secs)));
  r.headers.emplace_back("x-ratelimit-scope", scope);
  if (global) {
    r.headers.emplace_back("x-ratelimit-global", "true");
  } else {
    r.headers.emplace_back("x-ratelimit-limit", std::to_string(channel_limit));
    r.headers.emplace_back("x-ratelimit-remaining", "0");
    r.headers.emplace_back("x-ratelimit-reset",
                           secs(epoch_now() + retry_after));
    r.headers.emplace_back("x-ratelimit-reset-after", secs(retry_after));
    r.headers.emplace_back("x-ratelimit-bucket", messages_bucket);
  }
  return r;
}

rest_response
fake_discord::impl::on_rest(const http::request<http::string_body>& req) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto now = clock_type::now();
  // Discord's global limit: 50 requests per second per bot.
  rest_times_.push_back(now);
  while (!rest_times_.empty() && rest_times_.front() <= now - 1s)
    rest_times_.pop_front();
  if (rest_times_.size() > 50 && now - last_rest_rate_violation_ >= 1s) {
    last_rest_rate_violation_ = now;
    violation("rest-global-rate: more than 50 requests in 1 s");
  }
  std::string target{req.target()};
  auto qpos = target.find('?');
  auto path = target.substr(0, qpos);
  auto query = qpos == std::string::npos ? std::string{}
                                         : target.substr(qpos + 1);
  const std::string base = "/api/v10";
  auto not_found = [] {
    return error_response(http::status::not_found, 0, "404: Not Found");
  };
  if (!starts_with(path, base + "/")) return not_found();
  auto route = path.substr(base.size());
  auto segs = split_path(route);
  enum class kind { gateway, gateway_bot, messages, webhook };
  kind k;
  if (segs.size() == 1 && segs[0] == "gateway")
    k = kind::gateway;
  else if (segs.size() == 2 && segs[0] == "gateway" && segs[1] == "bot")
    k = kind::gateway_bot;
  else if (segs.size() == 3 && segs[0] == "channels" && segs[2] == "messages")
    k = kind::messages;
  else if (segs.size() == 3 && segs[0] == "webhooks")
    k = kind::webhook;
  else
    return not_found();
  auto want = k == kind::gateway || k == kind::gateway_bot ? http::verb::get
                                                           : http::verb::post;
  if (req.method() != want)
    return error_response(http::status::method_not_allowed, 0,
                          "405: Method Not Allowed");
  // Bot auth (webhooks authenticate with the token in the path).
  if (k == kind::gateway_bot || k == kind::messages) {
    auto auth = req[http::field::authorization];
    if (auth != "Bot " + opts_.token) {
      violation("rest-401: " + std::string{req.method_string()} + " " + route
                + " without a valid Authorization header");
      return error_response(http::status::unauthorized, 0, "401: Unauthorized");
    }
  }
  // Injected global limit: ignoring it is a violation and gets another 429.
  if (now < global_blocked_until_) {
    auto left = to_secs(global_blocked_until_ - now);
    violation("429-ignored: " + route + " sent " + secs(left)
              + " s before a global retry_after elapsed");
    return rate_limited(left, true, "global");
  }
  if (global_count_ > 0) {
    --global_count_;
    global_blocked_until_
      = now
        + std::chrono::duration_cast<clock_type::duration>(
          std::chrono::duration<double>(global_retry_after_));
    return rate_limited(global_retry_after_, true, "global");
  }
  auto matches = [&](const std::string& prefix) {
    return starts_with(path, prefix) || starts_with(route, prefix);
  };
  for (auto& [prefix, until] : route_blocked_until_) {
    if (now < until && matches(prefix)) {
      auto left = to_secs(until - now);
      violation("429-ignored: " + route + " sent " + secs(left)
                + " s before retry_after elapsed");
      return rate_limited(left, false, "user");
    }
  }
  for (auto& lim : route_limits_) {
    if (lim.count > 0 && matches(lim.prefix)) {
      --lim.count;
      route_blocked_until_[lim.prefix]
        = now
          + std::chrono::duration_cast<clock_type::duration>(
            std::chrono::duration<double>(lim.retry_after));
      return rate_limited(lim.retry_after, false, "user");
    }
  }
  switch (k) {
    case kind::gateway:
      return json_response(
        http::status::ok,
        json{{"url", "ws://127.0.0.1:" + std::to_string(port_) + "/gateway"}});
    case kind::gateway_bot: {
      json limit{{"total", 1000},
                 {"remaining", std::max(0, identify_remaining_)},
                 {"reset_after", 14400000},
                 {"max_concurrency", opts_.max_concurrency}};
      return json_response(
        http::status::ok,
        json{{"url", "ws://127.0.0.1:" + std::to_string(port_) + "/gateway"},
             {"shards", opts_.shards},
             {"session_start_limit", limit}});
    }
    case kind::messages: return create_message(segs[1], req, now);
    case kind::webhook: return execute_webhook(segs[1], query, req);
  }
  return not_found();
}

rest_response
fake_discord::impl::create_message(const std::string& channel_id,
                                   const http::request<http::string_body>& req,
                                   time_point now) {
  auto ua = std::string{req[http::field::user_agent]};
  if (!starts_with(ua, "DiscordBot")) {
    violation("user-agent: Create Message with User-Agent '" + ua
              + "' (must be 'DiscordBot ($url, $version)')");
    return error_response(http::status::bad_request, 0,
                          "User-Agent must start with DiscordBot (fake)");
  }
  auto& b = channel_buckets_[channel_id];
  if (b.used == 0 || now >= b.window_start + channel_window) {
    b.window_start = now;
    b.used = 0;
  }
  auto reset_after = to_secs(b.window_start + channel_window - now);
  if (b.used >= channel_limit) {
    violation("429-ignored: channel " + channel_id
              + " posted with x-ratelimit-remaining 0, " + secs(reset_after)
              + " s before the reset");
    return rate_limited(reset_after, false, "user");
  }
  ++b.used;
  auto add_limit_headers = [&](rest_response& r) {
    r.headers.emplace_back("x-ratelimit-limit", std::to_string(channel_limit));
    r.headers.emplace_back("x-ratelimit-remaining",
                           std::to_string(channel_limit - b.used));
    r.headers.emplace_back("x-ratelimit-reset",
                           secs(epoch_now() + reset_after));
    r.headers.emplace_back("x-ratelimit-reset-after", secs(reset_after));
    r.headers.emplace_back("x-ratelimit-bucket", messages_bucket);
  };
  auto body = json::parse(req.body(), nullptr, false);
  if (body.is_discarded()) body = json{}; // check_message reports it
  if (auto err = check_message(body)) {
    violation("rest-400: Create Message in " + channel_id + ": " + err->body);
    add_limit_headers(*err);
    return *err;
  }
  auto nonce = nonce_string(body);
  auto enforce = body.value("enforce_nonce", false);
  rest_response r;
  if (enforce && !nonce.empty()) {
    if (auto i = nonce_cache_.find(nonce); i != nonce_cache_.end()) {
      // Discord returns the earlier message and creates nothing.
      ++duplicates_;
      r.body = i->second;
      add_limit_headers(r);
      return r;
    }
  }
  auto content = body.value("content", json{}).is_string()
                   ? body["content"].get<std::string>()
                   : std::string{};
  r.body = message_json(channel_id, content, body.value("nonce", json{}),
                        std::string{}, std::string{});
  if (enforce && !nonce.empty()) nonce_cache_.emplace(nonce, r.body);
  posted_.push_back(
    posted_message{channel_id, content, nonce, enforce, req.body()});
  add_limit_headers(r);
  if (hang_creates_ > 0) {
    --hang_creates_;
    r.hang = true;
  }
  return r;
}

rest_response fake_discord::impl::execute_webhook(
  const std::string& webhook_id, const std::string& query,
  const http::request<http::string_body>& req) {
  if (gone_webhooks_.count(webhook_id) > 0) {
    // "After a 404 on a webhook, stop using that webhook."
    if (!webhooks_told_gone_.insert(webhook_id).second)
      violation("webhook-gone-reused: webhook " + webhook_id
                + " used again after a 404");
    return error_response(http::status::not_found, 10015, "Unknown Webhook");
  }
  auto body = json::parse(req.body(), nullptr, false);
  if (body.is_discarded()) body = json{};
  if (auto err = check_message(body)) {
    violation("rest-400: Execute Webhook " + webhook_id + ": " + err->body);
    return *err;
  }
  auto content = body.value("content", json{}).is_string()
                   ? body["content"].get<std::string>()
                   : std::string{};
  posted_.push_back(posted_message{"webhook:" + webhook_id, content,
                                   std::string{}, false, req.body()});
  bool wait = false;
  for (size_t pos = 0; pos <= query.size();) {
    auto amp = query.find('&', pos);
    if (amp == std::string::npos) amp = query.size();
    auto kv = query.substr(pos, amp - pos);
    if (kv == "wait=true" || kv == "wait=True" || kv == "wait=1") wait = true;
    pos = amp + 1;
  }
  if (!wait) {
    rest_response r;
    r.status = http::status::no_content;
    return r;
  }
  auto username = body.value("username", json{}).is_string()
                    ? body["username"].get<std::string>()
                    : std::string{"Captain Hook"};
  rest_response r;
  // Webhooks post into a channel the bot need not see; any id will do.
  r.body = message_json("1100000000000000000", content, json{}, webhook_id,
                        username);
  return r;
}

} // namespace tether::fakes
