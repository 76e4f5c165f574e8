#pragma once
// executor: runs the selected jobs of a plan — asks freshness whether each ready job
// must run, starts commands through a ProcessRunner on a libuv loop up to the slot
// limit, writes each job's output to its log, handles failure (-k), timeouts,
// retries and SIGINT/SIGTERM, and tells the console. Returns the exit code.

#include <chrono>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "pipeline/config.hpp"
#include "pipeline/console.hpp"
#include "pipeline/freshness.hpp"
#include "pipeline/plan.hpp"

namespace pipeline {

enum class KeepGoing { no, yes };
enum class DryRun { no, yes };

// What the check before the first start decided (cli.cpp runs preflight.hpp's).
struct StartGate {
  bool abort = false;  // start nothing: the run ends with exit 2 (the check printed why)
  std::unordered_map<JobIndex, std::string> skip;  // jobs that must not start -> why
};

struct ExecutorOptions {
  int slots = 1;  // job slots (-j), at least 1
  KeepGoing keep_going = KeepGoing::no;
  DryRun dry_run = DryRun::no;
  std::string state_dir;  // relative to the root (the current directory)
  std::string run_id;     // names the run's log directory
  Duration kill_grace = std::chrono::seconds(5);
  // Expected duration of each job (by JobIndex) from earlier runs, 0 if never seen:
  // the longest remaining path starts first, and the status line's ETA uses them.
  std::vector<std::int64_t> expected_ms;
  // How often Console::tick() runs: a few times a second for a terminal's status
  // line; else once a minute, counted from the last job that ended. 0: never.
  std::chrono::milliseconds tick_interval{0};
  enum class TickFrom { start, last_job_end } tick_from = TickFrom::start;
  // Asked once, just before the first job would start (in a dry run: once some job
  // would run), so that a run with nothing to do never pays for it (SPEC §3: missing
  // inputs are found before anything runs). Skipped jobs end as `skipped` and their
  // dependents never start. Unset: nothing is checked.
  std::function<StartGate()> before_first_start;
};

// Runs `selected` (in topological order) and returns the exit code of SPEC §2.2.
// The current directory must be the root.
int execute(const Config& config, const Plan& plan, const std::vector<JobIndex>& selected,
            const ExecutorOptions& options, FreshnessCheck& freshness, Console& console);

// A new run id: the UTC time to the millisecond, "20261122-063012.345", sortable.
std::string new_run_id();

}  // namespace pipeline
