#pragma once
// hash: XXH3-128 content hashes (method = "hash", SPEC §3 rule 6) and the incremental
// hasher that turns a job's expanded settings into its signature (rule 5).

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "pipeline/util/expected.hpp"

namespace pipeline {

// A 128-bit XXH3 hash. Value-initialised (all zero) means "no hash computed".
struct Hash128 {
  std::uint64_t high = 0;
  std::uint64_t low = 0;
  bool operator==(const Hash128&) const = default;
  // 32 lowercase hex digits, high half first (xxhsum's XXH128 canonical form).
  std::string hex() const;
};

// The XXH3-128 hash of a regular file's content, read in 64 KiB blocks (memory use
// does not grow with the file). The error is an errno: ENOENT when the file is
// missing, EISDIR for a directory, EINVAL for a FIFO or device (never waited on),
// EACCES, EIO, ...
Expected<Hash128, int> hash_file(const std::string& path);

// The XXH3-128 hash of `bytes`; equals hash_file() of a file holding them.
Hash128 hash_bytes(std::string_view bytes);

// Incremental XXH3-128 over a sequence of values. update_field() prefixes each value
// with its length, so that the fields ["ab", "c"] and ["a", "bc"] hash differently;
// a signature should be built from fields only (and update_u64 for counts of lists).
// Movable; a moved-from Hasher may only be assigned to or destroyed.
class Hasher {
public:
  Hasher();
  ~Hasher();
  Hasher(Hasher&&) noexcept;
  Hasher& operator=(Hasher&&) noexcept;
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;

  // Adds raw bytes: update("ab").update("c") equals update("abc").
  Hasher& update(std::string_view bytes);
  // Adds one delimited value: its length (8 bytes, little-endian), then its bytes.
  Hasher& update_field(std::string_view value);
  // Adds a number as 8 little-endian bytes (e.g. the length of a list that follows).
  Hasher& update_u64(std::uint64_t value);
  // The hash of everything added so far; the hasher can go on being updated.
  Hash128 digest() const;

private:
  struct State;
  std::unique_ptr<State> m_state;
};

}  // namespace pipeline
