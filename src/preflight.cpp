// preflight: missing inputs and dirs, found before anything runs (SPEC §3, §1.1).

#include "pipeline/preflight.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace pipeline {
namespace {

// Whether some job writes a file under `dir` (so the executor creates it first).
bool made_by_a_job(const Plan& plan, const std::string& dir) {
  const std::string prefix = dir + "/";
  for (const Job& job : plan.jobs)
    for (const std::string& out : job.outputs)
      if (out == dir || out.starts_with(prefix)) return true;
  return false;
}

// The position in the file to blame for input `path` of `task`: the entry that
// names it as written, else the `inputs` key, else the task.
SourcePos input_pos(const TaskDecl& task, const std::string& path) {
  for (const PathGroup& group : task.inputs)
    for (const LocatedString& pattern : group.patterns)
      if (normalize_path(pattern.text) == path) return pattern.pos;
  if (!task.inputs.empty()) return task.inputs.front().pos;
  return task.pos;
}

// The nearest existing directory at or above `dir` ("." at the top).
std::string existing_ancestor(FileSystem& fs, std::string dir) {
  while (!dir.empty() && dir != "." && fs.stat(dir).kind != FileStat::Kind::directory)
    dir = std::string(parent_dir(dir));
  return dir.empty() ? "." : dir;
}

}  // namespace

PreflightProblems preflight(const Plan& plan, const std::vector<JobIndex>& jobs, FileSystem& fs,
                            const InputStat& input_stat) {
  PreflightProblems problems;
  std::map<std::string, bool> dir_ok;  // few distinct dirs, each looked at once
  for (const JobIndex j : jobs) {
    const Job& job = plan.jobs[j];
    // The stamp first: it is read ahead for the check anyway, while the producer
    // lookup would cost a hash probe for each of 100,000 inputs that exist.
    for (std::size_t i = 0; i < job.inputs.size(); ++i)
      if (input_stat(j, i).kind == FileStat::Kind::missing && !plan.producer_of(job.inputs[i]))
        problems.missing_inputs.push_back({j, i});
    if (job.dir.empty()) continue;
    auto [it, fresh] = dir_ok.emplace(job.dir, true);
    if (fresh) it->second = fs.stat(job.dir).exists() || made_by_a_job(plan, job.dir);
    if (!it->second) problems.missing_dirs.push_back(j);
  }
  return problems;
}

std::vector<ConfigError> describe_problems(const Config& config, const Plan& plan,
                                           const PreflightProblems& problems, FileSystem& fs,
                                           std::size_t limit) {
  std::vector<ConfigError> errors;
  const std::vector<std::string> skip{normalize_path(config.settings.state_dir)};
  std::map<std::string, std::vector<std::string>> listings;  // by directory
  for (const MissingInput& missing : problems.missing_inputs) {
    if (errors.size() == limit) break;
    const Job& job = plan.jobs[missing.job];
    const TaskDecl& task = config.tasks[job.task];
    const std::string& input = job.inputs[missing.input];
    const std::string dir = existing_ancestor(fs, std::string(parent_dir(input)));
    auto listing = listings.find(dir);
    if (listing == listings.end()) listing = listings.emplace(dir, fs.list_files(dir, skip)).first;
    errors.push_back(config.source.error(
        input_pos(task, input),
        fmt::format("input '{}' of {} does not exist and no task writes it", input, job.id),
        did_you_mean(input, listing->second)));
  }
  for (const JobIndex j : problems.missing_dirs) {
    if (errors.size() == limit) break;
    const Job& job = plan.jobs[j];
    const TaskDecl& task = config.tasks[job.task];
    errors.push_back(config.source.error(
        task.dir ? task.dir->pos : task.pos,
        fmt::format("dir '{}' of {} does not exist and no task writes into it", job.dir, job.id),
        "create it, or declare an output of some task inside it"));
  }
  return errors;
}

std::unordered_map<JobIndex, std::string> skip_reasons(const Plan& plan,
                                                       const PreflightProblems& problems) {
  std::unordered_map<JobIndex, std::string> reasons;
  for (const MissingInput& missing : problems.missing_inputs)
    reasons.emplace(missing.job,
                    fmt::format("missing input {}", plan.jobs[missing.job].inputs[missing.input]));
  for (const JobIndex j : problems.missing_dirs)
    reasons.emplace(j, fmt::format("missing dir {}", plan.jobs[j].dir));
  return reasons;
}

}  // namespace pipeline
