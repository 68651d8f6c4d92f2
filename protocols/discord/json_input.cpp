#include "protocols/discord/json_input.hpp"

#include <cstring>

namespace tether::discord::detail {

struct json_input::scratch {
  simdjson::ondemand::parser parser;
  simdjson::dom::parser dom_parser;
  std::string buf;
  // Set while a document is live; a nested json_input (a parser called
  // from inside another) then falls back to a private scratch.
  bool busy = false;
};

namespace {

thread_local json_input::scratch tls_scratch;

} // namespace

json_input::json_input(std::string_view json) : size_(json.size()) {
  if (json.size() <= max_cached && !tls_scratch.busy) {
    scratch_ = &tls_scratch;
  } else {
    owned_ = std::make_unique<scratch>();
    scratch_ = owned_.get();
  }
  scratch_->busy = true;
  auto& buf = scratch_->buf;
  buf.resize(json.size() + simdjson::SIMDJSON_PADDING);
  if (!json.empty()) std::memcpy(buf.data(), json.data(), json.size());
  std::memset(buf.data() + json.size(), 0, simdjson::SIMDJSON_PADDING);
}

json_input::~json_input() {
  scratch_->busy = false;
}

simdjson::simdjson_result<simdjson::ondemand::document> json_input::iterate() {
  return scratch_->parser.iterate(scratch_->buf.data(), size_,
                                  scratch_->buf.size());
}

simdjson::simdjson_result<simdjson::dom::element> json_input::parse() {
  return scratch_->dom_parser.parse(scratch_->buf.data(), size_, false);
}

bool at_end(simdjson::ondemand::document& doc) {
  // current_location() fails with OUT_OF_BOUNDS once every token was read.
  return doc.current_location().error() == simdjson::OUT_OF_BOUNDS;
}

bool is_null(simdjson::ondemand::value& v) {
  simdjson::ondemand::json_type t;
  return !v.type().get(t) && t == simdjson::ondemand::json_type::null;
}

bool read_string(simdjson::ondemand::value& v, std::string_view& out) {
  return !v.get_string().get(out);
}

bool read_string(simdjson::ondemand::value& v, std::string& out) {
  std::string_view sv;
  if (v.get_string().get(sv)) return false;
  out.assign(sv.data(), sv.size());
  return true;
}

std::string_view trim(std::string_view x) {
  auto blank = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
  };
  while (!x.empty() && blank(x.front()))
    x.remove_prefix(1);
  while (!x.empty() && blank(x.back()))
    x.remove_suffix(1);
  return x;
}

} // namespace tether::discord::detail
