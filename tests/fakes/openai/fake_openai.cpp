#include "fakes/openai/fake_openai.hpp"

#include <atomic>
#include <mutex>
#include <thread>
#include <utility>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include "fakes/common/http_conn.hpp"
#include "fakes/common/listener.hpp"

namespace tether::fakes {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using json = nlohmann::json;
using common::http_reply;

http_reply json_reply(http::status status, const json& body) {
  http_reply r;
  r.status = status;
  r.content_type = "application/json";
  r.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  return r;
}

json error_body(const std::string& message, const std::string& type,
                json code) {
  return {{"error",
           {{"message", message},
            {"type", type},
            {"param", nullptr},
            {"code", std::move(code)}}}};
}

// Takes one use of a counter; a negative one never runs out.
bool take(int& counter) {
  if (counter == 0) return false;
  if (counter > 0) --counter;
  return true;
}

} // namespace

struct fake_openai::impl {
  explicit impl(openai_options o)
    : opts(std::move(o)),
      ioc(std::max(1, opts.io_threads)),
      listener(ioc, stopping, "fake_openai") {
    // nop
  }

  ~impl() {
    stopping = true;
    // Not graceful on purpose: bounded even with hanging requests.
    ioc.stop();
    for (auto& t : threads)
      if (t.joinable()) t.join();
    listener.close();
  }

  void start() {
    common::http_settings cfg;
    cfg.name = "fake-openai";
    cfg.on_request = [this](const common::request& req) {
      return on_request(req);
    };
    cfg.on_upgrade = [](beast::tcp_stream&&, common::request) {};
    http_settings
      = std::make_shared<const common::http_settings>(std::move(cfg));
    listener.open(opts.port, [this](asio::ip::tcp::socket&& sock) {
      std::make_shared<common::http_conn>(std::move(sock), http_settings)
        ->start();
    });
    common::run_io_threads(ioc, std::max(1, opts.io_threads), "fake_openai",
                           threads);
  }

  http_reply on_request(const common::request& req) {
    std::lock_guard<std::mutex> guard{mtx};
    fake_openai::request rec;
    rec.method = std::string{req.method_string()};
    rec.target = std::string{req.target()};
    rec.authorization = std::string{req[http::field::authorization]};
    rec.body = req.body();
    auto r = answer(req, rec);
    r.delay = delay;
    rec.status = r.hang ? 0 : static_cast<int>(r.status);
    log.push_back(std::move(rec));
    return r;
  }

  // Requires mtx.
  http_reply answer(const common::request& req, fake_openai::request& rec) {
    auto path = rec.target.substr(0, rec.target.find('?'));
    if (path != "/v1/chat/completions")
      return json_reply(http::status::not_found,
                        error_body("Unknown request URL: " + path,
                                   "invalid_request_error", "unknown_url"));
    if (req.method() != http::verb::post)
      return json_reply(http::status::method_not_allowed,
                        error_body("Method not allowed",
                                   "invalid_request_error", nullptr));
    if (!opts.api_key.empty()
        && rec.authorization != "Bearer " + opts.api_key) {
      auto given = rec.authorization.rfind("Bearer ", 0) == 0
                     ? rec.authorization.substr(7)
                     : rec.authorization;
      return json_reply(http::status::unauthorized,
                        error_body("Incorrect API key provided: " + given + ".",
                                   "invalid_request_error", "invalid_api_key"));
    }
    auto content_type = std::string{req[http::field::content_type]};
    if (content_type.rfind("application/json", 0) != 0)
      violations.push_back("content-type: " + content_type);
    auto doc = json::parse(req.body(), nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) {
      violations.push_back("bad-json: " + req.body().substr(0, 200));
      return json_reply(http::status::bad_request,
                        error_body("We could not parse the JSON body of "
                                   "your request.",
                                   "invalid_request_error", nullptr));
    }
    auto msgs = doc.find("messages");
    bool ok = doc.contains("model") && doc["model"].is_string()
              && msgs != doc.end() && msgs->is_array() && !msgs->empty();
    if (ok)
      for (auto& m : *msgs)
        ok = ok && m.is_object() && m.contains("role") && m["role"].is_string()
             && m.contains("content") && m["content"].is_string();
    if (!ok) {
      violations.push_back("bad-request: " + req.body().substr(0, 200));
      return json_reply(http::status::bad_request,
                        error_body("Invalid request body",
                                   "invalid_request_error", nullptr));
    }
    rec.model = doc["model"].get<std::string>();
    rec.messages = msgs->size();
    auto& last = msgs->back();
    rec.last_text = last["content"].get<std::string>();
    rec.last_name = last.value("name", "");
    if (hang_left != 0) {
      take(hang_left);
      http_reply r;
      r.hang = true;
      return r;
    }
    if (take(rate_limit_left)) {
      auto r = json_reply(http::status::too_many_requests,
                          error_body("Rate limit reached for requests",
                                     "requests", "rate_limit_exceeded"));
      if (!retry_after.empty())
        r.headers.emplace_back("Retry-After", retry_after);
      return r;
    }
    if (take(server_error_left))
      return json_reply(http::status::internal_server_error,
                        error_body("The server had an error while "
                                   "processing your request.",
                                   "server_error", nullptr));
    if (take(malformed_left)) {
      http_reply r;
      r.content_type = "application/json";
      r.body = R"({"id":"chatcmpl-fake","choices":[{"message":{"role":)";
      return r;
    }
    auto content = answer_override
                     ? *answer_override
                     : "echo: " + rec.last_text + " ["
                         + std::to_string(rec.messages) + " messages]";
    ++completions;
    json body = {
      {"id", "chatcmpl-fake-" + std::to_string(completions)},
      {"object", "chat.completion"},
      {"created", 1700000000},
      {"model", rec.model},
      {"choices",
       {{{"index", 0},
         {"message", {{"role", "assistant"}, {"content", content}}},
         {"finish_reason", "stop"}}}},
      {"usage",
       {{"prompt_tokens", 1}, {"completion_tokens", 1}, {"total_tokens", 2}}},
    };
    return json_reply(http::status::ok, body);
  }

  openai_options opts;
  asio::io_context ioc;
  std::atomic<bool> stopping{false};
  common::listener listener;
  std::shared_ptr<const common::http_settings> http_settings;
  std::vector<std::thread> threads;

  mutable std::mutex mtx;
  std::chrono::milliseconds delay{0};
  int rate_limit_left = 0;
  std::string retry_after;
  int server_error_left = 0;
  int malformed_left = 0;
  int hang_left = 0;
  std::optional<std::string> answer_override;
  uint64_t completions = 0;
  std::vector<fake_openai::request> log;
  std::vector<std::string> violations;
};

fake_openai::fake_openai(openai_options opts)
  : impl_(std::make_unique<impl>(std::move(opts))) {
  impl_->start();
}

fake_openai::~fake_openai() = default;

uint16_t fake_openai::port() const {
  return impl_->listener.port();
}

std::string fake_openai::base_url() const {
  return "http://127.0.0.1:" + std::to_string(port()) + "/v1";
}

void fake_openai::slow(std::chrono::milliseconds d) {
  std::lock_guard<std::mutex> guard{impl_->mtx};
  impl_->delay = d;
}

void fake_openai::rate_limit(int count, std::string retry_after) {
  std::lock_guard<std::mutex> guard{impl_->mtx};
  impl_->rate_limit_left = count;
  impl_->retry_after = std::move(retry_after);
}

void fake_openai::server_error(int count) {
  std::lock_guard<std::mutex> guard{impl_->mtx};
  impl_->server_error_left = count;
}

void fake_openai::malformed(int count) {
  std::lock_guard<std::mutex> guard{impl_->mtx};
  impl_->malformed_left = count;
}

void fake_openai::hang(int count) {
  std::lock_guard<std::mutex> guard{impl_->mtx};
  impl_->hang_left = count;
}

void fake_openai::answer_with(std::optional<std::string> content) {
  std::lock_guard<std::mutex> guard{impl_->mtx};
  impl_->answer_override = std::move(content);
}

std::vector<fake_openai::request> fake_openai::requests() const {
  std::lock_guard<std::mutex> guard{impl_->mtx};
  return impl_->log;
}

size_t fake_openai::request_count() const {
  std::lock_guard<std::mutex> guard{impl_->mtx};
  return impl_->log.size();
}

std::vector<std::string> fake_openai::violations() const {
  std::lock_guard<std::mutex> guard{impl_->mtx};
  return impl_->violations;
}

bool fake_openai::wait_for(std::function<bool()> pred,
                           std::chrono::milliseconds timeout) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (int i = 0; i < 1000000; ++i) {
    if (pred()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds{5});
  }
  return false;
}

} // namespace tether::fakes
