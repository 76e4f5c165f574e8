#include "pipeline/lock.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "pipeline/error.hpp"

namespace pipeline {
namespace {

std::string holder_pid(int fd) {
  char buf[32] = {};
  ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
  std::string pid(buf, n > 0 ? std::size_t(n) : 0);
  while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
  return pid.empty() ? "unknown" : pid;
}

}  // namespace

RunLock RunLock::acquire(const std::string& path, WaitForLock wait) {
  auto fd = open_cloexec(path.c_str(), O_RDWR | O_CREAT, 0666);
  if (!fd)
    throw UserError(
        fmt::format("cannot open the lock file {}: {}", path, std::strerror(fd.error())));
  if (::flock(fd->get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK)
      throw UserError(fmt::format("cannot lock {}: {}", path, std::strerror(errno)));
    std::string pid = holder_pid(fd->get());
    if (wait == WaitForLock::no)
      throw UserError(fmt::format("another pipeline run (pid {}) holds {}", pid, path),
                      "wait for it with --wait-lock");
    fmt::print(stderr, "pipeline: waiting for the run of pid {} to finish ({})\n", pid, path);
    while (::flock(fd->get(), LOCK_EX) != 0) {
      if (errno != EINTR)
        throw UserError(fmt::format("cannot lock {}: {}", path, std::strerror(errno)));
    }
  }
  std::string pid = fmt::format("{}\n", ::getpid());
  if (::ftruncate(fd->get(), 0) == 0) {
    [[maybe_unused]] ssize_t n = ::pwrite(fd->get(), pid.data(), pid.size(), 0);
  }
  return RunLock(std::move(*fd));
}

}  // namespace pipeline
