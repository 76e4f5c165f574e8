// plan_job: the values of one job expanded (SPEC §1.2) — its commands, dir, env and
// redirections, with the job placeholders ({input}, {outputs.NAME}, {task}, {job},
// wildcard and matrix names) and the vars.

#include <fmt/format.h>

#include <algorithm>

#include "pipeline/env_refs.hpp"
#include "pipeline/fs.hpp"
#include "pipeline/simple_command.hpp"
#include "plan_internal.hpp"

namespace pipeline::plan_detail {
namespace {

ConfigError placeholder_error(const Config& config, const LocatedString& value,
                              const PlaceholderError& e) {
  return config.source.error(config.source.position_in(value, e.offset()), e.what(), e.hint());
}

// `s` as a one-item value.
std::span<const std::string> one(const std::string& s) { return {&s, 1}; }

PlaceholderView var_value(const TemplatePart& part, const VarValue& var) {
  if (!part.member.empty() || part.index >= 0 || part.has_regex)
    throw PlaceholderError(part.offset, part.length,
                           fmt::format("'{{{}}}' is a var: it has no members", part.text));
  return {var.items, var.is_list, PlaceholderValue::Origin::author};
}

// Whether every placeholder of `t` is a var: then its value is the same for every
// job.
bool only_vars(const Config& config, const Template& t) {
  for (const TemplatePart& part : t.parts)
    if (part.kind == TemplatePart::Kind::placeholder && !config.vars.count(part.text)) return false;
  return true;
}

// The vars alone, for values that use nothing else.
class VarsResolver final : public PlaceholderResolver {
public:
  explicit VarsResolver(const Config& config) : m_config(config) {}
  PlaceholderView resolve(const TemplatePart& part) const override {
    return var_value(part, m_config.vars.at(part.text));
  }

private:
  const Config& m_config;
};

// The paths of a job's inputs or outputs in their groups (SPEC §1.2).
struct Groups {
  const std::vector<std::string>* all = nullptr;
  const std::vector<PathGroup>* decl = nullptr;
  bool named = false;
  const std::uint32_t* ends = nullptr;  // named: per group, its end index in *all
};

// The job placeholders (SPEC §1.2) and the vars, for one job: views of its paths
// and values.
class JobResolver final : public PlaceholderResolver {
public:
  JobResolver(const Config& config, const TaskDecl& task, const TaskSpec& spec, const Job& job,
              const std::string* values, Groups inputs, Groups outputs, Probe probe)
      : m_config(config),
        m_task(task),
        m_spec(spec),
        m_job(job),
        m_values(values),
        m_inputs(inputs),
        m_outputs(outputs),
        m_probe(probe) {}

  PlaceholderView resolve(const TemplatePart& part) const override {
    using Origin = PlaceholderValue::Origin;
    if (auto it = m_config.vars.find(part.text); it != m_config.vars.end())
      return var_value(part, it->second);
    // Compared as string_view: most names differ from "inputs" etc. in length.
    const std::string_view name = part.text;
    if (part.has_regex)
      throw PlaceholderError(part.offset, part.length,
                             "a '{name:regex}' wildcard can only appear in inputs and outputs");
    if (name == "task" || name == "job") {
      if (!part.member.empty() || part.index >= 0) throw undefined_placeholder(part);
      return {one(name == "task" ? m_task.name : m_job.id), false, Origin::file};
    }
    if (name == "inputs" || name == "outputs")
      return group(part, name == "inputs" ? m_inputs : m_outputs);
    if (name == "input" || name == "output") {
      const Groups& g = name == "input" ? m_inputs : m_outputs;
      if (!part.member.empty() || part.index >= 0) throw undefined_placeholder(part);
      if (g.all->empty() && m_probe == Probe::yes) return {one(part.text), false, Origin::file};
      if (g.all->empty())
        throw PlaceholderError(part.offset, part.length,
                               fmt::format("'{{{}}}': {} has no {}s", name, who(), name));
      return {one(g.all->front()), false, Origin::file};
    }
    auto wildcard = std::lower_bound(m_spec.names.begin(), m_spec.names.end(), name);
    if (wildcard != m_spec.names.end() && *wildcard == name && part.member.empty() &&
        part.index < 0)
      return {one(m_values[wildcard - m_spec.names.begin()]), false, Origin::file};
    std::vector<std::string> names = m_spec.names;
    for (const auto& [var, value] : m_config.vars) names.push_back(var);
    for (const char* n : {"inputs", "outputs", "input", "output", "task", "job"})
      names.push_back(n);
    std::string suggestion = closest_name(name, names);
    throw undefined_placeholder(
        part, suggestion.empty() ? "" : fmt::format("did you mean '{{{}}}'?", suggestion));
  }

private:
  std::string who() const {
    return m_spec.fans_out() ? fmt::format("job '{}'", m_job.id)
                             : fmt::format("task '{}'", m_task.name);
  }

  PlaceholderView group(const TemplatePart& part, const Groups& g) const {
    using Origin = PlaceholderValue::Origin;
    const std::vector<std::string>& all = *g.all;
    if (!part.member.empty()) {
      if (g.named) {
        for (std::size_t i = 0; i < g.decl->size(); ++i) {
          if ((*g.decl)[i].name != part.member) continue;
          const std::uint32_t begin = i == 0 ? 0 : g.ends[i - 1];
          return {std::span(all).subspan(begin, g.ends[i] - begin), true, Origin::file};
        }
      }
      std::vector<std::string> names;
      if (g.named)
        for (const PathGroup& decl : *g.decl) names.push_back(decl.name);
      throw PlaceholderError(
          part.offset, part.length,
          fmt::format("task '{}' has no {} group named '{}'", m_task.name, part.text, part.member),
          did_you_mean(part.member, names));
    }
    if (part.index >= 0) {
      if (std::size_t(part.index) >= all.size() && m_probe == Probe::yes)
        return {one(part.text), false, Origin::file};
      if (std::size_t(part.index) >= all.size())
        throw PlaceholderError(part.offset, part.length,
                               fmt::format("'{{{}[{}]}}': {} has only {} {}", part.text, part.index,
                                           who(), all.size(), part.text));
      return {one(all[std::size_t(part.index)]), false, Origin::file};
    }
    return {all, true, Origin::file};
  }

  const Config& m_config;
  const TaskDecl& m_task;
  const TaskSpec& m_spec;
  const Job& m_job;
  const std::string* m_values;  // per TaskSpec::names
  Groups m_inputs;
  Groups m_outputs;
  Probe m_probe;
};

std::string expand_value(const Config& config, const LocatedString& value, const Template& t,
                         const PlaceholderResolver& resolver) {
  std::string out;
  try {
    append_text(out, t, resolver);
  } catch (const PlaceholderError& e) {
    throw placeholder_error(config, value, e);
  }
  return out;
}

// What -v prints for an argv command: each element shell-quoted, joined by spaces,
// built in one string of the right size.
std::string argv_display(const std::vector<std::string>& argv) {
  std::size_t length = 0;
  for (const std::string& arg : argv) length += arg.size() + 1;
  std::string display;
  display.reserve(length);
  for (std::size_t i = 0; i < argv.size(); ++i) {
    if (i != 0) display += ' ';
    append_shell_quoted(display, argv[i]);
  }
  return display;
}

// `cmd` expanded; parts[i] is the parsed cmd.parts[i]. With `direct_exec`, a string
// command that needs no shell gets its words as argv (JobCommand::Kind::direct).
JobCommand expand_command(const Config& config, const CommandDecl& cmd,
                          const Template* const* parts, const PlaceholderResolver& resolver,
                          bool direct_exec) {
  JobCommand out;
  if (cmd.kind == CommandDecl::Kind::shell) {
    try {
      append_shell(out.display, *parts[0], resolver);
    } catch (const PlaceholderError& e) {
      throw placeholder_error(config, cmd.parts.front(), e);
    }
    // Decided here, on the expanded text, so that every runner gets the argv: a
    // placeholder whose value needs quoting (a path with a space) keeps the shell.
    if (direct_exec) {
      if (auto words = simple_command_words(out.display)) {
        out.kind = JobCommand::Kind::direct;
        out.argv = std::move(*words);
        return out;
      }
    }
    out.kind = JobCommand::Kind::shell;
    out.argv.reserve(config.settings.shell.size() + 1);
    out.argv = config.settings.shell;
    out.argv.push_back(out.display);
    return out;
  }
  out.argv.reserve(cmd.parts.size());
  for (std::size_t i = 0; i < cmd.parts.size(); ++i) {
    try {
      append_list(out.argv, *parts[i], resolver);
    } catch (const PlaceholderError& e) {
      throw placeholder_error(config, cmd.parts[i], e);
    }
  }
  if (out.argv.empty()) throw config.source.error(cmd.pos, "the command expands to nothing");
  out.display = argv_display(out.argv);
  return out;
}

}  // namespace

const Template& TemplateCache::parse(const std::string& text) {
  auto it = m_templates.find(text);
  if (it == m_templates.end()) it = m_templates.emplace(text, parse_template(text)).first;
  return it->second;
}

const Template& TemplateCache::parse_env(const std::string& text) {
  auto it = m_env_templates.find(text);
  if (it != m_env_templates.end()) return it->second;
  Template t = parse_template(text);
  for (TemplatePart& part : t.parts) {
    if (part.kind != TemplatePart::Kind::literal || !has_env_refs(part.text)) continue;
    auto expanded = expand_env_refs(part.text, process_environment());
    if (!expanded)
      throw PlaceholderError(part.offset + expanded.error().offset, 1, expanded.error().message);
    part.text = std::move(*expanded);
  }
  return m_env_templates.emplace(text, std::move(t)).first->second;
}

TaskExpander::TaskExpander(const Config& config, const PlanOptions& options, std::uint32_t task,
                           const TaskSpec& spec, const std::vector<const Template*>& global_env,
                           TemplateCache& cache)
    : m_config(config),
      // Only the default shell: a custom one (bash with options, a wrapper) may give
      // the same words another meaning, or do something before running them.
      m_direct_exec(options.direct_exec == DirectExec::when_simple &&
                    config.settings.shell == default_shell()),
      m_task(config.tasks[task]),
      m_spec(spec),
      m_global_env(global_env) {
  std::size_t parts = 0;
  for (const CommandDecl& cmd : m_task.commands) parts += cmd.parts.size();
  m_command_parts.reserve(parts);
  for (const CommandDecl& cmd : m_task.commands)
    for (const LocatedString& part : cmd.parts) m_command_parts.push_back(&cache.parse(part.text));
  if (m_task.dir) m_dir = &cache.parse(m_task.dir->text);
  for (const auto& [name, value] : m_task.env) {
    try {
      m_env.push_back(&cache.parse_env(value.text));
    } catch (const PlaceholderError& e) {
      throw placeholder_error(config, value, e);
    }
  }
  if (m_task.stdout_path) m_stdout_path = &cache.parse(m_task.stdout_path->text);
  if (m_task.stderr_path) m_stderr_path = &cache.parse(m_task.stderr_path->text);

  // Every output entry gives the same number of paths for every job of the task.
  if (m_task.outputs_named) {
    m_output_ends.assign(m_task.outputs.size(), 0);
    for (const PathSpec& out : spec.outputs)
      for (std::size_t g = out.group; g < m_output_ends.size(); ++g) ++m_output_ends[g];
  }

  auto vars_only = [&](const Template* t) { return only_vars(config, *t); };
  if (std::all_of(m_global_env.begin(), m_global_env.end(), vars_only) &&
      std::all_of(m_env.begin(), m_env.end(), vars_only))
    m_shared_env = expand_env(VarsResolver(config));
}

void TaskExpander::finish(Job& job, const std::string* values,
                          const std::uint32_t* input_ends) const {
  expand(job, values, input_ends, Probe::no);
}

void TaskExpander::probe() const {
  Job stand_in;
  stand_in.id = m_task.name;
  for (const PathSpec& in : m_spec.inputs) stand_in.inputs.push_back(in.text());
  for (const PathSpec& out : m_spec.outputs) stand_in.outputs.push_back(out.text());
  std::vector<std::uint32_t> input_ends;
  for (std::uint32_t g = 0; g < m_task.inputs.size(); ++g) {
    std::uint32_t end = 0;
    for (const PathSpec& in : m_spec.inputs) end += in.group <= g ? 1 : 0;
    input_ends.push_back(end);
  }
  expand(stand_in, m_spec.names.data(), input_ends.data(), Probe::yes);
}

void TaskExpander::expand(Job& job, const std::string* values, const std::uint32_t* input_ends,
                          Probe probe) const {
  const TaskDecl& task = m_task;
  const Groups inputs{&job.inputs, &task.inputs, task.inputs_named, input_ends};
  const Groups outputs{&job.outputs, &task.outputs, task.outputs_named, m_output_ends.data()};
  const JobResolver resolver(m_config, task, m_spec, job, values, inputs, outputs, probe);
  job.commands.reserve(task.commands.size());
  const Template* const* parts = m_command_parts.data();
  for (const CommandDecl& cmd : task.commands) {
    job.commands.push_back(expand_command(m_config, cmd, parts, resolver, m_direct_exec));
    parts += cmd.parts.size();
  }
  if (task.dir) {
    job.dir = normalize_path(expand_value(m_config, *task.dir, *m_dir, resolver));
    if (job.dir == ".") job.dir.clear();
  }
  job.env = m_shared_env ? *m_shared_env : expand_env(resolver);
  if (task.stdout_path)
    job.stdout_path =
        normalize_path(expand_value(m_config, *task.stdout_path, *m_stdout_path, resolver));
  if (task.stderr_path)
    job.stderr_path =
        normalize_path(expand_value(m_config, *task.stderr_path, *m_stderr_path, resolver));
}

EnvList TaskExpander::expand_env(const PlaceholderResolver& resolver) const {
  std::vector<EnvList::Entry> env;
  env.reserve(m_config.env.size() + m_task.env.size());
  for (std::size_t i = 0; i < m_config.env.size(); ++i)
    env.emplace_back(m_config.env[i].first,
                     expand_value(m_config, m_config.env[i].second, *m_global_env[i], resolver));
  for (std::size_t i = 0; i < m_task.env.size(); ++i)
    env.emplace_back(m_task.env[i].first,
                     expand_value(m_config, m_task.env[i].second, *m_env[i], resolver));
  return EnvList(std::move(env));
}

}  // namespace pipeline::plan_detail
