#include "config/llm_reader.hpp"

#include <cctype>
#include <cstdlib>
#include <optional>

#include "config/logging.hpp"
#include "config/message.hpp"

namespace tether::config::detail {

const std::vector<std::string> llm_keys = {
  "base_url",        "model",       "api_key",       "system_prompt",
  "temperature",     "max_tokens",  "history_turns", "history_chars",
  "request_timeout", "retries",     "retry_backoff", "concurrency",
  "queue_limit",     "error_reply", "busy_reply",    "trigger",
  "ca_file",         "api_key_env",
};

namespace {

std::string lower(std::string str) {
  for (auto& c : str)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return str;
}

bool is_loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

std::string seconds_text(duration d) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

} // namespace

std::string check_llm_base_url(const std::string& url) {
  auto sep = url.find("://");
  if (sep == std::string::npos)
    return "expected a URL such as https://api.openai.com/v1";
  auto scheme = lower(url.substr(0, sep));
  if (scheme != "https" && scheme != "http")
    return "expected an https:// URL (http:// only for a loopback host), got "
           "scheme "
           + ticked(scheme);
  if (url.find_first_of("?#") != std::string::npos)
    return "must not have a query or fragment; `/chat/completions` is "
           "appended to it";
  auto rest = url.substr(sep + 3);
  auto authority = rest.substr(0, rest.find('/'));
  if (authority.find('@') != std::string::npos)
    return "must not contain credentials; set `api_key` instead";
  std::string host;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string::npos)
      return "unterminated IPv6 address in the host";
    host = authority.substr(1, close - 1);
  } else {
    host = authority.substr(0, authority.find(':'));
  }
  if (host.empty()) return "has no host";
  if (scheme == "http" && !is_loopback(lower(host)))
    return "plain http:// is only allowed for a loopback host (127.0.0.1, "
           "localhost, [::1]); use https://";
  return {};
}

void read_llm(reader& r, const node_ref& x, duration handler_timeout,
              llm_settings& out) {
  map_reader m{r, x, llm_keys};
  if (!m.ok()) return;
  // Both empty: an llm not set up yet (the shipped config); it answers
  // with a hint instead of calling anything. One without the other is a
  // mistake.
  // Known only when base_url was read without error: an invalid URL is
  // reported once, not again as a mismatch with `model`.
  std::optional<bool> base_url_empty;
  if (auto v = m.get("base_url")) {
    if (auto str = r.string(*v)) {
      while (!str->empty() && str->back() == '/')
        str->pop_back();
      if (str->empty())
        base_url_empty = true;
      else if (auto err = check_llm_base_url(*str); !err.empty())
        r.fail(*v, std::move(err));
      else {
        out.base_url = *str;
        base_url_empty = false;
      }
    }
  } else {
    r.fail(x.pos, join_path(x.path, "base_url"),
           "missing required key `base_url`");
  }
  if (auto v = m.get("model")) {
    if (auto str = r.string(*v)) {
      out.model = *str;
      if (base_url_empty && out.model.empty() != *base_url_empty)
        r.fail(*v, out.model.empty()
                     ? "empty while `base_url` is set; set both or neither"
                     : "set while `base_url` is empty; set both or neither");
    }
  } else {
    r.fail(x.pos, join_path(x.path, "model"), "missing required key `model`");
  }
  // Optional: local servers take no key. Empty after ${ENV} means none.
  if (auto v = m.get("api_key")) {
    if (auto s = r.secret_value(*v)) out.api_key = std::move(*s);
  } else {
    // Without `api_key`, the key comes from the environment variable
    // `api_key_env` names (OPENAI_API_KEY), if it is set.
    std::string var = "OPENAI_API_KEY";
    if (auto e = m.get("api_key_env"))
      if (auto str = r.non_empty_string(*e)) var = *str;
    if (auto value = std::getenv(var.c_str()); value && *value) {
      logging::add_secret(value);
      out.api_key = secret{value};
    }
  }
  if (auto v = m.get("system_prompt"))
    if (auto str = r.string(*v)) out.system_prompt = *str;
  if (auto v = m.get("temperature"))
    if (auto d = r.number(*v, 0.0, 2.0)) out.temperature = *d;
  if (auto v = m.get("max_tokens"))
    if (auto n = r.integer(*v, 1, 1'000'000)) out.max_tokens = *n;
  if (auto v = m.get("history_turns"))
    if (auto n = r.integer(*v, 0, 1000))
      out.history_turns = static_cast<size_t>(*n);
  if (auto v = m.get("history_chars"))
    if (auto n = r.integer(*v, 0, 10'000'000))
      out.history_chars = static_cast<size_t>(*n);
  auto timeout_ref = m.get("request_timeout");
  if (timeout_ref)
    if (auto d = r.duration_value(*timeout_ref, false))
      out.request_timeout = *d;
  if (auto v = m.get("retries"))
    if (auto n = r.integer(*v, 0, 10)) out.retries = static_cast<int>(*n);
  if (auto v = m.get("retry_backoff"))
    if (auto d = r.duration_value(*v, false)) out.retry_backoff = *d;
  if (auto v = m.get("concurrency"))
    if (auto n = r.integer(*v, 1, 1000))
      out.concurrency = static_cast<size_t>(*n);
  if (auto v = m.get("queue_limit"))
    if (auto n = r.integer(*v, 0, 100'000))
      out.queue_limit = static_cast<size_t>(*n);
  if (auto v = m.get("error_reply"))
    if (auto str = r.string(*v)) out.error_reply = *str;
  if (auto v = m.get("busy_reply"))
    if (auto str = r.string(*v)) out.busy_reply = *str;
  if (auto v = m.get("trigger"))
    if (auto str = r.choice(*v, {"mention", "all"}, "trigger"))
      out.trigger_all = *str == "all";
  if (auto v = m.get("ca_file"))
    if (auto str = r.string(*v)) out.ca_file = *str;
  // The handler answers with error_reply before the router gives up on it,
  // which needs at least one whole attempt to fit. The default is clipped
  // to the budget by the handler instead.
  if (timeout_ref && out.request_timeout >= handler_timeout) {
    auto msg = "request_timeout (" + seconds_text(out.request_timeout)
               + ") must be shorter than the handler's timeout ("
               + seconds_text(handler_timeout) + ")";
    r.fail(*timeout_ref, std::move(msg));
  }
}

} // namespace tether::config::detail
