#pragma once
// plan_internal: what the planner's files share while a plan is built; not a public
// interface. plan.cpp compiles each task's paths into a TaskSpec and numbers and
// expands the jobs; plan_expand.cpp fans the tasks out into staged jobs (matching
// wildcard and glob inputs against the files and the other tasks' outputs, joining
// on wildcard names, crossing matrix values).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/config.hpp"
#include "pipeline/pattern.hpp"

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
  std::size_t width = 0;                         // TaskSpec::names.size()
  std::vector<std::string> values;               // job k's values at [k * width, (k+1) * width)
  std::size_t groups = 0;                        // input groups, when named
  std::vector<std::uint32_t> input_ends;         // job k's group ends at [k * groups, ...)
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

}  // namespace pipeline::plan_detail
