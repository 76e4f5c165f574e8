// plan: jobs, edges, order, cycles, collisions and targets — no I/O anywhere.
#include <catch2/catch.hpp>

#include <algorithm>

#include "pipeline/plan.hpp"

using namespace pipeline;

namespace {

Config config_of(const std::string& text) { return parse_config("Pipeline.toml", "/root", text); }

std::vector<std::string> ids(const Plan& plan, const std::vector<JobIndex>& jobs) {
  std::vector<std::string> out;
  for (JobIndex j : jobs) out.push_back(plan.jobs[j].id);
  return out;
}

std::size_t position(const std::vector<std::string>& v, const std::string& s) {
  return std::size_t(std::find(v.begin(), v.end(), s) - v.begin());
}

const char* k_chain = R"(
[tasks.link]
inputs = ["a.o", "b.o"]
outputs = ["prog"]
cmd = "cc -o {output} {inputs}"

[tasks.compile_a]
inputs = ["a.c"]
outputs = ["a.o"]
cmd = "cc -c {input} -o {output}"

[tasks.compile_b]
inputs = ["b.c"]
outputs = ["./b.o"]
cmd = "cc -c {input} -o {output}"

[tasks.test]
deps = ["link"]
cmd = ["./prog", "--self-test"]

[tasks.unrelated]
cmd = "true"
)";

}  // namespace

TEST_CASE("file dependencies are found by normalised path", "[plan]") {
  Config config = config_of(k_chain);
  Plan plan = build_plan(config);
  const Job& link = plan.jobs[plan.job_by_id.at("link")];
  REQUIRE(link.deps.size() == 2);
  CHECK(ids(plan, link.deps) == std::vector<std::string>{"compile_a", "compile_b"});
  CHECK(plan.jobs[plan.job_by_id.at("compile_b")].outputs == std::vector<std::string>{"b.o"});
  CHECK(plan.producer_of("b.o") == plan.job_by_id.at("compile_b"));
  CHECK_FALSE(plan.producer_of("a.c"));
}

TEST_CASE("selection takes the targets and everything they need, dependencies first", "[plan]") {
  Config config = config_of(k_chain);
  Plan plan = build_plan(config);
  SECTION("a task name") {
    auto order = ids(plan, select_jobs(config, plan, {"test"}));
    REQUIRE(order.size() == 4);
    CHECK(position(order, "compile_a") < position(order, "link"));
    CHECK(position(order, "compile_b") < position(order, "link"));
    CHECK(position(order, "link") < position(order, "test"));
  }
  SECTION("an output path, written any way") {
    CHECK(ids(plan, select_jobs(config, plan, {"./a.o"})) == std::vector<std::string>{"compile_a"});
  }
  SECTION("no target means every task") { CHECK(select_jobs(config, plan, {}).size() == 5); }
  SECTION("an unknown target is an error with a suggestion") {
    try {
      select_jobs(config, plan, {"tset"});
      FAIL("no error");
    } catch (const UserError& e) {
      CHECK(std::string(e.what()).find("'tset'") != std::string::npos);
      CHECK(e.hint() == "did you mean 'test'?");
    }
  }
}

TEST_CASE("the default targets are used when none is named", "[plan]") {
  Config config = config_of(std::string("[pipeline]\ndefault = [\"link\"]\n") + k_chain);
  Plan plan = build_plan(config);
  CHECK(select_jobs(config, plan, {}).size() == 3);
}

TEST_CASE("a dependency cycle is an error that prints the cycle", "[plan]") {
  Config config = config_of(R"(
[tasks.a]
inputs = ["c.out"]
outputs = ["a.out"]
cmd = "true"
[tasks.b]
inputs = ["a.out"]
outputs = ["b.out"]
cmd = "true"
[tasks.c]
deps = ["b"]
outputs = ["c.out"]
cmd = "true"
)");
  try {
    build_plan(config);
    FAIL("no error");
  } catch (const ConfigError& e) {
    std::string msg = e.what();
    INFO(msg);
    CHECK(msg.find("dependency cycle: ") == 0);
    // Every task of the cycle, and back to where it started.
    CHECK((msg.find("a -> b -> c -> a") != std::string::npos ||
           msg.find("b -> c -> a -> b") != std::string::npos ||
           msg.find("c -> a -> b -> c") != std::string::npos));
    CHECK(e.pos().line > 0);
  }
}

TEST_CASE("two jobs with the same output are an error naming both", "[plan]") {
  Config config = config_of(R"(
[tasks.one]
outputs = ["out/x"]
cmd = "true"
[tasks.two]
outputs = ["out//x"]
cmd = "true"
)");
  try {
    build_plan(config);
    FAIL("no error");
  } catch (const ConfigError& e) {
    std::string msg = e.what();
    CHECK(msg.find("'one'") != std::string::npos);
    CHECK(msg.find("'two'") != std::string::npos);
    CHECK(msg.find("out/x") != std::string::npos);
    CHECK(e.pos().line == 6);
  }
}

TEST_CASE("planning errors point at the value at fault", "[plan]") {
  SECTION("an unknown task in deps") {
    Config config = config_of("[tasks.a]\ncmd = \"true\"\ndeps = [\"bb\"]\n[tasks.b]\ncmd = \"true\"\n");
    try {
      build_plan(config);
      FAIL("no error");
    } catch (const ConfigError& e) {
      CHECK(e.pos().line == 3);
      CHECK(e.pos().column == 9);
      CHECK(e.hint() == "did you mean 'b'?");
    }
  }
  SECTION("an undefined placeholder in a command") {
    Config config = config_of("[tasks.a]\ncmd = \"echo {nope}\"\n");
    try {
      build_plan(config);
      FAIL("no error");
    } catch (const ConfigError& e) {
      CHECK(e.pos().line == 2);
      CHECK(e.pos().column == 13);  // the '{' of {nope}
    }
  }
  SECTION("a wildcard, not available in this version") {
    Config config = config_of("[tasks.a]\ninputs = [\"raw/{frame}.bz2\"]\noutputs = [\"x\"]\ncmd = \"true\"\n");
    CHECK_THROWS_AS(build_plan(config), ConfigError);
  }
}

TEST_CASE("commands are expanded per SPEC §1.2", "[plan]") {
  Config config = config_of(R"(
[vars]
cflags = "-O2 -g"
[tasks.t]
inputs = { src = ["a b;echo PWNED.c"], hdr = "h.h" }
outputs = ["out.o"]
cmds = ["cc {cflags} -c {inputs.src} -o {output}", ["cat", "{inputs}"], ["echo", "{task}:{job}"]]
)");
  Plan plan = build_plan(config);
  const Job& job = plan.jobs[0];
  REQUIRE(job.commands.size() == 3);
  CHECK(job.commands[0].argv == std::vector<std::string>{"/bin/sh", "-ec",
                                                          "cc -O2 -g -c 'a b;echo PWNED.c' -o out.o"});
  // Named groups in alphabetical order: hdr before src.
  CHECK(job.commands[1].argv == std::vector<std::string>{"cat", "h.h", "a b;echo PWNED.c"});
  CHECK(job.commands[2].argv == std::vector<std::string>{"echo", "t:t"});
}

TEST_CASE("the schedule releases a job when all its selected dependencies succeeded", "[plan]") {
  Config config = config_of(k_chain);
  Plan plan = build_plan(config);
  std::vector<JobIndex> selected = select_jobs(config, plan, {"test"});
  Schedule schedule(plan, selected);
  JobIndex a = plan.job_by_id.at("compile_a"), b = plan.job_by_id.at("compile_b");
  JobIndex link = plan.job_by_id.at("link"), test = plan.job_by_id.at("test");

  std::vector<JobIndex> first;
  while (auto j = schedule.pop_ready()) first.push_back(*j);
  std::sort(first.begin(), first.end());
  CHECK(first == std::vector<JobIndex>{std::min(a, b), std::max(a, b)});

  SECTION("success releases the dependents one step at a time") {
    schedule.finish(a, true);
    CHECK_FALSE(schedule.has_ready());
    schedule.finish(b, true);
    CHECK(schedule.pop_ready() == link);
    schedule.finish(link, true);
    CHECK(schedule.pop_ready() == test);
    schedule.finish(test, true);
    CHECK(schedule.unfinished() == 0);
  }
  SECTION("a failure blocks everything downstream") {
    schedule.finish(a, false);
    schedule.finish(b, true);
    CHECK_FALSE(schedule.has_ready());
    CHECK(schedule.unfinished() == 2);
  }
  CHECK_FALSE(schedule.is_selected(plan.job_by_id.at("unrelated")));
}
