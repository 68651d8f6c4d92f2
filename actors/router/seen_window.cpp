#include "actors/router/seen_window.hpp"

namespace tether {

bool seen_window::insert(const std::string& key) {
  if (capacity_ == 0)
    return true;
  if (!keys_.insert(key).second)
    return false;
  order_.push_back(key);
  if (order_.size() > capacity_) {
    keys_.erase(order_.front());
    order_.pop_front();
  }
  return true;
}

} // namespace tether
