// scheduler: slots, resources, priorities, overtaking without starvation — driven
// step by step, no processes.
#include <catch2/catch.hpp>

#include "pipeline/scheduler.hpp"

using namespace pipeline;

namespace {

JobNeeds needs(int slots, std::vector<std::int64_t> amounts = {}) {
  return {slots, std::move(amounts)};
}

}  // namespace

TEST_CASE("the highest priority starts first ties in order of arrival", "[scheduler]") {
  Scheduler s(1, {});
  s.add(0, 1.0, needs(1));
  s.add(1, 5.0, needs(1));
  s.add(2, 5.0, needs(1));
  CHECK(s.next() == JobIndex(1));
  CHECK_FALSE(s.next());  // the one slot is taken
  s.release(1);
  CHECK(s.next() == JobIndex(2));
  s.release(2);
  CHECK(s.next() == JobIndex(0));
}

TEST_CASE("a job that does not fit waits while smaller ones start", "[scheduler]") {
  Scheduler s(3, {100});
  s.add(0, 1.0, needs(1, {60}));
  s.add(1, 1.0, needs(1, {60}));
  s.add(2, 1.0, needs(1, {0}));
  CHECK(s.next() == JobIndex(0));
  // 1 does not fit (40 left) but needs memory, not slots: 2 overtakes it.
  CHECK(s.next() == JobIndex(2));
  CHECK_FALSE(s.next());
  s.release(0);
  CHECK(s.next() == JobIndex(1));
}

TEST_CASE("a job passed over reserves what it lacks: no starvation", "[scheduler]") {
  Scheduler s(4, {100});
  s.add(0, 1.0, needs(1, {50}));
  CHECK(s.next() == JobIndex(0));
  s.add(1, 1.0, needs(1, {80}));
  CHECK_FALSE(s.next());          // only 50 free: 1 is passed over, and now reserves
  s.add(2, 9.0, needs(1, {30}));  // higher priority, and it would fit in the free 50...
  CHECK_FALSE(s.next());          // ... but the free memory is 1's
  s.release(0);
  CHECK(s.next() == JobIndex(1));
  CHECK_FALSE(s.next());  // 20 left: 2 waits
  s.release(1);
  CHECK(s.next() == JobIndex(2));
}

TEST_CASE("threads take several slots; a job asking for all of them runs alone", "[scheduler]") {
  Scheduler s(2, {});
  s.add(0, 1.0, needs(1));
  s.add(1, 1.0, needs(2));
  s.add(2, 1.0, needs(1));
  CHECK(s.next() == JobIndex(0));
  CHECK(s.next() == JobIndex(2));  // 1 does not fit and is passed over; 2 overtakes
  s.add(3, 1.0, needs(1));
  s.release(0);
  CHECK_FALSE(s.next());  // the free slot is reserved for 1: 3 waits
  s.release(2);
  CHECK(s.next() == JobIndex(1));
  CHECK_FALSE(s.next());
  s.release(1);
  CHECK(s.next() == JobIndex(3));
}

TEST_CASE("the longest remaining path is weighted by recorded durations", "[scheduler]") {
  Config config = parse_config("Pipeline.toml", "/r", R"(
[tasks.a]
outputs = ["a"]
cmd = "true"
[tasks.b]
inputs = ["a"]
outputs = ["b"]
cmd = "true"
[tasks.lone]
cmd = "true"
)");
  Plan plan = build_plan(config);
  JobIndex a = plan.job_by_id.at("a"), b = plan.job_by_id.at("b"), lone = plan.job_by_id.at("lone");
  std::vector<JobIndex> all = all_jobs(plan);
  SECTION("never seen: every job weighs 1") {
    auto length = remaining_path_lengths(plan, all, {});
    CHECK(length[a] == 2.0);
    CHECK(length[b] == 1.0);
    CHECK(length[lone] == 1.0);
  }
  SECTION("recorded durations decide") {
    std::vector<std::int64_t> expected(plan.jobs.size(), 0);
    expected[a] = 10;
    expected[b] = 10;
    expected[lone] = 500;
    auto length = remaining_path_lengths(plan, all, expected);
    CHECK(length[a] == 20.0);
    CHECK(length[lone] == 500.0);
  }
}

TEST_CASE("resources are checked against [pipeline.resources]", "[scheduler]") {
  SECTION("undeclared") {
    Config config = parse_config("Pipeline.toml", "/r",
                                 "[pipeline.resources]\nmem_mb = 10\n[tasks.t]\ncmd = "
                                 "\"true\"\nresources = { mem_m = 1 }\n");
    try {
      check_resources(config);
      FAIL("no error");
    } catch (const ConfigError& e) {
      CHECK(e.pos().line == 5);
      CHECK(e.hint() == "did you mean 'mem_mb'?");
    }
  }
  SECTION("more than exists") {
    Config config = parse_config("Pipeline.toml", "/r",
                                 "[pipeline.resources]\nmem_mb = 10\n[tasks.t]\ncmd = "
                                 "\"true\"\nresources = { mem_mb = 11 }\n");
    CHECK_THROWS_AS(check_resources(config), ConfigError);
  }
  SECTION("within the totals") {
    Config config = parse_config("Pipeline.toml", "/r",
                                 "[pipeline.resources]\nmem_mb = 10\n[tasks.t]\ncmd = "
                                 "\"true\"\nresources = { mem_mb = 10 }\n");
    CHECK_NOTHROW(check_resources(config));
  }
}
