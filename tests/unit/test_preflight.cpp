// Unit tests of preflight: missing inputs and dirs found before anything runs
// (SPEC §3, §1.1 `dir`), on the fake file system.

#include <catch2/catch.hpp>
#include <string>

#include "fake_file_system.hpp"
#include "pipeline/preflight.hpp"

using namespace pipeline;

namespace {

Config config_of(const std::string& text) { return parse_config("Pipeline.toml", "/root", text); }

const char* k_build = R"(
[tasks.compile]
inputs = ["src/mian.c", "gen/config.h"]
outputs = ["build/main.o"]
cmd = "cc -c {input} -o {output}"

[tasks.configure]
outputs = ["gen/config.h"]
cmd = "touch {output}"

[tasks.in_build]
dir = "build"
cmd = "true"

[tasks.in_nowhere]
dir = "nowhere"
cmd = "true"
)";

PreflightProblems check(const Plan& plan, test::FakeFileSystem& fs) {
  return preflight(plan, all_jobs(plan), fs,
                   [&](JobIndex j, std::size_t i) { return fs.stat(plan.jobs[j].inputs[i]); });
}

}  // namespace

TEST_CASE("an input that is missing and written by no job is a problem", "[preflight]") {
  test::FakeFileSystem fs;
  fs.write("src/main.c");
  Config config = config_of(k_build);
  Plan plan = build_plan(config, fs);
  PreflightProblems problems = check(plan, fs);
  SECTION("the misspelt source is found, the generated header is not a problem") {
    REQUIRE(problems.missing_inputs.size() == 1);
    const MissingInput& missing = problems.missing_inputs[0];
    CHECK(plan.jobs[missing.job].id == "compile");
    CHECK(plan.jobs[missing.job].inputs[missing.input] == "src/mian.c");
  }
  SECTION("described at the input, with the near name of a file that exists") {
    std::vector<ConfigError> errors = describe_problems(config, plan, problems, fs, 10);
    REQUIRE(errors.size() == 2);
    CHECK(std::string(errors[0].what()) ==
          "input 'src/mian.c' of compile does not exist and no task writes it");
    CHECK(errors[0].pos().line == 3);
    CHECK(errors[0].pos().column == 11);
    CHECK(errors[0].hint() == "did you mean 'src/main.c'?");
  }
  SECTION("under -k the job is skipped with its reason") {
    auto reasons = skip_reasons(plan, problems);
    CHECK(reasons.at(plan.job_by_id.at("compile")) == "missing input src/mian.c");
  }
  SECTION("an input that exists is no problem") {
    fs.write("src/mian.c");
    CHECK(check(plan, fs).missing_inputs.empty());
  }
  SECTION("an input that cannot be examined is left to the freshness check") {
    fs.make_unreadable("src/mian.c", 13);
    CHECK(check(plan, fs).missing_inputs.empty());
  }
}

TEST_CASE("a dir that is missing and made by no job is a problem", "[preflight]") {
  test::FakeFileSystem fs;
  fs.write("src/mian.c");
  Config config = config_of(k_build);
  Plan plan = build_plan(config, fs);
  PreflightProblems problems = check(plan, fs);
  // build/ does not exist yet, but compile writes build/main.o: it is made first.
  REQUIRE(problems.missing_dirs.size() == 1);
  CHECK(plan.jobs[problems.missing_dirs[0]].id == "in_nowhere");
  std::vector<ConfigError> errors = describe_problems(config, plan, problems, fs, 10);
  REQUIRE(errors.size() == 1);
  CHECK(std::string(errors[0].what()) ==
        "dir 'nowhere' of in_nowhere does not exist and no task writes into it");
  CHECK(errors[0].pos().line == 16);
  SECTION("a dir that exists is no problem") {
    fs.write("nowhere/file");
    CHECK(check(plan, fs).missing_dirs.empty());
  }
}

TEST_CASE("only the jobs given are checked, and the errors stop at the limit", "[preflight]") {
  test::FakeFileSystem fs;
  Config config = config_of(k_build);
  Plan plan = build_plan(config, fs);
  const std::vector<JobIndex> configure{plan.job_by_id.at("configure")};
  CHECK(preflight(plan, configure, fs, [&](JobIndex j, std::size_t i) {
          return fs.stat(plan.jobs[j].inputs[i]);
        }).empty());
  PreflightProblems problems = check(plan, fs);
  CHECK(describe_problems(config, plan, problems, fs, 1).size() == 1);
}
