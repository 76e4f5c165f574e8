// freshness: the first-cut rules (always/force, no files, missing output, make's
// rule), on an in-memory file system with its own clock.
#include <catch2/catch.hpp>

#include "fake_file_system.hpp"
#include "pipeline/freshness.hpp"

using namespace pipeline;

namespace {

const char* k_file = R"(
[tasks.compile]
inputs = ["a.c", "a.h"]
outputs = ["a.o", "a.d"]
cmd = "cc -c a.c"
[tasks.stamp]
cmd = "date"
[tasks.forever]
inputs = ["a.c"]
outputs = ["a.txt"]
always = true
cmd = "cat a.c > a.txt"
)";

}  // namespace

TEST_CASE("a job runs when an output is missing or an input is newer", "[freshness]") {
  Config config = parse_config("Pipeline.toml", "/r", k_file);
  Plan plan = build_plan(config);
  const Job& compile = plan.jobs[plan.job_by_id.at("compile")];
  test::FakeFileSystem fs;
  auto check = make_timestamp_check(config, fs, Force::no);

  fs.write("a.c");
  fs.write("a.h");
  SECTION("no outputs yet") {
    Verdict v = check->check(compile);
    CHECK(v.run);
    CHECK(v.reason == "output a.o is missing");
  }
  fs.write("a.o");
  fs.write("a.d");
  SECTION("outputs newer than inputs: up to date") { CHECK_FALSE(check->check(compile).run); }
  SECTION("an input newer than the oldest output") {
    fs.write("a.h");
    Verdict v = check->check(compile);
    CHECK(v.run);
    CHECK(v.reason == "input a.h is newer than output a.o");
  }
  SECTION("equal times count as up to date (gzip -k, cp -p)") {
    fs.set_mtime("a.c", fs.stat("a.o").mtime_ns);
    CHECK_FALSE(check->check(compile).run);
  }
  SECTION("an output that cannot be examined") {
    fs.make_unreadable("a.d", 13);
    CHECK(check->check(compile).run);
  }
  SECTION("--force") {
    auto forced = make_timestamp_check(config, fs, Force::yes);
    CHECK(forced->check(compile).run);
  }
}

TEST_CASE("jobs without files and always-jobs always run", "[freshness]") {
  Config config = parse_config("Pipeline.toml", "/r", k_file);
  Plan plan = build_plan(config);
  test::FakeFileSystem fs;
  fs.write("a.c");
  fs.write("a.txt");
  auto check = make_timestamp_check(config, fs, Force::no);
  CHECK(check->check(plan.jobs[plan.job_by_id.at("stamp")]).reason == "it has neither inputs nor outputs");
  CHECK(check->check(plan.jobs[plan.job_by_id.at("forever")]).reason == "the task has always = true");
}
