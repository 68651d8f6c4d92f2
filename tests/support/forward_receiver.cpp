#include "support/forward_receiver.hpp"

#include <cstdlib>
#include <ctime>

#include <nlohmann/json.hpp>

#include "protocols/forward/signature.hpp"

namespace tether::test {

forward_receiver::forward_receiver(std::string secret)
  : secret_(std::move(secret)) {
  loopback_server::config cfg;
  cfg.proto = loopback_server::protocol::http;
  cfg.responder = [this](const seen_request& req) { return respond(req); };
  server_ = std::make_unique<loopback_server>(std::move(cfg));
}

forward_receiver::~forward_receiver() {
  server_.reset(); // stops the server thread before the members go
}

std::string forward_receiver::url() const {
  return server_->url("/hook");
}

size_t forward_receiver::requests() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return verified_ + rejected_;
}

size_t forward_receiver::verified() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return verified_;
}

size_t forward_receiver::rejected() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return rejected_;
}

std::vector<std::string> forward_receiver::texts() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return texts_;
}

std::vector<std::string> forward_receiver::bodies() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return bodies_;
}

http_reply forward_receiver::respond(const seen_request& req) {
  auto ts = req.header("x-tether-timestamp");
  auto sig = req.header("x-tether-signature");
  bool ok = req.method == "POST" && req.target == "/hook"
            && req.header("content-type") == "application/json";
  if (secret_.empty()) {
    ok = ok && ts.empty() && sig.empty();
  } else {
    // A receiver also bounds the timestamp, so an old request cannot be
    // replayed; five minutes either way.
    auto t = std::strtoll(ts.c_str(), nullptr, 10);
    auto now = static_cast<long long>(std::time(nullptr));
    ok = ok && forward::verify(secret_, ts, req.body, sig)
         && std::llabs(now - t) <= 300;
  }
  auto doc = nlohmann::json::parse(req.body, nullptr, false);
  std::string id;
  std::string text;
  if (doc.is_object() && doc["content"].is_object()
      && doc["content"]["text"].is_string() && doc["id"].is_string()) {
    id = doc["id"].get<std::string>();
    text = doc["content"]["text"].get<std::string>();
  } else {
    ok = false;
  }
  size_t attempt = 0;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    ++(ok ? verified_ : rejected_);
    texts_.push_back(text);
    bodies_.push_back(req.body);
    attempt = ++attempts_[id];
  }
  http_reply out;
  if (!ok) {
    out.status = 401;
    out.body = "bad signature";
    return out;
  }
  auto json_reply = [&] {
    out.status = 200;
    out.headers = {{"Content-Type", "application/json"}};
    out.body = nlohmann::json{{"reply", "echo: " + text}}.dump();
  };
  switch (mode_.load()) {
    case mode::no_content:
      out.status = 204;
      out.body.clear();
      break;
    case mode::json_reply: json_reply(); break;
    case mode::json_replies:
      out.headers = {{"Content-Type", "application/json"}};
      out.body = nlohmann::json{{"replies",
                                 {"one: " + text, "two: " + text}}}
                   .dump();
      break;
    case mode::text_reply:
      out.headers = {{"Content-Type", "text/plain; charset=utf-8"}};
      out.body = "text: " + text + "\n";
      break;
    case mode::fail_then_ok:
      if (attempt == 1) {
        out.status = 500;
        out.body = "try again";
      } else {
        json_reply();
      }
      break;
    case mode::always_500:
      out.status = 500;
      out.body = "down";
      break;
    case mode::hang: out.never_answer = true; break;
    case mode::garbage:
      out.headers = {{"Content-Type", "application/json"}};
      out.body = "<html>oops";
      break;
    case mode::forbidden:
      out.status = 403;
      out.body = "forbidden here";
      break;
  }
  return out;
}

} // namespace tether::test
