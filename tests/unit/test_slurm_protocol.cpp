// slurm_protocol: sbatch's argv, the parsers of squeue/scontrol/sacct output as
// SLURM 22.05 prints it, and the job script run by the real /bin/sh.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "pipeline/slurm_protocol.hpp"
#include "temp_dir.hpp"

using namespace pipeline;
using namespace std::chrono_literals;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void spit(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

bool has(const std::vector<std::string>& argv, const std::string& a) {
  return std::find(argv.begin(), argv.end(), a) != argv.end();
}

}  // namespace

TEST_CASE("sbatch gets threads, memory, gpus, time and the job name", "[slurm_protocol]") {
  SbatchRequest r;
  r.task = "calibrate";
  r.cpus_per_task = 4;
  r.array_size = 3;
  r.script = "/s/array-1.sh";
  r.slurm_output = "/s/array-1-%a.out";
  SECTION("declared") {
    r.mem_mb = 2000;
    r.gpus = 1;
    r.time_limit = 90s;
    r.partition = "gpu";
    r.account = "sat";
    r.qos = "low";
    r.extra_args = {"--exclusive"};
    auto argv = sbatch_argv(r);
    CHECK(argv.front() == "sbatch");
    CHECK(argv.back() == "/s/array-1.sh");
    CHECK(has(argv, "--parsable"));
    CHECK(has(argv, "--job-name=pipeline:calibrate"));
    CHECK(has(argv, "--array=0-2"));
    CHECK(has(argv, "--cpus-per-task=4"));
    CHECK(has(argv, "--mem=2000M"));
    CHECK(has(argv, "--gres=gpu:1"));
    CHECK(has(argv, "--time=2"));
    CHECK(has(argv, "--partition=gpu"));
    CHECK(has(argv, "--account=sat"));
    CHECK(has(argv, "--qos=low"));
    CHECK(has(argv, "--exclusive"));
  }
  SECTION("left to SLURM") {
    auto argv = sbatch_argv(r);
    for (const std::string& a : argv) {
      CHECK(a.rfind("--mem", 0) != 0);
      CHECK(a.rfind("--gres", 0) != 0);
      CHECK(a.rfind("--time", 0) != 0);
      CHECK(a.rfind("--partition", 0) != 0);
    }
  }
}

TEST_CASE("the time limit is rounded up to a minute after adding kill_grace", "[slurm_protocol]") {
  CHECK(slurm_time_minutes(10min, 5s) == "11");
  CHECK(slurm_time_minutes(60s, 0s) == "1");
  CHECK(slurm_time_minutes(61s, 0s) == "2");
  CHECK(slurm_time_minutes(1ms, 0s) == "1");
  CHECK(slurm_time_minutes(0ms, 0s) == "1");
}

TEST_CASE("sbatch --parsable prints the id, with or without a cluster", "[slurm_protocol]") {
  CHECK(parse_sbatch_id("1234\n") == "1234");
  CHECK(parse_sbatch_id("1234;cluster\n") == "1234");
  CHECK(parse_sbatch_id("sbatch: warning: x\n77\n") == "77");
  CHECK_FALSE(parse_sbatch_id("sbatch: error: Batch job submission failed\n"));
  CHECK_FALSE(parse_sbatch_id(""));
}

TEST_CASE("squeue lines give every element, pending arrays expanded", "[slurm_protocol]") {
  auto jobs =
      parse_squeue("5_0|RUNNING\n5_1|PENDING\n6_[2-4,7%2]|PENDING\n9|COMPLETING\n\ngarbage line\n");
  CHECK(jobs.size() == 7);
  CHECK(jobs["5_0"] == "RUNNING");
  CHECK(jobs["5_1"] == "PENDING");
  CHECK(jobs["6_2"] == "PENDING");
  CHECK(jobs["6_3"] == "PENDING");
  CHECK(jobs["6_4"] == "PENDING");
  CHECK(jobs["6_7"] == "PENDING");
  CHECK(jobs["9"] == "COMPLETING");
  CHECK(squeue_argv("root").back() == "--format=%i|%T");
}

TEST_CASE("scontrol -o show job names array elements ARRAYID_INDEX", "[slurm_protocol]") {
  auto jobs = parse_scontrol_jobs(
      "JobId=3 ArrayJobId=2 ArrayTaskId=0 JobName=pipeline:a UserId=root(0) "
      "JobState=OUT_OF_MEMORY Reason=OutOfMemory Dependency=(null)\n"
      "JobId=2 ArrayJobId=2 ArrayTaskId=1 JobName=pipeline:a JobState=CANCELLED Reason=None\n"
      "JobId=8 JobName=x JobState=TIMEOUT Reason=TimeLimit\n");
  REQUIRE(jobs.size() == 3);
  CHECK(jobs["2_0"].state == "OUT_OF_MEMORY");
  CHECK(jobs["2_0"].reason == "OutOfMemory");
  CHECK(jobs["2_1"].state == "CANCELLED");
  CHECK(jobs["2_1"].reason.empty());
  CHECK(jobs["8"].state == "TIMEOUT");
}

TEST_CASE("sacct gives the allocation's state, not its steps'", "[slurm_protocol]") {
  auto jobs = parse_sacct(
      "4_0|OUT_OF_MEMORY|0:125\n4_0.batch|OUT_OF_MEMORY|0:125\n"
      "4_1|CANCELLED by 0|0:15\n5|COMPLETED|0:0\n");
  REQUIRE(jobs.size() == 3);
  CHECK(jobs["4_0"].state == "OUT_OF_MEMORY");
  CHECK(jobs["4_1"].state == "CANCELLED");
  CHECK(jobs["5"].state == "COMPLETED");
  CHECK(sacct_argv({"4_0", "4_1"}).back() == "--jobs=4_0,4_1");
}

TEST_CASE("a job gone without an exit file is lost, with SLURM's reason", "[slurm_protocol]") {
  auto o = outcome_of_slurm_end({"OUT_OF_MEMORY", ""});
  CHECK(o.kind == JobOutcome::Kind::lost);
  CHECK(o.detail.find("out of memory") != std::string::npos);
  CHECK(outcome_of_slurm_end({"TIMEOUT", ""}).detail.find("time limit") != std::string::npos);
  CHECK(outcome_of_slurm_end({"CANCELLED", ""}).detail.find("cancelled") != std::string::npos);
  CHECK(outcome_of_slurm_end({"NODE_FAIL", ""}).detail.find("node failure") != std::string::npos);
  CHECK(outcome_of_slurm_end({"", ""}).detail.find("exit file") != std::string::npos);
  CHECK(outcome_of_slurm_end({"FAILED", ""}).detail == "failed (SLURM, no exit file)");
}

TEST_CASE("exit files say the code and the failed command", "[slurm_protocol]") {
  CHECK(parse_exit_file("0 0\n")->success());
  auto failed = parse_exit_file("3 1\n");
  REQUIRE(failed);
  CHECK(failed->kind == JobOutcome::Kind::exited);
  CHECK(failed->code == 3);
  CHECK(failed->command == 1);
  CHECK_FALSE(parse_exit_file(""));
  CHECK_FALSE(parse_exit_file("3"));
  CHECK_FALSE(parse_exit_file("x y"));
}

TEST_CASE("the job script runs commands in order and writes the exit file last",
          "[slurm_protocol]") {
  test::TempDir tmp("slurm-script");
  JobScript s;
  s.dir = tmp.path();
  s.env = {{"GREETING", "it's me"}};
  s.output = tmp.file("job.out");
  s.exit_file = tmp.file("job.exit");
  SECTION("all succeed") {
    s.commands = {{"/bin/sh", "-ec", "echo \"$GREETING\" in $(pwd)"}, {"printf", "two\\n"}};
    spit(tmp.file("job.sh"), job_script_text(s));
    CHECK(std::system(("/bin/sh " + tmp.file("job.sh")).c_str()) == 0);
    CHECK(slurp(s.output) == "it's me in " + tmp.path() + "\ntwo\n");
    CHECK(slurp(s.exit_file) == "0 0\n");
  }
  SECTION("the second fails: the third does not run") {
    s.commands = {{"true"}, {"/bin/sh", "-ec", "echo err >&2; exit 7"}, {"touch", "third"}};
    spit(tmp.file("job.sh"), job_script_text(s));
    CHECK(std::system(("/bin/sh " + tmp.file("job.sh")).c_str()) != 0);
    CHECK(slurp(s.output) == "err\n");
    CHECK(slurp(s.exit_file) == "7 1\n");
    CHECK_FALSE(std::ifstream(tmp.file("third")).good());
  }
  SECTION("declared stdout goes to its file, stderr to the output") {
    s.stdout_path = tmp.file("result.txt");
    s.commands = {{"/bin/sh", "-ec", "echo data; echo note >&2"}};
    spit(tmp.file("job.sh"), job_script_text(s));
    CHECK(std::system(("/bin/sh " + tmp.file("job.sh")).c_str()) == 0);
    CHECK(slurp(s.stdout_path) == "data\n");
    CHECK(slurp(s.output) == "note\n");
  }
}

TEST_CASE("the array script runs element i's job script", "[slurm_protocol]") {
  test::TempDir tmp("slurm-array");
  spit(tmp.file("a.sh"), "echo a > " + tmp.file("ran") + "\n");
  spit(tmp.file("b.sh"), "echo b > " + tmp.file("ran") + "\n");
  spit(tmp.file("array.sh"), array_script_text({tmp.file("a.sh"), tmp.file("b.sh")}));
  CHECK(std::system(("SLURM_ARRAY_TASK_ID=1 /bin/sh " + tmp.file("array.sh")).c_str()) == 0);
  CHECK(slurp(tmp.file("ran")) == "b\n");
  CHECK(std::system(
            ("SLURM_ARRAY_TASK_ID=5 /bin/sh " + tmp.file("array.sh") + " >/dev/null").c_str()) !=
        0);
}
