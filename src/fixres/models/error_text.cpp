#include "fixres/models/error_text.h"

#include <c10/util/Exception.h>

#include <cstdlib>
#include <cstring>

namespace fixres::models {

std::string error_text(const std::exception& e) {
  const auto* c10_error = dynamic_cast<const c10::Error*>(&e);
  if (c10_error == nullptr) return e.what();
  const char* debug = std::getenv("FIXRES_DEBUG");
  if (debug != nullptr && std::strcmp(debug, "1") == 0) return c10_error->what();
  return c10_error->what_without_backtrace();
}

}  // namespace fixres::models
