// freshness: the seven rules of SPEC §3, in order, on an in-memory file system
// with its own clock and a real state database in a temporary directory.
#include <stdlib.h>

#include <catch2/catch.hpp>
#include <filesystem>

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

struct TempDb {
  TempDb() {
    char tmpl[] = "/tmp/pipeline-freshness-XXXXXX";
    dir = ::mkdtemp(tmpl);
  }
  ~TempDb() { std::filesystem::remove_all(dir); }
  std::string dir;
};

// Runs `job` as far as the state is concerned: stamps read at the start, outputs
// written, success recorded.
void simulate_run(FreshnessCheck& check, test::FakeFileSystem& fs, const Job& job) {
  check.job_starting(job);
  for (const std::string& out : job.outputs) fs.write(out);
  check.job_succeeded(job, std::chrono::milliseconds(5));
}

// A state database in a fresh directory, the plan of k_file, and an in-memory file
// system: what every case below starts from.
struct Fixture {
  TempDb tmp;
  Config config = parse_config("Pipeline.toml", "/r", k_file);
  Plan plan = build_plan(config);
  const Job& compile = plan.jobs[plan.job_by_id.at("compile")];
  test::FakeFileSystem fs;
  std::string warning;
  StateDb state = StateDb::open(tmp.dir + "/state.db", &warning);
};

}  // namespace

TEST_CASE_METHOD(Fixture, "the rules of SPEC §3 fire in order each with its reason",
                 "[freshness]") {
  auto check = make_state_check(config, plan, fs, state, Force::no);
  fs.write("a.c");
  fs.write("a.h");

  CHECK(check->check(compile).reason == "output a.o is missing");  // rule 3
  fs.write("a.o");
  fs.write("a.d");
  CHECK(check->check(compile).reason == "no successful run of it is recorded");  // rule 4

  simulate_run(*check, fs, compile);
  Verdict fresh = check->check(compile);
  CHECK_FALSE(fresh.run);
  CHECK(fresh.reason.find("up to date: inputs unchanged since the run of ") == 0);

  SECTION("rule 6: an input rewritten") {
    fs.write("a.h");
    CHECK(check->check(compile).reason == "input a.h changed since the last run");
  }
  SECTION("rule 6: an input made older, as by a restore from backup") {
    fs.set_mtime("a.c", 1);
    CHECK(check->check(compile).reason == "input a.c changed since the last run");
  }
  SECTION("rule 7: an output edited by hand") {
    fs.write("a.d");
    CHECK(check->check(compile).reason ==
          "output a.d was changed or replaced after the job wrote it");
  }
  SECTION("rule 5: the command changed") {
    Config changed = parse_config(
        "Pipeline.toml", "/r",
        std::string(k_file).replace(std::string(k_file).find("cc -c a.c"), 9, "cc -O2 -c a.c"));
    Plan plan2 = build_plan(changed);
    auto check2 = make_state_check(changed, plan2, fs, state, Force::no);
    CHECK(check2->check(plan2.jobs[plan2.job_by_id.at("compile")]).reason ==
          "its command or settings changed since the last run");
  }
  SECTION("rule 1: --force") {
    auto forced = make_state_check(config, plan, fs, state, Force::yes);
    CHECK(forced->check(compile).reason == "--force was given");
  }
  SECTION("the record survives the database being closed and opened again") {
    check->flush(FreshnessCheck::Due::now);
    StateDb reopened = StateDb::open(tmp.dir + "/state.db", &warning);
    auto check2 = make_state_check(config, plan, fs, reopened, Force::no);
    CHECK_FALSE(check2->check(compile).run);
  }
}

TEST_CASE_METHOD(Fixture, "an input edited while its job runs makes the next run redo it",
                 "[freshness]") {
  auto check = make_state_check(config, plan, fs, state, Force::no);
  fs.write("a.c");
  fs.write("a.h");
  check->job_starting(compile);
  fs.write("a.c");  // edited while the job runs
  fs.write("a.o");
  fs.write("a.d");
  check->job_succeeded(compile, std::chrono::milliseconds(1));
  CHECK(check->check(compile).reason == "input a.c changed since the last run");
}

TEST_CASE_METHOD(Fixture, "a job that starts loses its old record until it succeeds",
                 "[freshness]") {
  auto check = make_state_check(config, plan, fs, state, Force::no);
  fs.write("a.c");
  fs.write("a.h");
  simulate_run(*check, fs, compile);
  check->job_starting(compile);  // ... and then it fails or is killed
  CHECK(check->check(compile).reason == "no successful run of it is recorded");
}

TEST_CASE_METHOD(Fixture, "an existing tree is adopted when the state is new (rule 4)",
                 "[freshness]") {
  fs.write("a.c");
  fs.write("a.h");
  fs.write("a.o");
  SECTION("outputs newer than inputs: adopted") {
    fs.write("a.d");
    CHECK(adopt_existing_outputs(config, plan, fs, state) == 1);  // not `forever` (always)
    auto check = make_state_check(config, plan, fs, state, Force::no);
    CHECK_FALSE(check->check(compile).run);
  }
  SECTION("equal times count as up to date") {
    fs.write("a.d");
    fs.set_mtime("a.h", fs.stat("a.o").mtime_ns);
    CHECK(adopt_existing_outputs(config, plan, fs, state) == 1);
  }
  SECTION("an input newer than an output: not adopted") {
    fs.write("a.d");
    fs.write("a.h");
    CHECK(adopt_existing_outputs(config, plan, fs, state) == 0);
  }
  SECTION("a missing output: not adopted") {
    CHECK(adopt_existing_outputs(config, plan, fs, state) == 0);
  }
}

TEST_CASE_METHOD(Fixture, "jobs without files and always-jobs always run", "[freshness]") {
  fs.write("a.c");
  fs.write("a.txt");
  auto check = make_state_check(config, plan, fs, state, Force::no);
  CHECK(check->check(plan.jobs[plan.job_by_id.at("stamp")]).reason ==
        "it has neither inputs nor outputs");
  CHECK(check->check(plan.jobs[plan.job_by_id.at("forever")]).reason ==
        "the task has always = true");
}

TEST_CASE("the signature covers what rule 5 lists", "[freshness]") {
  auto signature = [](const std::string& task_body) {
    Config config = parse_config("Pipeline.toml", "/r", "[tasks.t]\n" + task_body);
    Plan plan = build_plan(config);
    return job_signature(config, plan.jobs[0]);
  };
  Hash128 base = signature("cmd = \"echo a\"\noutputs = [\"o\"]\n");
  CHECK(base ==
        signature("cmd = \"echo a\"\noutputs = [\"o\"]\ndescription = \"not part of it\"\n"));
  CHECK(base != signature("cmd = \"echo b\"\noutputs = [\"o\"]\n"));
  CHECK(base != signature("cmd = [\"echo\", \"a\"]\noutputs = [\"o\"]\n"));
  CHECK(base != signature("cmd = \"echo a\"\noutputs = [\"o\", \"p\"]\n"));
  CHECK(base != signature("cmd = \"echo a\"\noutputs = [\"o\"]\nenv = { X = \"1\" }\n"));
  CHECK(base != signature("cmd = \"echo a\"\noutputs = [\"o\"]\ndir = \"sub\"\n"));
  CHECK(base != signature("cmd = \"echo a\"\noutputs = [\"o\"]\nstdout = \"log\"\n"));
  CHECK(base != signature("cmd = \"echo a\"\noutputs = [\"o\"]\ninputs = [\"i\"]\n"));
}

TEST_CASE("a string command has one signature with and without the shell", "[freshness]") {
  Config config = parse_config("Pipeline.toml", "/r", "[tasks.t]\ncmd = \"cp a b\"\n");
  Plan direct = build_plan(config);
  Plan shell = build_plan(config, PlanOptions{DirectExec::never});
  REQUIRE(direct.jobs[0].commands[0].kind == JobCommand::Kind::direct);
  REQUIRE(shell.jobs[0].commands[0].kind == JobCommand::Kind::shell);
  CHECK(job_signature(config, direct.jobs[0]) == job_signature(config, shell.jobs[0]));
  // ... and the argv of the same words is another command (no shell, no `-e`).
  Config argv = parse_config("Pipeline.toml", "/r", "[tasks.t]\ncmd = [\"cp\", \"a\", \"b\"]\n");
  CHECK(job_signature(argv, build_plan(argv).jobs[0]) != job_signature(config, direct.jobs[0]));
}

// Thousands of jobs: enough paths for the stamps to be read ahead on threads.
TEST_CASE("stamps read ahead are not trusted once a dependency has run", "[freshness]") {
  TempDb tmp;
  test::FakeFileSystem fs;
  for (int i = 0; i < 3000; ++i) fs.write("src/" + std::to_string(i) + ".txt");
  Config config = parse_config("Pipeline.toml", "/r", R"(
[tasks.first]
inputs = ["src/{n}.txt"]
outputs = ["mid/{n}.txt"]
cmd = "cp {input} {output}"
[tasks.second]
inputs = ["mid/{n}.txt"]
outputs = ["out/{n}.txt"]
cmd = "cp {input} {output}"
)");
  Plan plan = build_plan(config, fs);
  REQUIRE(plan.jobs.size() == 6000);
  std::string warning;
  StateDb state = StateDb::open(tmp.dir + "/state.db", &warning);
  const std::vector<JobIndex> order = all_jobs(plan);
  {
    // Everything built once.
    auto check = make_state_check(config, plan, fs, state, Force::no);
    for (JobIndex j : order) simulate_run(*check, fs, plan.jobs[j]);
  }
  const Job& first = plan.jobs[plan.job_by_id.at("first[n=7]")];
  const Job& second = plan.jobs[plan.job_by_id.at("second[n=7]")];
  auto check = make_state_check(config, plan, fs, state, Force::no, order);
  // Asking reads (at least) the chunk of stamps holding second[n=7]'s files now.
  REQUIRE_FALSE(check->check(second).run);
  // Then first[n=7] runs and rewrites mid/7.txt: the stamp read ahead is stale.
  simulate_run(*check, fs, first);
  Verdict v = check->check(second);
  CHECK(v.run);
  CHECK(v.reason == "input mid/7.txt changed since the last run");
}
