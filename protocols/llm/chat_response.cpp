#include "protocols/llm/chat_response.hpp"

#include <nlohmann/json.hpp>

namespace tether::llm {

namespace {

using json = nlohmann::json;

std::string text_of(const json& x) {
  if (x.is_string()) return x.get<std::string>();
  if (x.is_number_integer()) return std::to_string(x.get<int64_t>());
  if (x.is_null()) return {};
  return x.dump();
}

} // namespace

chat_answer parse_chat_response(std::string_view body) {
  chat_answer out;
  auto doc = json::parse(body.begin(), body.end(), nullptr, false);
  if (doc.is_discarded()) {
    out.problem = body.empty() ? "empty body" : "malformed JSON";
    return out;
  }
  if (!doc.is_object()) {
    out.problem = "expected a JSON object";
    return out;
  }
  if (auto i = doc.find("error"); i != doc.end() && !i->is_null()) {
    api_error err;
    if (i->is_object()) {
      err.message = text_of(i->value("message", json{}));
      err.type = text_of(i->value("type", json{}));
      err.code = text_of(i->value("code", json{}));
    } else {
      // Some servers send {"error": "text"}.
      err.message = text_of(*i);
    }
    out.error = std::move(err);
    return out;
  }
  auto choices = doc.find("choices");
  if (choices == doc.end() || !choices->is_array() || choices->empty()
      || !(*choices)[0].is_object()) {
    out.problem = "no choices[0] in the response";
    return out;
  }
  auto& first = (*choices)[0];
  auto msg = first.find("message");
  if (msg == first.end() || !msg->is_object()) {
    out.problem = "no choices[0].message in the response";
    return out;
  }
  auto content = msg->find("content");
  if (content == msg->end() || content->is_null()) {
    out.content = std::string{};
  } else if (content->is_string()) {
    out.content = content->get<std::string>();
  } else if (content->is_array()) {
    std::string text;
    for (auto& part : *content)
      if (part.is_object() && part.value("type", "") == "text")
        text += text_of(part.value("text", json{}));
    out.content = std::move(text);
  } else {
    out.problem = "choices[0].message.content is neither text nor parts";
  }
  return out;
}

std::string describe(const api_error& err) {
  std::string out = err.message.empty() ? "(no message)" : err.message;
  std::string extra;
  if (!err.type.empty()) extra = "type " + err.type;
  if (!err.code.empty())
    extra += (extra.empty() ? "code " : ", code ") + err.code;
  if (!extra.empty()) out += " (" + extra + ")";
  return out;
}

} // namespace tether::llm
