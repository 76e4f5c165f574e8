#pragma once
// lock: one run at a time per root (SPEC §4): an advisory flock on STATE_DIR/lock,
// which the kernel drops when the holder dies, so a killed run never leaves a stale
// lock. The holder writes its pid into the file so that others can name it.

#include <string>

#include "pipeline/util/fd.hpp"

namespace pipeline {

enum class WaitForLock { no, yes };

class RunLock {
public:
  // Takes the lock on `path`. If another process holds it: with WaitForLock::no
  // throws UserError naming its pid; with ::yes blocks until it is free (saying so
  // once on stderr). Throws UserError if the file cannot be opened.
  static RunLock acquire(const std::string& path, WaitForLock wait);

  RunLock(RunLock&&) = default;
  RunLock& operator=(RunLock&&) = default;
  // Releases the lock (closing the file releases the flock).
  ~RunLock() = default;

private:
  explicit RunLock(Fd fd) : m_fd(std::move(fd)) {}
  Fd m_fd;
};

}  // namespace pipeline
