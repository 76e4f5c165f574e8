// fs: lexical path normalisation and the real file system's missing/error split.
#include <catch2/catch.hpp>

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
