// executor: whole runs in-process with real processes in a temporary directory —
// parallel slots, failures and -k, missing outputs, and SIGINT to the parent.
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "pipeline/executor.hpp"

using namespace pipeline;
namespace fs = std::filesystem;

namespace {

// A fresh directory that is the current directory while the test runs; kept if the
// test fails (so its files can be looked at), removed otherwise.
class TempRoot {
public:
  TempRoot() {
    char tmpl[] = "/tmp/pipeline-unit-XXXXXX";
    m_dir = ::mkdtemp(tmpl);
    m_old = fs::current_path();
    fs::current_path(m_dir);
  }
  ~TempRoot() {
    fs::current_path(m_old);
    if (!Catch::getResultCapture().lastAssertionPassed()) return;
    std::error_code ec;
    fs::remove_all(m_dir, ec);
  }
  const std::string& dir() const { return m_dir; }

private:
  std::string m_dir;
  fs::path m_old;
};

struct RunResult {
  int exit_code;
  std::string output;
};

RunResult run(const std::string& toml, ExecutorOptions options = {}) {
  Config config = parse_config("Pipeline.toml", fs::current_path().string(), toml);
  Plan plan = build_plan(config);
  std::vector<JobIndex> selected = select_jobs(config, plan, {});
  if (options.state_dir.empty()) options.state_dir = ".pipeline";
  if (options.run_id.empty()) options.run_id = new_run_id();
  std::FILE* out = std::tmpfile();
  Console console(OutputMode::grouped, Verbosity::normal, false, false, out);
  fs::create_directories(options.state_dir);
  std::string warning;
  StateDb state = StateDb::open(options.state_dir + "/state.db", &warning);
  auto freshness = make_state_check(config, plan, real_file_system(), state, Force::no);
  int code = execute(config, plan, selected, options, *freshness, console);
  std::rewind(out);
  std::string text;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, out)) > 0) text.append(buf, n);
  std::fclose(out);
  return {code, text};
}

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

TEST_CASE("a run builds a chain and a second run does nothing", "[executor]") {
  TempRoot root;
  const char* toml = R"(
[tasks.a]
outputs = ["a.txt"]
cmd = "echo A > {output}"
[tasks.b]
inputs = ["a.txt"]
outputs = ["out/b.txt"]
cmd = ["cp", "{input}", "{output}"]
)";
  RunResult first = run(toml);
  INFO(first.output);
  CHECK(first.exit_code == 0);
  CHECK(read("out/b.txt") == "A\n");
  RunResult second = run(toml);
  CHECK(second.exit_code == 0);
  CHECK(second.output.find("nothing to do (2 up to date)") != std::string::npos);
}

TEST_CASE("a failure stops new jobs unless keep-going", "[executor]") {
  TempRoot root;
  const char* toml = R"(
[tasks.bad]
cmd = "echo BAD-OUTPUT; exit 3"
[tasks.after]
deps = ["bad"]
cmd = "touch after"
[tasks.other]
cmd = "touch other"
)";
  ExecutorOptions options;
  options.slots = 1;
  SECTION("fail fast") {
    RunResult r = run(toml, options);
    CHECK(r.exit_code == 1);
    CHECK(r.output.find("BAD-OUTPUT") != std::string::npos);
    CHECK(r.output.find("exit 3") != std::string::npos);
    CHECK_FALSE(fs::exists("after"));
    CHECK_FALSE(fs::exists("other"));
  }
  SECTION("keep going") {
    options.keep_going = KeepGoing::yes;
    RunResult r = run(toml, options);
    CHECK(r.exit_code == 1);
    CHECK_FALSE(fs::exists("after"));
    CHECK(fs::exists("other"));
  }
}

TEST_CASE("a job that succeeds without its output fails naming it", "[executor]") {
  TempRoot root;
  RunResult r = run("[tasks.t]\noutputs = [\"never.txt\"]\ncmd = \"true\"\n");
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("did not create the output never.txt") != std::string::npos);
}

TEST_CASE("a job that failed after writing its output runs again", "[executor]") {
  TempRoot root;
  const char* toml =
      "[tasks.t]\noutputs = [\"half.txt\"]\ncmd = \"echo partial > {output}; test -e ok\"\n";
  RunResult r = run(toml);
  CHECK(r.exit_code == 1);
  CHECK(fs::exists("half.txt"));  // kept for the user to look at, as make does
  std::ofstream("ok").put('\n');
  RunResult again = run(toml);
  INFO(again.output);
  CHECK(again.exit_code == 0);
  CHECK(again.output.find("1 ran") != std::string::npos);
}

TEST_CASE("SIGINT to pipeline stops every job and exits 130", "[executor]") {
  TempRoot root;
  // Each job records its pid, then (the second) interrupts its parent — this test
  // process — and both sleep until killed.
  const char* toml = R"(
[tasks.sleeper]
cmd = "echo $$ > sleeper.pid; exec sleep 100"
[tasks.interrupter]
cmd = "echo $$ > interrupter.pid; while [ ! -s sleeper.pid ]; do sleep 0.01; done; kill -INT $PPID; exec sleep 100"
)";
  ExecutorOptions options;
  options.slots = 2;
  options.kill_grace = std::chrono::seconds(5);
  RunResult r = run(toml, options);
  INFO(r.output);
  CHECK(r.exit_code == 130);
  for (const char* file : {"sleeper.pid", "interrupter.pid"}) {
    pid_t pid = std::stoi(read(file));
    errno = 0;
    CHECK(::kill(pid, 0) == -1);
    CHECK(errno == ESRCH);
  }
}
