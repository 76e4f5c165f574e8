// fs: lexical path normalisation and the real file system's missing/error split.
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "pipeline/fs.hpp"

using namespace pipeline;

TEST_CASE("paths are normalised lexically", "[fs]") {
  CHECK(normalize_path("./a//b/../c") == "a/c");
  CHECK(normalize_path("a/b/") == "a/b");
  CHECK(normalize_path("../x") == "../x");
  CHECK(normalize_path("/tmp/../etc") == "/etc");
  CHECK(normalize_path(".") == ".");
  CHECK(normalize_path("") == ".");
  CHECK(parent_dir("a/b/c.o") == "a/b");
  CHECK(parent_dir("c.o") == "");
}

TEST_CASE("stat keeps missing apart from errors", "[fs]") {
  FileSystem& fs = real_file_system();
  CHECK(fs.stat("/nonexistent/for/sure").kind == FileStat::Kind::missing);
  CHECK(fs.stat("/etc/passwd/child").kind == FileStat::Kind::missing);  // ENOTDIR
  FileStat st = fs.stat("/etc/passwd");
  CHECK(st.kind == FileStat::Kind::file);
  CHECK(st.size > 0);
  CHECK(st.mtime_ns > 0);
  CHECK(fs.stat("/etc").kind == FileStat::Kind::directory);
}

TEST_CASE("list_files lists a tree sorted bytewise, skipping what it must", "[fs]") {
  namespace stdfs = std::filesystem;
  std::string root = (stdfs::temp_directory_path() / "pipeline-fs-XXXXXX").string();
  REQUIRE(::mkdtemp(root.data()) != nullptr);
  // Names around '/' in byte order ('-' < '.' < '/' < '0'), so that a directory's
  // files fall between its siblings': a.txt < a/x < a0.
  for (const char* dir : {"a/y", "a-b", "a.d", "b", ".git", "state", "z/deep/er"})
    stdfs::create_directories(root + "/" + dir);
  for (const char* file : {"a.txt", "a/x", "a/y/z", "a0", "a-b/q", "a.d/r", "b/c", ".git/HEAD",
                           "state/s", "z/deep/er/f", ".hidden"})
    std::ofstream(root + "/" + file) << "x";
  REQUIRE(::symlink("a", (root + "/link").c_str()) == 0);            // to a directory: not entered
  REQUIRE(::symlink("a0", (root + "/alias").c_str()) == 0);          // to a file: listed
  REQUIRE(::symlink("nowhere", (root + "/dangling").c_str()) == 0);  // missing: not listed

  const std::vector<std::string> files =
      real_file_system().list_files(root, {normalize_path(root + "/state")});
  std::vector<std::string> expected;
  for (const char* file :
       {".hidden", "a-b/q", "a.d/r", "a.txt", "a/x", "a/y/z", "a0", "alias", "b/c", "z/deep/er/f"})
    expected.push_back(root + "/" + file);
  std::sort(expected.begin(), expected.end());
  CHECK(files == expected);
  CHECK(real_file_system().list_files(root + "/a", {}) ==
        std::vector<std::string>{root + "/a/x", root + "/a/y/z"});
  CHECK(real_file_system().list_files(root + "/missing", {}).empty());
  stdfs::remove_all(root);
}
