// plan: jobs, edges, order, cycles, collisions, targets and fan-out — on a fake
// file system, so no I/O anywhere.
#include <fmt/format.h>

#include <algorithm>
#include <catch2/catch.hpp>

#include "fake_file_system.hpp"
#include "pipeline/plan.hpp"

using namespace pipeline;

namespace {

Config config_of(const std::string& text) { return parse_config("Pipeline.toml", "/root", text); }

template <class Jobs>
std::vector<std::string> ids(const Plan& plan, const Jobs& jobs) {
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

TEST_CASE("selection takes the targets and everything they need with dependencies first",
          "[plan]") {
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
    Config config =
        config_of("[tasks.a]\ncmd = \"true\"\ndeps = [\"bb\"]\n[tasks.b]\ncmd = \"true\"\n");
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
  SECTION("sandbox, not available in this version") {
    Config config = config_of("[tasks.a]\nsandbox = true\ncmd = \"true\"\n");
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
  CHECK(job.commands[0].argv ==
        std::vector<std::string>{"/bin/sh", "-ec", "cc -O2 -g -c 'a b;echo PWNED.c' -o out.o"});
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

// ---------------------------------------------------------------------------
// Fan-out: wildcards, globs and matrices (SPEC §1.3, §1.4, §2.3).

namespace {

using Strings = std::vector<std::string>;

// The ids of the jobs of task `name`, in plan order.
Strings task_ids(const Config& config, const Plan& plan, const std::string& name) {
  return ids(plan, plan.task_jobs[std::size_t(config.find_task(name))]);
}

const Job& job(const Plan& plan, const std::string& id) { return plan.jobs[plan.job_by_id.at(id)]; }

// The error message of planning `text` on `fs` (fails the test if there is none).
ConfigError plan_error(const std::string& text, test::FakeFileSystem& fs) {
  Config config = config_of(text);
  try {
    build_plan(config, fs);
  } catch (const ConfigError& e) {
    return e;
  }
  FAIL("no error");
  throw std::logic_error("unreachable");
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

const char* k_satellite = R"(
[tasks.unpack]
inputs = ["raw/{frame}.bz2"]
outputs = ["work/{frame}.dat"]
cmd = ["bunzip2", "-kc", "{input}"]
stdout = "{output}"

[tasks.calibrate]
inputs = { frame = "work/{frame}.dat", table = "calib/table.json" }
outputs = ["out/{frame}.nc"]
cmd = "calibrate --table {inputs.table} {inputs.frame} -o {output} # {frame}"

[tasks.mosaic]
inputs = ["out/*.nc"]
outputs = ["mosaic.tif"]
cmd = ["mosaic", "-o", "{output}", "{inputs}"]
)";

}  // namespace

TEST_CASE("a wildcard task has one job per matching file", "[plan][fanout]") {
  test::FakeFileSystem fs;
  for (const char* f : {"raw/0001.bz2", "raw/0002.bz2", "raw/0003.bz2", "raw/notes.txt",
                        "raw/sub/0004.bz2", "elsewhere/0005.bz2"})
    fs.write(f);
  Config config = config_of(k_satellite);
  Plan plan = build_plan(config, fs);
  CHECK(task_ids(config, plan, "unpack") ==
        Strings{"unpack[frame=0001]", "unpack[frame=0002]", "unpack[frame=0003]"});
  const Job& first = job(plan, "unpack[frame=0001]");
  CHECK(first.inputs == Strings{"raw/0001.bz2"});
  CHECK(first.outputs == Strings{"work/0001.dat"});
  CHECK(first.commands[0].argv == Strings{"bunzip2", "-kc", "raw/0001.bz2"});
  CHECK(first.stdout_path == "work/0001.dat");
  CHECK(plan.warnings.empty());
}

TEST_CASE("a chain of wildcard tasks plans in a fresh tree from planned outputs",
          "[plan][fanout]") {
  test::FakeFileSystem fs;
  fs.write("raw/0001.bz2");
  fs.write("raw/0002.bz2");
  fs.write("calib/table.json");
  Config config = config_of(k_satellite);
  Plan plan = build_plan(config, fs);
  SECTION("the second step matches the first step's planned outputs") {
    CHECK(task_ids(config, plan, "calibrate") ==
          Strings{"calibrate[frame=0001]", "calibrate[frame=0002]"});
    const Job& cal = job(plan, "calibrate[frame=0002]");
    CHECK(cal.inputs == Strings{"work/0002.dat", "calib/table.json"});
    CHECK(ids(plan, cal.deps) == Strings{"unpack[frame=0002]"});
    CHECK(cal.commands[0].display ==
          "calibrate --table calib/table.json work/0002.dat -o out/0002.nc # 0002");
  }
  SECTION("the aggregate sees every planned output, sorted") {
    const Job& mosaic = job(plan, "mosaic");
    CHECK(mosaic.inputs == Strings{"out/0001.nc", "out/0002.nc"});
    CHECK(mosaic.commands[0].argv ==
          Strings{"mosaic", "-o", "mosaic.tif", "out/0001.nc", "out/0002.nc"});
    CHECK(mosaic.deps.size() == 2);
  }
  SECTION("existing and planned paths are merged without duplicates") {
    fs.write("out/0001.nc");  // built by an earlier run
    fs.write("out/9999.nc");  // left by hand
    Plan again = build_plan(config, fs);
    CHECK(job(again, "mosaic").inputs == Strings{"out/0001.nc", "out/0002.nc", "out/9999.nc"});
  }
  SECTION("the task order does not depend on the file order") {
    Config reversed = config_of(std::string(R"(
[tasks.last]
inputs = ["out/{frame}.nc"]
outputs = ["final/{frame}.txt"]
cmd = "true"
)") + k_satellite);
    Plan p = build_plan(reversed, fs);
    CHECK(task_ids(reversed, p, "last") == Strings{"last[frame=0001]", "last[frame=0002]"});
  }
}

TEST_CASE("a value set makes a job only if every wildcard input matches", "[plan][fanout]") {
  test::FakeFileSystem fs;
  for (const char* f :
       {"work/a.dat", "work/b.dat", "work/c.dat", "meta/b.json", "meta/c.json", "meta/d.json"})
    fs.write(f);
  Config config = config_of(R"(
[tasks.join]
inputs = ["work/{frame}.dat", "meta/{frame}.json"]
outputs = ["out/{frame}.nc"]
cmd = "true"
)");
  Plan plan = build_plan(config, fs);
  CHECK(task_ids(config, plan, "join") == Strings{"join[frame=b]", "join[frame=c]"});
  CHECK(job(plan, "join[frame=c]").inputs == Strings{"work/c.dat", "meta/c.json"});
}

TEST_CASE("a regex constrains what a wildcard matches", "[plan][fanout]") {
  test::FakeFileSystem fs;
  for (const char* f : {"in/0042.txt", "in/42.txt", "in/abcd.txt", "in/12345.txt"}) fs.write(f);
  Config config = config_of(R"(
[tasks.four]
inputs = ["in/{id:[0-9]{4}}.txt"]
outputs = ["out/{id}.txt"]
cmd = "true"
)");
  Plan plan = build_plan(config, fs);
  CHECK(task_ids(config, plan, "four") == Strings{"four[id=0042]"});
  SECTION("a regex may span directories") {
    test::FakeFileSystem tree;
    tree.write("logs/2026-11-01/web.log");
    tree.write("logs/2026-11-02/db.log");
    tree.write("logs/readme.txt");
    Config gz = config_of(R"(
[tasks.gz]
inputs = ["logs/{path:.+}.log"]
outputs = ["compressed/{path}.log.gz"]
cmd = ["gzip", "-c", "{input}"]
stdout = "{output}"
)");
    Plan p = build_plan(gz, tree);
    CHECK(task_ids(gz, p, "gz") == Strings{"gz[path=2026-11-01/web]", "gz[path=2026-11-02/db]"});
    CHECK(job(p, "gz[path=2026-11-02/db]").outputs == Strings{"compressed/2026-11-02/db.log.gz"});
  }
}

TEST_CASE("a matrix makes one job per combination", "[plan][fanout]") {
  test::FakeFileSystem fs;
  Config config = config_of(R"(
[tasks.tile]
matrix = { level = ["L1", "L2"], band = ["B01", "B02", "B03"] }
outputs = ["tiles/{band}/{level}.tif"]
cmd = "make-tile --band {band} --level {level} -o {output} # {job}"
)");
  Plan plan = build_plan(config, fs);
  CHECK(task_ids(config, plan, "tile") ==
        Strings{"tile[band=B01,level=L1]", "tile[band=B01,level=L2]", "tile[band=B02,level=L1]",
                "tile[band=B02,level=L2]", "tile[band=B03,level=L1]", "tile[band=B03,level=L2]"});
  const Job& j = job(plan, "tile[band=B02,level=L1]");
  CHECK(j.outputs == Strings{"tiles/B02/L1.tif"});
  CHECK(j.commands[0].display ==
        "make-tile --band B02 --level L1 -o tiles/B02/L1.tif # 'tile[band=B02,level=L1]'");
  SECTION("a matrix joins with wildcard inputs on shared names") {
    fs.write("src/B01/a.tif");
    fs.write("src/B02/b.tif");
    fs.write("src/B09/c.tif");
    Config joined = config_of(R"(
[tasks.warp]
matrix = { band = ["B01", "B02"] }
inputs = ["src/{band}/{scene}.tif"]
outputs = ["warped/{band}/{scene}.tif"]
cmd = "true"
)");
    Plan p = build_plan(joined, fs);
    CHECK(task_ids(joined, p, "warp") ==
          Strings{"warp[band=B01,scene=a]", "warp[band=B02,scene=b]"});
  }
}

TEST_CASE("job ids escape commas brackets and backslashes in values and select one job",
          "[plan][fanout]") {
  test::FakeFileSystem fs;
  fs.write("in/a,b.txt");
  fs.write("in/c]d.txt");
  fs.write("in/e\\f.txt");
  fs.write("in/plain.txt");
  Config config = config_of(R"(
[tasks.t]
inputs = ["in/{name}.txt"]
outputs = ["out/{name}.txt"]
cmd = "cp {input} {output}"
)");
  Plan plan = build_plan(config, fs);
  CHECK(task_ids(config, plan, "t") ==
        Strings{"t[name=a\\,b]", "t[name=c\\]d]", "t[name=e\\\\f]", "t[name=plain]"});
  CHECK(job(plan, "t[name=e\\\\f]").commands[0].display == "cp 'in/e\\f.txt' 'out/e\\f.txt'");
  CHECK(ids(plan, select_jobs(config, plan, {"t[name=c\\]d]"})) == Strings{"t[name=c\\]d]"});
  CHECK(ids(plan, select_jobs(config, plan, {"out/plain.txt"})) == Strings{"t[name=plain]"});
  CHECK(select_jobs(config, plan, {"t"}).size() == 4);
}

TEST_CASE("globs in inputs see existing files and planned outputs", "[plan][fanout]") {
  test::FakeFileSystem fs;
  for (const char* f : {"src/main.c", "src/lib/util.c", "src/lib/.hidden.c", "src/notes.md"})
    fs.write(f);
  Config config = config_of(R"(
[tasks.gen]
outputs = ["src/gen/table.c"]
cmd = "true"

[tasks.count]
inputs = { sources = "src/**/*.c", extra = ["README.md"] }
outputs = ["count.txt"]
cmd = ["wc", "-l", "{inputs.sources}"]
)");
  Plan plan = build_plan(config, fs);
  const Job& count = job(plan, "count");
  CHECK(count.inputs == Strings{"README.md", "src/gen/table.c", "src/lib/util.c", "src/main.c"});
  CHECK(count.commands[0].argv ==
        Strings{"wc", "-l", "src/gen/table.c", "src/lib/util.c", "src/main.c"});
  CHECK(ids(plan, count.deps) == Strings{"gen"});
  SECTION("a glob with the task's wildcards groups by their values") {
    test::FakeFileSystem days;
    for (const char* f :
         {"out/20261121T0100_1.nc", "out/20261121T0200_2.nc", "out/20261122T0100_3.nc"})
      days.write(f);
    Config daily = config_of(R"(
[tasks.summary]
inputs = ["out/{day}T*.nc"]
outputs = ["summary/{day}.txt"]
cmd = "cat {inputs} > {output}"
)");
    Plan p = build_plan(daily, days);
    CHECK(task_ids(daily, p, "summary") ==
          Strings{"summary[day=20261121]", "summary[day=20261122]"});
    CHECK(job(p, "summary[day=20261121]").inputs ==
          Strings{"out/20261121T0100_1.nc", "out/20261121T0200_2.nc"});
  }
}

TEST_CASE("deps between wildcard tasks join on shared wildcards", "[plan][fanout]") {
  test::FakeFileSystem fs;
  for (const char* f : {"in/d1_a.txt", "in/d1_b.txt", "in/d2_c.txt"}) fs.write(f);
  Config config = config_of(R"(
[tasks.fetch]
inputs = ["in/{day}_{frame}.txt"]
outputs = ["stamp/{day}_{frame}"]
cmd = "true"

[tasks.check]
deps = ["fetch"]
inputs = ["in/{day}_{frame}.txt"]
outputs = ["checked/{day}_{frame}"]
cmd = "true"

[tasks.daily]
deps = ["fetch"]
matrix = { day = ["d1", "d2"] }
outputs = ["daily/{day}"]
cmd = "true"

[tasks.setup]
cmd = "true"

[tasks.other]
matrix = { x = ["1", "2"] }
deps = ["setup", "fetch"]
cmd = "true"
)");
  Plan plan = build_plan(config, fs);
  SECTION("the same wildcards: job to matching job") {
    CHECK(ids(plan, job(plan, "check[day=d1,frame=b]").deps) == Strings{"fetch[day=d1,frame=b]"});
  }
  SECTION("a dependent with fewer wildcards waits for the jobs that agree on them") {
    CHECK(ids(plan, job(plan, "daily[day=d1]").deps) ==
          Strings{"fetch[day=d1,frame=a]", "fetch[day=d1,frame=b]"});
    CHECK(ids(plan, job(plan, "daily[day=d2]").deps) == Strings{"fetch[day=d2,frame=c]"});
  }
  SECTION("no shared names: every job") { CHECK(job(plan, "other[x=1]").deps.size() == 4); }
}

TEST_CASE("fan-out errors are located and name what collides", "[plan][fanout]") {
  test::FakeFileSystem fs;
  fs.write("in/a.txt");
  fs.write("in/b.txt");
  SECTION("a wildcard missing from an output") {
    ConfigError e = plan_error(R"(
[tasks.t]
inputs = ["in/{name}.txt"]
outputs = ["out/{name}.txt", "out/all.log"]
cmd = "true"
)",
                               fs);
    CHECK(contains(e.what(), "'{name}'"));
    CHECK(contains(e.what(), "out/all.log"));
    CHECK(e.pos().line == 4);
    CHECK(e.pos().column == 30);
  }
  SECTION("a wildcard in an output that no input defines") {
    ConfigError e = plan_error("[tasks.t]\noutputs = [\"out/{nope}.txt\"]\ncmd = \"true\"\n", fs);
    CHECK(contains(e.what(), "'{nope}'"));
    CHECK(e.pos().line == 2);
  }
  SECTION("two jobs with the same output") {
    ConfigError e = plan_error(R"(
[tasks.t]
inputs = ["in/{name}.txt"]
outputs = ["out/{name}.txt"]
cmd = "true"

[tasks.u]
outputs = ["out/b.txt"]
cmd = "true"
)",
                               fs);
    CHECK(contains(e.what(), "'t[name=b]'"));
    CHECK(contains(e.what(), "'u'"));
    CHECK(contains(e.what(), "out/b.txt"));
  }
  SECTION("a regex that does not compile") {
    ConfigError e = plan_error("[tasks.t]\ninputs = [\"in/{name:[a-}.txt\"]\ncmd = \"true\"\n", fs);
    CHECK(contains(e.what(), "regex"));
    CHECK(e.pos().line == 2);
    CHECK(e.pos().column == 15);  // the '{' of the wildcard
  }
  SECTION("a glob in an output") {
    ConfigError e = plan_error("[tasks.t]\noutputs = [\"out/*.txt\"]\ncmd = \"true\"\n", fs);
    CHECK(contains(e.what(), "glob"));
  }
  SECTION("a var named like a matrix name, at the var") {
    ConfigError e = plan_error(R"(
[vars]
band = "B01"
[tasks.t]
matrix = { band = ["B01"] }
cmd = "true"
)",
                               fs);
    CHECK(contains(e.what(), "var 'band'"));
    CHECK(e.pos().line == 3);
  }
  SECTION("an undefined placeholder in a command of a wildcard task suggests the wildcard") {
    ConfigError e = plan_error(R"(
[tasks.t]
inputs = ["in/{name}.txt"]
cmd = "echo {nmae}"
)",
                               fs);
    CHECK(e.hint() ==
          "to write literal braces, double them: '{{nmae}}' (for example awk '{{print}}')");
    CHECK(contains(e.what(), "did you mean '{name}'?"));
  }
}

TEST_CASE("an input pattern that matches nothing is a warning and not an error", "[plan][fanout]") {
  test::FakeFileSystem fs;
  Config config = config_of(
      "[tasks.t]\ninputs = [\"raw/{frame}.bz2\"]\noutputs = [\"w/{frame}\"]\ncmd = \"true\"\n"
      "[tasks.m]\ninputs = [\"w/*\", \"x/*.c\"]\ncmd = \"true\"\n");
  Plan plan = build_plan(config, fs);
  CHECK(plan.task_jobs[0].empty());
  CHECK(plan.task_jobs[1].size() == 1);
  // Once each: raw/{frame}.bz2, then w/* (t has no jobs to write any) and x/*.c.
  REQUIRE(plan.warnings.size() == 3);
  CHECK(plan.warnings[0].find("Pipeline.toml:2:11: warning: task 't'") == 0);
  CHECK(contains(plan.warnings[0], "raw/{frame}.bz2"));
  CHECK(contains(plan.warnings[1], "w/*"));
  CHECK(contains(plan.warnings[2], "x/*.c"));
}

TEST_CASE("a cycle between tasks works when the jobs form none", "[plan][fanout]") {
  test::FakeFileSystem fs;
  fs.write("data/a.x");
  SECTION("patterns that only look alike") {
    // {name}.x -> {name}.x.y looks like it could feed itself (same prefix, and ".x" ...),
    // and y -> z -> x through other tasks; the jobs settle after a few rounds.
    Config config = config_of(R"(
[tasks.one]
inputs = ["data/{n:[a-z]+}.x"]
outputs = ["data/{n}.y"]
cmd = "true"
[tasks.two]
inputs = ["data/{n}.y"]
outputs = ["data/{n}.z.x"]
cmd = "true"
)");
    Plan plan = build_plan(config, fs);
    CHECK(task_ids(config, plan, "one") == Strings{"one[n=a]"});
    CHECK(task_ids(config, plan, "two") == Strings{"two[n=a]"});
  }
  SECTION("patterns that feed themselves without end are an error") {
    ConfigError e = plan_error(R"(
[tasks.grow]
inputs = ["data/{n}.x"]
outputs = ["data/{n}.x.x"]
cmd = "true"
)",
                               fs);
    CHECK(contains(e.what(), "'grow'"));
    CHECK(contains(e.what(), "itself"));
  }
}

TEST_CASE("a hundred thousand files plan quickly", "[plan][fanout]") {
  test::FakeFileSystem fs;
  for (int i = 0; i < 100000; ++i) fs.write(fmt::format("in/{:06}.txt", i));
  Config config = config_of(R"(
[tasks.a]
inputs = ["in/{name}.txt"]
outputs = ["mid/{name}.txt"]
cmd = "cp {input} {output}"
[tasks.b]
inputs = ["mid/{name}.txt"]
outputs = ["out/{name}.txt"]
cmd = "cp {input} {output}"
)");
  Plan plan = build_plan(config, fs);
  CHECK(plan.jobs.size() == 200000);
  CHECK(ids(plan, job(plan, "b[name=099999]").deps) == Strings{"a[name=099999]"});
}

TEST_CASE("a task without jobs still reports undefined placeholders", "[plan][fanout]") {
  test::FakeFileSystem fs;  // no raw frames yet
  SECTION("an undefined name") {
    ConfigError e = plan_error(R"(
[tasks.t]
inputs = ["raw/{frame}.bz2"]
outputs = ["work/{frame}.dat"]
cmd = "unpack {fram} > {output}"
)",
                               fs);
    CHECK(contains(e.what(), "did you mean '{frame}'?"));
    CHECK(e.pos().line == 5);
  }
  SECTION("what only a real job could decide is not an error") {
    Config config = config_of(R"(
[tasks.t]
inputs = { frames = "raw/{day}_*.bz2" }
outputs = ["work/{day}.dat"]
cmd = "merge {inputs[7]} {inputs.frames} {input} > {output}"
)");
    Plan plan = build_plan(config, fs);
    CHECK(plan.task_jobs[0].empty());
  }
}

TEST_CASE("jobs of a task share an env that does not depend on the job", "[plan][fanout]") {
  test::FakeFileSystem fs;
  fs.write("in/a.txt");
  fs.write("in/b.txt");
  Config config = config_of(R"(
[vars]
locale = "C"
[env]
LC_ALL = "{locale}"
[tasks.same]
inputs = ["in/{n}.txt"]
cmd = "true"
[tasks.own]
inputs = ["in/{n}.txt"]
env = { NAME = "{n}" }
cmd = "true"
)");
  Plan plan = build_plan(config, fs);
  const Job& a = job(plan, "same[n=a]");
  const Job& b = job(plan, "same[n=b]");
  REQUIRE(a.env.size() == 1);
  CHECK(a.env[0] == EnvList::Entry{"LC_ALL", "C"});
  CHECK(a.env.begin() == b.env.begin());  // one copy
  const Job& own = job(plan, "own[n=b]");
  REQUIRE(own.env.size() == 2);
  CHECK(own.env[1] == EnvList::Entry{"NAME", "b"});
}

TEST_CASE("${NAME} in env values comes from pipeline's environment", "[plan][env_refs]") {
  ::setenv("PIPELINE_TEST_PLAN_ENV", "/opt/bin", 1);
  test::FakeFileSystem fs;
  SECTION("in [env] and a task's env, beside placeholders; $$ is a dollar") {
    Config config = config_of(R"(
[vars]
tools = "tools/bin"
[env]
PATH = "{tools}:${PIPELINE_TEST_PLAN_ENV}"
[tasks.t]
env = { PRICE = "$$5 {task} ${PIPELINE_TEST_PLAN_ENV}", SHELL_VAR = "$HOME" }
cmd = "true"
)");
    Plan plan = build_plan(config, fs);
    const Job& t = job(plan, "t");
    REQUIRE(t.env.size() == 3);
    CHECK(t.env[0] == EnvList::Entry{"PATH", "tools/bin:/opt/bin"});
    CHECK(t.env[1] == EnvList::Entry{"PRICE", "$5 t /opt/bin"});
    CHECK(t.env[2] == EnvList::Entry{"SHELL_VAR", "$HOME"});
  }
  SECTION("a malformed reference is located in the file") {
    Config config = config_of("[tasks.t]\ncmd = \"true\"\nenv = { P = \"a:${PATH\" }\n");
    try {
      build_plan(config, fs);
      FAIL("expected an error");
    } catch (const ConfigError& e) {
      CHECK(e.pos().line == 3);
      CHECK(e.pos().column == 16);  // the dollar
      CHECK_THAT(std::string(e.what()), Catch::Contains("without its closing"));
    }
  }
  ::unsetenv("PIPELINE_TEST_PLAN_ENV");
}

TEST_CASE("deps and dependents are sorted unique and mirror each other", "[plan]") {
  Config config = config_of(k_chain);
  Plan plan = build_plan(config);
  std::size_t edges = 0;
  for (JobIndex j = 0; j < plan.jobs.size(); ++j) {
    const Job& job = plan.jobs[j];
    CHECK(std::is_sorted(job.deps.begin(), job.deps.end()));
    CHECK(std::adjacent_find(job.deps.begin(), job.deps.end()) == job.deps.end());
    for (JobIndex d : job.deps) {
      const JobList& back = plan.jobs[d].dependents;
      CHECK(std::find(back.begin(), back.end(), j) != back.end());
    }
    edges += job.deps.size();
  }
  CHECK(edges == 3);  // link <- compile_a, compile_b; test <- link
  CHECK(ids(plan, plan.jobs[plan.job_by_id.at("link")].dependents) == Strings{"test"});
}

TEST_CASE("a string command without shell syntax runs without the shell", "[plan]") {
  const char* text = R"(
[tasks.copy]
inputs = ["src/{name}.txt"]
outputs = ["out/{name}.txt"]
cmd = "cp {input} {output}"
[tasks.pipe]
cmd = "ls | wc -l"
)";
  test::FakeFileSystem fs;
  fs.write("src/a.txt");
  fs.write("src/b c.txt");
  Config config = config_of(text);

  SECTION("direct: argv is the words, display and the shell argv are the shell's") {
    Plan plan = build_plan(config, fs);
    const JobCommand& cmd = plan.jobs[plan.job_by_id.at("copy[name=a]")].commands[0];
    CHECK(cmd.kind == JobCommand::Kind::direct);
    CHECK(cmd.argv == std::vector<std::string>{"cp", "src/a.txt", "out/a.txt"});
    CHECK(cmd.display == "cp src/a.txt out/a.txt");
    CHECK(cmd.shell_argv() == std::vector<std::string>{"/bin/sh", "-ec", "cp src/a.txt out/a.txt"});
  }
  SECTION("a value that needs quoting keeps the shell") {
    Plan plan = build_plan(config, fs);
    const JobCommand& cmd = plan.jobs[plan.job_by_id.at("copy[name=b c]")].commands[0];
    CHECK(cmd.kind == JobCommand::Kind::shell);
    CHECK(cmd.argv == std::vector<std::string>{"/bin/sh", "-ec", "cp 'src/b c.txt' 'out/b c.txt'"});
  }
  SECTION("shell syntax keeps the shell") {
    Plan plan = build_plan(config, fs);
    const JobCommand& cmd = plan.jobs[plan.job_by_id.at("pipe")].commands[0];
    CHECK(cmd.kind == JobCommand::Kind::shell);
    CHECK(cmd.argv == std::vector<std::string>{"/bin/sh", "-ec", "ls | wc -l"});
  }
  SECTION("DirectExec::never keeps the shell") {
    Plan plan = build_plan(config, fs, PlanOptions{DirectExec::never});
    const JobCommand& cmd = plan.jobs[plan.job_by_id.at("copy[name=a]")].commands[0];
    CHECK(cmd.kind == JobCommand::Kind::shell);
    CHECK(cmd.argv == std::vector<std::string>{"/bin/sh", "-ec", "cp src/a.txt out/a.txt"});
  }
  SECTION("a custom shell always runs") {
    Config custom = config_of(std::string("[pipeline]\nshell = [\"bash\", \"-c\"]\n") + text);
    Plan plan = build_plan(custom, fs);
    const JobCommand& cmd = plan.jobs[plan.job_by_id.at("copy[name=a]")].commands[0];
    CHECK(cmd.kind == JobCommand::Kind::shell);
    CHECK(cmd.argv == std::vector<std::string>{"bash", "-c", "cp src/a.txt out/a.txt"});
  }
  SECTION("an array command stays an argv") {
    Config array = config_of("[tasks.t]\ncmd = [\"cp\", \"a\", \"b\"]\n");
    Plan plan = build_plan(array, fs);
    CHECK(plan.jobs[0].commands[0].kind == JobCommand::Kind::argv);
    CHECK(plan.jobs[0].commands[0].shell_argv() == std::vector<std::string>{"cp", "a", "b"});
  }
}
