#pragma once
// stat_read_ahead: the stamps of many files read ahead on worker threads.
//
// A no-op check of 100,000 jobs is mostly 200,000 stat() calls: ~250 ms on one core,
// all of it in the kernel, and independent of each other. Worker threads read them
// in the order the checks will ask for them, so the checking thread mostly finds each
// stamp ready (or waits for the chunk holding it) and two cores share the work.
//
// A stamp read ahead is as old as the read. The caller decides when that is good
// enough (freshness: while no job a job depends on has run in this run).
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "pipeline/fs.hpp"

namespace pipeline {

class StatReadAhead {
public:
  // Starts `threads` workers reading the stat of every path of `paths` (pointers to
  // strings that must outlive this object), in order. `fs` must be safe to stat from
  // several threads at once (the real file system is). With threads == 0 nothing is
  // read ahead and stat() reads each path when asked.
  StatReadAhead(FileSystem& fs, std::vector<const std::string*> paths, unsigned threads);
  // Stops the workers (each finishes its chunk) and joins them.
  ~StatReadAhead();
  StatReadAhead(const StatReadAhead&) = delete;
  StatReadAhead& operator=(const StatReadAhead&) = delete;

  // The stat of paths[i]: as the workers read it, waiting for it if they are about
  // to (never busy: a futex wait on the chunk).
  FileStat stat(std::size_t i);
  std::size_t size() const { return m_paths.size(); }

  // How many threads a read-ahead of `paths` paths should use: none for a few
  // thousand (starting threads costs more than it saves), else one per CPU, at most 4.
  static unsigned threads_for(std::size_t paths);

private:
  static constexpr std::size_t k_chunk = 256;  // paths a worker claims at a time
  enum ChunkState : std::uint32_t { unclaimed = 0, claimed = 1, done = 2 };

  void work();
  void read_chunk(std::size_t c);

  FileSystem& m_fs;
  std::vector<const std::string*> m_paths;
  std::vector<FileStat> m_stats;
  std::unique_ptr<std::atomic<std::uint32_t>[]> m_chunk_state;
  std::size_t m_chunks = 0;
  std::atomic<std::size_t> m_next_chunk{0};
  std::atomic<bool> m_stop{false};
  std::vector<std::thread> m_workers;
};

}  // namespace pipeline
