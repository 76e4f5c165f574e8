#pragma once
// preflight: what is checked after planning and before anything runs (SPEC §3
// "Missing inputs are found before anything runs", §1.1 `dir`): an input of a
// selected job that does not exist and that no job writes, and a `dir` that does not
// exist and that no job writes into — make's "No rule to make target", Snakemake's
// MissingInputException — instead of a failing compiler later on.

#include <cstddef>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "pipeline/config.hpp"
#include "pipeline/error.hpp"
#include "pipeline/fs.hpp"
#include "pipeline/plan.hpp"

namespace pipeline {

// plan.jobs[job].inputs[input] does not exist and no job writes it.
struct MissingInput {
  JobIndex job = 0;
  std::size_t input = 0;
};

struct PreflightProblems {
  std::vector<MissingInput> missing_inputs;  // in the order of the jobs checked
  std::vector<JobIndex> missing_dirs;        // jobs whose `dir` is missing
  bool empty() const { return missing_inputs.empty() && missing_dirs.empty(); }
};

// The stat of input `input` of job `job`: FreshnessCheck::input_stat in a run (the
// stamps read ahead for the check, so no file is read twice), else FileSystem::stat.
using InputStat = std::function<FileStat(JobIndex job, std::size_t input)>;

// Checks the inputs and the `dir` of `jobs`. An input that cannot be examined
// (EACCES) is not missing: the freshness check reports it. A `dir` counts as made by
// a job when some job of the plan writes a file under it. `fs` stats the dirs.
PreflightProblems preflight(const Plan& plan, const std::vector<JobIndex>& jobs, FileSystem& fs,
                            const InputStat& input_stat);

// The first `limit` problems as errors located at the input (or the task) in the
// file: "input 'src/mian.c' of cc-main does not exist and no task writes it", with a
// near-name suggestion from the files that exist under the input's directory.
std::vector<ConfigError> describe_problems(const Config& config, const Plan& plan,
                                           const PreflightProblems& problems, FileSystem& fs,
                                           std::size_t limit);

// Per job with a problem, the words of its `skipped (...)` line under -k:
// "missing input src/mian.c", "missing dir gen".
std::unordered_map<JobIndex, std::string> skip_reasons(const Plan& plan,
                                                       const PreflightProblems& problems);

}  // namespace pipeline
