#pragma once
// runner: starting commands as processes and being told when they end. The
// interface fits libuv's callbacks; LocalProcessRunner is the real one (libuv loop,
// posix_spawn), tests use fakes. The runner knows nothing of jobs or tasks.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/util/expected.hpp"

struct uv_loop_s;

namespace pipeline {

using ProcessId = std::uint64_t;  // the runner's handle of a started process

// What to start.
struct ProcessSpec {
  // argv[0] without a '/' is looked up in the PATH of `env` (not of this process).
  std::vector<std::string> argv;
  // Non-empty when argv is a shell command line run without its shell
  // (JobCommand::Kind::direct): the shell's argv for the same line. The runner then
  // hides the shortcut: the child gets PWD as the shell would export it, and when
  // argv[0] cannot be executed (not found, not permitted, not a binary) this argv
  // starts instead, so that the shell's own message and status (127, 126) result.
  std::vector<std::string> shell_equivalent;
  std::string cwd;               // empty: the current directory
  std::vector<std::string> env;  // the complete environment, "NAME=VALUE"
  // >= 0: the child's stdout/stderr is this fd (dup'ed; the runner does not close
  // it) instead of the shared output pipe.
  int stdout_fd = -1;
  int stderr_fd = -1;
  // The child shares our stdin/stdout/stderr instead of /dev/null and the pipe, and
  // stays in our process group (the terminal's foreground group when we are), so it
  // can read the terminal; signal_group() then signals the child alone.
  bool console = false;
};

// How a process ended.
struct ProcessExit {
  enum class Kind { exited, signaled };
  Kind kind = Kind::exited;
  int code = 0;    // exit status if exited
  int signal = 0;  // signal number if signaled
  bool success() const { return kind == Kind::exited && code == 0; }
};

// Receives what processes do. Calls come from the loop, never from inside start().
class ProcessObserver {
public:
  virtual ~ProcessObserver() = default;
  // Output of the process's stdout+stderr pipe, in order, as it arrives.
  virtual void on_output(ProcessId id, std::string_view data) = 0;
  // The process ended; all of its output written before it exited was delivered
  // first. (Output of leftover background grandchildren after that is dropped.)
  virtual void on_exit(ProcessId id, const ProcessExit& exit) = 0;
};

class ProcessRunner {
public:
  virtual ~ProcessRunner() = default;
  // Starts a process in its own process group with stdin from /dev/null (unless
  // console) and stdout+stderr on one pipe. On failure to start (command not found,
  // not executable, bad cwd) returns an error message and calls nothing.
  virtual Expected<ProcessId, std::string> start(const ProcessSpec& spec) = 0;
  // Sends `signal` to the whole process group of `id`, if it is still running
  // (grandchildren included). Harmless after the process ended.
  virtual void signal_group(ProcessId id, int signal) = 0;
  // Processes started and not yet reported ended.
  virtual std::size_t running() const = 0;
};

// The real runner on a libuv loop: posix_spawn (vfork-style, so the cost of a start
// does not grow with our memory), SIGCHLD through a uv_signal handle, output pipes
// read with uv_pipe. The loop must outlive it. Destroying it closes its handles.
std::unique_ptr<ProcessRunner> make_local_runner(uv_loop_s* loop, ProcessObserver& observer);

}  // namespace pipeline
