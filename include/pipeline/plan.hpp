#pragma once
// plan: the jobs of a Pipeline.toml and the DAG between them (SPEC §1.3, §1.4, §2.3).
// Building a plan fans wildcard, glob and matrix tasks out into jobs, expands every
// placeholder, indexes outputs by path, connects jobs by file and `deps`, and rejects
// cycles and collisions. The only thing it reads from the file system is one listing
// of the directories that wildcard and glob inputs look into (FileSystem::list_files,
// so tests give it a fake). The readiness tracker (Schedule) is pure: it is told
// which jobs finished and answers which are ready, so a test can drive it step by step.

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "pipeline/config.hpp"
#include "pipeline/fs.hpp"
#include "pipeline/util/string_index.hpp"

namespace pipeline {

using JobIndex = std::uint32_t;

// A command ready to start: argv[0] is the program.
struct JobCommand {
  enum class Kind {
    argv,    // an array `cmd`: argv is the array expanded
    shell,   // a string `cmd`: argv is `[pipeline] shell` followed by the text
    direct,  // a string `cmd` that needs no shell (simple_command.hpp), with the
             // default shell: argv is its words, run like make runs such a line
  };
  Kind kind = Kind::argv;
  std::vector<std::string> argv;
  // What -v prints. shell, direct: the shell text (for direct, what the shell would
  // have run; a runner that must use a shell, such as a container's, runs this);
  // argv: the elements shell-quoted and joined.
  std::string display;
  // The argv that runs this command through the shell: argv, except for a direct
  // command (default_shell() followed by display).
  std::vector<std::string> shell_argv() const;
};

// A read-only list of jobs (a job's deps or dependents): a view into storage that the
// Plan owns, used like a const std::vector<JobIndex>. One allocation for all the
// edges of a plan instead of two per job.
class JobList {
public:
  JobList() = default;
  JobList(const JobIndex* data, std::size_t size) : m_data(data), m_size(std::uint32_t(size)) {}
  const JobIndex* begin() const { return m_data; }
  const JobIndex* end() const { return m_data + m_size; }
  std::size_t size() const { return m_size; }
  bool empty() const { return m_size == 0; }
  JobIndex operator[](std::size_t i) const { return m_data[i]; }
  JobIndex front() const { return m_data[0]; }
  JobIndex back() const { return m_data[m_size - 1]; }
  std::vector<JobIndex> to_vector() const { return {begin(), end()}; }

private:
  const JobIndex* m_data = nullptr;
  std::uint32_t m_size = 0;
};

// The environment a job adds (`[env]`, then the task's `env`), used like a const
// std::vector of (name, value) pairs. The jobs of a task whose env does not depend on
// the job share one copy.
class EnvList {
public:
  using Entry = std::pair<std::string, std::string>;
  EnvList() = default;
  explicit EnvList(std::vector<Entry> entries)
      : m_entries(entries.empty()
                      ? nullptr
                      : std::make_shared<const std::vector<Entry>>(std::move(entries))) {}
  const Entry* begin() const { return m_entries ? m_entries->data() : nullptr; }
  const Entry* end() const { return m_entries ? m_entries->data() + m_entries->size() : nullptr; }
  std::size_t size() const { return m_entries ? m_entries->size() : 0; }
  bool empty() const { return size() == 0; }
  const Entry& operator[](std::size_t i) const { return (*m_entries)[i]; }

private:
  std::shared_ptr<const std::vector<Entry>> m_entries;
};

// One job: a task with one set of wildcard/matrix values. 200,000 of them must fit
// in a plan, so what every job of a task shares is shared (env) or kept once in the
// Plan (edges).
struct Job {
  std::string id;                    // SPEC §2.3: "task" or "task[name=value,...]"
  std::uint32_t task = 0;            // index in Config::tasks
  std::vector<std::string> inputs;   // normalised paths, relative to the root
  std::vector<std::string> outputs;  // normalised paths, relative to the root
  std::vector<JobCommand> commands;  // empty: an alias
  std::string dir;                   // working directory relative to the root; "" = root
  EnvList env;                       // [env] then the task's env
  std::string stdout_path;           // "" = the log
  std::string stderr_path;
  JobList deps;        // jobs that must finish first (sorted, unique)
  JobList dependents;  // jobs that wait for this one (sorted, unique)
};

struct Plan {
  std::vector<Job> jobs;
  // Per Config::tasks index, its jobs in the order of their values (a task without
  // wildcards or matrix has exactly one job; a wildcard task may have none).
  std::vector<std::vector<JobIndex>> task_jobs;
  // Job id -> job and output path -> job. The keys are views into `jobs` (no second
  // copy of 100,000 ids and paths), so a Plan is moved, never copied, and its jobs
  // are never added to or removed after build_plan.
  StringIndex job_by_id;
  StringIndex producer;
  // Things worth telling that are not errors, each one line ready to print to stderr:
  // "Pipeline.toml:L:C: warning: ..." (an input pattern that matched nothing).
  std::vector<std::string> warnings;
  // The storage of every Job::deps and Job::dependents.
  std::vector<JobIndex> edges;
  // The job that writes `path` (normalised), if any.
  std::optional<JobIndex> producer_of(std::string_view path) const;

  Plan() = default;
  Plan(Plan&&) = default;
  Plan& operator=(Plan&&) = default;
  Plan(const Plan&) = delete;
  Plan& operator=(const Plan&) = delete;
};

// How string commands run under the default shell (SPEC §4).
enum class DirectExec {
  when_simple,  // a command without shell syntax runs without the shell (Kind::direct)
  never,        // every string command runs through the shell (for measuring the gain)
};

struct PlanOptions {
  DirectExec direct_exec = DirectExec::when_simple;
};

// PIPELINE_DIRECT_EXEC=0 in the environment: DirectExec::never; else when_simple.
PlanOptions plan_options_from_environment();

// Expands and connects every task of `config` (SPEC §1.3, §1.4). The jobs of a
// wildcard or glob input come from the files that `fs` lists under the root (the
// current directory) and from the outputs of the other jobs of the plan. Throws
// ConfigError (located) for an undefined placeholder, a wildcard missing from an
// output, a glob in an output, a regex that does not compile, an unknown task in
// `deps` or `default`, two jobs with the same output, a dependency cycle, or a
// feature that is not available yet.
Plan build_plan(const Config& config, FileSystem& fs, const PlanOptions& options = {});
// The same on the real file system; the current directory must be the root.
Plan build_plan(const Config& config, const PlanOptions& options = {});

// The selected jobs of SPEC §2 for `targets` (task names, job ids or output paths;
// empty: `[pipeline] default`, else every task), with every job they depend on,
// in a topological order (dependencies first). A path target is taken relative to
// `cwd` (the absolute directory the targets were given in; empty: the root) first,
// then relative to the root; an absolute one relative to the root (SPEC §2.3).
// Throws UserError for an unknown target, with a suggestion (for a NAME=VALUE whose
// NAME is not a var: the var it was likely meant for).
std::vector<JobIndex> select_jobs(const Config& config, const Plan& plan,
                                  const std::vector<std::string>& targets,
                                  std::string_view cwd = {});
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
