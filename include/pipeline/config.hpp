#pragma once
// config: a Pipeline.toml parsed into task declarations (SPEC §1, §1.1), every key
// checked for name, type and value, with located errors and "did you mean" hints.
// Nothing here expands placeholders in task values; the planner does that. Vars are
// resolved here (they may use other vars, never job placeholders).

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "pipeline/source.hpp"
#include "pipeline/util/sparse_optional.hpp"

namespace pipeline {

using Duration = std::chrono::milliseconds;

// One command of a task: a string runs through the shell, an array is an argv.
struct CommandDecl {
  enum class Kind { shell, argv };
  Kind kind = Kind::shell;
  // shell: exactly one element (the command text); argv: the elements.
  std::vector<LocatedString> parts;
  SourcePos pos;
};

// One group of paths of `inputs` or `outputs`. The array form gives one group with
// an empty name; the table form gives one group per key, in alphabetical order
// (a key's value may be a string or an array of strings).
struct PathGroup {
  std::string name;
  std::vector<LocatedString> patterns;
  SourcePos pos;
};

enum class Method { timestamp, hash };
enum class ExecutorKind { local, slurm };

// One `[tasks.NAME]` table. Keys whose behaviour arrives later (matrix, sandbox,
// container, executor = "slurm") are parsed here; the planner rejects them until
// they work.
struct TaskDecl {
  std::string name;
  SourcePos pos;  // of the task's table header / key
  std::string description;
  std::vector<CommandDecl> commands;  // `cmd` gives one, `cmds` gives several; none = alias
  std::vector<PathGroup> inputs;
  bool inputs_named = false;  // table form
  std::vector<PathGroup> outputs;
  bool outputs_named = false;
  std::vector<LocatedString> deps;
  // matrix name -> values, names in alphabetical order
  std::vector<std::pair<std::string, std::vector<LocatedString>>> matrix;
  SourcePos matrix_pos;
  SparseOptional<LocatedString> dir;
  std::vector<std::pair<std::string, LocatedString>> env;  // in file order
  SparseOptional<LocatedString> stdout_path;
  SparseOptional<LocatedString> stderr_path;
  bool always = false;
  Method method = Method::timestamp;
  std::optional<Duration> timeout;
  int retries = 0;
  Duration retry_delay = std::chrono::seconds(1);
  int threads = 1;
  SourcePos threads_pos;
  std::vector<std::pair<std::string, std::int64_t>> resources;  // name -> amount
  std::vector<SourcePos> resource_positions;  // of each name's key, parallel to resources
  SourcePos resources_pos;
  bool console = false;
  bool sandbox = false;
  SourcePos sandbox_pos;
  SparseOptional<LocatedString> container;
  ExecutorKind executor = ExecutorKind::local;
  SourcePos executor_pos;
};

// A resolved `[vars]` entry: a string, or an array of strings. `pos` is where it
// was declared (or of the override, which has no position).
struct VarValue {
  std::vector<std::string> items;
  bool is_list = false;
  SourcePos pos;
};

// The shell of string commands when `[pipeline] shell` is not set: /bin/sh -ec.
const std::vector<std::string>& default_shell();

// The `[pipeline]` table with its defaults (SPEC §1.1).
struct PipelineSettings {
  std::vector<LocatedString> default_targets;  // empty: every task
  int jobs = 0;                                // 0: number of CPUs
  std::vector<std::string> shell = default_shell();
  std::string state_dir = ".pipeline";
  Duration log_retention = std::chrono::hours(24 * 14);
  Duration kill_grace = std::chrono::seconds(5);
  std::vector<std::pair<std::string, std::int64_t>> resources;  // [pipeline.resources]
  std::string container_engine = "podman";  // [pipeline.container] engine: podman|docker
  std::string slurm_partition;              // [pipeline.slurm]; empty: SLURM's default
  std::string slurm_account;                // empty: SLURM's default
  int slurm_max_jobs = 0;                   // jobs in flight; 0: no limit
};

struct Config {
  SourceFile source;
  std::string root;  // absolute directory holding the file
  PipelineSettings settings;
  std::map<std::string, VarValue> vars;                    // resolved
  std::vector<std::pair<std::string, LocatedString>> env;  // [env], in file order
  std::vector<TaskDecl> tasks;                             // in file order
  // The index in `tasks` of a task, or -1. Constant time: 100,000 tasks that each
  // name a dependency must not make planning quadratic.
  int find_task(std::string_view name) const;
  // Builds the index find_task() uses; call once `tasks` is complete.
  void index_tasks();

private:
  struct NameHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, int, NameHash, std::equal_to<>> m_task_index;
};

// A `NAME=VALUE` command-line override of a var (SPEC §1.2).
struct VarOverride {
  std::string name;
  std::string value;
};

// A `[vars]` entry as written, before resolution: one item for a string var.
struct VarDecl {
  std::string name;
  std::vector<LocatedString> items;
  bool is_list = false;
  SourcePos pos;  // of the key
};

// Applies `overrides` to `decls` (in file order) and resolves the `{name}` uses of
// vars in vars, with the errors of SPEC §1.2 (cycles, job placeholders) located in
// `source`. An override of an array var gives its whitespace-separated words as
// items. Throws UserError for an override of a var that is not declared.
std::map<std::string, VarValue> resolve_vars(const SourceFile& source, std::vector<VarDecl> decls,
                                             const std::vector<VarOverride>& overrides);

// Parses and validates `text` (the contents of the file named `display_path`,
// whose directory is `root`). Throws ConfigError for any mistake in the file and
// UserError for an override of a var that is not declared.
Config parse_config(std::string display_path, std::string root, std::string text,
                    const std::vector<VarOverride>& overrides = {});

// The whole text of the file at `path`. Throws UserError naming `display_path` if it
// cannot be read.
std::string read_config_text(const std::string& path, const std::string& display_path);

// Reads the file at `path` and parses it (see parse_config). Throws UserError if
// the file cannot be read.
Config load_config(const std::string& path, const std::string& display_path,
                   const std::vector<VarOverride>& overrides = {});

// "1h30m", "90s", "250ms", "2d" -> duration; nullopt if malformed.
std::optional<Duration> parse_duration(std::string_view text);
// A duration for people: "1.5s", "10m", "1h30m".
std::string format_duration(Duration d);

// The name among `candidates` closest to `name` (edit distance at most a third of
// its length, at least 1), or empty.
std::string closest_name(std::string_view name, const std::vector<std::string>& candidates);
// "did you mean 'X'?" for the closest name, or empty.
std::string did_you_mean(std::string_view name, const std::vector<std::string>& candidates);

}  // namespace pipeline
