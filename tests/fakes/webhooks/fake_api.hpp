// A fake of the REST APIs the webhook platforms send through: Feishu
// (tenant_access_token, im/v1/messages), WeChat Official Accounts
// (cgi-bin/token, message/custom/send), WeCom (gettoken, message/send) and
// Discord's interaction follow-ups (/webhooks/{application_id}/{token}).
// Plain Asio/Beast on 127.0.0.1, one thread per connection; no CAF.
//
// Tokens: Feishu `t-fake-feishu`, WeChat `fake-wechat-token`, WeCom
// `fake-wecom-token`. A send with another token gets the platform's
// "invalid token" answer. Every request is recorded.

#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace tether::fakes {

struct api_request {
  std::string method;
  std::string target;
  std::string authorization;
  std::string body;
};

class fake_api {
public:
  fake_api();
  ~fake_api();

  fake_api(const fake_api&) = delete;
  fake_api& operator=(const fake_api&) = delete;

  /// `http://127.0.0.1:PORT`.
  std::string base() const;

  /// Every request so far, in arrival order. Thread-safe.
  std::vector<api_request> requests() const;

  /// Requests whose target starts with `prefix`.
  std::vector<api_request> requests(const std::string& prefix) const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace tether::fakes
