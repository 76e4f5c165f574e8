#pragma once
// plan_internal: what the planner's files share while a plan is built; not a public
// interface. plan.cpp compiles each task's paths into a TaskSpec, numbers the jobs
// and connects them; plan_expand.cpp fans the tasks out into staged jobs (matching
// wildcard and glob inputs against the files and the other tasks' outputs, joining
// on wildcard names, crossing matrix values); plan_job.cpp expands the commands,
// dir, env and redirections of each job.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "pipeline/config.hpp"
#include "pipeline/pattern.hpp"
#include "pipeline/plan.hpp"
#include "pipeline/template.hpp"

namespace pipeline::plan_detail {

// Frees the memory of `v` now (`v = {}` or clear() would keep its capacity).
template <class T>
void release(std::vector<T>& v) {
  std::vector<T>().swap(v);
}

// One compiled entry of `inputs` or `outputs`. A plain path (the common case, and
// the only one in a file of 100,000 literal tasks) costs one string, no matcher.
struct PathSpec {
  const LocatedString* source = nullptr;
  std::uint32_t group = 0;                 // index in TaskDecl::inputs / outputs
  std::string path;                        // literal: the normalised path
  std::unique_ptr<const Pattern> pattern;  // null: literal
  std::vector<std::uint16_t> slots;        // per pattern->names(): index in TaskSpec::names
  bool literal() const { return !pattern; }
  bool has_wildcards() const { return pattern && pattern->has_wildcards(); }
  const std::vector<std::string>& names() const {
    static const std::vector<std::string> none;
    return pattern ? pattern->names() : none;
  }
  std::string text() const { return pattern ? pattern->text() : path; }
};

// What planning needs to know about a task before it has jobs.
struct TaskSpec {
  std::vector<std::string> names;  // its wildcards and matrix names, sorted
  std::vector<PathSpec> inputs;
  std::vector<PathSpec> outputs;
  // Some input is a wildcard or a glob: the task's jobs come from matching, so every
  // task whose outputs those inputs could match must be expanded first.
  bool matches = false;
  bool fans_out() const { return !names.empty(); }
};

// A job before it is numbered and its commands are expanded. Kept small: a plan of
// 200,000 jobs holds these for a while beside the numbered jobs.
struct StagedJob {
  std::string id;
  std::vector<std::string> inputs;
  std::vector<std::string> outputs;
};

// The staged jobs of one task, in the order of their values.
struct Staged {
  std::vector<StagedJob> jobs;
  std::size_t width = 0;                  // TaskSpec::names.size()
  std::vector<std::string> values;        // job k's values at [k * width, (k+1) * width)
  std::size_t groups = 0;                 // input groups, when named
  std::vector<std::uint32_t> input_ends;  // job k's group ends at [k * groups, ...)
  // Views into `jobs`, sorted, for matching the inputs of other tasks; empty when
  // no task's inputs may match them.
  std::vector<std::string_view> sorted_outputs;
  // The values of job k.
  std::vector<std::string> values_of(std::size_t k) const {
    return {values.begin() + std::ptrdiff_t(k * width),
            values.begin() + std::ptrdiff_t((k + 1) * width)};
  }
};

// The directories to list so that every wildcard or glob input can see the files it
// may match: the directory part of each such pattern's literal prefix, without those
// inside another.
std::vector<std::string> walk_roots(const std::vector<TaskSpec>& specs);

// Stages the jobs of every task into `staged` (indexed like `specs`), matching
// wildcard and glob inputs against `existing` (the sorted listing of walk_roots) and
// the staged outputs of the other tasks. Adds a warning for each wildcard or glob
// input that matched nothing; throws ConfigError when matching does not settle.
void stage_jobs(const Config& config, const std::vector<TaskSpec>& specs,
                const std::vector<std::string>& existing, std::vector<Staged>& staged,
                std::vector<std::string>& warnings);

// Parsed templates, one per distinct text: the 100,000 tasks of an explicit
// pipeline mostly share their command lines, which are then parsed once.
class TemplateCache {
public:
  // `text` parsed (parse_template); `text` must outlive the cache.
  const Template& parse(const std::string& text);
  // `text` parsed as an env value: `${NAME}` and `$$` in its literal text are
  // expanded from pipeline's own environment (env_refs.hpp), once per distinct text.
  // Throws PlaceholderError at the `$` of a malformed reference.
  const Template& parse_env(const std::string& text);

private:
  std::unordered_map<std::string_view, Template> m_templates;
  std::unordered_map<std::string_view, Template> m_env_templates;
};

// A real job, or a stand-in expanded only to find undefined placeholders.
enum class Probe { no, yes };

// Expands the values of the jobs of one task (SPEC §1.2): commands, dir, env and
// redirections, from templates parsed once for all of them.
class TaskExpander {
public:
  // For config.tasks[task]; `global_env` holds the parsed values of config.env.
  TaskExpander(const Config& config, const PlanOptions& options, std::uint32_t task,
               const TaskSpec& spec, const std::vector<const Template*>& global_env,
               TemplateCache& cache);
  // Fills the commands, dir, env and redirections of `job`, whose id, inputs and
  // outputs are set. `values` are the job's values of TaskSpec::names; with named
  // input groups, `input_ends` holds the end of each group in job.inputs. Throws
  // ConfigError (located) for a placeholder that cannot be expanded.
  void finish(Job& job, const std::string* values, const std::uint32_t* input_ends) const;
  // Expands the task's values once on stand-in values, so that an undefined
  // placeholder of a task that has no jobs (yet) is reported all the same.
  void probe() const;

private:
  void expand(Job& job, const std::string* values, const std::uint32_t* input_ends,
              Probe probe) const;
  EnvList expand_env(const PlaceholderResolver& resolver) const;

  const Config& m_config;
  // String commands without shell syntax become JobCommand::Kind::direct.
  bool m_direct_exec = false;
  const TaskDecl& m_task;
  const TaskSpec& m_spec;
  const std::vector<const Template*>& m_global_env;
  std::vector<const Template*> m_command_parts;  // the parts of every command, in order
  const Template* m_dir = nullptr;
  std::vector<const Template*> m_env;  // the task's env, in order
  const Template* m_stdout_path = nullptr;
  const Template* m_stderr_path = nullptr;
  std::vector<std::uint32_t> m_output_ends;  // named groups: each one's end in Job::outputs
  std::optional<EnvList> m_shared_env;       // set when no job's env differs
};

}  // namespace pipeline::plan_detail
