#pragma once
/// What a person reads of an error: LibTorch's c10::Error carries the C++ backtrace of where it
/// was raised ("Exception raised from … frame #0: …") in what(); users get the message only.
/// FIXRES_DEBUG=1 in the environment keeps the backtrace, for bug reports.

#include <exception>
#include <string>

namespace fixres::models {

/// `e`'s message, without c10's backtrace (unless FIXRES_DEBUG=1).
std::string error_text(const std::exception& e);

}  // namespace fixres::models
