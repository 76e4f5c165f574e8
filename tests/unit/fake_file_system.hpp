#pragma once
// An in-memory FileSystem with its own clock, for tests that must not sleep.

#include <map>
#include <string>

#include "pipeline/fs.hpp"

namespace pipeline::test {

class FakeFileSystem final : public FileSystem {
public:
  // Creates or rewrites `path` at the current fake time, then advances the clock.
  void write(const std::string& path, std::uint64_t size = 1) {
    FileStat& st = m_files[path];
    st.kind = FileStat::Kind::file;
    st.mtime_ns = m_now;
    st.size = size;
    st.inode = ++m_next_inode;
    m_now += 1'000'000'000;
  }
  // Sets the mtime of an existing file (like `touch -d`).
  void set_mtime(const std::string& path, std::int64_t mtime_ns) { m_files.at(path).mtime_ns = mtime_ns; }
  void make_unreadable(const std::string& path, int error) {
    FileStat& st = m_files[path];
    st.kind = FileStat::Kind::error;
    st.error = error;
  }

  FileStat stat(const std::string& path) override {
    auto it = m_files.find(path);
    return it == m_files.end() ? FileStat{} : it->second;
  }
  int make_dirs(const std::string&) override { return 0; }
  int remove_file(const std::string& path) override { return m_files.erase(path) ? 0 : 2; }

private:
  std::map<std::string, FileStat> m_files;
  std::int64_t m_now = 1'000'000'000'000'000'000;
  std::uint64_t m_next_inode = 100;
};

}  // namespace pipeline::test
