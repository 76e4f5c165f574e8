#pragma once
// StringIndex: string -> 32-bit index, for the plan's job ids and output paths.
// Open addressing with linear probing in one flat array: at 100,000 jobs a lookup
// costs one or two cache misses instead of the node hops of std::unordered_map
// (measured: a fifth of planning time went to those). Keys are views into strings
// that the owner keeps alive and in place for the index's lifetime.

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <utility>
#include <vector>

namespace pipeline {

class StringIndex {
public:
  // Makes room for `n` keys without growing.
  void reserve(std::size_t n);
  // Adds `key` -> `value` unless `key` is present. Returns the value now stored for
  // `key` and whether it was inserted.
  std::pair<std::uint32_t, bool> emplace(std::string_view key, std::uint32_t value);
  // The value of `key`, if present.
  std::optional<std::uint32_t> find(std::string_view key) const;
  // Starts loading the slot where `key` belongs into the cache, for an emplace() or
  // find() of it a little later. Past a few thousand keys the table outgrows the
  // caches and nearly every emplace() or find() waits for memory; a loop that
  // prefetches a few keys ahead overlaps those waits.
  void prefetch(std::string_view key) const;
  bool contains(std::string_view key) const { return find(key).has_value(); }
  std::size_t count(std::string_view key) const { return contains(key) ? 1 : 0; }
  // The value of `key`; throws std::out_of_range if absent.
  std::uint32_t at(std::string_view key) const {
    if (auto v = find(key)) return *v;
    throw std::out_of_range("StringIndex::at");
  }
  std::size_t size() const { return m_size; }

private:
  struct Slot {
    const char* data = nullptr;  // nullptr: empty
    std::uint32_t length = 0;
    std::uint32_t value = 0;
    std::uint64_t hash = 0;
  };
  static std::uint64_t hash_of(std::string_view key);
  void grow(std::size_t capacity);

  std::vector<Slot> m_slots;  // size is a power of two, at most half full
  std::size_t m_size = 0;
};

}  // namespace pipeline
