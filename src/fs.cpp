#include "pipeline/fs.hpp"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <vector>

namespace pipeline {
namespace {

class RealFileSystem final : public FileSystem {
public:
  FileStat stat(const std::string& path) override {
    struct ::stat st {};
    FileStat result;
    if (::stat(path.c_str(), &st) != 0) {
      if (errno == ENOENT || errno == ENOTDIR) return result;
      result.kind = FileStat::Kind::error;
      result.error = errno;
      return result;
    }
    result.kind = S_ISDIR(st.st_mode) ? FileStat::Kind::directory : FileStat::Kind::file;
    result.mtime_ns = std::int64_t(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
    result.size = std::uint64_t(st.st_size);
    result.inode = std::uint64_t(st.st_ino);
    return result;
  }

  int make_dirs(const std::string& dir) override {
    if (dir.empty() || dir == ".") return 0;
    if (::mkdir(dir.c_str(), 0777) == 0 || errno == EEXIST) return 0;
    if (errno != ENOENT) return errno;
    std::string_view parent = parent_dir(dir);
    if (!parent.empty() && parent != dir) {
      if (int err = make_dirs(std::string(parent)); err != 0) return err;
    }
    if (::mkdir(dir.c_str(), 0777) == 0 || errno == EEXIST) return 0;
    return errno;
  }

  int remove_file(const std::string& path) override {
    return ::unlink(path.c_str()) == 0 ? 0 : errno;
  }

  std::vector<std::string> list_files(const std::string& dir,
                                      const std::vector<std::string>& skip) override {
    // A depth-first walk that visits each directory's entries in the order of their
    // sort keys (sorted_entries) lists the paths already sorted bytewise: the paths
    // are never sorted as a whole, only the names within each directory.
    struct Frame {
      std::string prefix;             // "dir/", or "" for the root
      std::vector<std::string> keys;  // sorted_entries() of the directory
      std::size_t next = 0;
    };
    std::vector<std::string> files;
    // An explicit stack instead of recursion: trees may be deep.
    std::vector<Frame> stack;
    auto enter = [&](const std::string& path) {
      std::string prefix = path == "." ? std::string() : path + "/";
      std::vector<std::string> keys = sorted_entries(path, prefix, skip);
      stack.push_back(Frame{std::move(prefix), std::move(keys), 0});
    };
    enter(normalize_path(dir));
    while (!stack.empty()) {
      Frame& frame = stack.back();
      if (frame.next == frame.keys.size()) {
        stack.pop_back();
        continue;
      }
      const std::string& key = frame.keys[frame.next++];
      std::string path = frame.prefix + key;
      if (key.back() == '/') {
        path.pop_back();
        enter(path);  // invalidates `frame`
      } else {
        files.push_back(std::move(path));
      }
    }
    return files;
  }

private:
  // The sort keys of the entries of directory `path` (`prefix` is "path/", or "" for
  // the root) that list_files lists or enters: a file's name, or a directory's name
  // with a '/' after it, sorted bytewise. A path under the directory compares with
  // another as their keys do ("a.txt" < "a/" < "a0"), since no name holds a '/'.
  // Empty if the directory cannot be read.
  static std::vector<std::string> sorted_entries(const std::string& path,
                                                 const std::string& prefix,
                                                 const std::vector<std::string>& skip) {
    std::vector<std::string> keys;
    DIR* d = ::opendir(path.c_str());
    if (!d) return keys;
    while (const dirent* entry = ::readdir(d)) {
      std::string_view name = entry->d_name;
      if (name == "." || name == "..") continue;
      unsigned char type = entry->d_type;
      if (type == DT_UNKNOWN || type == DT_LNK) {
        const std::string entry_path = prefix + std::string(name);
        struct ::stat st {};
        if (type == DT_UNKNOWN) {
          if (::lstat(entry_path.c_str(), &st) != 0) continue;
          type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISLNK(st.st_mode) ? DT_LNK : DT_REG;
        }
        if (type == DT_LNK) {
          // A link to a directory is not entered (no cycles); a dangling link is
          // not a file that exists.
          if (::stat(entry_path.c_str(), &st) != 0 || S_ISDIR(st.st_mode)) continue;
          type = DT_REG;
        }
      }
      if (type == DT_DIR) {
        if (name == ".git" ||
            std::find(skip.begin(), skip.end(), prefix + std::string(name)) != skip.end())
          continue;
        keys.emplace_back(name).push_back('/');
      } else {
        keys.emplace_back(name);
      }
    }
    ::closedir(d);
    sort_bytewise(keys);
    return keys;
  }

  // Sorts `names` bytewise. The names of a large directory mostly differ in their
  // first 8 bytes, so those are compared first as one big-endian integer (padded
  // with NULs, which no name holds, so a shorter name still sorts first), and
  // memcmp runs only on ties (measured on a directory of 100,000 files: list_files
  // 163 -> 74 M instructions).
  static void sort_bytewise(std::vector<std::string>& names) {
    struct Key {
      std::uint64_t head;  // the first 8 bytes, big-endian
      std::uint32_t index;
    };
    std::vector<Key> keys(names.size());
    for (std::uint32_t i = 0; i < names.size(); ++i) {
      std::uint64_t head = 0;
      for (std::size_t b = 0; b < 8; ++b)
        head = head << 8 | (b < names[i].size() ? static_cast<unsigned char>(names[i][b]) : 0);
      keys[i] = Key{head, i};
    }
    std::sort(keys.begin(), keys.end(), [&](const Key& a, const Key& b) {
      if (a.head != b.head) return a.head < b.head;
      return names[a.index] < names[b.index];
    });
    std::vector<std::string> sorted;
    sorted.reserve(names.size());
    for (const Key& key : keys) sorted.push_back(std::move(names[key.index]));
    names = std::move(sorted);
  }
};

}  // namespace

FileSystem& real_file_system() {
  static RealFileSystem fs;
  return fs;
}

std::string normalize_path(std::string_view path) {
  const bool absolute = !path.empty() && path.front() == '/';
  std::vector<std::string_view> parts;
  std::size_t i = 0;
  while (i <= path.size()) {
    std::size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    std::string_view part = path.substr(i, j - i);
    if (part.empty() || part == ".") {
      // skip
    } else if (part == ".." && !parts.empty() && parts.back() != "..") {
      parts.pop_back();
    } else if (part == ".." && absolute) {
      // "/.." is "/"
    } else {
      parts.push_back(part);
    }
    i = j + 1;
  }
  std::string out;
  out.reserve(path.size() + 1);
  if (absolute) out.push_back('/');
  for (std::size_t k = 0; k < parts.size(); ++k) {
    if (k) out.push_back('/');
    out.append(parts[k].data(), parts[k].size());
  }
  if (out.empty()) out.push_back('.');
  return out;
}

std::string_view parent_dir(std::string_view path) {
  std::size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return {};
  if (slash == 0) return path.substr(0, 1);
  return path.substr(0, slash);
}

}  // namespace pipeline
