// SparseOptional: std::optional's behaviour, one pointer wide.
#include <catch2/catch.hpp>
#include <string>

#include "pipeline/util/sparse_optional.hpp"

using pipeline::SparseOptional;

TEST_CASE("a sparse optional is one pointer and behaves as an optional", "[sparse_optional]") {
  STATIC_REQUIRE(sizeof(SparseOptional<std::string>) == sizeof(void*));
  SparseOptional<std::string> a;
  CHECK_FALSE(a);
  CHECK(a == std::nullopt);
  CHECK_THROWS_AS(a.value(), std::bad_optional_access);
  a = std::string("dir");
  REQUIRE(a);
  CHECK(*a == "dir");
  CHECK(a->size() == 3);

  SparseOptional<std::string> copy = a;  // a deep copy: changing one leaves the other
  *copy += "/sub";
  CHECK(*a == "dir");
  CHECK(*copy == "dir/sub");
  CHECK_FALSE(a == copy);
  copy = a;
  CHECK(a == copy);

  SparseOptional<std::string> moved = std::move(copy);
  CHECK(*moved == "dir");
  moved.emplace(3, 'x');
  CHECK(*moved == "xxx");
  moved = std::nullopt;
  CHECK_FALSE(moved.has_value());
  CHECK(moved == SparseOptional<std::string>());
}
