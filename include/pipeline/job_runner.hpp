#pragma once
// job_runner: the one interface through which the executor runs a job, whatever runs
// it — local processes, a bubblewrap sandbox, a container, SLURM, the dry run, or a
// unit test's fake. The executor decides *when* (readiness, slots, retries, timeouts,
// Ctrl-C) and writes logs and records; a runner only starts an attempt of a job, tells
// what it printed and how it ended, and stops it when asked. docs/runners.md says how
// to add one.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/config.hpp"
#include "pipeline/plan.hpp"
#include "pipeline/util/expected.hpp"

namespace pipeline {

using AttemptId = std::uint64_t;  // the runner's handle of one started attempt

// What one attempt of a job holds while it runs (SPEC §4).
struct JobResources {
  int threads = 1;
  std::int64_t mem_mb = 0;       // 0: not declared
  std::vector<int> gpu_devices;  // indices of the `gpu` units this attempt holds
};

// Everything a runner needs to start one attempt of a job.
struct JobStart {
  JobIndex index = 0;
  const Job* job = nullptr;        // commands, dir, env (job->env: `[env]` + task env)
  const TaskDecl* task = nullptr;  // per-task executor settings (sandbox, container, slurm)
  std::string run_id;
  int attempt = 1;  // 1-based
  // The complete environment of a local process ("NAME=VALUE"): pipeline's own with
  // the job's env applied. Runners that must not pass pipeline's environment (a
  // container) use job->env instead.
  const std::vector<std::string>* environment = nullptr;
  JobResources resources;
  // The task's timeout. The executor enforces it itself (cancel, then kill after
  // kill_grace); a batch system may also be told it (`--time`).
  std::optional<std::chrono::milliseconds> timeout;
  // >= 0: the job's declared stdout/stderr file, opened by the executor for this
  // attempt; the runner makes it the commands' stdout/stderr. -1: output goes to the
  // observer (on_output), which writes the job's log.
  int stdout_fd = -1;
  int stderr_fd = -1;
};

// How an attempt ended.
struct JobOutcome {
  enum class Kind {
    succeeded,    // every command exited 0
    exited,       // a command exited non-zero (`code`)
    signaled,     // a command was killed by `signal`
    not_started,  // a command could not be started (`detail`: "command not found: x")
    lost,         // the runner lost it (`detail`: "out of memory", "node failure", ...)
  };
  Kind kind = Kind::succeeded;
  int code = 0;
  int signal = 0;
  std::size_t command = 0;  // index of the command that failed (multi-command jobs)
  std::string detail;       // words that replace "exit N" in the summary when set
  bool success() const { return kind == Kind::succeeded; }
};

// Receives what attempts do. Calls come from the loop, never from inside start() or
// cancel().
class JobRunnerObserver {
public:
  virtual ~JobRunnerObserver() = default;
  // Output of the attempt (stdout+stderr on one stream, in order) as it arrives.
  virtual void on_output(AttemptId id, std::string_view data) = 0;
  // The runner's own name of the attempt became known ("12345" from sbatch, a
  // container name): shown in the console line, the log header and the report.
  virtual void on_remote_id(AttemptId id, std::string_view remote_id) = 0;
  // The attempt ended; all its output was delivered first.
  virtual void on_end(AttemptId id, const JobOutcome& outcome) = 0;
};

enum class Cancel {
  gently,   // SIGTERM (scancel --signal=TERM, podman kill -s TERM): let it clean up
  at_once,  // SIGKILL (scancel, podman rm -f): nothing may be left afterwards
};

class JobRunner {
public:
  virtual ~JobRunner() = default;
  // "local", "dry-run", "sandbox", "container", "slurm": the report's executor field.
  virtual std::string_view name() const = 0;
  // Starts an attempt running the job's commands in order, stopping at the first that
  // fails. An error (returned, and no observer call) when nothing could be started.
  virtual Expected<AttemptId, std::string> start(const JobStart& start) = 0;
  // Stops an attempt; it is still reported through on_end. Harmless once it ended.
  virtual void cancel(AttemptId id, Cancel how) = 0;
  // Stops what is left of every attempt this runner started — ended ones too: a
  // background process of a finished job's group is killed (SPEC §4: no process
  // outlives a run).
  virtual void cancel_all(Cancel how) = 0;
  // Attempts not yet reported ended, plus leftovers that cancel_all would still reach.
  virtual std::size_t running() const = 0;
};

}  // namespace pipeline
