// Unit tests of env_refs: `${NAME}` and `$$` in env values (SPEC §1.1).

#include <catch2/catch.hpp>
#include <map>
#include <string>

#include "pipeline/env_refs.hpp"

using namespace pipeline;

namespace {

// An environment of our own: the tests never depend on the one ctest was given.
EnvLookup lookup_in(const std::map<std::string, std::string>& env) {
  return [&env](const std::string& name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  };
}

}  // namespace

TEST_CASE("expand_env_refs replaces ${NAME} from the environment", "[env_refs]") {
  const std::map<std::string, std::string> env{{"PATH", "/usr/bin:/bin"}, {"HOME", "/home/u"}};
  const EnvLookup lookup = lookup_in(env);
  SECTION("a variable extended") {
    CHECK(*expand_env_refs("tools/bin:${PATH}", lookup) == "tools/bin:/usr/bin:/bin");
  }
  SECTION("several, side by side") {
    CHECK(*expand_env_refs("${HOME}${PATH}", lookup) == "/home/u/usr/bin:/bin");
  }
  SECTION("an unset variable is empty") {
    CHECK(*expand_env_refs("a${UNSET_VAR}b", lookup) == "ab");
  }
  SECTION("a value is not expanded again") {
    const std::map<std::string, std::string> nested{{"A", "${B}"}, {"B", "b"}};
    CHECK(*expand_env_refs("${A}", lookup_in(nested)) == "${B}");
  }
}

TEST_CASE("expand_env_refs keeps every other dollar as written", "[env_refs]") {
  const std::map<std::string, std::string> env{{"HOME", "/home/u"}};
  const EnvLookup lookup = lookup_in(env);
  SECTION("$$ is one dollar") {
    CHECK(*expand_env_refs("cost: $$5", lookup) == "cost: $5");
    CHECK(*expand_env_refs("$${HOME}", lookup) == "${HOME}");
    CHECK(*expand_env_refs("$$$$", lookup) == "$$");
  }
  SECTION("$NAME and a lone $ stay") {
    CHECK(*expand_env_refs("$HOME and $1 and $", lookup) == "$HOME and $1 and $");
  }
  SECTION("text without a dollar is unchanged") {
    CHECK(!has_env_refs("plain"));
    CHECK(*expand_env_refs("plain", lookup) == "plain");
  }
}

TEST_CASE("a malformed ${...} is an error at its dollar", "[env_refs]") {
  const std::map<std::string, std::string> env;
  const EnvLookup lookup = lookup_in(env);
  SECTION("no closing brace") {
    auto r = expand_env_refs("ab${PATH", lookup);
    REQUIRE(!r);
    CHECK(r.error().offset == 2);
    CHECK_THAT(r.error().message, Catch::Contains("without its closing"));
  }
  SECTION("not a name") {
    for (const char* text : {"${}", "${1X}", "${A-B}", "${A B}"}) {
      auto r = expand_env_refs(text, lookup);
      REQUIRE(!r);
      CHECK(r.error().offset == 0);
      CHECK_THAT(r.error().message, Catch::Contains("not a variable of the environment"));
    }
  }
}

TEST_CASE("process_environment reads pipeline's own environment", "[env_refs]") {
  ::setenv("PIPELINE_TEST_ENV_REF", "here", 1);
  CHECK(*expand_env_refs("[${PIPELINE_TEST_ENV_REF}]", process_environment()) == "[here]");
  ::unsetenv("PIPELINE_TEST_ENV_REF");
  CHECK(*expand_env_refs("[${PIPELINE_TEST_ENV_REF}]", process_environment()) == "[]");
}
