#include "actors/gateway/bot_state.hpp"

#include "actors/gateway/dialect.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>

#include <caf/actor_cast.hpp>
#include <nlohmann/json.hpp>

namespace tether::gateway {

dialect::~dialect() {
  // nop
}

std::unique_ptr<dialect> bot_state::make_dialect() const {
  return dialects_();
}

std::optional<session_info> session_slot::get() const {
  std::lock_guard<std::mutex> guard{mtx_};
  if (session_id_.empty())
    return std::nullopt;
  return session_info{session_id_, seq_.load(std::memory_order_relaxed),
                      resume_url_};
}

void session_slot::set(session_info x) {
  std::lock_guard<std::mutex> guard{mtx_};
  session_id_ = std::move(x.session_id);
  resume_url_ = std::move(x.resume_url);
  seq_.store(x.seq, std::memory_order_relaxed);
}

void session_slot::clear() {
  std::lock_guard<std::mutex> guard{mtx_};
  session_id_.clear();
  resume_url_.clear();
  seq_.store(0, std::memory_order_relaxed);
}

bot_state::bot_state(std::string name, gateway_settings settings,
                     dialect_factory dialects, std::string state_file)
  : name_(std::move(name)),
    settings_(std::move(settings)),
    dialects_(std::move(dialects)),
    state_file_(std::move(state_file)) {
  // nop
}

std::shared_ptr<session_slot> bot_state::slot(uint32_t shard) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto& x = slots_[shard];
  if (!x)
    x = std::make_shared<session_slot>();
  return x;
}

bool bot_state::save(std::string* error) const {
  if (state_file_.empty())
    return true;
  nlohmann::json doc = nlohmann::json::object();
  {
    std::lock_guard<std::mutex> guard{mtx_};
    for (auto& [shard, slot] : slots_)
      if (auto info = slot->get())
        doc[std::to_string(shard)] = {{"session_id", info->session_id},
                                      {"seq", info->seq},
                                      {"resume_url", info->resume_url}};
  }
  std::error_code ec;
  auto path = std::filesystem::path{state_file_};
  if (path.has_parent_path())
    std::filesystem::create_directories(path.parent_path(), ec);
  auto tmp = state_file_ + ".tmp";
  {
    std::ofstream out{tmp, std::ios::trunc};
    out << doc.dump() << '\n';
    if (!out) {
      if (error)
        *error = "cannot write " + tmp;
      return false;
    }
  }
  std::filesystem::rename(tmp, state_file_, ec);
  if (ec) {
    if (error)
      *error = "cannot rename " + tmp + ": " + ec.message();
    return false;
  }
  return true;
}

bool bot_state::save_if_due(std::chrono::steady_clock::time_point now,
                            std::string* error) {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (last_save_ && now - *last_save_ < std::chrono::seconds{1})
      return true;
    last_save_ = now;
  }
  return save(error);
}

bool bot_state::load(std::string* error) {
  if (state_file_.empty())
    return true;
  std::ifstream in{state_file_};
  if (!in)
    return true; // nothing saved yet
  auto doc = nlohmann::json::parse(in, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    if (error)
      *error = state_file_ + ": not a JSON object; ignored";
    return false;
  }
  for (auto& [key, value] : doc.items()) {
    if (!value.is_object())
      continue;
    session_info info;
    info.session_id = value.value("session_id", "");
    info.seq = value.value("seq", int64_t{0});
    info.resume_url = value.value("resume_url", "");
    if (info.session_id.empty())
      continue;
    try {
      slot(static_cast<uint32_t>(std::stoul(key)))->set(std::move(info));
    } catch (std::exception&) {
      // A foreign key: not ours to interpret.
    }
  }
  return true;
}

std::optional<shard_plan> bot_state::plan() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return plan_;
}

void bot_state::plan(shard_plan x) {
  std::lock_guard<std::mutex> guard{mtx_};
  plan_ = std::move(x);
}

std::string bot_state::user_id() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return user_id_;
}

void bot_state::user_id(std::string x) {
  std::lock_guard<std::mutex> guard{mtx_};
  user_id_ = std::move(x);
}

caf::actor bot_state::identify_queue() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return caf::actor_cast<caf::actor>(identify_queue_);
}

void bot_state::identify_queue(caf::actor x) {
  std::lock_guard<std::mutex> guard{mtx_};
  identify_queue_ = x.address();
}

caf::actor bot_state::shards() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return caf::actor_cast<caf::actor>(shards_);
}

void bot_state::shards(caf::actor x) {
  std::lock_guard<std::mutex> guard{mtx_};
  shards_ = x.address();
}

void bot_state::sessions(ws_factory x) {
  std::lock_guard<std::mutex> guard{mtx_};
  sessions_ = std::move(x);
}

bot_state::ws_factory bot_state::sessions() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return sessions_;
}

void bot_state::http(std::shared_ptr<net::http_client> x) {
  std::lock_guard<std::mutex> guard{mtx_};
  http_ = std::move(x);
}

std::shared_ptr<net::http_client> bot_state::http() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return http_;
}

} // namespace tether::gateway
