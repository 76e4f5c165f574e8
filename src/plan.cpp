#include "pipeline/plan.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <unordered_map>

#include "pipeline/fs.hpp"
#include "pipeline/pattern.hpp"
#include "pipeline/template.hpp"
#include "plan_internal.hpp"

namespace pipeline {

using plan_detail::PathSpec;
using plan_detail::release;
using plan_detail::Staged;
using plan_detail::TaskExpander;
using plan_detail::TaskSpec;
using plan_detail::TemplateCache;

namespace {

// The names a job placeholder may have; vars may not use them (config checks).
bool is_job_placeholder(std::string_view name) {
  return name == "inputs" || name == "outputs" || name == "input" || name == "output" ||
         name == "task" || name == "job";
}

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += sep;
    out += items[i];
  }
  return out;
}

// Rejects keys that are parsed but whose behaviour arrives in a later version, so
// that nothing is silently ignored.
void reject_unavailable(const Config& config, const TaskDecl& task) {
  auto later = [&](SourcePos pos, std::string_view what) {
    throw config.source.error(
        pos, fmt::format("task '{}': {} is not available in this version of pipeline yet",
                         task.name, what));
  };
  if (task.sandbox) later(task.sandbox_pos, "'sandbox'");
  if (task.container) later(task.container->pos, "'container'");
  if (task.executor == ExecutorKind::slurm) later(task.executor_pos, "executor 'slurm'");
}

// ---------------------------------------------------------------------------
// The path patterns of a task.

// The error of the VarValue `var` being named like a wildcard or matrix name.
[[noreturn]] void throw_var_named_like_wildcard(const Config& config, const TaskDecl& task,
                                                const std::string& name, SourcePos fallback) {
  const VarValue& var = config.vars.at(name);
  std::string message = fmt::format(
      "var '{}' is named like a wildcard of task '{}'; a var may not share a name with a "
      "wildcard or matrix name",
      name, task.name);
  throw config.source.error(var.pos.known() ? var.pos : fallback, message,
                            "rename the var or the wildcard");
}

// Whether `text` is a path as written: not empty, without braces (placeholders) or
// glob characters. One pass over the bytes, for every path of every task.
bool is_plain_path(std::string_view text) {
  if (text.empty()) return false;
  for (const char c : text) {
    switch (c) {
      case '{':
      case '}':
      case '*':
      case '?':
      case '[':
        return false;
      default:
        break;
    }
  }
  return true;
}

// Compiles one entry of `inputs`/`outputs`: vars and {task} are substituted, any
// other {name} is a wildcard. A value that is exactly an array var gives several
// paths.
void compile_paths(const Config& config, const TaskDecl& task, const LocatedString& value,
                   std::uint32_t group, Globs globs, std::vector<PathSpec>& out) {
  // A path without braces or globs (every path of a file of 100,000 literal tasks)
  // is the path itself, normalised: no template to parse, no pieces to assemble
  // (measured: 521 -> 80 M instructions for the 200,000 paths of such tasks).
  const std::string& text = value.text;
  if (is_plain_path(text)) {
    PathSpec& spec = out.emplace_back();
    spec.source = &value;
    spec.group = group;
    spec.path = is_normal_path(text) ? text : normalize_path(text);
    return;
  }
  Template t = parse_template(value.text);
  if (t.is_single_placeholder()) {
    const TemplatePart& part = t.parts[0];
    auto var = config.vars.find(part.text);
    if (var != config.vars.end() && var->second.is_list && part.member.empty() && part.index < 0 &&
        !part.has_regex) {
      for (const std::string& item : var->second.items) {
        PathSpec spec;
        spec.source = &value;
        spec.group = group;
        try {
          if (!contains_glob(item) && !item.empty())
            spec.path = normalize_path(item);
          else
            spec.pattern = std::make_unique<Pattern>(
                Pattern::compile({PatternPiece{PatternPiece::Kind::text, item, {}, false}}, globs));
        } catch (const PatternError& e) {
          throw config.source.error(value.pos, fmt::format("task '{}': {}", task.name, e.what()));
        }
        out.push_back(std::move(spec));
      }
      return;
    }
  }
  std::vector<PatternPiece> pieces;
  std::vector<std::size_t> offsets;  // of each piece in value.text
  for (const TemplatePart& part : t.parts) {
    PatternPiece piece;
    offsets.push_back(part.offset);
    if (part.kind == TemplatePart::Kind::literal) {
      piece.text = part.text;
      pieces.push_back(std::move(piece));
      continue;
    }
    const std::string written = value.text.substr(part.offset, part.length);
    auto fail = [&](const std::string& message, std::string hint = {}) {
      throw config.source.error(config.source.position_in(value, part.offset), message,
                                std::move(hint));
    };
    if (auto var = config.vars.find(part.text); var != config.vars.end()) {
      if (part.has_regex) throw_var_named_like_wildcard(config, task, part.text, value.pos);
      if (!part.member.empty() || part.index >= 0)
        fail(fmt::format("'{}': '{{{}}}' is a var: it has no members", written, part.text));
      piece.text = join(var->second.items, " ");
    } else if (part.text == "task" && part.member.empty() && part.index < 0 && !part.has_regex) {
      piece.text = task.name;
    } else if (is_job_placeholder(part.text)) {
      fail(fmt::format("'{}' cannot be used in inputs or outputs", written));
    } else if (!part.member.empty() || part.index >= 0) {
      fail(fmt::format("'{}' is not a wildcard: a wildcard is written {{name}} or "
                       "{{name:REGEX}}",
                       written),
           "to write literal braces in a path, double them: '{{' and '}}'");
    } else {
      piece.kind = PatternPiece::Kind::wildcard;
      piece.text = part.text;
      piece.regex = part.regex;
      piece.has_regex = part.has_regex;
    }
    pieces.push_back(std::move(piece));
  }
  PathSpec spec;
  spec.source = &value;
  spec.group = group;
  const bool plain = std::all_of(pieces.begin(), pieces.end(), [](const PatternPiece& piece) {
    return piece.kind == PatternPiece::Kind::text && !contains_glob(piece.text);
  });
  try {
    if (plain) {
      for (const PatternPiece& piece : pieces) spec.path += piece.text;
      if (spec.path.empty()) throw PatternError(0, "a path may not be empty");
      spec.path = normalize_path(spec.path);
    } else {
      spec.pattern = std::make_unique<Pattern>(Pattern::compile(pieces, globs));
    }
  } catch (const PatternError& e) {
    const std::size_t offset = e.piece() < offsets.size() ? offsets[e.piece()] : 0;
    throw config.source.error(config.source.position_in(value, offset),
                              fmt::format("task '{}': {}", task.name, e.what()));
  }
  out.push_back(std::move(spec));
}

// The number of patterns in `groups` (the paths they give, unless an array var
// gives several).
std::size_t pattern_count(const std::vector<PathGroup>& groups) {
  std::size_t n = 0;
  for (const PathGroup& group : groups) n += group.patterns.size();
  return n;
}

TaskSpec make_spec(const Config& config, const TaskDecl& task) {
  TaskSpec spec;
  spec.inputs.reserve(pattern_count(task.inputs));
  spec.outputs.reserve(pattern_count(task.outputs));
  for (std::uint32_t g = 0; g < task.inputs.size(); ++g)
    for (const LocatedString& value : task.inputs[g].patterns)
      compile_paths(config, task, value, g, Globs::allowed, spec.inputs);
  for (std::uint32_t g = 0; g < task.outputs.size(); ++g)
    for (const LocatedString& value : task.outputs[g].patterns)
      compile_paths(config, task, value, g, Globs::forbidden, spec.outputs);

  // The names that make jobs: the wildcards of the inputs and the matrix names.
  std::vector<std::string> defined;
  for (const PathSpec& in : spec.inputs) {
    defined.insert(defined.end(), in.names().begin(), in.names().end());
    spec.matches = spec.matches || !in.literal();
  }
  for (const auto& [name, values] : task.matrix) {
    if (is_job_placeholder(name))
      throw config.source.error(task.matrix_pos,
                                fmt::format("task '{}': '{}' cannot be a matrix name: it is a "
                                            "job placeholder",
                                            task.name, name));
    if (config.vars.count(name)) throw_var_named_like_wildcard(config, task, name, task.matrix_pos);
    defined.push_back(name);
  }
  std::sort(defined.begin(), defined.end());
  defined.erase(std::unique(defined.begin(), defined.end()), defined.end());
  spec.names = defined;

  // Every output names every wildcard, and only those (SPEC §1.3).
  for (const PathSpec& out : spec.outputs) {
    for (const std::string& name : out.names()) {
      if (!std::binary_search(defined.begin(), defined.end(), name))
        throw config.source.error(
            out.source->pos,
            fmt::format("task '{}': the wildcard '{{{}}}' of output '{}' is in no input{}, so it "
                        "has no value",
                        task.name, name, out.source->text,
                        task.matrix.empty() ? "" : " nor in matrix"),
            fmt::format(
                "use '{{{}}}' in an input pattern, or write literal braces as '{{{{' and '}}}}'",
                name));
    }
    for (const std::string& name : defined) {
      if (!std::binary_search(out.names().begin(), out.names().end(), name))
        throw config.source.error(
            out.source->pos,
            fmt::format("task '{}': output '{}' lacks the wildcard '{{{}}}', so the jobs of the "
                        "task would all write it",
                        task.name, out.source->text, name),
            fmt::format("put '{{{}}}' in the output's path", name));
    }
  }
  auto assign_slots = [&](std::vector<PathSpec>& paths) {
    for (PathSpec& p : paths)
      for (const std::string& name : p.names())
        p.slots.push_back(std::uint16_t(std::lower_bound(defined.begin(), defined.end(), name) -
                                        defined.begin()));
  };
  assign_slots(spec.inputs);
  assign_slots(spec.outputs);
  return spec;
}

// The edges of the plan while it is built: (job, a job it depends on).
using EdgeList = std::vector<std::pair<JobIndex, JobIndex>>;

void add_edge(EdgeList& edges, JobIndex from, JobIndex to) { edges.emplace_back(to, from); }

// Sorts and deduplicates `edges` into Plan::edges and sets every job's deps and
// dependents; throws for a job that depends on itself.
void store_edges(const Config& config, EdgeList& edges, Plan& plan) {
  std::sort(edges.begin(), edges.end());
  edges.erase(std::unique(edges.begin(), edges.end()), edges.end());
  for (const auto& [to, from] : edges)
    if (to == from)
      throw config.source.error(config.tasks[plan.jobs[to].task].pos,
                                fmt::format("dependency cycle: {0} -> {0}", plan.jobs[to].id));
  const std::size_t n = plan.jobs.size();
  const std::size_t e = edges.size();
  plan.edges.assign(2 * e, 0);
  // deps: [0, e) in the order of `edges`; dependents: [e, 2e) by a counting sort on
  // the dep, which keeps each job's dependents sorted.
  std::vector<std::uint32_t> dependents_of(n + 1, 0);
  for (std::size_t i = 0; i < e; ++i) {
    plan.edges[i] = edges[i].second;
    ++dependents_of[edges[i].second + 1];
  }
  for (std::size_t j = 0; j < n; ++j) dependents_of[j + 1] += dependents_of[j];
  std::vector<std::uint32_t> next(dependents_of.begin(), dependents_of.end() - 1);
  for (const auto& [to, from] : edges) plan.edges[e + next[from]++] = to;
  const JobIndex* base = plan.edges.data();
  for (std::size_t i = 0; i < e;) {
    std::size_t k = i;
    while (k < e && edges[k].first == edges[i].first) ++k;
    plan.jobs[edges[i].first].deps = JobList(base + i, k - i);
    i = k;
  }
  for (std::size_t j = 0; j < n; ++j)
    if (dependents_of[j + 1] > dependents_of[j])
      plan.jobs[j].dependents =
          JobList(base + e + dependents_of[j], dependents_of[j + 1] - dependents_of[j]);
}

// Connects the jobs of `task` t to those of the tasks in its `deps` (SPEC §1.4):
// when one task's names include all of the other's, job to the jobs that agree on
// the shared names; otherwise to every job of the dep.
void connect_deps(const Config& config, const std::vector<TaskSpec>& specs,
                  const std::vector<Staged>& staged, std::uint32_t t, const Plan& plan,
                  EdgeList& edges) {
  const TaskDecl& task = config.tasks[t];
  for (const LocatedString& dep : task.deps) {
    int u = config.find_task(dep.text);
    if (u < 0) {
      std::vector<std::string> names;
      for (const TaskDecl& other : config.tasks) names.push_back(other.name);
      throw config.source.error(
          dep.pos, fmt::format("task '{}' depends on an unknown task '{}'", task.name, dep.text),
          did_you_mean(dep.text, names));
    }
    const std::vector<std::string>& mine = specs[t].names;
    const std::vector<std::string>& theirs = specs[std::size_t(u)].names;
    std::vector<std::string> shared;
    std::set_intersection(mine.begin(), mine.end(), theirs.begin(), theirs.end(),
                          std::back_inserter(shared));
    const bool nested = shared.size() == mine.size() || shared.size() == theirs.size();
    const auto& dep_jobs = plan.task_jobs[std::size_t(u)];
    if (shared.empty() || !nested) {
      for (JobIndex j : plan.task_jobs[t])
        for (JobIndex d : dep_jobs) add_edge(edges, d, j);
      continue;
    }
    auto key_of = [&](const std::vector<std::string>& names,
                      const std::vector<std::string>& values) {
      std::string key;
      for (const std::string& name : shared) {
        auto i = std::lower_bound(names.begin(), names.end(), name) - names.begin();
        key.append(values[std::size_t(i)]).push_back('\0');
      }
      return key;
    };
    std::unordered_map<std::string, std::vector<JobIndex>> by_key;
    for (std::size_t k = 0; k < dep_jobs.size(); ++k)
      by_key[key_of(theirs, staged[std::size_t(u)].values_of(k))].push_back(dep_jobs[k]);
    for (std::size_t k = 0; k < plan.task_jobs[t].size(); ++k) {
      auto it = by_key.find(key_of(mine, staged[t].values_of(k)));
      if (it == by_key.end()) continue;
      for (JobIndex d : it->second) add_edge(edges, d, plan.task_jobs[t][k]);
    }
  }
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
      const JobList& deps = plan.jobs[job].deps;
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

// Every task compiled into its TaskSpec, in file order.
std::vector<TaskSpec> make_specs(const Config& config) {
  std::vector<TaskSpec> specs;
  specs.reserve(config.tasks.size());
  for (const TaskDecl& task : config.tasks) {
    reject_unavailable(config, task);
    specs.push_back(make_spec(config, task));
  }
  return specs;
}

// One sorted listing of the directories that wildcard and glob inputs look into
// (none when no input matches).
std::vector<std::string> list_existing(const Config& config, const std::vector<TaskSpec>& specs,
                                       FileSystem& fs) {
  std::vector<std::string> existing;
  if (std::none_of(specs.begin(), specs.end(), [](const TaskSpec& s) { return s.matches; }))
    return existing;
  const std::vector<std::string> skip{normalize_path(config.settings.state_dir)};
  for (const std::string& root : plan_detail::walk_roots(specs)) {
    std::vector<std::string> files = fs.list_files(root, skip);
    if (existing.empty()) {
      existing = std::move(files);
      continue;
    }
    // Each listing is sorted and the roots do not nest: merge, never sort again.
    const std::ptrdiff_t sorted = std::ptrdiff_t(existing.size());
    existing.insert(existing.end(), std::make_move_iterator(files.begin()),
                    std::make_move_iterator(files.end()));
    std::inplace_merge(existing.begin(), existing.begin() + sorted, existing.end());
  }
  return existing;
}

// Per task: whether its `deps` connect job to job by values (connect_deps), so that
// its staged values must outlive number_jobs.
std::vector<bool> joined_by_deps(const Config& config, const std::vector<TaskSpec>& specs) {
  std::vector<bool> joined(specs.size(), false);
  for (std::uint32_t t = 0; t < specs.size(); ++t) {
    for (const LocatedString& dep : config.tasks[t].deps) {
      const int u = config.find_task(dep.text);
      if (u < 0 || specs[t].names.empty() || specs[std::size_t(u)].names.empty()) continue;
      joined[t] = true;
      joined[std::size_t(u)] = true;
    }
  }
  return joined;
}

// How many jobs ahead the loops over all jobs prefetch their StringIndex slots.
constexpr JobIndex k_prefetch_distance = 8;

// Numbers the staged jobs in file order of their tasks into plan.jobs, expands
// their values and indexes them by id; frees what staging no longer needs.
void number_jobs(const Config& config, const PlanOptions& options,
                 const std::vector<TaskSpec>& specs, std::vector<Staged>& staged, Plan& plan) {
  const std::vector<bool> joined = joined_by_deps(config, specs);
  std::size_t total = 0;
  for (const Staged& s : staged) total += s.jobs.size();
  plan.jobs.reserve(total);
  plan.task_jobs.resize(specs.size());
  plan.job_by_id.reserve(total);
  TemplateCache templates;
  std::vector<const Template*> global_env;
  for (const auto& [name, value] : config.env) {
    try {
      global_env.push_back(&templates.parse_env(value.text));
    } catch (const PlaceholderError& e) {
      throw config.source.error(config.source.position_in(value, e.offset()), e.what(), e.hint());
    }
  }
  for (std::uint32_t t = 0; t < specs.size(); ++t) {
    const TaskDecl& task = config.tasks[t];
    Staged& s = staged[t];
    release(s.sorted_outputs);
    const TaskExpander expander(config, options, t, specs[t], global_env, templates);
    // A task without jobs (its inputs match nothing yet) is still expanded once, so
    // that an undefined placeholder in it is reported now.
    if (s.jobs.empty()) expander.probe();
    plan.task_jobs[t].reserve(s.jobs.size());
    for (std::size_t k = 0; k < s.jobs.size(); ++k) {
      const JobIndex index = JobIndex(plan.jobs.size());
      Job& job = plan.jobs.emplace_back();
      job.id = std::move(s.jobs[k].id);
      job.task = t;
      job.inputs = std::move(s.jobs[k].inputs);
      job.outputs = std::move(s.jobs[k].outputs);
      plan.job_by_id.prefetch(job.id);  // for the emplace() after the expansion
      expander.finish(job, s.values.data() + k * s.width,
                      task.inputs_named ? s.input_ends.data() + k * s.groups : nullptr);
      plan.task_jobs[t].push_back(index);
      plan.job_by_id.emplace(job.id, index);
    }
    release(s.jobs);
    release(s.input_ends);
    if (!joined[t]) release(s.values);
  }
}

// Indexes the jobs' outputs by path (Plan::producer); two writers of one path are
// an error naming both.
void index_outputs(const Config& config, Plan& plan) {
  plan.producer.reserve(plan.jobs.size());
  for (JobIndex j = 0; j < plan.jobs.size(); ++j) {
    if (j + k_prefetch_distance < plan.jobs.size())
      for (const std::string& out : plan.jobs[j + k_prefetch_distance].outputs)
        plan.producer.prefetch(out);
    const TaskDecl& task = config.tasks[plan.jobs[j].task];
    for (const std::string& out : plan.jobs[j].outputs) {
      auto [writer, inserted] = plan.producer.emplace(out, j);
      if (!inserted) {
        SourcePos pos = task.outputs.empty() ? task.pos : task.outputs.front().pos;
        if (writer == j)
          throw config.source.error(
              pos, fmt::format("job '{}' declares output '{}' twice", plan.jobs[j].id, out));
        throw config.source.error(pos,
                                  fmt::format("jobs '{}' and '{}' both declare the output '{}'",
                                              plan.jobs[writer].id, plan.jobs[j].id, out));
      }
    }
  }
}

// The edges from each job's inputs to the jobs that write them.
EdgeList file_edges(const Plan& plan) {
  EdgeList edges;
  for (JobIndex j = 0; j < plan.jobs.size(); ++j) {
    if (j + k_prefetch_distance < plan.jobs.size())
      for (const std::string& in : plan.jobs[j + k_prefetch_distance].inputs)
        plan.producer.prefetch(in);
    for (const std::string& in : plan.jobs[j].inputs)
      if (auto p = plan.producer_of(in); p && *p != j) add_edge(edges, *p, j);
  }
  return edges;
}

// Throws for a `[pipeline] default` target that is not a task, job or output.
void check_default_targets(const Config& config, const Plan& plan) {
  for (const LocatedString& target : config.settings.default_targets) {
    if (config.find_task(target.text) < 0 && !plan.job_by_id.count(target.text) &&
        !plan.producer_of(normalize_path(target.text))) {
      std::vector<std::string> names;
      for (const TaskDecl& task : config.tasks) names.push_back(task.name);
      throw config.source.error(
          target.pos, fmt::format("default target '{}' is not a task, job or output", target.text),
          did_you_mean(target.text, names));
    }
  }
}

}  // namespace

std::vector<std::string> JobCommand::shell_argv() const {
  if (kind != Kind::direct) return argv;
  std::vector<std::string> shell = default_shell();
  shell.push_back(display);
  return shell;
}

std::optional<JobIndex> Plan::producer_of(std::string_view path) const {
  return producer.find(path);
}

Plan build_plan(const Config& config, const PlanOptions& options) {
  return build_plan(config, real_file_system(), options);
}

PlanOptions plan_options_from_environment() {
  PlanOptions options;
  const char* direct = std::getenv("PIPELINE_DIRECT_EXEC");
  if (direct && std::string_view(direct) == "0") options.direct_exec = DirectExec::never;
  return options;
}

Plan build_plan(const Config& config, FileSystem& fs, const PlanOptions& options) {
  Plan plan;
  const std::vector<TaskSpec> specs = make_specs(config);
  std::vector<Staged> staged(specs.size());
  {
    const std::vector<std::string> existing = list_existing(config, specs, fs);
    plan_detail::stage_jobs(config, specs, existing, staged, plan.warnings);
  }
  number_jobs(config, options, specs, staged, plan);
  index_outputs(config, plan);
  EdgeList edges = file_edges(plan);
  for (std::uint32_t t = 0; t < specs.size(); ++t)
    connect_deps(config, specs, staged, t, plan, edges);
  staged.clear();
  store_edges(config, edges, plan);
  release(edges);
  reject_cycles(config, plan);
  check_default_targets(config, plan);
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
      const JobList& deps = plan.jobs[job].deps;
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

namespace {

// The job that writes the path target `name` (SPEC §2.3): relative to `cwd` first,
// then to the root; an absolute path relative to the root. Lexical: the root and
// the cwd come from the same getcwd(), so no symbolic link stands between them.
std::optional<JobIndex> path_target(const Config& config, const Plan& plan, const std::string& name,
                                    std::string_view cwd) {
  namespace stdfs = std::filesystem;
  const stdfs::path root(config.root);
  if (!name.empty() && name[0] == '/') {
    if (config.root.empty()) return std::nullopt;
    const std::string inside = stdfs::path(name).lexically_normal().lexically_relative(root);
    if (inside.empty() || inside.starts_with("..")) return std::nullopt;
    return plan.producer_of(normalize_path(inside));
  }
  if (!cwd.empty() && !config.root.empty()) {
    const std::string from_root = stdfs::path(cwd).lexically_normal().lexically_relative(root);
    if (!from_root.empty() && from_root != ".")
      if (auto p = plan.producer_of(normalize_path(from_root + "/" + name))) return p;
  }
  return plan.producer_of(normalize_path(name));
}

// The hint for an unknown target written NAME=VALUE: NAME is not a declared var.
std::string override_hint(const Config& config, const std::string& target) {
  const std::size_t eq = target.find('=');
  if (eq == std::string::npos || eq == 0) return {};
  const std::string name = target.substr(0, eq);
  if (!std::all_of(name.begin(), name.end(),
                   [](char c) { return c == '_' || std::isalnum(static_cast<unsigned char>(c)); }))
    return {};
  std::vector<std::string> vars;
  for (const auto& [var, value] : config.vars) vars.push_back(var);
  std::string closest = closest_name(name, vars);
  if (closest.empty()) {
    // Case is the commonest slip (CFLAGS for cflags), and too many edits for a short name.
    for (const std::string& var : vars)
      if (std::equal(var.begin(), var.end(), name.begin(), name.end(),
                     [](char a, char b) { return std::tolower(a) == std::tolower(b); }))
        closest = var;
  }
  if (!closest.empty())
    return fmt::format("'{}' is not a var: did you mean the var '{}' ({}={})?", name, closest,
                       closest, target.substr(eq + 1));
  if (vars.empty())
    return fmt::format("NAME=VALUE overrides a var of [vars], and this file declares none");
  return fmt::format("NAME=VALUE overrides a var of [vars]; '{}' is not one of them ({})", name,
                     join(vars, ", "));
}

}  // namespace

std::vector<JobIndex> select_jobs(const Config& config, const Plan& plan,
                                  const std::vector<std::string>& targets, std::string_view cwd) {
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
    } else if (auto job = plan.job_by_id.find(name)) {
      roots.push_back(*job);
    } else if (auto p = path_target(config, plan, name, cwd)) {
      roots.push_back(*p);
    } else {
      std::string hint = override_hint(config, name);
      if (!hint.empty())
        throw UserError(
            fmt::format("unknown target '{}': not a task, a job id, an output of any job, "
                        "nor an override of a declared var",
                        name),
            hint);
      std::vector<std::string> candidates;
      for (const TaskDecl& task : config.tasks) candidates.push_back(task.name);
      hint = did_you_mean(name, candidates);
      if (hint.empty()) hint = "'pipeline --list' shows the tasks";
      throw UserError(
          fmt::format("unknown target '{}': not a task, a job id or an output of any job", name),
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
