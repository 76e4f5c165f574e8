// stat_read_ahead: worker threads read stamps in order; whoever asks gets the
// stamp of exactly the path asked for, in any order, and nothing hangs.
#include <algorithm>
#include <catch2/catch.hpp>
#include <random>

#include "fake_file_system.hpp"
#include "pipeline/stat_read_ahead.hpp"

using namespace pipeline;

namespace {

// 10,000 paths, every third one missing; sizes tell the files apart.
struct Files {
  Files() {
    for (int i = 0; i < 10000; ++i) {
      names.push_back("dir/" + std::to_string(i) + ".txt");
      if (i % 3 != 0) fs.write(names.back(), std::uint64_t(i % 97));
    }
    for (const std::string& name : names) pointers.push_back(&name);
  }
  test::FakeFileSystem fs;
  std::vector<std::string> names;
  std::vector<const std::string*> pointers;
};

void check_same(const FileStat& got, const FileStat& want) {
  CHECK(got.kind == want.kind);
  CHECK(got.size == want.size);
  CHECK(got.mtime_ns == want.mtime_ns);
}

}  // namespace

TEST_CASE("read-ahead stamps are those of the paths asked for in order", "[stat_read_ahead]") {
  Files files;
  StatReadAhead ahead(files.fs, files.pointers, 2);
  REQUIRE(ahead.size() == files.names.size());
  for (std::size_t i = 0; i < files.names.size(); ++i)
    check_same(ahead.stat(i), files.fs.stat(files.names[i]));
}

TEST_CASE("read-ahead stamps asked for out of order are right too", "[stat_read_ahead]") {
  Files files;
  std::vector<std::size_t> order(files.names.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), std::mt19937(42));
  StatReadAhead ahead(files.fs, files.pointers, 2);
  std::size_t missing = 0;
  for (std::size_t i : order) {
    FileStat st = ahead.stat(i);
    check_same(st, files.fs.stat(files.names[i]));
    missing += st.exists() ? 0 : 1;
  }
  CHECK(missing == 3334);
}

TEST_CASE("without threads each stamp is read when asked", "[stat_read_ahead]") {
  Files files;
  StatReadAhead ahead(files.fs, files.pointers, 0);
  files.fs.write("dir/0.txt", 13);
  CHECK(ahead.stat(0).exists());
  CHECK(ahead.stat(0).size == 13);
}

TEST_CASE("a read-ahead destroyed before anything was asked stops its workers",
          "[stat_read_ahead]") {
  Files files;
  for (int round = 0; round < 20; ++round) {
    StatReadAhead ahead(files.fs, files.pointers, 3);
  }
  StatReadAhead last(files.fs, files.pointers, 3);
  check_same(last.stat(files.names.size() - 1), files.fs.stat(files.names.back()));
}

TEST_CASE("threads are used only for thousands of paths", "[stat_read_ahead]") {
  CHECK(StatReadAhead::threads_for(100) == 0);
  CHECK(StatReadAhead::threads_for(200000) >= 1);
  CHECK(StatReadAhead::threads_for(200000) <= 4);
}
