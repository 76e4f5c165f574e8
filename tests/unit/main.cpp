// The Catch2 entry point of the unit-test binary; the tests are in test_<module>.cpp.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
