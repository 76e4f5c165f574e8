#pragma once
// An in-memory FileSystem with its own clock, for tests that must not sleep.

#include <algorithm>
#include <map>
#include <string>
#include <vector>

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
  void set_mtime(const std::string& path, std::int64_t mtime_ns) {
    m_files.at(path).mtime_ns = mtime_ns;
  }
  void make_unreadable(const std::string& path, int error) {
    FileStat& st = m_files[path];
    st.kind = FileStat::Kind::error;
    st.error = error;
  }

  // A path that is the parent of a written file is a directory.
  FileStat stat(const std::string& path) override {
    auto it = m_files.find(path);
    if (it != m_files.end()) return it->second;
    auto below = m_files.lower_bound(path + "/");
    if (below != m_files.end() && below->first.starts_with(path + "/"))
      return FileStat{FileStat::Kind::directory, 0, 0, 0, 0};
    return FileStat{};
  }
  int make_dirs(const std::string&) override { return 0; }
  int remove_file(const std::string& path) override { return m_files.erase(path) ? 0 : 2; }
  // The files written under `dir` (directories exist only through their files).
  std::vector<std::string> list_files(const std::string& dir,
                                      const std::vector<std::string>& skip) override {
    std::vector<std::string> out;
    const std::string prefix = dir == "." ? std::string() : dir + "/";
    for (const auto& [path, st] : m_files) {
      if (path.compare(0, prefix.size(), prefix) != 0) continue;
      bool skipped = false;
      for (std::size_t slash = path.find('/'); slash != std::string::npos;
           slash = path.find('/', slash + 1)) {
        std::string parent = path.substr(0, slash);
        std::string_view last = std::string_view(parent).substr(parent.rfind('/') + 1);
        if (last == ".git" || std::find(skip.begin(), skip.end(), parent) != skip.end())
          skipped = true;
      }
      if (!skipped) out.push_back(path);
    }
    return out;  // std::map keeps them sorted
  }

private:
  std::map<std::string, FileStat> m_files;
  std::int64_t m_now = 1'000'000'000'000'000'000;
  std::uint64_t m_next_inode = 100;
};

}  // namespace pipeline::test
