// hash: XXH3-128 of files and bytes, and the length-prefixed signature hasher.
#include <fcntl.h>
#include <fmt/format.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>

#include "pipeline/hash.hpp"
#include "temp_dir.hpp"

using namespace pipeline;

namespace {

// A fresh directory per test (kept when the test fails).
struct TempDir : test::TempDir {
  TempDir() : test::TempDir("hash") {}
};

void write_file(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
  REQUIRE(out.good());
}

// xxHash's own sanity buffer (cli/xsum_sanity_check.c), for its published vectors.
std::string sanity_buffer(std::size_t length) {
  std::string buffer(length, '\0');
  std::uint64_t generator = 2654435761u;
  for (char& c : buffer) {
    c = static_cast<char>(generator >> 56);
    generator *= 11400714785074694797ull;
  }
  return buffer;
}

}  // namespace

TEST_CASE("hash_bytes gives xxHash's published XXH3-128 values", "[state][hash]") {
  const Hash128 empty = hash_bytes("");
  CHECK(empty.high == 0x99aa06d3014798d8ull);
  CHECK(empty.low == 0x6001c324468d497full);
  CHECK(empty.hex() == "99aa06d3014798d86001c324468d497f");
  CHECK(hash_bytes(sanity_buffer(1)) == Hash128{0xa6cd5e9392000f6aull, 0xc44bdff4074eecdbull});
  CHECK(hash_bytes(sanity_buffer(6)) == Hash128{0x082afe0b8162d12aull, 0x3e7039bdda43cfc6ull});
  CHECK(hash_bytes(sanity_buffer(12)) == Hash128{0x6e3efd8fc7802b18ull, 0x061a192713f69ad9ull});
  CHECK(Hash128{1, 2}.hex() == "00000000000000010000000000000002");
  CHECK(Hash128{} == Hash128{0, 0});
}

TEST_CASE("hash_file equals hash_bytes of the content", "[state][hash]") {
  TempDir dir;
  SECTION("a short file") {
    write_file(dir.file("a"), "hello world\n");
    auto hash = hash_file(dir.file("a"));
    REQUIRE(hash);
    CHECK(*hash == hash_bytes("hello world\n"));
    CHECK(*hash != hash_bytes("hello world"));
  }
  SECTION("an empty file") {
    write_file(dir.file("empty"), "");
    auto hash = hash_file(dir.file("empty"));
    REQUIRE(hash);
    CHECK(*hash == hash_bytes(""));
  }
  SECTION("a 10 MB file, not a multiple of the read block") {
    std::string content = sanity_buffer(10 * 1000 * 1000 + 123);
    write_file(dir.file("big"), content);
    auto hash = hash_file(dir.file("big"));
    REQUIRE(hash);
    CHECK(*hash == hash_bytes(content));
    content[5'000'000] ^= 1;
    CHECK(*hash != hash_bytes(content));
  }
  SECTION("exactly one read block") {
    const std::string content = sanity_buffer(64 * 1024);
    write_file(dir.file("block"), content);
    auto hash = hash_file(dir.file("block"));
    REQUIRE(hash);
    CHECK(*hash == hash_bytes(content));
  }
}

TEST_CASE("hash_file reports why it could not read", "[state][hash]") {
  TempDir dir;
  SECTION("a missing file") {
    auto hash = hash_file(dir.file("missing"));
    REQUIRE_FALSE(hash);
    CHECK(hash.error() == ENOENT);
  }
  SECTION("a directory") {
    auto hash = hash_file(dir.file(""));
    REQUIRE_FALSE(hash);
    CHECK(hash.error() == EISDIR);
  }
  SECTION("a FIFO, without waiting for a writer") {
    REQUIRE(::mkfifo(dir.file("fifo").c_str(), 0600) == 0);
    auto hash = hash_file(dir.file("fifo"));
    REQUIRE_FALSE(hash);
    CHECK(hash.error() == EINVAL);
  }
}

TEST_CASE("Hasher fields are length-prefixed", "[state][hash]") {
  auto fields = [](std::initializer_list<std::string_view> values) {
    Hasher hasher;
    for (std::string_view value : values) hasher.update_field(value);
    return hasher.digest();
  };
  CHECK(fields({"ab", "c"}) != fields({"a", "bc"}));
  CHECK(fields({"abc"}) != fields({"abc", ""}));
  CHECK(fields({"", "x"}) != fields({"x", ""}));
  CHECK(fields({"a", "b"}) != fields({"b", "a"}));
  CHECK(fields({"ab", "c"}) == fields({"ab", "c"}));

  SECTION("raw updates concatenate") {
    Hasher hasher;
    hasher.update("ab").update("c");
    CHECK(hasher.digest() == hash_bytes("abc"));
    CHECK(Hasher().digest() == hash_bytes(""));
  }
  SECTION("digest does not end the hash") {
    Hasher hasher;
    hasher.update_field("a");
    const Hash128 first = hasher.digest();
    CHECK(hasher.digest() == first);
    hasher.update_field("b");
    CHECK(hasher.digest() == fields({"a", "b"}));
  }
  SECTION("numbers count as 8 bytes") {
    Hasher counted, field;
    counted.update_u64(2).update("xy");
    field.update_field("xy");
    CHECK(counted.digest() == field.digest());
  }
  SECTION("a moved hasher keeps its state") {
    Hasher hasher;
    hasher.update_field("a");
    Hasher moved = std::move(hasher);
    moved.update_field("b");
    CHECK(moved.digest() == fields({"a", "b"}));
  }
}
