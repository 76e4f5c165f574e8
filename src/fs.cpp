#include "pipeline/fs.hpp"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
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
    std::vector<std::string> files;
    const std::string start = normalize_path(dir);
    // An explicit stack instead of recursion: trees may be deep.
    std::vector<std::string> pending{start};
    while (!pending.empty()) {
      std::string current = std::move(pending.back());
      pending.pop_back();
      DIR* d = ::opendir(current.c_str());
      if (!d) continue;
      const std::string prefix = current == "." ? std::string() : current + "/";
      while (const dirent* entry = ::readdir(d)) {
        std::string_view name = entry->d_name;
        if (name == "." || name == "..") continue;
        std::string path = prefix;
        path += name;
        unsigned char type = entry->d_type;
        if (type == DT_UNKNOWN) {
          struct ::stat st {};
          if (::lstat(path.c_str(), &st) != 0) continue;
          type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISLNK(st.st_mode) ? DT_LNK : DT_REG;
        }
        if (type == DT_LNK) {
          // A link to a directory is not entered (no cycles); a dangling link is
          // not a file that exists.
          struct ::stat st {};
          if (::stat(path.c_str(), &st) != 0 || S_ISDIR(st.st_mode)) continue;
          type = DT_REG;
        }
        if (type == DT_DIR) {
          if (name == ".git" || std::find(skip.begin(), skip.end(), path) != skip.end()) continue;
          pending.push_back(std::move(path));
        } else {
          files.push_back(std::move(path));
        }
      }
      ::closedir(d);
    }
    std::sort(files.begin(), files.end());
    return files;
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
