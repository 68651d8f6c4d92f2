#include "support/cdp.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <thread>

#include <boost/beast/core/detail/base64.hpp>
#include <unistd.h>

namespace tether::test {

namespace {

using std::chrono::milliseconds;

/// One read waits at most this long, so `idle` runs often.
constexpr milliseconds read_slice{100};

bool executable(const std::string& path) {
  return !path.empty() && ::access(path.c_str(), X_OK) == 0;
}

// `ws://127.0.0.1:PORT/devtools/browser/ID` -> port and target.
bool split_ws_url(const std::string& url, uint16_t& port, std::string& target) {
  const std::string prefix = "ws://127.0.0.1:";
  if (url.compare(0, prefix.size(), prefix) != 0)
    return false;
  auto slash = url.find('/', prefix.size());
  if (slash == std::string::npos)
    return false;
  auto digits = url.substr(prefix.size(), slash - prefix.size());
  if (digits.empty() || digits.size() > 5
      || digits.find_first_not_of("0123456789") != std::string::npos)
    return false;
  port = static_cast<uint16_t>(std::stoul(digits));
  target = url.substr(slash);
  return true;
}

} // namespace

std::string find_chromium() {
  if (auto env = std::getenv("TETHER_CHROMIUM"); env && executable(env))
    return env;
  auto path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  for (auto name : {"chromium", "chromium-browser"}) {
    size_t start = 0;
    while (start <= dirs.size()) {
      auto end = dirs.find(':', start);
      auto dir = dirs.substr(start, end == std::string::npos ? std::string::npos
                                                             : end - start);
      if (!dir.empty() && executable(dir + "/" + name))
        return dir + "/" + name;
      if (end == std::string::npos)
        break;
      start = end + 1;
    }
  }
  return {};
}

bool headless_browser::launch(const std::string& chromium,
                              const std::string& profile_dir, int width,
                              int height) {
  process::options opts;
  // --no-sandbox: the browser only loads our own page from loopback, and
  // its sandbox does not work as root or in most containers.
  opts.args = {chromium,
               "--headless=new",
               "--remote-debugging-port=0",
               "--remote-debugging-address=127.0.0.1",
               "--user-data-dir=" + profile_dir,
               "--no-sandbox",
               "--disable-gpu",
               "--disable-dev-shm-usage",
               "--disable-extensions",
               "--disable-background-networking",
               "--disable-component-update",
               "--disable-sync",
               "--disable-crash-reporter",
               "--no-first-run",
               "--no-default-browser-check",
               "--mute-audio",
               "--log-level=3",
               "--window-size=" + std::to_string(width) + ","
                 + std::to_string(height),
               "about:blank"};
  // Caches and settings stay in the profile directory.
  opts.env = {{"HOME", profile_dir},
              {"XDG_CONFIG_HOME", profile_dir + "/config"},
              {"XDG_CACHE_HOME", profile_dir + "/cache"}};
  opts.own_group = true;
  proc_ = std::make_unique<process>(opts);
  if (!proc_->started()) {
    error_ = "cannot start " + chromium + ": " + proc_->start_error();
    return false;
  }
  group_ = proc_->pid();
  const std::string marker = "DevTools listening on ";
  auto line = proc_->read_line_until(process::stream::err, contains(marker),
                                     deadline_in(std::chrono::seconds{30}));
  if (!line) {
    error_ = "no DevTools address from " + chromium + " within 30s; stderr:\n"
             + proc_->stderr_text();
    return false;
  }
  auto url = line->substr(line->find(marker) + marker.size());
  while (!url.empty() && (url.back() == '\r' || url.back() == ' '))
    url.pop_back();
  uint16_t port = 0;
  std::string target;
  if (!split_ws_url(url, port, target)) {
    error_ = "unexpected DevTools address: " + url;
    return false;
  }
  ws_ = std::make_unique<raw::ws_client>(port, target);
  if (!ws_->connect()) {
    error_ = "cannot connect to DevTools at " + url;
    return false;
  }
  auto created = call("Target.createTarget", {{"url", "about:blank"}},
                      std::chrono::seconds{10}, true);
  if (!created)
    return false;
  auto attached = call("Target.attachToTarget",
                       {{"targetId", (*created)["targetId"]},
                        {"flatten", true}},
                       std::chrono::seconds{10}, true);
  if (!attached)
    return false;
  session_ = (*attached)["sessionId"].get<std::string>();
  return call("Page.enable") && call("Runtime.enable") && call("Log.enable")
         && call("Emulation.setDeviceMetricsOverride",
                 {{"width", width},
                  {"height", height},
                  {"deviceScaleFactor", 1},
                  {"mobile", false}});
}

headless_browser::~headless_browser() {
  close(std::chrono::milliseconds{0});
}

bool headless_browser::close(std::chrono::milliseconds timeout) {
  ws_.reset();
  if (group_ <= 0)
    return true;
  ::kill(-group_, SIGKILL);
  // Reaps the leader; its helpers are children of it and die with it.
  proc_.reset();
  auto deadline = deadline_in(timeout);
  for (int i = 0; i < 1000; ++i) {
    if (::kill(-group_, 0) != 0 && errno == ESRCH) {
      group_ = -1;
      return true;
    }
    if (steady_clock::now() >= deadline)
      break;
    std::this_thread::sleep_for(milliseconds{10});
  }
  return false;
}

void headless_browser::note_event(const json& msg) {
  auto method = msg.value("method", "");
  auto& params = msg.contains("params") ? msg["params"] : msg;
  if (method == "Runtime.exceptionThrown") {
    auto& d = params["exceptionDetails"];
    std::string text = d.value("text", "exception");
    if (d.contains("exception") && d["exception"].contains("description"))
      text += ": " + d["exception"]["description"].get<std::string>();
    page_errors_.push_back(text);
  } else if (method == "Log.entryAdded") {
    auto& e = params["entry"];
    if (e.value("level", "") == "error")
      page_errors_.push_back(e.value("source", "") + ": "
                             + e.value("text", ""));
  } else if (method == "Runtime.consoleAPICalled") {
    if (params.value("type", "") == "error")
      page_errors_.push_back("console.error: " + params["args"].dump());
  }
}

std::optional<nlohmann::json>
headless_browser::call(const std::string& method, json params,
                       std::chrono::milliseconds timeout, bool browser_level) {
  if (!ws_) {
    error_ = method + ": no browser";
    return std::nullopt;
  }
  auto id = next_id_++;
  json msg{{"id", id}, {"method", method}, {"params", std::move(params)}};
  if (!browser_level && !session_.empty())
    msg["sessionId"] = session_;
  if (!ws_->send(msg)) {
    error_ = method + ": cannot send to the browser";
    return std::nullopt;
  }
  auto deadline = deadline_in(timeout);
  for (int i = 0; i < 100000; ++i) {
    // A browser blocked on a full stderr pipe would never answer.
    if (proc_)
      proc_->read_line_until(process::stream::err,
                             [](const std::string&) { return false; },
                             steady_clock::now());
    if (idle)
      idle();
    if (auto in = ws_->read(read_slice)) {
      if (!in->is_object())
        continue;
      if (in->value("id", -1) != id) {
        note_event(*in);
        continue;
      }
      if (in->contains("error")) {
        error_ = method + ": " + (*in)["error"].dump();
        return std::nullopt;
      }
      return in->value("result", json::object());
    }
    if (ws_->close_code != 0) {
      error_ = method + ": the browser closed the connection";
      return std::nullopt;
    }
    if (steady_clock::now() >= deadline)
      break;
  }
  error_ = method + ": no answer within " + std::to_string(timeout.count())
           + "ms";
  return std::nullopt;
}

std::optional<nlohmann::json>
headless_browser::eval(const std::string& expression,
                       std::chrono::milliseconds timeout) {
  auto res = call("Runtime.evaluate",
                  {{"expression", expression},
                   {"returnByValue", true},
                   {"awaitPromise", true}},
                  timeout);
  if (!res)
    return std::nullopt;
  if (res->contains("exceptionDetails")) {
    error_ = "evaluate: " + (*res)["exceptionDetails"].dump();
    return std::nullopt;
  }
  return (*res)["result"].value("value", json{});
}

bool headless_browser::wait_true(const std::string& expression,
                                 std::chrono::milliseconds timeout) {
  auto deadline = deadline_in(timeout);
  for (int i = 0; i < 10000; ++i) {
    auto value = eval(expression);
    if (value && *value == true)
      return true;
    if (steady_clock::now() >= deadline)
      return false;
    // Waits in the browser's read loop, so events and `idle` keep flowing.
    call("Runtime.evaluate",
         {{"expression", "new Promise(r => setTimeout(r, 100))"},
          {"awaitPromise", true}},
         std::chrono::seconds{2});
  }
  return false;
}

bool headless_browser::navigate(const std::string& url) {
  auto res = call("Page.navigate", {{"url", url}}, std::chrono::seconds{15});
  if (!res)
    return false;
  if (res->contains("errorText")) {
    error_ = "navigate " + url + ": " + (*res)["errorText"].dump();
    return false;
  }
  return wait_true("document.readyState === 'complete'",
                   std::chrono::seconds{15});
}

bool headless_browser::screenshot(const std::string& path) {
  auto res = call("Page.captureScreenshot", {{"format", "png"}},
                  std::chrono::seconds{20});
  if (!res)
    return false;
  auto data = (*res)["data"].get<std::string>();
  std::string png(boost::beast::detail::base64::decoded_size(data.size()),
                  '\0');
  auto sizes = boost::beast::detail::base64::decode(png.data(), data.data(),
                                                    data.size());
  png.resize(sizes.first);
  std::ofstream out{path, std::ios::binary | std::ios::trunc};
  out.write(png.data(), static_cast<std::streamsize>(png.size()));
  if (!out) {
    error_ = "cannot write " + path;
    return false;
  }
  return true;
}

} // namespace tether::test
