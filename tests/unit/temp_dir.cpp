// The listener interface of Catch2 v2 is compiled only with this defined.
#define CATCH_CONFIG_EXTERNAL_INTERFACES
#include "temp_dir.hpp"

#include <fmt/format.h>
#include <stdlib.h>

#include <catch2/catch.hpp>
#include <exception>
#include <filesystem>

namespace pipeline::test {
namespace {

int g_failed_assertions = 0;

struct FailureCounter : Catch::TestEventListenerBase {
  using TestEventListenerBase::TestEventListenerBase;
  bool assertionEnded(const Catch::AssertionStats& stats) override {
    if (!stats.assertionResult.isOk()) ++g_failed_assertions;
    return true;
  }
};
CATCH_REGISTER_LISTENER(FailureCounter)

}  // namespace

int failed_assertions() { return g_failed_assertions; }

TempDir::TempDir(const std::string& prefix) : m_failures(g_failed_assertions) {
  std::string pattern =
      (std::filesystem::temp_directory_path() / ("pipeline-" + prefix + "-XXXXXX")).string();
  REQUIRE(::mkdtemp(pattern.data()) != nullptr);
  m_path = pattern;
}

TempDir::~TempDir() {
  if (std::uncaught_exceptions() > 0 || g_failed_assertions != m_failures) {
    fmt::print(stderr, "test directory kept: {}\n", m_path);
    return;
  }
  std::error_code ec;
  std::filesystem::remove_all(m_path, ec);
}

}  // namespace pipeline::test
