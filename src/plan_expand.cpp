// plan_expand: fanning tasks out into jobs (SPEC §1.3) — matching wildcard and glob
// inputs, joining on wildcard names, crossing matrix values — in an order in which
// every task that may produce a task's inputs is staged before it.

#include <fmt/format.h>

#include <algorithm>
#include <numeric>
#include <unordered_map>

#include "plan_internal.hpp"

namespace pipeline::plan_detail {
namespace {

// Whether a path of `out` could be a path that `in` matches (conservatively).
bool may_feed(const PathSpec& out, const PathSpec& in) {
  if (in.literal()) return false;
  std::vector<std::string_view> values;
  if (out.literal()) return in.pattern->match(out.path, values);
  return may_overlap(*out.pattern, *in.pattern);
}

// "task[a=1,b=x\,y]" for values[i] of names[i] (SPEC §2.3); the bare task name
// without wildcards.
std::string job_id(const std::string& task, const std::vector<std::string>& names,
                   const std::string* values) {
  if (names.empty()) return task;
  std::size_t length = task.size() + 2;
  for (std::size_t i = 0; i < names.size(); ++i) length += names[i].size() + values[i].size() + 2;
  std::string id;
  id.reserve(length);
  id += task;
  id += '[';
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i) id += ',';
    id += names[i];
    id += '=';
    std::string_view rest = values[i];
    for (std::size_t special; (special = rest.find_first_of(",]\\")) != rest.npos;) {
      id.append(rest.substr(0, special)) += '\\';
      id += rest[special];
      rest.remove_prefix(special + 1);
    }
    id += rest;
  }
  id += ']';
  return id;
}

// The matches of one wildcard input (or the matrix): one row per distinct set of
// values, stored flat so that 100,000 rows cost no allocation each.
struct Relation {
  std::vector<std::uint16_t> cols;  // task name slots of the values
  std::size_t rows = 0;
  std::vector<std::string_view> values;  // row r, col c: values[r * cols.size() + c]
  std::vector<std::uint32_t> first;      // row r's paths: paths[first[r], first[r + 1])
  std::vector<std::string_view> paths;   // per row sorted, unique
  std::string_view value(std::size_t r, std::size_t c) const { return values[r * cols.size() + c]; }
};

// The natural join of relations on their shared names: every set of values (one per
// name, `width` names) that agrees with one row of each relation. Flat: `count` sets
// of `width` values, and for each set the row it took from each relation.
struct Joined {
  std::size_t count = 1;                 // no relation: one set, with no values
  std::vector<std::string_view> values;  // set p: [p * width, (p + 1) * width)
  std::vector<std::uint32_t> rows;       // set p: [p * relations, (p + 1) * relations)
};

Joined join(const std::vector<Relation>& relations, std::size_t width) {
  Joined out;
  std::vector<bool> bound(width, false);
  for (std::size_t r = 0; r < relations.size(); ++r) {
    const Relation& rel = relations[r];
    std::vector<std::size_t> shared;  // positions in rel.cols already bound
    for (std::size_t c = 0; c < rel.cols.size(); ++c)
      if (bound[rel.cols[c]]) shared.push_back(c);
    // The rows of `rel` by their values of the shared names (a hash join).
    std::unordered_map<std::string, std::vector<std::uint32_t>> by_key;
    for (std::uint32_t i = 0; !shared.empty() && i < rel.rows; ++i) {
      std::string key;
      for (std::size_t c : shared) key.append(rel.value(i, c)).push_back('\0');
      by_key[std::move(key)].push_back(i);
    }
    std::vector<std::uint32_t> every(rel.rows);
    std::iota(every.begin(), every.end(), 0);
    Joined next;
    next.count = 0;
    for (std::size_t p = 0; p < out.count; ++p) {
      const std::vector<std::uint32_t>* matching = &every;
      if (!shared.empty()) {
        std::string key;
        for (std::size_t c : shared)
          key.append(out.values[p * width + rel.cols[c]]).push_back('\0');
        auto it = by_key.find(key);
        if (it == by_key.end()) continue;
        matching = &it->second;
      }
      for (std::uint32_t i : *matching) {
        const std::size_t base = next.values.size();
        if (r == 0) {
          next.values.resize(base + width);
        } else {
          next.values.insert(next.values.end(), out.values.begin() + std::ptrdiff_t(p * width),
                             out.values.begin() + std::ptrdiff_t((p + 1) * width));
          next.rows.insert(next.rows.end(), out.rows.begin() + std::ptrdiff_t(p * r),
                           out.rows.begin() + std::ptrdiff_t((p + 1) * r));
        }
        for (std::size_t c = 0; c < rel.cols.size(); ++c)
          next.values[base + rel.cols[c]] = rel.value(i, c);
        next.rows.push_back(i);
        ++next.count;
      }
    }
    out = std::move(next);
    for (std::uint16_t c : rel.cols) bound[c] = true;
  }
  return out;
}

class Expander {
public:
  Expander(const Config& config, const std::vector<TaskSpec>& specs,
           const std::vector<std::string>& existing, std::vector<Staged>& staged,
           const std::vector<std::vector<std::uint32_t>>& producers)
      : m_config(config),
        m_specs(specs),
        m_existing(existing),
        m_staged(staged),
        m_producers(producers),
        m_matched(specs.size()),
        m_consumed(specs.size(), false) {
    for (std::size_t t = 0; t < specs.size(); ++t)
      if (specs[t].matches) m_matched[t].assign(specs[t].inputs.size(), false);
    for (const std::vector<std::uint32_t>& of_task : producers)
      for (std::uint32_t u : of_task) m_consumed[u] = true;
  }

  // Replaces the staged jobs of task `t`, matching against the files that exist and
  // the staged outputs of the tasks that may produce its inputs.
  void expand(std::uint32_t t) {
    const TaskDecl& task = m_config.tasks[t];
    const TaskSpec& spec = m_specs[t];
    Staged out;
    out.width = spec.names.size();
    out.groups = task.inputs_named ? task.inputs.size() : 0;
    if (!spec.matches && task.matrix.empty()) {
      // Only literal paths: one job, with nothing to match, join or order (so no
      // match is ever looked up). A file of 100,000 such tasks spends nothing on the
      // machinery below.
      stage_job(task, spec, InputMatches{}, Joined{}, 0, out);
    } else {
      const InputMatches matches = match_inputs(t);
      const Joined joined = join(matches.relations, out.width);
      const std::vector<std::size_t> order = job_order(spec, joined);
      out.jobs.reserve(order.size());
      out.values.reserve(order.size() * out.width);
      out.input_ends.reserve(order.size() * out.groups);
      for (std::size_t p : order) stage_job(task, spec, matches, joined, p, out);
    }
    // Only the tasks whose inputs may match these outputs need them sorted.
    if (m_consumed[t]) {
      for (const StagedJob& job : out.jobs)
        for (const std::string& path : job.outputs) out.sorted_outputs.push_back(path);
      if (!std::is_sorted(out.sorted_outputs.begin(), out.sorted_outputs.end()))
        std::sort(out.sorted_outputs.begin(), out.sorted_outputs.end());
    }
    m_staged[t] = std::move(out);
  }

  // Whether input k of task t, a wildcard or glob input, matched anything in its
  // last expansion.
  bool matched(std::uint32_t t, std::size_t k) const { return m_matched[t][k]; }

private:
  // What a task's wildcard and glob inputs (and its matrix) matched.
  struct InputMatches {
    std::vector<Relation> relations;  // per wildcard input, then the matrix if any
    std::vector<int> relation_of;     // per input: its index in `relations`, or -1
    std::vector<std::vector<std::string_view>> globbed;  // per glob input: its paths
  };

  InputMatches match_inputs(std::uint32_t t) {
    const TaskDecl& task = m_config.tasks[t];
    const TaskSpec& spec = m_specs[t];
    InputMatches m;
    m.relation_of.assign(spec.inputs.size(), -1);
    m.globbed.resize(spec.inputs.size());
    for (std::size_t k = 0; k < spec.inputs.size(); ++k) {
      const PathSpec& in = spec.inputs[k];
      if (in.literal()) continue;
      if (in.has_wildcards()) {
        m.relation_of[k] = int(m.relations.size());
        m.relations.push_back(match_relation(t, in));
        if (m.relations.back().rows != 0) m_matched[t][k] = true;
      } else {
        m.globbed[k] = match_glob(t, *in.pattern);
        if (!m.globbed[k].empty()) m_matched[t][k] = true;
      }
    }
    if (!task.matrix.empty()) m.relations.push_back(matrix_relation(task, spec));
    return m;
  }

  // The value sets of `joined` that make jobs, in the order of their values: a set
  // with a value that an output's regex rejects makes none.
  static std::vector<std::size_t> job_order(const TaskSpec& spec, const Joined& joined) {
    const std::size_t width = spec.names.size();
    const std::vector<std::string_view>& values = joined.values;
    std::vector<std::size_t> order;
    order.reserve(joined.count);
    for (std::size_t p = 0; p < joined.count; ++p) {
      bool ok = true;
      for (const PathSpec& out : spec.outputs)
        for (std::size_t n = 0; ok && n < out.slots.size(); ++n)
          ok = out.pattern->accepts(n, values[p * width + out.slots[n]]);
      if (ok) order.push_back(p);
    }
    auto less = [&](std::size_t a, std::size_t b) {
      return std::lexicographical_compare(values.begin() + std::ptrdiff_t(a * width),
                                          values.begin() + std::ptrdiff_t((a + 1) * width),
                                          values.begin() + std::ptrdiff_t(b * width),
                                          values.begin() + std::ptrdiff_t((b + 1) * width));
    };
    // Matches come in path order, which is often value order already ("in/{n}.txt"
    // with plain names): one pass to check it, instead of a sort that cost 190 M
    // instructions for 100,000 sets.
    if (!std::is_sorted(order.begin(), order.end(), less))
      std::sort(order.begin(), order.end(), less);
    return order;
  }

  // Appends the job of value set `p` of `joined` to `out`: its values, id, inputs
  // and outputs.
  void stage_job(const TaskDecl& task, const TaskSpec& spec, const InputMatches& matches,
                 const Joined& joined, std::size_t p, Staged& out) {
    const std::size_t width = out.width;
    const std::size_t first_value = out.values.size();
    for (std::size_t i = 0; i < width; ++i) out.values.emplace_back(joined.values[p * width + i]);
    const std::string* values = out.values.data() + first_value;
    StagedJob job;
    job.id = job_id(task.name, spec.names, values);
    std::size_t k = 0;
    for (std::uint32_t g = 0; g < task.inputs.size(); ++g) {
      for (; k < spec.inputs.size() && spec.inputs[k].group == g; ++k) {
        const PathSpec& in = spec.inputs[k];
        if (in.literal()) {
          job.inputs.push_back(in.path);
        } else if (matches.relation_of[k] >= 0) {
          const std::size_t r = std::size_t(matches.relation_of[k]);
          const Relation& rel = matches.relations[r];
          const std::uint32_t row = joined.rows[p * matches.relations.size() + r];
          for (std::uint32_t i = rel.first[row]; i < rel.first[row + 1]; ++i)
            job.inputs.emplace_back(rel.paths[i]);
        } else {
          for (std::string_view path : matches.globbed[k]) job.inputs.emplace_back(path);
        }
      }
      if (task.inputs_named) out.input_ends.push_back(std::uint32_t(job.inputs.size()));
    }
    job.outputs.reserve(spec.outputs.size());
    for (const PathSpec& o : spec.outputs) {
      if (o.literal()) {
        job.outputs.push_back(o.path);
        continue;
      }
      m_pattern_values.clear();
      for (std::uint16_t slot : o.slots) m_pattern_values.emplace_back(values[slot]);
      job.outputs.push_back(o.pattern->expand(m_pattern_values));
    }
    out.jobs.push_back(std::move(job));
  }

  // Calls f(path, values) for every path that `pattern` matches among the files that
  // exist and the staged outputs of the tasks that may produce inputs of task t.
  template <class F>
  void each_match(std::uint32_t t, const Pattern& pattern, F&& f) {
    for_each_match(pattern, m_existing, f);
    for (std::uint32_t u : m_producers[t]) for_each_match(pattern, m_staged[u].sorted_outputs, f);
  }

  std::vector<std::string_view> match_glob(std::uint32_t t, const Pattern& pattern) {
    std::vector<std::string_view> paths;
    each_match(t, pattern, [&](std::string_view path, const auto&) { paths.push_back(path); });
    std::sort(paths.begin(), paths.end());
    paths.erase(std::unique(paths.begin(), paths.end()), paths.end());
    return paths;
  }

  Relation match_relation(std::uint32_t t, const PathSpec& in) {
    const Pattern& pattern = *in.pattern;
    const std::size_t width = in.slots.size();
    // Every match: its path and where its values start in `found_values`.
    std::vector<std::pair<std::string_view, std::uint32_t>> found;
    std::vector<std::string_view> found_values;
    each_match(t, pattern, [&](std::string_view path, const std::vector<std::string_view>& v) {
      found.emplace_back(path, std::uint32_t(found_values.size()));
      found_values.insert(found_values.end(), v.begin(), v.end());
    });
    Relation rel;
    rel.cols = in.slots;
    if (!pattern.has_globs()) {
      // Without globs the values decide the path and the path the values: one row
      // per distinct path (a file that exists and is also planned counts once).
      // Each source is sorted, so this is mostly a merge.
      if (!std::is_sorted(found.begin(), found.end())) std::sort(found.begin(), found.end());
      found.erase(std::unique(found.begin(), found.end(),
                              [](const auto& a, const auto& b) { return a.first == b.first; }),
                  found.end());
      rel.rows = found.size();
      rel.values.reserve(found.size() * width);
      rel.paths.reserve(found.size());
      rel.first.reserve(found.size() + 1);
      for (const auto& [path, at] : found) {
        rel.first.push_back(std::uint32_t(rel.paths.size()));
        rel.paths.push_back(path);
        rel.values.insert(rel.values.end(), found_values.begin() + at,
                          found_values.begin() + at + std::ptrdiff_t(width));
      }
      rel.first.push_back(std::uint32_t(rel.paths.size()));
      return rel;
    }
    // With globs, many paths share one set of values: group them.
    std::unordered_map<std::string, std::uint32_t> index;
    std::vector<std::pair<std::uint32_t, std::string_view>> by_row;  // row, path
    std::string key;
    for (const auto& [path, at] : found) {
      key.clear();
      for (std::size_t c = 0; c < width; ++c) key.append(found_values[at + c]).push_back('\0');
      auto [it, inserted] = index.emplace(key, std::uint32_t(rel.rows));
      if (inserted) {
        ++rel.rows;
        rel.values.insert(rel.values.end(), found_values.begin() + at,
                          found_values.begin() + at + std::ptrdiff_t(width));
      }
      by_row.emplace_back(it->second, path);
    }
    std::sort(by_row.begin(), by_row.end());
    by_row.erase(std::unique(by_row.begin(), by_row.end()), by_row.end());
    for (std::size_t i = 0, r = 0; r <= rel.rows; ++r) {
      rel.first.push_back(std::uint32_t(i));
      while (i < by_row.size() && by_row[i].first == r) rel.paths.push_back(by_row[i++].second);
    }
    return rel;
  }

  // The cartesian product of the matrix values.
  static Relation matrix_relation(const TaskDecl& task, const TaskSpec& spec) {
    Relation rel;
    std::vector<std::vector<std::string_view>> columns;
    for (const auto& [name, items] : task.matrix) {
      rel.cols.push_back(std::uint16_t(
          std::lower_bound(spec.names.begin(), spec.names.end(), name) - spec.names.begin()));
      std::vector<std::string_view> column;
      for (const LocatedString& item : items) column.push_back(item.text);
      std::sort(column.begin(), column.end());
      column.erase(std::unique(column.begin(), column.end()), column.end());
      columns.push_back(std::move(column));
    }
    std::vector<std::string_view> current;
    auto product = [&](auto& self, std::size_t c) -> void {
      if (c == columns.size()) {
        rel.values.insert(rel.values.end(), current.begin(), current.end());
        ++rel.rows;
        rel.first.push_back(0);
        return;
      }
      for (std::string_view v : columns[c]) {
        current.push_back(v);
        self(self, c + 1);
        current.pop_back();
      }
    };
    product(product, 0);
    rel.first.push_back(0);
    return rel;
  }

  const Config& m_config;
  const std::vector<TaskSpec>& m_specs;
  const std::vector<std::string>& m_existing;
  std::vector<Staged>& m_staged;
  const std::vector<std::vector<std::uint32_t>>& m_producers;
  std::vector<std::vector<bool>> m_matched;
  std::vector<bool> m_consumed;  // per task: some task's inputs may match its outputs
  std::vector<std::string_view> m_pattern_values;  // stage_job's, kept for its capacity
};

}  // namespace

std::vector<std::string> walk_roots(const std::vector<TaskSpec>& specs) {
  std::vector<std::string> roots;
  for (const TaskSpec& spec : specs) {
    for (const PathSpec& in : spec.inputs) {
      if (in.literal()) continue;
      const std::string& prefix = in.pattern->literal_prefix();
      const std::size_t slash = prefix.rfind('/');
      roots.push_back(slash == std::string::npos ? "."
                      : slash == 0               ? "/"
                                                 : prefix.substr(0, slash));
    }
  }
  std::sort(roots.begin(), roots.end());
  roots.erase(std::unique(roots.begin(), roots.end()), roots.end());
  auto inside = [](const std::string& dir, const std::string& ancestor) {
    if (ancestor == ".") return dir.front() != '/' && dir != ".." && !dir.starts_with("../");
    if (ancestor == "/") return dir.front() == '/';
    return dir.size() > ancestor.size() && dir.starts_with(ancestor) && dir[ancestor.size()] == '/';
  };
  std::vector<std::string> out;
  for (const std::string& r : roots) {
    bool covered = false;
    for (const std::string& other : roots) covered = covered || (other != r && inside(r, other));
    if (!covered) out.push_back(r);
  }
  return out;
}

// Stages the jobs of every task. A task's patterns are matched only after every task
// that could produce a path they match has been staged.
//
// The order comes from a task-level graph: U precedes T when some output pattern of
// U may overlap some wildcard or glob input pattern of T (may_overlap compares their
// literal prefixes and suffixes, so it errs towards an edge, never against one).
// Tasks are staged in that topological order (file order among equals), each with
// one pass of matching. Tasks left over by a cycle in that graph (`{name}.x` ->
// `{name}.x.y` may look like it feeds itself) are staged together in rounds, every
// task of the cycle matched again against the others' latest outputs, until a round
// adds no job: a cycle between tasks works as long as the jobs themselves form none.
// Matching only ever grows, so a round with no new job is the fixpoint; if rounds keep
// adding jobs after k_max_rounds, the patterns feed themselves without end: an error.
void stage_jobs(const Config& config, const std::vector<TaskSpec>& specs,
                const std::vector<std::string>& existing, std::vector<Staged>& staged,
                std::vector<std::string>& warnings) {
  const std::uint32_t n = std::uint32_t(specs.size());
  std::vector<std::vector<std::uint32_t>> producers(n);  // per task: tasks that precede it
  std::vector<std::vector<std::uint32_t>> consumers(n);
  std::vector<std::uint32_t> indegree(n, 0);
  for (std::uint32_t t = 0; t < n; ++t) {
    if (!specs[t].matches) continue;
    for (std::uint32_t u = 0; u < n; ++u) {
      bool overlap = false;
      for (const PathSpec& out : specs[u].outputs) {
        for (const PathSpec& in : specs[t].inputs) overlap = overlap || may_feed(out, in);
        if (overlap) break;
      }
      if (!overlap) continue;
      producers[t].push_back(u);
      consumers[u].push_back(t);
      ++indegree[t];
    }
  }
  Expander expander(config, specs, existing, staged, producers);
  // Kahn's algorithm, lowest task index first.
  std::vector<std::uint32_t> ready;
  for (std::uint32_t t = n; t-- > 0;)
    if (indegree[t] == 0) ready.push_back(t);
  std::vector<bool> done(n, false);
  while (!ready.empty()) {
    std::uint32_t t = ready.back();
    ready.pop_back();
    expander.expand(t);
    done[t] = true;
    for (std::uint32_t c : consumers[t]) {
      if (--indegree[c] == 0) {
        ready.push_back(c);
        std::sort(ready.begin(), ready.end(), std::greater<>());
      }
    }
  }
  std::vector<std::uint32_t> cyclic;
  for (std::uint32_t t = 0; t < n; ++t)
    if (!done[t]) cyclic.push_back(t);
  constexpr int k_max_rounds = 100;
  for (int round = 0; !cyclic.empty(); ++round) {
    if (round == k_max_rounds) {
      std::vector<std::string> names;
      for (std::uint32_t t : cyclic) names.push_back(fmt::format("'{}'", config.tasks[t].name));
      const TaskDecl& first = config.tasks[cyclic.front()];
      throw config.source.error(
          first.pos,
          fmt::format("the wildcard inputs of task{} {} keep matching outputs of {} (after {} "
                      "rounds of matching there are still new jobs)",
                      names.size() > 1 ? "s" : "", fmt::join(names, ", "),
                      names.size() > 1 ? "each other" : "itself", k_max_rounds),
          "constrain the wildcards with a regex ('{name:[0-9]+}') or give the outputs a "
          "different directory or extension");
    }
    bool grew = false;
    for (std::uint32_t t : cyclic) {
      const std::size_t before = round == 0 ? std::size_t(-1) : staged[t].jobs.size();
      expander.expand(t);
      if (staged[t].jobs.size() != before) grew = true;
    }
    if (!grew) break;
  }
  for (std::uint32_t t = 0; t < n; ++t) {
    for (std::size_t k = 0; k < specs[t].inputs.size(); ++k) {
      const PathSpec& in = specs[t].inputs[k];
      if (in.literal() || expander.matched(t, k)) continue;
      const SourcePos pos = in.source->pos;
      warnings.push_back(fmt::format(
          "{}:{}:{}: warning: task '{}': no file matches the input '{}', and no job of this run "
          "writes one{}",
          config.source.display_path(), pos.line, pos.column, config.tasks[t].name, in.text(),
          in.has_wildcards() ? ": the task has no jobs" : ""));
    }
  }
}

}  // namespace pipeline::plan_detail
