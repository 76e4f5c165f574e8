// pattern: wildcards, regex constraints, globs and prefix-narrowed matching.
#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "pipeline/pattern.hpp"

using namespace pipeline;

namespace {

// The values `pattern` binds for `path` as "name=value" strings, or {"no match"}.
std::vector<std::string> bind(std::string_view pattern, std::string_view path) {
  Pattern p = parse_pattern(pattern);
  std::vector<std::string_view> values;
  if (!p.match(path, values)) return {"no match"};
  std::vector<std::string> out;
  for (std::size_t i = 0; i < values.size(); ++i)
    out.push_back(p.names()[i] + "=" + std::string(values[i]));
  return out;
}

bool matches(std::string_view pattern, std::string_view path) {
  return bind(pattern, path) != std::vector<std::string>{"no match"};
}

using Strings = std::vector<std::string>;

}  // namespace

TEST_CASE("a {name} wildcard matches one or more characters other than '/'", "[pattern]") {
  CHECK(bind("raw/{frame}.bz2", "raw/0042.bz2") == Strings{"frame=0042"});
  CHECK(bind("raw/{frame}.bz2", "raw/a.b.bz2") == Strings{"frame=a.b"});
  CHECK_FALSE(matches("raw/{frame}.bz2", "raw/.bz2"));       // not empty
  CHECK_FALSE(matches("raw/{frame}.bz2", "raw/x/y.bz2"));    // not across '/'
  CHECK_FALSE(matches("raw/{frame}.bz2", "raw/0042.bz2x"));  // the whole path
  SECTION("several wildcards, sorted by name") {
    CHECK(bind("{day}/{host}.log", "d1/web.log") == Strings{"day=d1", "host=web"});
    CHECK(bind("{b}_{a}.txt", "x_y_z.txt") == Strings{"a=z", "b=x_y"});  // greedy, like a regex
  }
  SECTION("a name used twice must match the same text") {
    CHECK(bind("{x}/{x}.txt", "a/a.txt") == Strings{"x=a"});
    CHECK_FALSE(matches("{x}/{x}.txt", "a/b.txt"));
  }
  SECTION("the pattern is normalised like a path") {
    CHECK(bind("./raw//{f}.txt", "raw/a.txt") == Strings{"f=a"});
    CHECK(parse_pattern("./raw//{f}.txt").literal_prefix() == "raw/");
  }
}

TEST_CASE("one {name} between literal text is the text between them", "[pattern]") {
  CHECK(bind("{name}", "a.txt") == Strings{"name=a.txt"});
  CHECK_FALSE(matches("{name}", "d/a.txt"));
  CHECK(bind("{name}.txt", "a.b.txt") == Strings{"name=a.b"});
  CHECK(bind("in/{name}", "in/x") == Strings{"name=x"});
  CHECK_FALSE(matches("in/{name}", "in/x/y"));
  // The prefix and the suffix never share characters: "a{x}a" needs 3 or more.
  CHECK_FALSE(matches("a{x}a", "aa"));
  CHECK_FALSE(matches("a{x}a", "a"));
  CHECK(bind("a{x}a", "aba") == Strings{"x=b"});
  CHECK(bind("a{x:[^/]+}a", "aaa") == Strings{"x=a"});
}

TEST_CASE("a {name:REGEX} wildcard matches its regex", "[pattern]") {
  CHECK(bind("logs/{path:.+}.log", "logs/2026/11/web.log") == Strings{"path=2026/11/web"});
  CHECK(bind("{id:[0-9]{4}}.txt", "0042.txt") == Strings{"id=0042"});  // braces nest
  CHECK_FALSE(matches("{id:[0-9]{4}}.txt", "042.txt"));
  CHECK_FALSE(matches("{id:[0-9]+}.txt", "12a.txt"));
  CHECK(bind("{a:[a-z]+}{b:[0-9]+}", "abc123") == Strings{"a=abc", "b=123"});
  SECTION("glob characters inside a regex are regex") {
    CHECK(bind("{x:a*b?}.txt", "aaab.txt") == Strings{"x=aaab"});
    CHECK(bind("{x:a*b?}.txt", "aaa.txt") == Strings{"x=aaa"});
  }
  SECTION("a regex that does not compile names the wildcard") {
    try {
      parse_pattern("{x:[0-9}.txt");
      FAIL("no error");
    } catch (const PatternError& e) {
      CHECK(std::string(e.what()).find("wildcard 'x'") != std::string::npos);
      CHECK(e.piece() == 0);
    }
  }
  SECTION("accepts() checks a value against every occurrence") {
    Pattern p = parse_pattern("out/{n:[0-9]+}.txt");
    CHECK(p.accepts(0, "17"));
    CHECK_FALSE(p.accepts(0, "x"));
  }
}

TEST_CASE("globs match like the shell", "[pattern]") {
  CHECK(matches("out/*.nc", "out/a.nc"));
  CHECK(matches("out/*.nc", "out/.nc") == false);  // a leading '.' is hidden
  CHECK_FALSE(matches("out/*.nc", "out/x/a.nc"));
  CHECK_FALSE(matches("out/*.nc", "out/.hidden.nc"));
  CHECK(matches("out/a*.nc", "out/a.nc"));
  CHECK(matches("out/?.nc", "out/a.nc"));
  CHECK_FALSE(matches("out/?.nc", "out/ab.nc"));
  CHECK(matches("out/[ab].nc", "out/b.nc"));
  CHECK_FALSE(matches("out/[ab].nc", "out/c.nc"));
  CHECK(matches("out/[!ab].nc", "out/c.nc"));
  CHECK(matches("out/[a-c]x.nc", "out/bx.nc"));
  CHECK(matches("out/[x.nc", "out/[x.nc"));  // an unclosed '[' is literal
  SECTION("** crosses directories, but not hidden ones") {
    CHECK(matches("src/**/*.c", "src/a.c"));
    CHECK(matches("src/**/*.c", "src/x/y/a.c"));
    CHECK_FALSE(matches("src/**/*.c", "src/.git/a.c"));
    CHECK_FALSE(matches("src/**/*.c", "srcx/a.c"));
    CHECK(matches("src/**", "src/x/y/a.c"));
    CHECK(matches("**/*.c", "a/b.c"));
    CHECK(matches("**/*.c", "b.c"));
  }
  SECTION("a glob and a wildcard together") {
    CHECK(bind("out/{day}T*.nc", "out/20261121T0100_0042.nc") == Strings{"day=20261121"});
    CHECK(bind("out/{day}/*.nc", "out/d1/x.nc") == Strings{"day=d1"});
  }
  SECTION("outputs cannot hold globs") {
    CHECK_THROWS_AS(parse_pattern("out/*.nc", Globs::forbidden), PatternError);
    CHECK(parse_pattern("out/[x.nc", Globs::forbidden).is_literal());
  }
}

TEST_CASE("a pattern knows its literal prefix and suffix", "[pattern]") {
  Pattern p = parse_pattern("work/{frame}.dat");
  CHECK(p.literal_prefix() == "work/");
  CHECK(p.literal_suffix() == ".dat");
  CHECK(p.names() == Strings{"frame"});
  CHECK(p.text() == "work/{frame}.dat");
  CHECK_FALSE(p.is_literal());
  Pattern literal = parse_pattern("a/b.txt");
  CHECK(literal.is_literal());
  CHECK(literal.literal_prefix() == "a/b.txt");
}

TEST_CASE("expand() writes the path for a set of values", "[pattern]") {
  Pattern p = parse_pattern("out/{day}/{frame}.nc");
  CHECK(p.expand({"d1", "f7"}) == "out/d1/f7.nc");
  Pattern regex = parse_pattern("compressed/{path:.+}.log.gz");
  CHECK(regex.expand({"2026/web"}) == "compressed/2026/web.log.gz");
}

TEST_CASE("may_overlap errs towards yes and never says no wrongly", "[pattern]") {
  auto overlap = [](std::string_view a, std::string_view b) {
    return may_overlap(parse_pattern(a), parse_pattern(b));
  };
  CHECK(overlap("work/{f}.dat", "work/{g}.dat"));
  CHECK(overlap("work/{f}.dat", "work/*.dat"));
  CHECK(overlap("work/{f}.dat", "**/*.dat"));
  CHECK(overlap("work/a.dat", "work/{g}.dat"));
  CHECK_FALSE(overlap("work/{f}.dat", "out/{f}.dat"));
  CHECK_FALSE(overlap("work/{f}.dat", "work/{f}.nc"));
  CHECK_FALSE(overlap("compressed/{p:.+}.gz", "logs/{p:.+}.log"));
  CHECK_FALSE(overlap("work/a.dat", "work/b.dat"));
}

TEST_CASE("matching a sorted list looks only under the literal prefix", "[pattern]") {
  const Strings paths = {"a/1.txt",         "out/0001.nc",   "out/0002.nc", "out/0002.txt",
                         "out/sub/0003.nc", "outer/0004.nc", "z/5.nc"};
  SECTION("prefix_range finds the contiguous run") {
    auto [lo, hi] = prefix_range(paths.begin(), paths.end(), "out/");
    CHECK(lo - paths.begin() == 1);
    CHECK(hi - paths.begin() == 5);
    auto [lo2, hi2] = prefix_range(paths.begin(), paths.end(), "nothing/");
    CHECK(lo2 == hi2);
    auto [lo3, hi3] = prefix_range(paths.begin(), paths.end(), "");
    CHECK(hi3 - lo3 == std::ptrdiff_t(paths.size()));
  }
  SECTION("for_each_match visits the matches in order") {
    Strings found;
    for_each_match(parse_pattern("out/{n}.nc"), paths,
                   [&](std::string_view path, const auto& values) {
                     found.push_back(std::string(path) + ":" + std::string(values[0]));
                   });
    CHECK(found == Strings{"out/0001.nc:0001", "out/0002.nc:0002"});
  }
  SECTION("a 100,000-entry list") {
    Strings many;
    for (int i = 0; i < 100000; ++i) many.push_back(fmt::format("in/{:06}.txt", i));
    many.push_back("zz/other.txt");
    std::size_t n = 0;
    for_each_match(parse_pattern("in/{name}.txt"), many,
                   [&](std::string_view, const auto&) { ++n; });
    CHECK(n == 100000);
    n = 0;
    for_each_match(parse_pattern("in/00012{x}.txt"), many,
                   [&](std::string_view, const auto&) { ++n; });
    CHECK(n == 10);
  }
}
