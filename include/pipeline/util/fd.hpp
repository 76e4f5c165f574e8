#pragma once
// Owning file descriptors: every descriptor we open is closed exactly once, on every
// path, and is opened close-on-exec so that children never inherit it.

#include <sys/types.h>

#include "pipeline/util/expected.hpp"

namespace pipeline {

// Owns one file descriptor (or none: -1). Movable, not copyable; closes on destruction.
class Fd {
public:
  Fd() = default;
  // Takes ownership of `fd` (-1: owns nothing).
  explicit Fd(int fd) noexcept : m_fd(fd) {}
  Fd(Fd&& other) noexcept : m_fd(other.release()) {}
  Fd& operator=(Fd&& other) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { close(); }

  // The descriptor, still owned; -1 if none.
  int get() const noexcept { return m_fd; }
  bool valid() const noexcept { return m_fd >= 0; }
  explicit operator bool() const noexcept { return valid(); }
  // Gives up ownership: returns the descriptor (-1 if none), which the caller must
  // close; this Fd then owns nothing.
  int release() noexcept;
  // Closes the descriptor now (a no-op if none). Returns false if close(2) failed
  // (errno is set); the descriptor is gone either way (Linux: never retry a close).
  bool close() noexcept;

private:
  int m_fd = -1;
};

// Both ends of a pipe.
struct FdPipe {
  Fd read;
  Fd write;
};

// open(2) with O_CLOEXEC added. The error is the errno.
Expected<Fd, int> open_cloexec(const char* path, int flags, mode_t mode = 0);
// pipe2(2) with O_CLOEXEC on both ends (blocking). The error is the errno.
Expected<FdPipe, int> make_pipe_cloexec();
// A close-on-exec duplicate of `fd` numbered >= `min_fd` (fcntl F_DUPFD_CLOEXEC).
// The error is the errno.
Expected<Fd, int> dup_cloexec(int fd, int min_fd = 0);

}  // namespace pipeline
