#pragma once
// plan: the jobs of a Pipeline.toml and the DAG between them (SPEC §1.3, §1.4, §2.3).
// Building a plan expands every placeholder, indexes outputs by path, connects jobs
// by file and `deps`, and rejects cycles and collisions — all without touching the
// file system. The readiness tracker (Schedule) is pure too: it is told which jobs
// finished and answers which are ready, so a test can drive it step by step.

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "pipeline/config.hpp"

namespace pipeline {

using JobIndex = std::uint32_t;

// A command ready to start: argv[0] is the program (a string command is the
// pipeline's shell plus the expanded text).
struct JobCommand {
  std::vector<std::string> argv;
  std::string display;  // what -v prints: the shell text, or the argv joined
};

struct Job {
  std::string id;                     // SPEC §2.3: "task" or "task[name=value,...]"
  std::uint32_t task = 0;             // index in Config::tasks
  std::vector<std::string> inputs;    // normalised paths, relative to the root
  std::vector<std::string> outputs;   // normalised paths, relative to the root
  std::vector<JobCommand> commands;   // empty: an alias
  std::string dir;                    // working directory relative to the root; "" = root
  std::vector<std::pair<std::string, std::string>> env;  // [env] then the task's env
  std::string stdout_path;            // "" = the log
  std::string stderr_path;
  std::vector<JobIndex> deps;         // jobs that must finish first (sorted, unique)
  std::vector<JobIndex> dependents;   // jobs that wait for this one
};

struct Plan {
  std::vector<Job> jobs;
  std::vector<std::vector<JobIndex>> task_jobs;              // per Config::tasks index
  std::unordered_map<std::string, JobIndex> job_by_id;
  std::unordered_map<std::string, JobIndex> producer;       // output path -> job
  // The job that writes `path` (normalised), if any.
  std::optional<JobIndex> producer_of(const std::string& path) const;
};

// Expands and connects every task of `config`. Throws ConfigError (located) for an
// undefined placeholder, an unknown task in `deps` or `default`, two jobs with the
// same output, a dependency cycle, or a feature that is not available yet.
Plan build_plan(const Config& config);

// The selected jobs of SPEC §2 for `targets` (task names, job ids or output paths;
// empty: `[pipeline] default`, else every task), with every job they depend on,
// in a topological order (dependencies first). Throws UserError for an unknown
// target, with a suggestion.
std::vector<JobIndex> select_jobs(const Config& config, const Plan& plan,
                                  const std::vector<std::string>& targets);
// Every job, in topological order.
std::vector<JobIndex> all_jobs(const Plan& plan);

// Readiness counters over the selected jobs: a job is ready when every selected
// job it depends on finished successfully. A failed job's dependents never become
// ready. Pure: no I/O.
class Schedule {
public:
  Schedule(const Plan& plan, const std::vector<JobIndex>& selected);
  // The next ready job (in the order they became ready), if any.
  std::optional<JobIndex> pop_ready();
  bool has_ready() const { return !m_ready.empty(); }
  // `job` (popped earlier) finished; on success its dependents may become ready.
  void finish(JobIndex job, bool success);
  // Selected jobs not finished yet (ready, running, waiting or blocked).
  std::size_t unfinished() const { return m_unfinished; }
  bool is_selected(JobIndex job) const { return m_pending[job] >= 0; }

private:
  const Plan& m_plan;
  std::vector<int> m_pending;  // per job: unfinished selected deps; -1 = not selected
  std::deque<JobIndex> m_ready;
  std::size_t m_unfinished = 0;
};

}  // namespace pipeline
