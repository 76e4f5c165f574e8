#include "pipeline/stat_read_ahead.hpp"

#include <algorithm>

namespace pipeline {

StatReadAhead::StatReadAhead(FileSystem& fs, std::vector<const std::string*> paths,
                             unsigned threads)
    : m_fs(fs), m_paths(std::move(paths)) {
  if (threads == 0) return;
  m_stats.resize(m_paths.size());
  m_chunks = (m_paths.size() + k_chunk - 1) / k_chunk;
  m_chunk_state = std::make_unique<std::atomic<std::uint32_t>[]>(m_chunks);
  for (std::size_t c = 0; c < m_chunks; ++c)
    m_chunk_state[c].store(unclaimed, std::memory_order_relaxed);
  m_workers.reserve(threads);
  for (unsigned t = 0; t < threads; ++t) m_workers.emplace_back([this] { work(); });
}

StatReadAhead::~StatReadAhead() {
  m_stop.store(true, std::memory_order_relaxed);
  for (std::thread& worker : m_workers) worker.join();
}

unsigned StatReadAhead::threads_for(std::size_t paths) {
  if (paths < 4096) return 0;
  return std::clamp(std::thread::hardware_concurrency(), 1u, 4u);
}

void StatReadAhead::work() {
  while (!m_stop.load(std::memory_order_relaxed)) {
    const std::size_t c = m_next_chunk.fetch_add(1, std::memory_order_relaxed);
    if (c >= m_chunks) return;
    std::uint32_t expected = unclaimed;
    // The checking thread may have claimed it to read itself (see stat()).
    if (m_chunk_state[c].compare_exchange_strong(expected, claimed, std::memory_order_acquire))
      read_chunk(c);
  }
}

void StatReadAhead::read_chunk(std::size_t c) {
  const std::size_t end = std::min(m_paths.size(), (c + 1) * k_chunk);
  for (std::size_t i = c * k_chunk; i < end; ++i) m_stats[i] = m_fs.stat(*m_paths[i]);
  m_chunk_state[c].store(done, std::memory_order_release);
  m_chunk_state[c].notify_all();
}

FileStat StatReadAhead::stat(std::size_t i) {
  if (m_workers.empty()) return m_fs.stat(*m_paths[i]);
  const std::size_t c = i / k_chunk;
  std::uint32_t state = m_chunk_state[c].load(std::memory_order_acquire);
  if (state == unclaimed) {
    // The workers are behind (or stopped): read this chunk here rather than wait.
    std::uint32_t expected = unclaimed;
    if (m_chunk_state[c].compare_exchange_strong(expected, claimed, std::memory_order_acquire)) {
      read_chunk(c);
      return m_stats[i];
    }
    state = expected;
  }
  while (state != done) {
    m_chunk_state[c].wait(state, std::memory_order_acquire);
    state = m_chunk_state[c].load(std::memory_order_acquire);
  }
  return m_stats[i];
}

}  // namespace pipeline
