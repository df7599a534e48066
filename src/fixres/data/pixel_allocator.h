#pragma once
/// The allocator of Image pixels: blocks of image size are recycled through a small per-thread
/// cache instead of going back to malloc, so that a loader worker decoding and transforming one
/// image after another allocates nothing after its first few images. (glibc serves blocks of
/// this size from mmap or trims them back to the kernel when freed: every image then paid a page
/// fault and a zeroed page per 4 KB, a third of the loader's CPU time at 384 px.) Small blocks
/// and very large ones go straight to malloc. Default-constructing an element leaves it
/// uninitialised (Image::uninitialized); Image(h, w) still fills with zeros. Torch-free.

#include <cstddef>
#include <cstdint>
#include <new>
#include <vector>

namespace fixres::data {

namespace pixel_cache {
/// A block of at least `bytes` from this thread's cache, or from malloc. Throws std::bad_alloc.
void* take(std::size_t bytes);
/// Returns a block of `bytes` (as asked of take()) to this thread's cache, or frees it.
void give(void* block, std::size_t bytes) noexcept;
/// Blocks this thread's cache holds (for tests).
std::size_t cached_blocks() noexcept;
}  // namespace pixel_cache

template <class T>
struct PixelAllocator {
  using value_type = T;
  PixelAllocator() = default;
  template <class U>
  PixelAllocator(const PixelAllocator<U>&) noexcept {}
  T* allocate(std::size_t n) { return static_cast<T*>(pixel_cache::take(n * sizeof(T))); }
  void deallocate(T* p, std::size_t n) noexcept { pixel_cache::give(p, n * sizeof(T)); }
  /// Default construction leaves the value uninitialised; any other is a normal construction.
  template <class U>
  void construct(U* p) noexcept {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(static_cast<Args&&>(args)...);
  }
  friend bool operator==(const PixelAllocator&, const PixelAllocator&) { return true; }
  friend bool operator!=(const PixelAllocator&, const PixelAllocator&) { return false; }
};

/// Bytes in recycled storage: Image pixels, a file read whole.
using RecycledBytes = std::vector<std::uint8_t, PixelAllocator<std::uint8_t>>;

}  // namespace fixres::data
