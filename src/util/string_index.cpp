#include "pipeline/util/string_index.hpp"

#include <xxhash.h>

#include <cstring>

namespace pipeline {

std::uint64_t StringIndex::hash_of(std::string_view key) {
  return XXH3_64bits(key.data(), key.size());
}

void StringIndex::reserve(std::size_t n) {
  std::size_t capacity = 16;
  while (capacity < 2 * n) capacity *= 2;
  if (capacity > m_slots.size()) grow(capacity);
}

void StringIndex::grow(std::size_t capacity) {
  std::vector<Slot> old = std::move(m_slots);
  m_slots.assign(capacity, Slot{});
  const std::size_t mask = capacity - 1;
  for (const Slot& s : old) {
    if (!s.data) continue;
    std::size_t i = s.hash & mask;
    while (m_slots[i].data) i = (i + 1) & mask;
    m_slots[i] = s;
  }
}

std::pair<std::uint32_t, bool> StringIndex::emplace(std::string_view key, std::uint32_t value) {
  if (2 * (m_size + 1) > m_slots.size()) grow(m_slots.empty() ? 16 : 2 * m_slots.size());
  const std::uint64_t h = hash_of(key);
  const std::size_t mask = m_slots.size() - 1;
  // An empty key still needs a non-null pointer to mark the slot used.
  const char* data = key.data() ? key.data() : "";
  for (std::size_t i = h & mask;; i = (i + 1) & mask) {
    Slot& s = m_slots[i];
    if (!s.data) {
      s = Slot{data, std::uint32_t(key.size()), value, h};
      ++m_size;
      return {value, true};
    }
    if (s.hash == h && s.length == key.size() && std::memcmp(s.data, key.data(), key.size()) == 0)
      return {s.value, false};
  }
}

void StringIndex::prefetch(std::string_view key) const {
  if (m_slots.empty()) return;
  __builtin_prefetch(&m_slots[hash_of(key) & (m_slots.size() - 1)]);
}

std::optional<std::uint32_t> StringIndex::find(std::string_view key) const {
  if (m_slots.empty()) return std::nullopt;
  const std::uint64_t h = hash_of(key);
  const std::size_t mask = m_slots.size() - 1;
  for (std::size_t i = h & mask;; i = (i + 1) & mask) {
    const Slot& s = m_slots[i];
    if (!s.data) return std::nullopt;
    if (s.hash == h && s.length == key.size() && std::memcmp(s.data, key.data(), key.size()) == 0)
      return s.value;
  }
}

}  // namespace pipeline
