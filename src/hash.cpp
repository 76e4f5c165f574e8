#include "pipeline/hash.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <cerrno>
#include <new>
#include <vector>

namespace pipeline {

namespace {

constexpr std::size_t k_read_block = 64 * 1024;

Hash128 from_xxh(XXH128_hash_t h) { return Hash128{h.high64, h.low64}; }

struct StateDeleter {
  void operator()(XXH3_state_t* state) const noexcept { XXH3_freeState(state); }
};
using StatePtr = std::unique_ptr<XXH3_state_t, StateDeleter>;

StatePtr new_state() {
  StatePtr state(XXH3_createState());
  if (!state) throw std::bad_alloc();
  XXH3_128bits_reset(state.get());
  return state;
}

// Closes the descriptor on every path out of hash_file.
class FileCloser {
public:
  explicit FileCloser(int fd) : m_fd(fd) {}
  ~FileCloser() { ::close(m_fd); }
  FileCloser(const FileCloser&) = delete;
  FileCloser& operator=(const FileCloser&) = delete;

private:
  int m_fd;
};

void put_u64_le(unsigned char* out, std::uint64_t value) {
  for (int i = 0; i < 8; ++i) out[i] = static_cast<unsigned char>(value >> (8 * i));
}

}  // namespace

std::string Hash128::hex() const { return fmt::format("{:016x}{:016x}", high, low); }

Expected<Hash128, int> hash_file(const std::string& path) {
  int fd;
  do {
    // O_NONBLOCK: opening a FIFO must not wait for a writer. It changes nothing for
    // the regular files that are read below.
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return unexpected(errno);
  FileCloser closer(fd);
  struct stat st;
  if (::fstat(fd, &st) != 0) return unexpected(errno);
  if (S_ISDIR(st.st_mode)) return unexpected(EISDIR);
  if (!S_ISREG(st.st_mode)) return unexpected(EINVAL);
  // A hint only; the hash is right whether or not the kernel takes it.
  (void)::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);

  StatePtr state = new_state();
  std::vector<unsigned char> buffer(k_read_block);
  for (;;) {
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return unexpected(errno);
    }
    if (n == 0) break;
    XXH3_128bits_update(state.get(), buffer.data(), static_cast<std::size_t>(n));
  }
  return from_xxh(XXH3_128bits_digest(state.get()));
}

Hash128 hash_bytes(std::string_view bytes) {
  return from_xxh(XXH3_128bits(bytes.data(), bytes.size()));
}

struct Hasher::State {
  StatePtr xxh = new_state();
};

Hasher::Hasher() : m_state(std::make_unique<State>()) {}
Hasher::~Hasher() = default;
Hasher::Hasher(Hasher&&) noexcept = default;
Hasher& Hasher::operator=(Hasher&&) noexcept = default;

Hasher& Hasher::update(std::string_view bytes) {
  XXH3_128bits_update(m_state->xxh.get(), bytes.data(), bytes.size());
  return *this;
}

Hasher& Hasher::update_field(std::string_view value) {
  update_u64(value.size());
  return update(value);
}

Hasher& Hasher::update_u64(std::uint64_t value) {
  unsigned char bytes[8];
  put_u64_le(bytes, value);
  XXH3_128bits_update(m_state->xxh.get(), bytes, sizeof bytes);
  return *this;
}

Hash128 Hasher::digest() const { return from_xxh(XXH3_128bits_digest(m_state->xxh.get())); }

}  // namespace pipeline
