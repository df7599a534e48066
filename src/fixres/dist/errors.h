#pragma once
/// The dist layer's exceptions (torch-free). Only cli/ turns them into exit codes (1).

#include <stdexcept>

namespace fixres::dist {

/// A wrong or incomplete distributed configuration (names the variable or flag, expected vs got).
class DistConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The rendezvous or a collective failed: master unreachable, a peer rank died, or no answer
/// within the timeout. The message names the operation, this rank and the address or timeout.
class DistributedError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace fixres::dist
