#pragma once
/// An exclusive lock on a run folder, so that two runs never write the same checkpoints: an
/// flock() on FOLDER/.fixres.lock (which holds the owner's process id), held for the object's
/// lifetime and released by the kernel when the process ends however it ends (kill -9 included),
/// so a stale file never blocks the next run.

#include <string>

namespace fixres::io {

class FolderLock {
 public:
  /// Locks `folder` (which must exist). Throws IoError naming the folder and the process that
  /// holds it when another process does, or when the lock file cannot be created.
  explicit FolderLock(const std::string& folder);
  ~FolderLock();
  FolderLock(const FolderLock&) = delete;
  FolderLock& operator=(const FolderLock&) = delete;

  /// FOLDER/.fixres.lock
  static std::string path_in(const std::string& folder);

 private:
  int fd_ = -1;
};

}  // namespace fixres::io
