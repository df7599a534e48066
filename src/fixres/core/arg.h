#pragma once
/// FIXRES_ARG(T, name): LibTorch's TORCH_ARG for the torch-free code (core, io, data headers the
/// CLI compiles against) — a private member `name_` with a chainable setter `name(value)` and a
/// getter `name()`, so that options read as `SgdOptions().lr(0.1).momentum(0.9)` instead of a
/// list of positional values. Write the default after it: `FIXRES_ARG(double, lr) = 0.1;`.

#include <utility>

#define FIXRES_ARG(T, name)                                         \
 public:                                                            \
  inline auto name(const T& new_##name)->decltype(*this) {          \
    this->name##_ = new_##name;                                     \
    return *this;                                                   \
  }                                                                 \
  inline auto name(T&& new_##name)->decltype(*this) {               \
    this->name##_ = std::move(new_##name);                          \
    return *this;                                                   \
  }                                                                 \
  inline const T& name() const noexcept { return this->name##_; }   \
  inline T& name() noexcept { return this->name##_; }               \
                                                                    \
 private:                                                           \
  T name##_ /* NOLINT */
