#pragma once
// fs: the seam where the file system enters. The real implementation calls the OS;
// tests use an in-memory fake with its own clock, so freshness tests never sleep.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pipeline {

// What stat() found. "Missing" (the path does not exist) is kept apart from
// "error" (it may exist, but we could not look: EACCES, EIO, ...).
struct FileStat {
  enum class Kind { missing, error, file, directory };
  Kind kind = Kind::missing;
  std::int64_t mtime_ns = 0;
  std::uint64_t size = 0;
  std::uint64_t inode = 0;
  int error = 0;  // errno when kind == error
  bool exists() const { return kind == Kind::file || kind == Kind::directory; }
};

class FileSystem {
public:
  virtual ~FileSystem() = default;
  // The stat of `path` (relative to the current directory, which is the root).
  virtual FileStat stat(const std::string& path) = 0;
  // Creates `dir` and its parents; returns 0 or an errno.
  virtual int make_dirs(const std::string& dir) = 0;
  // Removes a file; returns 0, or an errno (ENOENT when it was missing).
  virtual int remove_file(const std::string& path) = 0;
  // Every file (anything but a directory) under the directory `dir` ("." for the
  // root), recursively, as normalised paths relative to the root ("dir/a/b.txt";
  // under ".", "a/b.txt"), sorted bytewise. Directories named ".git", and those
  // whose normalised path is in `skip`, are not entered, nor symbolic links to
  // directories. A missing `dir` gives an empty list; directories that cannot be
  // read are left out.
  virtual std::vector<std::string> list_files(const std::string& dir,
                                              const std::vector<std::string>& skip) = 0;
};

// The real file system.
FileSystem& real_file_system();

// True if `path` (relative to the root, the current directory) names a place inside
// the root also after the symbolic links of its directories are followed: not
// absolute, not "../...", and its deepest existing directory resolves under the
// root. What --clean may delete (SPEC §2); a path that cannot be resolved is outside.
bool is_inside_root(const std::string& path);

// Lexically normalised relative path: "./a//b/../c" -> "a/c"; keeps a leading "../"
// and absolute paths absolute; "" and "." become ".".
std::string normalize_path(std::string_view path);
// "a/b/c.o" -> "a/b"; "c.o" -> "" (the root).
std::string_view parent_dir(std::string_view path);

}  // namespace pipeline
