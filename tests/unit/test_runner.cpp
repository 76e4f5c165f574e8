// The local process runner, with real processes on a fresh libuv loop per test.

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "pipeline/runner.hpp"
#include "pipeline/util/fd.hpp"

using namespace pipeline;
using namespace std::chrono_literals;

namespace {

const std::vector<std::string> k_env = {"PATH=/usr/bin:/bin"};

ProcessSpec command(std::vector<std::string> argv) {
  ProcessSpec spec;
  spec.argv = std::move(argv);
  spec.env = k_env;
  return spec;
}

ProcessSpec shell(std::string script) { return command({"sh", "-c", std::move(script)}); }

// Records what the runner reports, and checks the rules every report must follow.
class Recorder : public ProcessObserver {
public:
  void on_output(ProcessId id, std::string_view data) override {
    if (in_start) called_in_start = true;
    if (exits.count(id) != 0) output_after_exit = true;
    output_bytes[id] += data.size();
    if (keep_output) output[id].append(data);
    if (output_hook) output_hook(id, data);
  }
  void on_exit(ProcessId id, const ProcessExit& exit) override {
    if (in_start) called_in_start = true;
    if (exits.count(id) != 0) exit_twice = true;
    exits[id] = exit;
    if (exit_hook) exit_hook(id, exit);
  }

  bool keep_output = true;
  bool in_start = false;
  bool called_in_start = false;
  bool output_after_exit = false;
  bool exit_twice = false;
  std::unordered_map<ProcessId, std::string> output;
  std::unordered_map<ProcessId, std::size_t> output_bytes;
  std::unordered_map<ProcessId, ProcessExit> exits;
  std::function<void(ProcessId, std::string_view)> output_hook;
  std::function<void(ProcessId, const ProcessExit&)> exit_hook;
};

// A fresh loop with a runner on it; close() checks that nothing is left open.
class Harness {
public:
  Harness() {
    REQUIRE(uv_loop_init(&m_loop) == 0);
    runner = make_local_runner(&m_loop, recorder);
  }
  ~Harness() {
    if (!m_closed) {  // a failed test: clean up as well as we can
      runner.reset();
      uv_run(&m_loop, UV_RUN_DEFAULT);
      uv_loop_close(&m_loop);
    }
  }
  Harness(const Harness&) = delete;
  Harness& operator=(const Harness&) = delete;

  uv_loop_t* loop() { return &m_loop; }

  Expected<ProcessId, std::string> try_start(const ProcessSpec& spec) {
    recorder.in_start = true;
    auto result = runner->start(spec);
    recorder.in_start = false;
    return result;
  }
  ProcessId start(const ProcessSpec& spec) {
    auto result = try_start(spec);
    INFO((result ? std::string() : result.error()));
    REQUIRE(result.has_value());
    return *result;
  }
  // Runs the loop until nothing keeps it alive (or uv_stop()).
  void run() { uv_run(&m_loop, UV_RUN_DEFAULT); }
  // Destroys the runner, lets the loop close its handles, checks none is left.
  void close() {
    CHECK_FALSE(recorder.called_in_start);
    CHECK_FALSE(recorder.output_after_exit);
    CHECK_FALSE(recorder.exit_twice);
    runner.reset();
    uv_run(&m_loop, UV_RUN_DEFAULT);
    m_closed = true;
    REQUIRE(uv_loop_close(&m_loop) == 0);
  }

  Recorder recorder;
  std::unique_ptr<ProcessRunner> runner;

private:
  uv_loop_t m_loop;
  bool m_closed = false;
};

// A fresh directory, removed at the end unless a REQUIRE failed (kept to look at).
class TempDir {
public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "pipeline-runner-XXXXXX");
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    m_path = pattern;
  }
  ~TempDir() {
    if (std::uncaught_exceptions() == 0) {
      std::error_code ignored;
      std::filesystem::remove_all(m_path, ignored);
    }
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return m_path; }
  std::filesystem::path write(const std::string& name, const std::string& text,
                              std::filesystem::perms perms) const {
    const auto file = m_path / name;
    std::ofstream(file) << text;
    std::filesystem::permissions(file, perms);
    return file;
  }

private:
  std::filesystem::path m_path;
};

constexpr auto k_exec_perms = std::filesystem::perms::owner_all;
constexpr auto k_plain_perms =
    std::filesystem::perms::owner_read | std::filesystem::perms::owner_write;

// Waits (bounded) until `pid` has died: gone, or a zombie nobody has reaped yet (in a
// container, pid 1 may not reap orphans).
bool wait_dead(pid_t pid) {
  for (int i = 0; i < 500; ++i) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    if (!stat) return true;
    const std::string text((std::istreambuf_iterator<char>(stat)), {});
    const auto paren = text.rfind(')');
    if (paren != std::string::npos && paren + 2 < text.size()) {
      const char state = text[paren + 2];
      if (state == 'Z' || state == 'X') return true;
    }
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

bool gone(pid_t pid) { return ::kill(pid, 0) != 0 && errno == ESRCH; }

// Our descriptors that a child would inherit (not close-on-exec).
std::set<int> inheritable_fds() {
  std::set<int> fds;
  DIR* dir = ::opendir("/proc/self/fd");
  REQUIRE(dir != nullptr);
  while (const dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] == '.') continue;
    const int fd = std::stoi(entry->d_name);
    if (fd == ::dirfd(dir)) continue;
    const int flags = ::fcntl(fd, F_GETFD);
    if (flags >= 0 && (flags & FD_CLOEXEC) == 0) fds.insert(fd);
  }
  ::closedir(dir);
  return fds;
}

long max_rss_kib() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

}  // namespace

TEST_CASE("runner reports how a process ended", "[runner]") {
  Harness h;
  ProcessSpec spec;
  ProcessExit expected;
  SECTION("exit code 0") { spec = command({"true"}); }
  SECTION("exit code 3") {
    spec = shell("exit 3");
    expected.code = 3;
  }
  SECTION("killed by a signal") {
    spec = shell("kill -9 $$");
    expected.kind = ProcessExit::Kind::signaled;
    expected.signal = 9;
  }
  const ProcessId id = h.start(spec);
  CHECK(h.runner->running() == 1);
  CHECK(h.recorder.exits.empty());
  h.run();
  CHECK(h.runner->running() == 0);
  REQUIRE(h.recorder.exits.count(id) == 1);
  const ProcessExit& exit = h.recorder.exits[id];
  CHECK(exit.kind == expected.kind);
  CHECK(exit.code == expected.code);
  CHECK(exit.signal == expected.signal);
  CHECK(exit.success() == (expected.kind == ProcessExit::Kind::exited && expected.code == 0));
  h.close();
}

TEST_CASE("runner keeps stdout and stderr in order on one pipe", "[runner]") {
  Harness h;
  const ProcessId id = h.start(shell("echo a; echo b >&2; echo c"));
  h.run();
  CHECK(h.recorder.output[id] == "a\nb\nc\n");
  CHECK(h.recorder.exits[id].success());
  h.close();
}

TEST_CASE("runner gives a child /dev/null as stdin", "[runner]") {
  Harness h;
  const ProcessId id = h.start(shell("readlink /proc/self/fd/0; cat; echo done"));
  h.run();
  CHECK(h.recorder.output[id] == "/dev/null\ndone\n");
  h.close();
}

TEST_CASE("runner passes exactly the spec's environment", "[runner]") {
  Harness h;
  ProcessSpec spec = shell("echo \"$FOO|$HOME\"");
  spec.env.push_back("FOO=bar");
  const ProcessId id = h.start(spec);
  h.run();
  CHECK(h.recorder.output[id] == "bar|\n");
  h.close();
}

TEST_CASE("runner opens no descriptor a child would inherit", "[runner]") {
  const std::set<int> before = inheritable_fds();
  Harness h;
  const ProcessId id = h.start(command({"sleep", "1000"}));
  const ProcessId other = h.start(shell("exit 0"));
  CHECK(inheritable_fds() == before);
  h.runner->signal_group(id, SIGKILL);
  h.run();
  CHECK(h.recorder.exits[id].signal == SIGKILL);
  CHECK(h.recorder.exits[other].success());
  h.close();
  CHECK(inheritable_fds() == before);
}

TEST_CASE("runner delivers large output with bounded memory", "[runner]") {
  Harness h;
  h.recorder.keep_output = false;
  const long rss_before = max_rss_kib();
  const ProcessId id = h.start(command({"head", "-c", "100000000", "/dev/zero"}));
  h.run();
  const long rss_after = max_rss_kib();
  CHECK(h.recorder.output_bytes[id] == 100'000'000);
  CHECK(h.recorder.exits[id].success());
  CHECK(rss_after - rss_before < 32 * 1024);
  h.close();
}

TEST_CASE("runner reports a command that cannot start as an error", "[runner]") {
  Harness h;
  TempDir dir;
  ProcessSpec spec;
  std::string message;
  SECTION("not found along PATH") {
    spec = command({"no-such-command-pipeline-test"});
    message = "command not found: no-such-command-pipeline-test";
  }
  SECTION("a directory of that name is not a command") {
    std::filesystem::create_directory(dir.path() / "tool");
    spec = command({"tool"});
    spec.env = {"PATH=" + dir.path().string()};
    message = "command not found: tool";
  }
  SECTION("no such file") {
    spec = command({(dir.path() / "missing").string()});
    message = "cannot run " + spec.argv[0] + ": No such file or directory";
  }
  SECTION("not executable") {
    spec = command({dir.write("plain", "echo hi\n", k_plain_perms).string()});
    message = "cannot run " + spec.argv[0] + ": Permission denied";
  }
  SECTION("not executable, found along PATH") {
    dir.write("plain", "echo hi\n", k_plain_perms);
    spec = command({"plain"});
    spec.env = {"PATH=" + dir.path().string()};
    message = "cannot run plain: Permission denied";
  }
  SECTION("not an executable format") {
    spec = command({dir.write("garbage", "\x7f\x01\x02 not a program\n", k_exec_perms).string()});
    message = "cannot run " + spec.argv[0] + ": Exec format error";
  }
  SECTION("empty argv") {
    spec = command({});
    message = "empty command";
  }
  const auto result = h.try_start(spec);
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error() == message);
  CHECK(h.runner->running() == 0);
  h.run();
  CHECK(h.recorder.exits.empty());
  CHECK(h.recorder.output.empty());
  h.close();
}

TEST_CASE("runner looks commands up in the spec's PATH", "[runner]") {
  Harness h;
  TempDir dir;
  dir.write("pipeline-test-tool", "#!/bin/sh\necho tool \"$@\"\n", k_exec_perms);
  SECTION("found in the spec's PATH, not ours") {
    ProcessSpec spec = command({"pipeline-test-tool", "x"});
    spec.env = {"PATH=/nonexistent:" + dir.path().string() + ":/usr/bin:/bin"};
    const ProcessId id = h.start(spec);
    h.run();
    CHECK(h.recorder.output[id] == "tool x\n");
  }
  SECTION("a relative PATH entry is relative to the child's cwd") {
    ProcessSpec spec = command({"pipeline-test-tool"});
    spec.env = {"PATH=.:/usr/bin:/bin"};
    spec.cwd = dir.path().string();
    const ProcessId id = h.start(spec);
    h.run();
    CHECK(h.recorder.output[id] == "tool\n");
  }
  SECTION("not in the spec's PATH") {
    ProcessSpec spec = command({"pipeline-test-tool"});
    const auto result = h.try_start(spec);
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error() == "command not found: pipeline-test-tool");
  }
  SECTION("no PATH in the spec: the default one") {
    ProcessSpec spec = command({"sh", "-c", "echo ok"});
    spec.env = {};
    const ProcessId id = h.start(spec);
    h.run();
    CHECK(h.recorder.output[id] == "ok\n");
  }
  h.close();
}

// A shell command line run directly (JobCommand::Kind::direct): what the user sees
// must be what /bin/sh -ec LINE would have shown.
TEST_CASE("runner hides that a shell line ran without the shell", "[runner]") {
  Harness h;
  TempDir dir;
  auto direct = [](std::vector<std::string> words, const std::string& line) {
    ProcessSpec spec = command(std::move(words));
    spec.shell_equivalent = {"/bin/sh", "-ec", line};
    return spec;
  };
  auto run = [&](const ProcessSpec& spec) {
    const ProcessId id = h.start(spec);
    h.run();
    return std::make_pair(h.recorder.exits.at(id), h.recorder.output[id]);
  };
  SECTION("a program that is not found: the shell's message and 127") {
    auto [exit, output] =
        run(direct({"no-such-command-pipeline-test", "x"}, "no-such-command-pipeline-test x"));
    CHECK(exit.code == 127);
    CHECK(output == "/bin/sh: 1: no-such-command-pipeline-test: not found\n");
  }
  SECTION("a file that is not executable: the shell's message and 126") {
    const std::string plain = dir.write("plain", "echo hi\n", k_plain_perms).string();
    auto [exit, output] = run(direct({plain}, plain));
    CHECK(exit.code == 126);
    CHECK(output == "/bin/sh: 1: " + plain + ": Permission denied\n");
  }
  SECTION("a script without #! runs as a shell script, as the shell runs it") {
    const std::string script = dir.write("script", "echo from script \"$1\"\n", k_exec_perms);
    auto [exit, output] = run(direct({script, "a"}, script + " a"));
    CHECK(exit.code == 0);
    CHECK(output == "from script a\n");
  }
  SECTION("the program's own status, unchanged") {
    auto [exit, output] = run(direct({"ls", "/no/such/dir"}, "ls /no/such/dir"));
    CHECK(exit.code == 2);
  }
  SECTION("PWD as the shell exports it: the physical working directory") {
    std::filesystem::create_directory(dir.path() / "sub");
    std::filesystem::create_directory_symlink(dir.path() / "sub", dir.path() / "link");
    ProcessSpec spec = direct({"printenv", "PWD"}, "printenv PWD");
    spec.cwd = (dir.path() / "link").string();
    spec.env.push_back("PWD=/somewhere/else");
    const std::string expected = std::filesystem::canonical(dir.path() / "sub").string() + "\n";
    CHECK(run(spec).second == expected);
    // ... and the same through the shell itself.
    spec.argv = spec.shell_equivalent;
    spec.shell_equivalent.clear();
    CHECK(run(spec).second == expected);
  }
  SECTION("an inherited PWD that names the directory is kept") {
    ProcessSpec spec = direct({"printenv", "PWD"}, "printenv PWD");
    spec.cwd = (dir.path() / ".").string();
    spec.env.push_back("PWD=" + dir.path().string());
    CHECK(run(spec).second == dir.path().string() + "\n");
  }
  h.close();
}

TEST_CASE("runner starts the child in the spec's working directory", "[runner]") {
  Harness h;
  TempDir dir;
  SECTION("an existing directory") {
    ProcessSpec spec = command({"pwd", "-P"});
    spec.cwd = dir.path().string();
    const ProcessId id = h.start(spec);
    h.run();
    CHECK(h.recorder.output[id] == std::filesystem::canonical(dir.path()).string() + "\n");
  }
  SECTION("a missing directory is an error naming it") {
    ProcessSpec spec = command({"true"});
    spec.cwd = (dir.path() / "missing").string();
    const auto result = h.try_start(spec);
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error() ==
          "cannot run true: working directory " + spec.cwd + ": No such file or directory");
    h.run();
    CHECK(h.recorder.exits.empty());
  }
  SECTION("a file is not a directory") {
    ProcessSpec spec = command({"true"});
    spec.cwd = dir.write("file", "", k_plain_perms).string();
    const auto result = h.try_start(spec);
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error() == "cannot run true: working directory " + spec.cwd + ": Not a directory");
  }
  h.close();
}

TEST_CASE("runner redirects stdout and stderr to given descriptors", "[runner]") {
  Harness h;
  TempDir dir;
  const auto file = dir.path() / "out.log";
  auto fd = open_cloexec(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  REQUIRE(fd.has_value());
  ProcessSpec spec = shell("echo out; echo err >&2");
  std::string in_file;
  std::string in_pipe;
  SECTION("stdout only") {
    spec.stdout_fd = fd->get();
    in_file = "out\n";
    in_pipe = "err\n";
  }
  SECTION("stderr only") {
    spec.stderr_fd = fd->get();
    in_file = "err\n";
    in_pipe = "out\n";
  }
  SECTION("both") {
    spec.stdout_fd = fd->get();
    spec.stderr_fd = fd->get();
    in_file = "out\nerr\n";
  }
  const ProcessId id = h.start(spec);
  h.run();
  CHECK(fd->valid());  // the runner does not close it
  fd->close();
  CHECK(h.recorder.output[id] == in_pipe);
  CHECK(h.recorder.exits[id].success());
  std::ifstream in(file);
  const std::string text((std::istreambuf_iterator<char>(in)), {});
  CHECK(text == in_file);
  h.close();
}

TEST_CASE("runner signal_group reaches grandchildren", "[runner]") {
  Harness h;
  pid_t grandchild = 0;
  ProcessId id = 0;
  h.recorder.output_hook = [&](ProcessId from, std::string_view) {
    const std::string& text = h.recorder.output[from];
    if (grandchild == 0 && text.find('\n') != std::string::npos) {
      grandchild = std::stoi(text);
      h.runner->signal_group(from, SIGKILL);  // from inside a callback
    }
  };
  id = h.start(shell("sleep 1000 & echo $!; wait"));
  h.run();
  REQUIRE(grandchild > 0);
  CHECK(h.recorder.exits[id].kind == ProcessExit::Kind::signaled);
  CHECK(h.recorder.exits[id].signal == SIGKILL);
  CHECK(wait_dead(grandchild));
  if (!std::filesystem::exists("/proc/" + std::to_string(grandchild))) CHECK(gone(grandchild));
  h.runner->signal_group(id, SIGKILL);     // harmless after the end
  h.runner->signal_group(12345, SIGKILL);  // and for an unknown id
  h.close();
}

TEST_CASE("runner reports the exit while a background grandchild holds the pipe", "[runner]") {
  Harness h;
  const auto started = std::chrono::steady_clock::now();
  const ProcessId id = h.start(shell("sleep 5 & echo $!; echo hi"));
  h.run();
  const auto elapsed = std::chrono::steady_clock::now() - started;
  CHECK(elapsed < 3s);
  CHECK(h.recorder.exits[id].success());
  const std::string& text = h.recorder.output[id];
  REQUIRE(text.find('\n') != std::string::npos);
  CHECK(text.substr(text.find('\n') + 1) == "hi\n");
  const pid_t sleeper = std::stoi(text);
  REQUIRE(sleeper > 0);
  CHECK(::kill(sleeper, SIGKILL) == 0);
  h.close();
}

TEST_CASE("runner runs many short processes started from its callbacks", "[runner]") {
  Harness h;
  constexpr std::size_t k_total = 200;
  constexpr std::size_t k_slots = 2;
  std::size_t started = 0;
  std::size_t failed_starts = 0;
  std::size_t most_running = 0;
  std::unordered_map<ProcessId, std::string> expected_output;
  const auto start_next = [&] {
    const std::string n = std::to_string(started++);
    const bool echo = started % 2 == 0;
    auto result = h.try_start(echo ? shell("echo " + n) : command({"true"}));
    if (!result) {
      ++failed_starts;
      return;
    }
    if (echo) expected_output[*result] = n + "\n";
    most_running = std::max(most_running, h.runner->running());
  };
  // A scheduler's loop: each exit frees a slot for the next process.
  h.recorder.exit_hook = [&](ProcessId, const ProcessExit&) {
    while (started < k_total && h.runner->running() < k_slots) start_next();
  };
  for (std::size_t i = 0; i < k_slots; ++i) start_next();
  h.run();
  CHECK(failed_starts == 0);
  CHECK(started == k_total);
  CHECK(h.recorder.exits.size() == k_total);
  CHECK(most_running == k_slots);
  CHECK(h.runner->running() == 0);
  const bool all_succeeded = std::all_of(h.recorder.exits.begin(), h.recorder.exits.end(),
                                         [](const auto& entry) { return entry.second.success(); });
  CHECK(all_succeeded);
  for (const auto& [id, text] : expected_output) CHECK(h.recorder.output[id] == text);
  h.close();
}

TEST_CASE("destroying the runner kills and reaps its running processes", "[runner]") {
  Harness h;
  pid_t pid = 0;
  h.recorder.output_hook = [&](ProcessId, std::string_view) { uv_stop(h.loop()); };
  const ProcessId id = h.start(shell("echo $$; exec sleep 1000"));
  h.run();
  REQUIRE(h.recorder.output[id].find('\n') != std::string::npos);
  pid = std::stoi(h.recorder.output[id]);
  CHECK(h.runner->running() == 1);
  h.close();  // blocks until the child is reaped
  CHECK(gone(pid));
  CHECK(h.recorder.exits.empty());  // no callback from the destructor
}
