#include "pipeline/util/fd.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace pipeline {

Fd& Fd::operator=(Fd&& other) noexcept {
  if (this != &other) {
    close();
    m_fd = other.release();
  }
  return *this;
}

int Fd::release() noexcept {
  const int fd = m_fd;
  m_fd = -1;
  return fd;
}

bool Fd::close() noexcept {
  if (m_fd < 0) return true;
  // On Linux the descriptor is released even when close() fails (EINTR included),
  // so a retry could close a descriptor another thread has just been given.
  const int result = ::close(release());
  return result == 0;
}

Expected<Fd, int> open_cloexec(const char* path, int flags, mode_t mode) {
  int fd;
  do {
    fd = ::open(path, flags | O_CLOEXEC, mode);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return unexpected(errno);
  return Fd(fd);
}

Expected<FdPipe, int> make_pipe_cloexec() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return unexpected(errno);
  return FdPipe{Fd(fds[0]), Fd(fds[1])};
}

Expected<Fd, int> dup_cloexec(int fd, int min_fd) {
  const int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, min_fd);
  if (copy < 0) return unexpected(errno);
  return Fd(copy);
}

}  // namespace pipeline
