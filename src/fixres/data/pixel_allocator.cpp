#include "fixres/data/pixel_allocator.h"

#include <cstdlib>

namespace fixres::data::pixel_cache {
namespace {

// Blocks below kMinBytes are malloc's business (it keeps them without system calls); above
// kMaxBytes (a 4,000 x 2,700 image) they are rare enough to allocate each time.
constexpr std::size_t kMinBytes = 64 * 1024;
constexpr std::size_t kMaxBytes = 32 * 1024 * 1024;
constexpr int kSlots = 8;                                // blocks kept per thread
constexpr std::size_t kMaxCachedBytes = 96 * 1024 * 1024;  // bytes kept per thread

struct Block {
  void* data = nullptr;
  std::size_t capacity = 0;
};

// Rounds up to a multiple of 1/8 of the next lower power of two, so that a block serves images
// up to 12.5% larger than the one it was made for.
std::size_t rounded(std::size_t bytes) {
  std::size_t power = kMinBytes;
  while (power * 2 <= bytes) power *= 2;
  const std::size_t step = power / 8;
  return (bytes + step - 1) / step * step;
}

// The thread's cache lives from its first use to the thread's end; a block given back after
// that (an Image with static storage duration, destroyed after the main thread's thread-locals)
// is freed. `dead` is trivially destructible, so it is readable to the very end.
thread_local bool dead = false;

struct Cache {
  Block blocks[kSlots];
  std::size_t bytes = 0;
  ~Cache() {
    for (Block& b : blocks) std::free(b.data);
    dead = true;
  }
};

Cache* cache() {
  if (dead) return nullptr;
  thread_local Cache c;
  return &c;
}

void* allocate_or_throw(std::size_t bytes) {
  if (void* p = std::malloc(bytes == 0 ? 1 : bytes)) return p;
  throw std::bad_alloc();
}

// A request in the cached range was rounded up when allocated: a block's capacity is at least
// rounded(bytes) for the bytes it was asked for.
bool cached_size(std::size_t bytes) { return bytes >= kMinBytes && bytes <= kMaxBytes; }

}  // namespace

void* take(std::size_t bytes) {
  Cache* c = cached_size(bytes) ? cache() : nullptr;
  if (!c) return allocate_or_throw(bytes);
  const std::size_t want = rounded(bytes);
  // The smallest cached block that holds the request, if not more than twice its size. It
  // comes back through give() with the request's size: its capacity is then under-counted, which
  // is safe.
  Block* best = nullptr;
  for (Block& b : c->blocks) {
    if (b.data && b.capacity >= want && b.capacity <= 2 * want && (!best || b.capacity < best->capacity)) best = &b;
  }
  if (!best) return allocate_or_throw(want);
  void* p = best->data;
  c->bytes -= best->capacity;
  *best = Block{};
  return p;
}

void give(void* block, std::size_t bytes) noexcept {
  if (!block) return;
  Cache* c = cached_size(bytes) ? cache() : nullptr;
  if (!c) {
    std::free(block);
    return;
  }
  const std::size_t capacity = rounded(bytes);
  Block* slot = nullptr;
  for (Block& b : c->blocks) {
    if (!b.data) {
      slot = &b;
      break;
    }
  }
  if (!slot || c->bytes + capacity > kMaxCachedBytes) {
    // Full: the new block replaces the smallest cached one if it is larger (large images cost
    // the most to fault in), else it is freed.
    Block* smallest = nullptr;
    for (Block& b : c->blocks) {
      if (b.data && (!smallest || b.capacity < smallest->capacity)) smallest = &b;
    }
    if (!smallest || smallest->capacity >= capacity || c->bytes - smallest->capacity + capacity > kMaxCachedBytes) {
      std::free(block);
      return;
    }
    std::free(smallest->data);
    c->bytes -= smallest->capacity;
    *smallest = Block{};
    slot = smallest;
  }
  *slot = Block{block, capacity};
  c->bytes += capacity;
}

std::size_t cached_blocks() noexcept {
  const Cache* c = cache();
  std::size_t n = 0;
  if (c) {
    for (const Block& b : c->blocks) n += b.data != nullptr;
  }
  return n;
}

}  // namespace fixres::data::pixel_cache
