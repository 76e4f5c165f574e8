// console: the bounded output tail and the file names of job logs.
#include <catch2/catch.hpp>
#include <set>

#include "pipeline/console.hpp"

using namespace pipeline;

TEST_CASE("the output tail keeps the last bytes in constant memory", "[console]") {
  OutputTail tail(8);
  SECTION("short output is kept whole") {
    tail.append("abc");
    tail.append("de");
    CHECK(tail.str() == "abcde");
    CHECK_FALSE(tail.truncated());
  }
  SECTION("long output keeps the end, across wraps") {
    for (char c = 'a'; c <= 'z'; ++c) tail.append(std::string(1, c));
    CHECK(tail.str() == "stuvwxyz");
    CHECK(tail.total() == 26);
    CHECK(tail.truncated());
  }
  SECTION("one chunk larger than the capacity") {
    tail.append("0123");
    tail.append("abcdefghijkl");
    CHECK(tail.str() == "efghijkl");
  }
}

TEST_CASE("job ids become distinct safe file names", "[console]") {
  CHECK(file_name_for_job("compile") == "compile");
  CHECK(file_name_for_job("calibrate[frame=0042]") == "calibrate%5Bframe%3D0042%5D");
  CHECK(file_name_for_job(".hidden") == "%2Ehidden");
  std::set<std::string> names;
  for (const char* id : {"a/b", "a%2Fb", "a_b", "a b", "a%20b", "t[x=a\\,b]", "t[x=a,b]"})
    names.insert(file_name_for_job(id));
  CHECK(names.size() == 7);
  for (const std::string& n : names) CHECK(n.find('/') == std::string::npos);
}
