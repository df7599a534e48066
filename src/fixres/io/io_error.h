#pragma once
/// The exception every torch-free reader/writer throws: the message names the file and says what
/// was expected and what was found. The CLI turns it into exit code 1.

#include <stdexcept>
#include <string>

namespace fixres::io {

class IoError : public std::runtime_error {
 public:
  /// "PATH: WHAT"
  IoError(const std::string& path, const std::string& what) : std::runtime_error(path + ": " + what) {}
};

}  // namespace fixres::io
