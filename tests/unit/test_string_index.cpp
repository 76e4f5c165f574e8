// StringIndex: the flat string -> index table of the plan.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "pipeline/util/string_index.hpp"

using namespace pipeline;

TEST_CASE("the string index finds every key it was given and no other", "[string_index]") {
  std::vector<std::string> keys;
  for (int i = 0; i < 5000; ++i) keys.push_back("out/" + std::to_string(i) + ".txt");
  keys.push_back("");
  StringIndex index;
  SECTION("growing from empty") {}
  SECTION("reserved up front") { index.reserve(keys.size()); }
  for (std::uint32_t i = 0; i < keys.size(); ++i)
    CHECK(index.emplace(keys[i], i) == std::pair<std::uint32_t, bool>{i, true});
  CHECK(index.size() == keys.size());
  for (std::uint32_t i = 0; i < keys.size(); ++i) REQUIRE(index.find(keys[i]) == i);
  CHECK(index.emplace(keys[7], 99) == std::pair<std::uint32_t, bool>{7, false});
  CHECK_FALSE(index.find("out/5000.txt"));
  CHECK_FALSE(index.contains("out/1.tx"));
  CHECK(index.at("out/42.txt") == 42);
  CHECK_THROWS_AS(index.at("nope"), std::out_of_range);
}
