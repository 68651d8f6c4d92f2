// A fresh directory under the system temp dir, removed with everything in
// it when the object goes away.

#pragma once

#include <filesystem>
#include <string>

#include <stdlib.h>

namespace tether::test {

class temp_dir {
public:
  explicit temp_dir(const std::string& prefix = "tether-test") {
    auto pattern = (std::filesystem::temp_directory_path()
                    / (prefix + "-XXXXXX"))
                     .string();
    if (::mkdtemp(pattern.data()) != nullptr)
      path_ = pattern;
  }

  ~temp_dir() {
    std::error_code ec;
    if (!path_.empty())
      std::filesystem::remove_all(path_, ec);
  }

  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  /// Empty when the directory could not be made.
  const std::string& path() const {
    return path_;
  }

private:
  std::string path_;
};

} // namespace tether::test
