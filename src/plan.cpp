#include "pipeline/plan.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <unordered_set>

#include "pipeline/fs.hpp"
#include "pipeline/template.hpp"

namespace pipeline {
namespace {

// The names a job placeholder may have; vars may not use them (config checks).
bool is_job_placeholder(std::string_view name) {
  return name == "inputs" || name == "outputs" || name == "input" || name == "output" ||
         name == "task" || name == "job";
}

ConfigError placeholder_error(const Config& config, const LocatedString& value,
                              const PlaceholderError& e) {
  return config.source.error(config.source.position_in(value, e.offset()), e.what(), e.hint());
}

// Rejects keys that are parsed but whose behaviour arrives in a later version, so
// that nothing is silently ignored.
void reject_unavailable(const Config& config, const TaskDecl& task) {
  auto later = [&](SourcePos pos, std::string_view what) {
    throw config.source.error(
        pos, fmt::format("task '{}': {} is not available in this version of pipeline yet",
                         task.name, what));
  };
  if (!task.matrix.empty()) later(task.matrix_pos, "'matrix'");
  if (task.sandbox) later(task.sandbox_pos, "'sandbox'");
  if (task.container) later(task.container->pos, "'container'");
  if (task.executor == ExecutorKind::slurm) later(task.executor_pos, "executor 'slurm'");
}

// Expands one path pattern of inputs/outputs: vars and {task} only (this version
// has no wildcards or globs).
std::vector<std::string> expand_path_pattern(const Config& config, const TaskDecl& task,
                                             const LocatedString& pattern) {
  Template t = parse_template(pattern.text);
  PlaceholderLookup lookup = [&](const TemplatePart& part) -> PlaceholderValue {
    if (auto it = config.vars.find(part.text); it != config.vars.end()) {
      if (!part.member.empty() || part.index >= 0 || part.has_regex)
        throw PlaceholderError(part.offset, part.length,
                               fmt::format("'{{{}}}' is a var: it has no members", part.text));
      return {it->second.items, it->second.is_list, PlaceholderValue::Origin::author};
    }
    if (part.text == "task" && part.member.empty() && part.index < 0)
      return {{task.name}, false, PlaceholderValue::Origin::file};
    if (is_job_placeholder(part.text))
      throw PlaceholderError(part.offset, part.length,
                             fmt::format("'{{{}}}' cannot be used in inputs or outputs", part.text));
    throw PlaceholderError(
        part.offset, part.length,
        fmt::format("'{{{}}}' would be a wildcard; wildcards are not available in this "
                    "version of pipeline yet",
                    part.text),
        "to write literal braces in a path, double them: '{{' and '}}'");
  };
  std::vector<std::string> paths;
  try {
    paths = expand_list(t, lookup);
  } catch (const PlaceholderError& e) {
    throw placeholder_error(config, pattern, e);
  }
  for (std::string& p : paths) {
    if (p.find_first_of("*?[") != std::string::npos)
      throw config.source.error(pattern.pos,
                                fmt::format("'{}': globs are not available in this version of "
                                            "pipeline yet",
                                            p));
    if (p.empty()) throw config.source.error(pattern.pos, "a path may not be empty");
    p = normalize_path(p);
  }
  return paths;
}

struct ExpandedGroups {
  std::vector<std::string> all;
  std::vector<std::pair<std::string, std::vector<std::string>>> named;  // table form
};

ExpandedGroups expand_groups(const Config& config, const TaskDecl& task,
                             const std::vector<PathGroup>& groups) {
  ExpandedGroups out;
  for (const PathGroup& group : groups) {
    std::vector<std::string> paths;
    for (const LocatedString& pattern : group.patterns) {
      for (std::string& p : expand_path_pattern(config, task, pattern)) paths.push_back(std::move(p));
    }
    out.all.insert(out.all.end(), paths.begin(), paths.end());
    if (!group.name.empty()) out.named.emplace_back(group.name, std::move(paths));
  }
  return out;
}

// The lookup of job placeholders (SPEC §1.2) for the values of one job.
class JobLookup {
public:
  JobLookup(const Config& config, const TaskDecl& task, const Job& job,
            const ExpandedGroups& inputs, const ExpandedGroups& outputs)
      : m_config(config), m_task(task), m_job(job), m_inputs(inputs), m_outputs(outputs) {}

  PlaceholderValue operator()(const TemplatePart& part) const {
    using Origin = PlaceholderValue::Origin;
    if (auto it = m_config.vars.find(part.text); it != m_config.vars.end()) {
      if (!part.member.empty() || part.index >= 0 || part.has_regex)
        throw PlaceholderError(part.offset, part.length,
                               fmt::format("'{{{}}}' is a var: it has no members", part.text));
      return {it->second.items, it->second.is_list, Origin::author};
    }
    const std::string& name = part.text;
    if (part.has_regex)
      throw PlaceholderError(part.offset, part.length,
                             "a '{name:regex}' wildcard can only appear in inputs and outputs");
    if (name == "task" || name == "job") {
      if (!part.member.empty() || part.index >= 0) throw undefined_placeholder(part);
      return {{name == "task" ? m_task.name : m_job.id}, false, Origin::file};
    }
    if (name == "inputs" || name == "outputs") return group(part, name == "inputs" ? m_inputs : m_outputs);
    if (name == "input" || name == "output") {
      const ExpandedGroups& g = name == "input" ? m_inputs : m_outputs;
      if (!part.member.empty() || part.index >= 0) throw undefined_placeholder(part);
      if (g.all.empty())
        throw PlaceholderError(part.offset, part.length,
                               fmt::format("'{{{}}}': task '{}' has no {}s", name, m_task.name, name));
      return {{g.all.front()}, false, Origin::file};
    }
    std::vector<std::string> names;
    for (const auto& [var, value] : m_config.vars) names.push_back(var);
    for (const char* n : {"inputs", "outputs", "input", "output", "task", "job"}) names.push_back(n);
    std::string suggestion = closest_name(name, names);
    throw undefined_placeholder(
        part, suggestion.empty() ? "" : fmt::format("did you mean '{{{}}}'?", suggestion));
  }

private:
  PlaceholderValue group(const TemplatePart& part, const ExpandedGroups& g) const {
    using Origin = PlaceholderValue::Origin;
    if (!part.member.empty()) {
      for (const auto& [name, paths] : g.named)
        if (name == part.member) return {paths, true, Origin::file};
      std::vector<std::string> names;
      for (const auto& entry : g.named) names.push_back(entry.first);
      throw PlaceholderError(part.offset, part.length,
                             fmt::format("task '{}' has no {} group named '{}'", m_task.name,
                                         part.text, part.member),
                             did_you_mean(part.member, names));
    }
    if (part.index >= 0) {
      if (std::size_t(part.index) >= g.all.size())
        throw PlaceholderError(part.offset, part.length,
                               fmt::format("'{{{}[{}]}}': task '{}' has only {} {}", part.text,
                                           part.index, m_task.name, g.all.size(), part.text));
      return {{g.all[std::size_t(part.index)]}, false, Origin::file};
    }
    return {g.all, true, Origin::file};
  }

  const Config& m_config;
  const TaskDecl& m_task;
  const Job& m_job;
  const ExpandedGroups& m_inputs;
  const ExpandedGroups& m_outputs;
};

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += sep;
    out += items[i];
  }
  return out;
}

std::string expand_value(const Config& config, const LocatedString& value,
                         const PlaceholderLookup& lookup) {
  try {
    return expand_text(parse_template(value.text), lookup);
  } catch (const PlaceholderError& e) {
    throw placeholder_error(config, value, e);
  }
}

JobCommand expand_command(const Config& config, const CommandDecl& cmd,
                          const PlaceholderLookup& lookup) {
  JobCommand out;
  {
    if (cmd.kind == CommandDecl::Kind::shell) {
      const LocatedString& text = cmd.parts.front();
      std::string expanded;
      try {
        expanded = expand_shell(parse_template(text.text), lookup);
      } catch (const PlaceholderError& e) {
        throw placeholder_error(config, text, e);
      }
      out.argv = config.settings.shell;
      out.argv.push_back(expanded);
      out.display = std::move(expanded);
      return out;
    }
    for (const LocatedString& part : cmd.parts) {
      try {
        for (std::string& arg : expand_list(parse_template(part.text), lookup))
          out.argv.push_back(std::move(arg));
      } catch (const PlaceholderError& e) {
        throw placeholder_error(config, part, e);
      }
    }
  }
  if (out.argv.empty()) throw config.source.error(cmd.pos, "the command expands to nothing");
  std::vector<std::string> quoted;
  for (const std::string& a : out.argv) quoted.push_back(shell_quote(a));
  out.display = join(quoted, " ");
  return out;
}

Job make_job(const Config& config, std::uint32_t task_index) {
  const TaskDecl& task = config.tasks[task_index];
  reject_unavailable(config, task);
  Job job;
  job.id = task.name;
  job.task = task_index;
  ExpandedGroups inputs = expand_groups(config, task, task.inputs);
  ExpandedGroups outputs = expand_groups(config, task, task.outputs);
  JobLookup lookup_impl(config, task, job, inputs, outputs);
  PlaceholderLookup lookup = std::cref(lookup_impl);
  for (const CommandDecl& cmd : task.commands) job.commands.push_back(expand_command(config, cmd, lookup));
  if (task.dir) {
    job.dir = normalize_path(expand_value(config, *task.dir, lookup));
    if (job.dir == ".") job.dir.clear();
  }
  for (const auto& [name, value] : config.env) job.env.emplace_back(name, expand_value(config, value, lookup));
  for (const auto& [name, value] : task.env) job.env.emplace_back(name, expand_value(config, value, lookup));
  if (task.stdout_path) job.stdout_path = normalize_path(expand_value(config, *task.stdout_path, lookup));
  if (task.stderr_path) job.stderr_path = normalize_path(expand_value(config, *task.stderr_path, lookup));
  job.inputs = std::move(inputs.all);
  job.outputs = std::move(outputs.all);
  return job;
}

void add_edge(Plan& plan, JobIndex from, JobIndex to) {
  plan.jobs[to].deps.push_back(from);
}

// Finds a cycle among the jobs (iterative DFS) and throws it as an error.
void reject_cycles(const Config& config, const Plan& plan) {
  enum : std::uint8_t { white, grey, black };
  std::vector<std::uint8_t> color(plan.jobs.size(), white);
  std::vector<std::pair<JobIndex, std::size_t>> stack;  // job, next dep to visit
  for (JobIndex root = 0; root < plan.jobs.size(); ++root) {
    if (color[root] != white) continue;
    stack.emplace_back(root, 0);
    color[root] = grey;
    while (!stack.empty()) {
      auto& [job, next] = stack.back();
      const std::vector<JobIndex>& deps = plan.jobs[job].deps;
      if (next == deps.size()) {
        color[job] = black;
        stack.pop_back();
        continue;
      }
      JobIndex dep = deps[next++];
      if (color[dep] == white) {
        color[dep] = grey;
        stack.emplace_back(dep, 0);
      } else if (color[dep] == grey) {
        // The stack from `dep` to the top is the cycle; print it in the order the
        // jobs run: each one is needed by the next.
        std::vector<std::string> names;
        auto it = std::find_if(stack.begin(), stack.end(), [&](auto& e) { return e.first == dep; });
        for (; it != stack.end(); ++it) names.push_back(plan.jobs[it->first].id);
        std::reverse(names.begin(), names.end());
        names.push_back(names.front());
        const TaskDecl& task = config.tasks[plan.jobs[dep].task];
        throw config.source.error(task.pos, "dependency cycle: " + join(names, " -> "));
      }
    }
  }
}

}  // namespace

std::optional<JobIndex> Plan::producer_of(const std::string& path) const {
  auto it = producer.find(path);
  if (it == producer.end()) return std::nullopt;
  return it->second;
}

Plan build_plan(const Config& config) {
  Plan plan;
  plan.task_jobs.resize(config.tasks.size());
  for (std::uint32_t t = 0; t < config.tasks.size(); ++t) {
    JobIndex index = JobIndex(plan.jobs.size());
    plan.jobs.push_back(make_job(config, t));
    plan.task_jobs[t].push_back(index);
    plan.job_by_id.emplace(plan.jobs[index].id, index);
  }
  // Index outputs by path; two writers of one path are an error naming both.
  for (JobIndex j = 0; j < plan.jobs.size(); ++j) {
    const TaskDecl& task = config.tasks[plan.jobs[j].task];
    for (const std::string& out : plan.jobs[j].outputs) {
      auto [it, inserted] = plan.producer.emplace(out, j);
      if (!inserted) {
        SourcePos pos = task.outputs.empty() ? task.pos : task.outputs.front().pos;
        if (it->second == j)
          throw config.source.error(pos, fmt::format("job '{}' declares output '{}' twice",
                                                     plan.jobs[j].id, out));
        throw config.source.error(
            pos, fmt::format("jobs '{}' and '{}' both declare the output '{}'",
                             plan.jobs[it->second].id, plan.jobs[j].id, out));
      }
    }
  }
  // File dependencies, then `deps`.
  for (JobIndex j = 0; j < plan.jobs.size(); ++j) {
    for (const std::string& in : plan.jobs[j].inputs)
      if (auto p = plan.producer_of(in); p && *p != j) add_edge(plan, *p, j);
    const TaskDecl& task = config.tasks[plan.jobs[j].task];
    for (const LocatedString& dep : task.deps) {
      int t = config.find_task(dep.text);
      if (t < 0) {
        std::vector<std::string> names;
        for (const TaskDecl& other : config.tasks) names.push_back(other.name);
        throw config.source.error(dep.pos, fmt::format("task '{}' depends on an unknown task '{}'",
                                                       task.name, dep.text),
                                  did_you_mean(dep.text, names));
      }
      for (JobIndex d : plan.task_jobs[std::size_t(t)]) add_edge(plan, d, j);
    }
    if (std::find(plan.jobs[j].deps.begin(), plan.jobs[j].deps.end(), j) != plan.jobs[j].deps.end())
      throw config.source.error(task.pos, fmt::format("dependency cycle: {0} -> {0}", plan.jobs[j].id));
  }
  for (Job& job : plan.jobs) {
    std::sort(job.deps.begin(), job.deps.end());
    job.deps.erase(std::unique(job.deps.begin(), job.deps.end()), job.deps.end());
  }
  for (JobIndex j = 0; j < plan.jobs.size(); ++j)
    for (JobIndex d : plan.jobs[j].deps) plan.jobs[d].dependents.push_back(j);
  reject_cycles(config, plan);
  for (const LocatedString& target : config.settings.default_targets) {
    if (config.find_task(target.text) < 0 && !plan.job_by_id.count(target.text) &&
        !plan.producer_of(normalize_path(target.text))) {
      std::vector<std::string> names;
      for (const TaskDecl& task : config.tasks) names.push_back(task.name);
      throw config.source.error(target.pos,
                                fmt::format("default target '{}' is not a task, job or output",
                                            target.text),
                                did_you_mean(target.text, names));
    }
  }
  return plan;
}

namespace {

// Depth-first post-order from `roots`: every job after the jobs it depends on.
std::vector<JobIndex> topological_closure(const Plan& plan, const std::vector<JobIndex>& roots) {
  std::vector<JobIndex> order;
  std::vector<bool> seen(plan.jobs.size(), false);
  std::vector<std::pair<JobIndex, std::size_t>> stack;
  for (JobIndex root : roots) {
    if (seen[root]) continue;
    seen[root] = true;
    stack.emplace_back(root, 0);
    while (!stack.empty()) {
      auto& [job, next] = stack.back();
      const std::vector<JobIndex>& deps = plan.jobs[job].deps;
      if (next == deps.size()) {
        order.push_back(job);
        stack.pop_back();
        continue;
      }
      JobIndex dep = deps[next++];
      if (!seen[dep]) {
        seen[dep] = true;
        stack.emplace_back(dep, 0);
      }
    }
  }
  return order;
}

}  // namespace

std::vector<JobIndex> all_jobs(const Plan& plan) {
  std::vector<JobIndex> roots(plan.jobs.size());
  for (JobIndex j = 0; j < roots.size(); ++j) roots[j] = j;
  return topological_closure(plan, roots);
}

std::vector<JobIndex> select_jobs(const Config& config, const Plan& plan,
                                  const std::vector<std::string>& targets) {
  std::vector<std::string> names = targets;
  if (names.empty()) {
    if (config.settings.default_targets.empty()) return all_jobs(plan);
    for (const LocatedString& t : config.settings.default_targets) names.push_back(t.text);
  }
  std::vector<JobIndex> roots;
  for (const std::string& name : names) {
    if (int t = config.find_task(name); t >= 0) {
      const auto& jobs = plan.task_jobs[std::size_t(t)];
      roots.insert(roots.end(), jobs.begin(), jobs.end());
    } else if (auto it = plan.job_by_id.find(name); it != plan.job_by_id.end()) {
      roots.push_back(it->second);
    } else if (auto p = plan.producer_of(normalize_path(name))) {
      roots.push_back(*p);
    } else {
      std::vector<std::string> candidates;
      for (const TaskDecl& task : config.tasks) candidates.push_back(task.name);
      std::string hint = did_you_mean(name, candidates);
      if (hint.empty()) hint = "'pipeline --list' shows the tasks";
      throw UserError(fmt::format("unknown target '{}': not a task, a job id or an output of any job", name),
                      hint);
    }
  }
  return topological_closure(plan, roots);
}

Schedule::Schedule(const Plan& plan, const std::vector<JobIndex>& selected)
    : m_plan(plan), m_pending(plan.jobs.size(), -1) {
  for (JobIndex j : selected) m_pending[j] = 0;
  for (JobIndex j : selected)
    for (JobIndex d : plan.jobs[j].deps)
      if (m_pending[d] >= 0) ++m_pending[j];
  // `selected` is in topological order, so ready jobs come out in that order too.
  for (JobIndex j : selected)
    if (m_pending[j] == 0) m_ready.push_back(j);
  m_unfinished = selected.size();
}

std::optional<JobIndex> Schedule::pop_ready() {
  if (m_ready.empty()) return std::nullopt;
  JobIndex j = m_ready.front();
  m_ready.pop_front();
  return j;
}

void Schedule::finish(JobIndex job, bool success) {
  --m_unfinished;
  if (!success) return;
  for (JobIndex d : m_plan.jobs[job].dependents)
    if (m_pending[d] > 0 && --m_pending[d] == 0) m_ready.push_back(d);
}

}  // namespace pipeline
