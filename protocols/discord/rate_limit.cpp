#include "protocols/discord/rate_limit.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include <nlohmann/json.hpp>

#include "protocols/discord/rest_route.hpp"

namespace tether::discord {

namespace {

bool iequals(std::string_view x, std::string_view y) {
  auto lower = [](char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  };
  return x.size() == y.size()
         && std::equal(x.begin(), x.end(), y.begin(), [&](char a, char b) {
              return lower(a) == lower(b);
            });
}

std::string_view trim(std::string_view x) {
  while (!x.empty() && (x.front() == ' ' || x.front() == '\t'))
    x.remove_prefix(1);
  while (!x.empty() && (x.back() == ' ' || x.back() == '\t'))
    x.remove_suffix(1);
  return x;
}

// The first header named `name`; nullopt if there is none.
std::optional<std::string_view> find_header(const net::header_list& headers,
                                            std::string_view name) {
  for (auto& [key, value] : headers)
    if (iequals(key, name)) return trim(value);
  return std::nullopt;
}

template<class T>
std::optional<T> parse_number(std::optional<std::string_view> text) {
  if (!text || text->empty()) return std::nullopt;
  T value{};
  auto [end, err] = std::from_chars(text->data(), text->data() + text->size(),
                                    value);
  if (err != std::errc{} || end != text->data() + text->size())
    return std::nullopt;
  return value;
}

std::optional<double> parse_seconds(std::optional<std::string_view> text) {
  auto x = parse_number<double>(text);
  if (!x || !std::isfinite(*x) || *x < 0) return std::nullopt;
  return x;
}

// Rounded up so that we never send a hair too early; capped at a day so
// that absurd values cannot overflow the clock.
rest_limiter::duration to_duration(double seconds) {
  seconds = std::clamp(seconds, 0.0, 86'400.0);
  return std::chrono::ceil<rest_limiter::duration>(
    std::chrono::duration<double>{seconds});
}

bool starts_with(std::string_view x, std::string_view prefix) {
  return x.substr(0, prefix.size()) == prefix;
}

// Discord exempts interaction responses from the global limit.
bool counts_globally(std::string_view route) {
  return !starts_with(route, "POST /interactions/");
}

} // namespace

rate_limit_info parse_rate_limit(const net::header_list& headers,
                                 std::string_view body_if_429) {
  rate_limit_info info;
  info.limit = parse_number<int>(find_header(headers, "x-ratelimit-limit"));
  info.remaining
    = parse_number<int>(find_header(headers, "x-ratelimit-remaining"));
  if (info.limit && *info.limit < 0) info.limit.reset();
  if (info.remaining && *info.remaining < 0) info.remaining.reset();
  info.reset_after
    = parse_seconds(find_header(headers, "x-ratelimit-reset-after"));
  info.bucket
    = std::string{find_header(headers, "x-ratelimit-bucket").value_or("")};
  info.global = iequals(find_header(headers, "x-ratelimit-global").value_or(""),
                        "true");
  info.scope
    = std::string{find_header(headers, "x-ratelimit-scope").value_or("")};
  info.retry_after = parse_seconds(find_header(headers, "retry-after"));
  if (!body_if_429.empty()) {
    auto body = nlohmann::json::parse(body_if_429, nullptr, false);
    if (body.is_object()) {
      auto retry = body.find("retry_after");
      if (retry != body.end() && retry->is_number()) {
        auto x = retry->get<double>();
        if (std::isfinite(x) && x >= 0) info.retry_after = x;
      }
      auto global = body.find("global");
      if (global != body.end() && global->is_boolean() && global->get<bool>())
        info.global = true;
    }
  }
  return info;
}

rest_limiter::rest_limiter(size_t global_per_second, size_t invalid_cap,
                           size_t route_failures, duration route_cooldown,
                           duration invalid_window)
  : global_per_second_(global_per_second),
    invalid_cap_(invalid_cap),
    route_failure_limit_(route_failures),
    route_cooldown_(route_cooldown),
    invalid_window_(invalid_window) {
  // Nothing to do.
}

std::string rest_limiter::state_key(const std::string& route) const {
  auto i = route_bucket_.find(route);
  if (i == route_bucket_.end()) return route;
  auto key = i->second;
  key += '|';
  key += major_parameter(route);
  return key;
}

const rest_limiter::bucket_state*
rest_limiter::find_state(const std::string& route) const {
  auto i = buckets_.find(state_key(route));
  return i == buckets_.end() ? nullptr : &i->second;
}

rest_limiter::bucket_state& rest_limiter::state(const std::string& route) {
  return buckets_[state_key(route)];
}

void rest_limiter::learn_bucket(const std::string& route,
                                const std::string& bucket) {
  auto known = route_bucket_.find(route);
  if (known != route_bucket_.end() && known->second == bucket) return;
  auto old_key = state_key(route);
  route_bucket_[route] = bucket;
  auto old = buckets_.find(old_key);
  if (old == buckets_.end()) return;
  // Keep a 429 block learned before the bucket was known.
  auto blocked_until = old->second.blocked_until;
  if (old_key == route) buckets_.erase(old);
  auto& s = state(route);
  s.blocked_until = std::max(s.blocked_until, blocked_until);
}

rest_limiter::time_point rest_limiter::acquire_at(const std::string& route,
                                                  time_point now) const {
  auto t = std::max(now, global_blocked_until_);
  if (auto s = find_state(route)) {
    if (s->remaining && *s->remaining <= 0) t = std::max(t, s->reset);
    t = std::max(t, s->blocked_until);
  }
  if (counts_globally(route) && global_per_second_ > 0
      && sent_.size() >= global_per_second_)
    t = std::max(t, sent_.front() + std::chrono::seconds{1});
  return t;
}

void rest_limiter::on_sent(const std::string& route, time_point now) {
  if (auto i = buckets_.find(state_key(route)); i != buckets_.end()) {
    auto& s = i->second;
    // A new window started: its reset is unknown until the next response
    // tells us, so stop counting rather than trust a stale reset.
    if (s.remaining && now >= s.reset) s.remaining.reset();
    if (s.remaining && *s.remaining > 0) --*s.remaining;
  }
  if (counts_globally(route) && global_per_second_ > 0) {
    sent_.push_back(sent_.empty() ? now : std::max(now, sent_.back()));
    if (sent_.size() > global_per_second_) sent_.pop_front();
  }
}

void rest_limiter::on_response(const std::string& route, int status,
                               const rate_limit_info& info, time_point now) {
  if (!info.bucket.empty()) learn_bucket(route, info.bucket);
  // Without reset_after a remaining count cannot be expired, so skip it.
  if (info.remaining && info.reset_after) {
    auto& s = state(route);
    s.remaining = info.remaining;
    s.reset = now + to_duration(*info.reset_after);
  }
  if (status == 429) {
    auto wait
      = to_duration(info.retry_after.value_or(info.reset_after.value_or(1.0)));
    if (info.global || info.scope == "global") {
      global_blocked_until_ = std::max(global_blocked_until_, now + wait);
    } else {
      auto& s = state(route);
      s.blocked_until = std::max(s.blocked_until, now + wait);
    }
  }
  // Cloudflare's ban counts these; shared-scope 429s are exempt.
  if (status == 401 || status == 403
      || (status == 429 && info.scope != "shared")) {
    invalid_.push_back(invalid_.empty() ? now : std::max(now, invalid_.back()));
    // Counting past Discord's own ban threshold tells nothing more.
    while (invalid_.size() > std::max<size_t>(invalid_cap_, 10'000))
      invalid_.pop_front();
  }
  while (!invalid_.empty() && invalid_.front() + invalid_window_ <= now)
    invalid_.pop_front();
  if (status == 401 || status == 403) {
    auto& f = failures_[route];
    ++f.consecutive;
    if (route_failure_limit_ > 0 && f.consecutive >= route_failure_limit_) {
      f.blocked_until = now + route_cooldown_;
      auto secs
        = std::chrono::duration_cast<std::chrono::seconds>(route_cooldown_);
      f.reason = std::to_string(f.consecutive)
                 + " consecutive 401/403 responses (last: "
                 + std::to_string(status) + "); paused for "
                 + std::to_string(secs.count()) + "s";
    }
  } else if (status >= 200 && status < 300) {
    failures_.erase(route);
  }
  if (status == 404 && starts_with(route, "POST /webhooks/"))
    gone_webhooks_.emplace(major_parameter(route));
}

size_t rest_limiter::invalid_count(time_point now) const {
  auto threshold = now - invalid_window_;
  auto first = std::partition_point(invalid_.begin(), invalid_.end(),
                                    [&](time_point x) {
                                      return x <= threshold;
                                    });
  auto last = std::partition_point(invalid_.begin(), invalid_.end(),
                                   [&](time_point x) {
                                     return x <= now;
                                   });
  return static_cast<size_t>(std::distance(first, last));
}

bool rest_limiter::invalid_budget_exhausted(time_point now) const {
  return invalid_count(now) >= invalid_cap_;
}

bool rest_limiter::route_blocked(const std::string& route,
                                 time_point now) const {
  auto i = failures_.find(route);
  return i != failures_.end() && now < i->second.blocked_until;
}

std::string rest_limiter::route_block_reason(const std::string& route) const {
  auto i = failures_.find(route);
  return i == failures_.end() ? std::string{} : i->second.reason;
}

bool rest_limiter::webhook_gone(const std::string& route) const {
  auto major = major_parameter(route);
  return starts_with(major, "webhooks/")
         && gone_webhooks_.count(std::string{major}) > 0;
}

} // namespace tether::discord
