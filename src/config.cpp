// config: Pipeline.toml -> declarations, every key checked (SPEC §1, §1.1).

#include "pipeline/config.hpp"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "pipeline/template.hpp"
#include "pipeline/util/phase_timer.hpp"

namespace pipeline {

namespace {

using Entry = std::pair<const toml::key*, const toml::node*>;

const std::vector<std::string> k_top_keys = {"pipeline", "vars", "env", "tasks"};
const std::vector<std::string> k_pipeline_keys = {"default",   "jobs",          "shell",
                                                  "state_dir", "log_retention", "kill_grace",
                                                  "resources", "container",     "slurm"};
const std::vector<std::string> k_task_keys = {
    "description", "cmd",     "cmds",      "inputs",      "outputs", "deps",
    "matrix",      "dir",     "env",       "stdout",      "stderr",  "always",
    "method",      "timeout", "retries",   "retry_delay", "threads", "resources",
    "console",     "sandbox", "container", "executor"};
// Names that a var may not take: they are job placeholders.
const std::vector<std::string> k_job_placeholders = {"inputs", "outputs", "input",
                                                     "output", "task",    "job"};

const char* const k_duration_hint =
    "a duration is a number with a unit: ms, s, m, h or d (\"90s\", \"1h30m\")";

SourcePos pos_of(const toml::source_region& region) {
  return SourcePos{region.begin.line, region.begin.column};
}
SourcePos pos_of(const toml::node& node) { return pos_of(node.source()); }
SourcePos pos_of(const toml::key& key) { return pos_of(key.source()); }

bool before(SourcePos a, SourcePos b) {
  return a.line != b.line ? a.line < b.line : a.column < b.column;
}

// toml++ tables are sorted maps; errors and declarations follow the file instead.
std::vector<Entry> in_file_order(const toml::table& table) {
  std::vector<Entry> entries;
  for (auto&& [key, node] : table) {
    entries.emplace_back(&key, &node);
  }
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return before(pos_of(*a.first), pos_of(*b.first));
  });
  return entries;
}

std::string type_name(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

bool is_identifier(std::string_view s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) {
    return false;
  }
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

bool contains(const std::vector<std::string>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

class Parser {
public:
  explicit Parser(Config& config) : m_config(config), m_source(config.source) {}

  void parse(const toml::table& doc, const std::vector<VarOverride>& overrides);

private:
  [[noreturn]] void fail(SourcePos pos, const std::string& message, std::string hint = {}) const {
    throw m_source.error(pos, message, std::move(hint));
  }
  [[noreturn]] void wrong_type(const toml::node& node, std::string_view what,
                               std::string_view expected, std::string hint = {}) const {
    fail(pos_of(node), fmt::format("'{}' must be {}, not {}", what, expected, type_name(node)),
         std::move(hint));
  }
  void check_keys(const toml::table& table, const std::vector<std::string>& valid,
                  std::string_view where) const;

  const toml::table& table(const toml::node& node, std::string_view what) const;
  LocatedString string(const toml::node& node, std::string_view what) const;
  LocatedString nonempty_string(const toml::node& node, std::string_view what) const;
  std::vector<LocatedString> strings(const toml::node& node, std::string_view what) const;
  std::int64_t integer(const toml::node& node, std::string_view what, std::int64_t min,
                       std::int64_t max = INT_MAX) const;
  bool boolean(const toml::node& node, std::string_view what) const;
  Duration duration(const toml::node& node, std::string_view what) const;
  std::string choice(const toml::node& node, std::string_view what,
                     const std::vector<std::string>& choices) const;
  std::vector<std::pair<std::string, std::int64_t>> amounts(
      const toml::node& node, std::string_view what, std::vector<SourcePos>* positions) const;
  std::vector<std::pair<std::string, LocatedString>> env_table(const toml::node& node,
                                                               std::string_view what) const;

  void parse_settings(const toml::node& node);
  void parse_vars(const toml::node& node);
  void parse_tasks(const toml::node& node);
  TaskDecl parse_task(const toml::key& key, const toml::node& node) const;
  CommandDecl command(const toml::node& node, std::string_view what) const;
  std::vector<PathGroup> path_groups(const toml::node& node, std::string_view what,
                                     bool& named) const;

  Config& m_config;
  const SourceFile& m_source;
  std::vector<VarDecl> m_vars;  // file order
};

void Parser::check_keys(const toml::table& table, const std::vector<std::string>& valid,
                        std::string_view where) const {
  for (const auto& [key, node] : in_file_order(table)) {
    if (!contains(valid, key->str())) {
      fail(pos_of(*key), fmt::format("unknown key '{}' in {}", key->str(), where),
           did_you_mean(key->str(), valid));
    }
  }
}

const toml::table& Parser::table(const toml::node& node, std::string_view what) const {
  if (const auto* t = node.as_table()) {
    return *t;
  }
  wrong_type(node, what, "a table");
}

LocatedString Parser::string(const toml::node& node, std::string_view what) const {
  if (const auto* s = node.as_string()) {
    return LocatedString{s->get(), pos_of(node)};
  }
  wrong_type(node, what, "a string");
}

LocatedString Parser::nonempty_string(const toml::node& node, std::string_view what) const {
  LocatedString s = string(node, what);
  if (s.text.empty()) {
    fail(s.pos, fmt::format("'{}' must not be empty", what));
  }
  return s;
}

std::vector<LocatedString> Parser::strings(const toml::node& node, std::string_view what) const {
  const auto* array = node.as_array();
  if (array == nullptr) {
    std::string hint;
    if (const auto* s = node.as_string()) {
      hint = fmt::format("for a single value, write ['{}']", s->get());
    }
    wrong_type(node, what, "an array of strings", std::move(hint));
  }
  std::vector<LocatedString> out;
  for (const toml::node& element : *array) {
    if (const auto* s = element.as_string()) {
      out.push_back(LocatedString{s->get(), pos_of(element)});
    } else {
      fail(pos_of(element),
           fmt::format("each element of '{}' must be a string, not {}", what, type_name(element)));
    }
  }
  return out;
}

std::int64_t Parser::integer(const toml::node& node, std::string_view what, std::int64_t min,
                             std::int64_t max) const {
  const auto* i = node.as_integer();
  if (i == nullptr) {
    wrong_type(node, what, "an integer");
  }
  const std::int64_t value = i->get();
  if (value < min) {
    fail(pos_of(node), fmt::format("'{}' must be at least {}, not {}", what, min, value));
  }
  if (value > max) {
    fail(pos_of(node), fmt::format("'{}' must be at most {}, not {}", what, max, value));
  }
  return value;
}

bool Parser::boolean(const toml::node& node, std::string_view what) const {
  if (const auto* b = node.as_boolean()) {
    return b->get();
  }
  wrong_type(node, what, "a boolean (true or false)");
}

Duration Parser::duration(const toml::node& node, std::string_view what) const {
  std::string text;
  if (const auto* i = node.as_integer()) {
    text = fmt::format("{}", i->get());
  } else if (const auto* s = node.as_string()) {
    text = s->get();
  } else {
    wrong_type(node, what, "a duration such as \"90s\"", k_duration_hint);
  }
  if (auto d = parse_duration(text)) {
    return *d;
  }
  const bool bare_number = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= '0' && c <= '9') || c == '.';
  });
  if (bare_number) {
    fail(pos_of(node), fmt::format("'{}' needs a unit: {} is not a duration", what, text),
         fmt::format("write \"{}s\" for {} seconds, or use ms, m, h or d", text, text));
  }
  fail(pos_of(node), fmt::format("'{}' is not a duration: \"{}\"", what, text), k_duration_hint);
}

std::string Parser::choice(const toml::node& node, std::string_view what,
                           const std::vector<std::string>& choices) const {
  const LocatedString s = string(node, what);
  if (contains(choices, s.text)) {
    return s.text;
  }
  std::string expected;
  for (std::size_t i = 0; i < choices.size(); ++i) {
    expected += fmt::format("{}\"{}\"",
                            i == 0                    ? ""
                            : i + 1 == choices.size() ? " or "
                                                      : ", ",
                            choices[i]);
  }
  fail(s.pos, fmt::format("'{}' must be {}, not \"{}\"", what, expected, s.text),
       did_you_mean(s.text, choices));
}

std::vector<std::pair<std::string, std::int64_t>> Parser::amounts(
    const toml::node& node, std::string_view what, std::vector<SourcePos>* positions) const {
  std::vector<std::pair<std::string, std::int64_t>> out;
  for (const auto& [key, value] : in_file_order(table(node, what))) {
    const std::string name = fmt::format("{}.{}", what, key->str());
    out.emplace_back(key->str(), integer(*value, name, 0, INT64_MAX));
    if (positions != nullptr) {
      positions->push_back(pos_of(*key));
    }
  }
  return out;
}

std::vector<std::pair<std::string, LocatedString>> Parser::env_table(const toml::node& node,
                                                                     std::string_view what) const {
  std::vector<std::pair<std::string, LocatedString>> out;
  for (const auto& [key, value] : in_file_order(table(node, what))) {
    if (key->str().empty() || key->str().find('=') != std::string::npos) {
      fail(pos_of(*key), fmt::format("'{}' is not a valid environment variable name", key->str()),
           "names of environment variables cannot be empty or contain '='");
    }
    out.emplace_back(key->str(), string(*value, fmt::format("{}.{}", what, key->str())));
  }
  return out;
}

void Parser::parse_settings(const toml::node& node) {
  const toml::table& pipeline = table(node, "pipeline");
  check_keys(pipeline, k_pipeline_keys, "[pipeline]");
  PipelineSettings& s = m_config.settings;
  for (const auto& [key, value] : in_file_order(pipeline)) {
    const std::string k(key->str());
    if (k == "default") {
      s.default_targets = strings(*value, "default");
    } else if (k == "jobs") {
      s.jobs = static_cast<int>(integer(*value, "jobs", 0));
    } else if (k == "shell") {
      s.shell.clear();
      for (LocatedString& part : strings(*value, "shell")) {
        s.shell.push_back(std::move(part.text));
      }
      if (s.shell.empty() || s.shell[0].empty()) {
        fail(pos_of(*value), "'shell' must name a program, such as [\"/bin/sh\", \"-ec\"]");
      }
    } else if (k == "state_dir") {
      s.state_dir = nonempty_string(*value, "state_dir").text;
    } else if (k == "log_retention") {
      s.log_retention = duration(*value, "log_retention");
    } else if (k == "kill_grace") {
      s.kill_grace = duration(*value, "kill_grace");
    } else if (k == "resources") {
      s.resources = amounts(*value, "resources", nullptr);
    } else if (k == "container") {
      const toml::table& container = table(*value, "container");
      check_keys(container, {"engine"}, "[pipeline.container]");
      if (const toml::node* engine = container.get("engine")) {
        s.container_engine = choice(*engine, "engine", {"podman", "docker"});
      }
    } else if (k == "slurm") {
      const toml::table& slurm = table(*value, "slurm");
      check_keys(slurm, {"partition", "account", "max_jobs"}, "[pipeline.slurm]");
      if (const toml::node* partition = slurm.get("partition")) {
        s.slurm_partition = nonempty_string(*partition, "partition").text;
      }
      if (const toml::node* account = slurm.get("account")) {
        s.slurm_account = nonempty_string(*account, "account").text;
      }
      if (const toml::node* max_jobs = slurm.get("max_jobs")) {
        s.slurm_max_jobs = static_cast<int>(integer(*max_jobs, "max_jobs", 0));
      }
    }
  }
}

void Parser::parse_vars(const toml::node& node) {
  for (const auto& [key, value] : in_file_order(table(node, "vars"))) {
    const std::string name(key->str());
    if (contains(k_job_placeholders, name)) {
      fail(pos_of(*key), fmt::format("a var cannot be named '{}': that is a job placeholder", name),
           "rename the var");
    }
    if (!is_identifier(name)) {
      fail(pos_of(*key), fmt::format("'{}' cannot be used as a placeholder name", name),
           "var names are letters, digits and '_', and do not start with a digit");
    }
    VarDecl var;
    var.name = name;
    var.pos = pos_of(*key);
    if (value->is_string()) {
      var.items.push_back(string(*value, name));
    } else if (value->is_array()) {
      var.items = strings(*value, name);
      var.is_list = true;
    } else {
      wrong_type(*value, name, "a string or an array of strings");
    }
    m_vars.push_back(std::move(var));
  }
}

void Parser::parse_tasks(const toml::node& node) {
  m_config.tasks.reserve(table(node, "tasks").size());
  for (const auto& [key, value] : in_file_order(table(node, "tasks"))) {
    m_config.tasks.push_back(parse_task(*key, *value));
  }
}

TaskDecl Parser::parse_task(const toml::key& key, const toml::node& node) const {
  TaskDecl task;
  task.name = key.str();
  task.pos = pos_of(key);
  if (task.name.empty()) {
    fail(task.pos, "a task name cannot be empty");
  }
  for (const char c : task.name) {
    if (std::isspace(static_cast<unsigned char>(c)) || std::strchr("[]=/,", c) != nullptr) {
      fail(task.pos,
           fmt::format("task name '{}' cannot be used as a target: it contains '{}'", task.name, c),
           "task names cannot contain whitespace, '[', ']', '=', '/' or ','");
    }
  }
  const toml::table* t = node.as_table();
  if (t == nullptr) {
    fail(pos_of(node), fmt::format("task '{}' must be a table, not {}", task.name, type_name(node)),
         fmt::format("declare it as [tasks.{}] with its keys below", task.name));
  }
  check_keys(*t, k_task_keys, fmt::format("task '{}'", task.name));

  const toml::key* cmd_key = nullptr;
  for (const auto& [k, value] : in_file_order(*t)) {
    const std::string name(k->str());
    const toml::node& v = *value;
    if (name == "cmd" || name == "cmds") {
      if (cmd_key != nullptr) {
        fail(pos_of(*k), fmt::format("task '{}' has both 'cmd' and 'cmds'", task.name),
             "use 'cmd' for one command or 'cmds' for several");
      }
      cmd_key = k;
      if (name == "cmd") {
        task.commands.push_back(command(v, "cmd"));
      } else if (const auto* array = v.as_array()) {
        for (const toml::node& c : *array) {
          task.commands.push_back(command(c, "cmds"));
        }
      } else {
        wrong_type(v, "cmds", "an array of commands");
      }
    } else if (name == "description") {
      task.description = string(v, name).text;
    } else if (name == "inputs") {
      task.inputs = path_groups(v, name, task.inputs_named);
    } else if (name == "outputs") {
      task.outputs = path_groups(v, name, task.outputs_named);
    } else if (name == "deps") {
      task.deps = strings(v, name);
    } else if (name == "matrix") {
      task.matrix_pos = pos_of(*k);
      for (const auto& [mk, mv] : table(v, name)) {
        const std::string what = fmt::format("matrix.{}", mk.str());
        if (!is_identifier(mk.str())) {
          fail(pos_of(mk), fmt::format("'{}' cannot be used as a placeholder name", mk.str()),
               "matrix names are letters, digits and '_', and do not start with a digit");
        }
        task.matrix.emplace_back(mk.str(), strings(mv, what));
      }
    } else if (name == "dir") {
      task.dir = nonempty_string(v, name);
    } else if (name == "env") {
      task.env = env_table(v, name);
    } else if (name == "stdout") {
      task.stdout_path = nonempty_string(v, name);
    } else if (name == "stderr") {
      task.stderr_path = nonempty_string(v, name);
    } else if (name == "always") {
      task.always = boolean(v, name);
    } else if (name == "method") {
      task.method =
          choice(v, name, {"timestamp", "hash"}) == "hash" ? Method::hash : Method::timestamp;
    } else if (name == "timeout") {
      task.timeout = duration(v, name);
      if (task.timeout->count() == 0) {
        fail(pos_of(v), "'timeout' must be longer than 0", "leave it out for no timeout");
      }
    } else if (name == "retries") {
      task.retries = static_cast<int>(integer(v, name, 0));
    } else if (name == "retry_delay") {
      task.retry_delay = duration(v, name);
    } else if (name == "threads") {
      task.threads_pos = pos_of(*k);
      task.threads = static_cast<int>(integer(v, name, 1));
    } else if (name == "resources") {
      task.resources_pos = pos_of(*k);
      task.resources = amounts(v, name, &task.resource_positions);
    } else if (name == "console") {
      task.console = boolean(v, name);
    } else if (name == "sandbox") {
      task.sandbox_pos = pos_of(*k);
      task.sandbox = boolean(v, name);
    } else if (name == "container") {
      task.container = nonempty_string(v, name);
    } else if (name == "executor") {
      task.executor_pos = pos_of(*k);
      task.executor = choice(v, name, {"local", "slurm"}) == "slurm" ? ExecutorKind::slurm
                                                                     : ExecutorKind::local;
    }
  }
  return task;
}

CommandDecl Parser::command(const toml::node& node, std::string_view what) const {
  CommandDecl cmd;
  cmd.pos = pos_of(node);
  if (const auto* s = node.as_string()) {
    if (s->get().empty()) {
      fail(cmd.pos, fmt::format("a command of '{}' is empty", what));
    }
    cmd.kind = CommandDecl::Kind::shell;
    cmd.parts.push_back(LocatedString{s->get(), cmd.pos});
    return cmd;
  }
  if (!node.is_array()) {
    fail(cmd.pos, fmt::format("{} must be a string or an array of strings, not {}",
                              what == "cmd" ? "'cmd'" : "each command of 'cmds'", type_name(node)));
  }
  cmd.kind = CommandDecl::Kind::argv;
  cmd.parts = strings(node, what);
  if (cmd.parts.empty() || cmd.parts[0].text.empty()) {
    fail(cmd.pos, fmt::format("a command of '{}' must name a program", what));
  }
  return cmd;
}

std::vector<PathGroup> Parser::path_groups(const toml::node& node, std::string_view what,
                                           bool& named) const {
  std::vector<PathGroup> groups;
  if (node.is_array()) {
    named = false;
    groups.push_back(PathGroup{"", strings(node, what), pos_of(node)});
    return groups;
  }
  const auto* t = node.as_table();
  if (t == nullptr) {
    std::string hint;
    if (const auto* s = node.as_string()) {
      hint = fmt::format("for a single path, write {} = ['{}']", what, s->get());
    }
    wrong_type(node, what, "an array of paths or a table of named paths", std::move(hint));
  }
  named = true;
  // toml++ iterates a table in the order of its keys: the alphabetical order that
  // {inputs} uses for the groups.
  for (const auto& [key, value] : *t) {
    const std::string group = fmt::format("{}.{}", what, key.str());
    if (!is_identifier(key.str())) {
      fail(pos_of(key), fmt::format("'{}' cannot be used as a placeholder name", key.str()),
           fmt::format("names of {} are letters, digits and '_', and do not start with a digit",
                       what));
    }
    PathGroup g{std::string(key.str()), {}, pos_of(key)};
    if (const auto* s = value.as_string()) {
      g.patterns.push_back(LocatedString{s->get(), pos_of(value)});
    } else if (value.is_array()) {
      g.patterns = strings(value, group);
    } else {
      wrong_type(value, group, "a string or an array of strings");
    }
    groups.push_back(std::move(g));
  }
  return groups;
}

void Parser::parse(const toml::table& doc, const std::vector<VarOverride>& overrides) {
  for (const auto& [key, value] : in_file_order(doc)) {
    const std::string k(key->str());
    if (k == "pipeline") {
      parse_settings(*value);
    } else if (k == "vars") {
      parse_vars(*value);
    } else if (k == "env") {
      m_config.env = env_table(*value, "env");
    } else if (k == "tasks") {
      parse_tasks(*value);
    } else {
      std::string hint = did_you_mean(k, k_top_keys);
      if (hint.empty()) {
        hint = "the top-level tables are [pipeline], [vars], [env] and [tasks]";
      }
      fail(pos_of(*key), fmt::format("unknown top-level key '{}'", k), std::move(hint));
    }
  }
  m_config.vars = resolve_vars(m_source, std::move(m_vars), overrides);
}

}  // namespace

int Config::find_task(std::string_view name) const {
  auto it = m_task_index.find(name);
  return it == m_task_index.end() ? -1 : it->second;
}

void Config::index_tasks() {
  m_task_index.clear();
  m_task_index.reserve(tasks.size());
  for (std::size_t i = 0; i < tasks.size(); ++i) m_task_index.emplace(tasks[i].name, int(i));
}

Config parse_config(std::string display_path, std::string root, std::string text,
                    const std::vector<VarOverride>& overrides) {
  Config config;
  config.source = SourceFile(std::move(display_path), std::move(text));
  config.root = std::move(root);
  toml::table doc;
  try {
    doc = toml::parse(config.source.text(), config.source.display_path());
  } catch (const toml::parse_error& e) {
    // toml++ says "Error while parsing value: could not determine value type".
    std::string description(e.description());
    if (description.rfind("Error ", 0) == 0) {
      description = "TOML syntax error " + description.substr(6);
    } else {
      description = "TOML syntax error: " + description;
    }
    throw config.source.error(pos_of(e.source()), description);
  }
  PhaseTimer::instance().mark("toml parse");
  Parser(config).parse(doc, overrides);
  config.index_tasks();
  PhaseTimer::instance().mark("config");
  return config;
}

std::string read_config_text(const std::string& path, const std::string& display_path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    throw UserError(fmt::format("cannot read {}: {}", display_path, std::strerror(errno)));
  }
  std::string text;
  char buffer[65536];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, file)) > 0) {
    text.append(buffer, n);
  }
  const bool failed = std::ferror(file) != 0;
  const int error = errno;
  std::fclose(file);
  if (failed) {
    throw UserError(fmt::format("cannot read {}: {}", display_path, std::strerror(error)));
  }
  return text;
}

Config load_config(const std::string& path, const std::string& display_path,
                   const std::vector<VarOverride>& overrides) {
  std::string text = read_config_text(path, display_path);
  const std::filesystem::path absolute = std::filesystem::absolute(path).lexically_normal();
  return parse_config(display_path, absolute.parent_path().string(), std::move(text), overrides);
}

}  // namespace pipeline
