// One libFuzzer program per reader: FIXRES_FUZZ_TARGET (a compile definition, one program per
// name in tools/fuzz/CMakeLists.txt) picks its row of the target tables. A refused input is the
// reader's documented behaviour; anything escaping feed() (a Violation, std::bad_alloc, another
// exception) aborts, and libFuzzer reports it with the input.

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "fuzz/data_targets.h"
#include "fuzz/io_targets.h"

namespace {

const fixres::fuzz::Target& this_target() {
  static const fixres::fuzz::Target target = [] {
    std::vector<fixres::fuzz::Target> all = fixres::fuzz::io_targets();
    for (auto& t : fixres::fuzz::data_targets()) all.push_back(std::move(t));
    for (auto& t : all) {
      if (std::strcmp(t.name, FIXRES_FUZZ_TARGET) == 0) return std::move(t);
    }
    std::fprintf(stderr, "fuzz target '%s' is in no target table (io_targets.h, data_targets.h)\n", FIXRES_FUZZ_TARGET);
    std::abort();
  }();
  return target;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  this_target().feed(data, size);
  return 0;
}
