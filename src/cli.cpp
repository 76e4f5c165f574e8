#include "pipeline/cli.hpp"

#include <fmt/format.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <toml++/toml.h>
#include <unistd.h>
#include <uv.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <functional>
#include <future>
#include <optional>
#include <thread>

#include "pipeline/config.hpp"
#include "pipeline/config_cache.hpp"
#include "pipeline/console.hpp"
#include "pipeline/executor.hpp"
#include "pipeline/freshness.hpp"
#include "pipeline/graph.hpp"
#include "pipeline/lock.hpp"
#include "pipeline/plan.hpp"
#include "pipeline/preflight.hpp"
#include "pipeline/scheduler.hpp"
#include "pipeline/state.hpp"
#include "pipeline/util/phase_timer.hpp"

namespace fs = std::filesystem;

namespace pipeline {
namespace {

constexpr const char* k_file_name = "Pipeline.toml";

struct Options {
  // run options
  int jobs = -1;          // -1: not given
  std::string jobs_text;  // -j as written; parse_jobs() turns it into `jobs`
  bool keep_going = false;
  bool dry_run = false;
  bool force = false;
  bool explain = false;
  std::string output = "grouped";
  bool quiet = false;
  bool verbose = false;
  std::string color = "auto";
  std::string file;
  std::string directory;
  // modes
  bool list = false;
  bool check = false;
  bool graph = false;
  std::string format = "dot";
  bool why = false;
  bool touch = false;
  bool clean = false;
  bool wait_lock = false;
  // NAME=VALUE and targets, as given
  std::vector<std::string> args;
};

// The Pipeline.toml to use: -f, else the first one in the cwd or a parent.
// Returns {absolute path, path to show in messages}.
std::pair<fs::path, std::string> find_file(const Options& options) {
  if (!options.file.empty()) {
    fs::path p = fs::absolute(options.file);
    if (!fs::exists(p)) throw UserError(fmt::format("{}: no such file", options.file));
    return {p.lexically_normal(), options.file};
  }
  fs::path cwd = fs::current_path();
  for (fs::path dir = cwd;; dir = dir.parent_path()) {
    fs::path candidate = dir / k_file_name;
    if (fs::exists(candidate)) {
      fs::path shown = candidate.lexically_relative(cwd);
      return {candidate, shown.empty() ? std::string(k_file_name) : shown.string()};
    }
    if (dir == dir.root_path() || dir.parent_path() == dir) break;
  }
  throw UserError(fmt::format("no {} in {} or any parent directory", k_file_name, cwd.string()),
                  "create one, or name it with -f FILE");
}

// The value of -j: digits only, at most k_max_jobs; nullopt for anything else. CLI11's
// own check printed the range of a double (309 digits) for `-j -1` (docs/decisions.md).
constexpr int k_max_jobs = 1'000'000;
std::optional<int> parse_jobs(std::string_view text) {
  if (text.empty() || text.size() > 7) return std::nullopt;
  int value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  if (value > k_max_jobs) return std::nullopt;
  return value;
}

bool looks_like_override(const std::string& arg) {
  std::size_t eq = arg.find('=');
  if (eq == std::string::npos || eq == 0) return false;
  for (std::size_t i = 0; i < eq; ++i) {
    char c = arg[i];
    bool ok = c == '_' || std::isalpha(static_cast<unsigned char>(c)) ||
              (i > 0 && std::isdigit(static_cast<unsigned char>(c)));
    if (!ok) return false;
  }
  return true;
}

// The names of the [vars] of `toml_text`, parsed for nothing else; a broken file
// gives none here and is reported by the full parse that follows.
std::vector<std::string> var_names_of(const std::string& toml_text) {
  std::vector<std::string> names;
  try {
    toml::table t = toml::parse(toml_text);
    if (auto* vars = t["vars"].as_table())
      for (auto&& [key, value] : *vars) names.emplace_back(key.str());
  } catch (const toml::parse_error&) {
  }
  return names;
}

// Splits the positional arguments into var overrides (NAME=VALUE where NAME is a
// declared var) and targets (everything else). `declared_vars` is asked for the
// names of [vars] only when some argument looks like NAME=VALUE.
void split_args(const std::vector<std::string>& args,
                const std::function<std::vector<std::string>()>& declared_vars,
                std::vector<VarOverride>& overrides, std::vector<std::string>& targets) {
  std::vector<std::string> var_names;
  if (std::any_of(args.begin(), args.end(), looks_like_override)) var_names = declared_vars();
  for (const std::string& arg : args) {
    if (looks_like_override(arg)) {
      std::string name = arg.substr(0, arg.find('='));
      if (std::find(var_names.begin(), var_names.end(), name) != var_names.end()) {
        overrides.push_back({name, arg.substr(arg.find('=') + 1)});
        continue;
      }
    }
    targets.push_back(arg);
  }
}

// Below this size a Pipeline.toml parses in a few milliseconds: no cache is kept.
constexpr std::size_t k_cache_from_bytes = 512 * 1024;
constexpr const char* k_default_state_dir = ".pipeline";

// Where the parsed declarations of the Pipeline file `path` are cached (config_cache.hpp):
// ROOT/.pipeline/config-cache/FILE_NAME. Always the default state directory: the
// state_dir a file sets is known only once it is parsed, so a file that sets another
// one is parsed every time (its cache is never written; see load_pipeline_file).
std::string config_cache_path(const fs::path& path, const std::string& root) {
  return fmt::format("{}/{}/config-cache/{}", root, k_default_state_dir, path.filename().string());
}

// Reads and parses the Pipeline file, taking the NAME=VALUE overrides out of
// options.args (what is left are the targets). A large file's declarations come from
// the cache when it was made from the same text, overrides and binary; on a miss they
// are parsed and, when `may_write_cache` (a mode that creates the state directory
// anyway) and the file keeps its state in the default directory, cached.
Config load_pipeline_file(const fs::path& path, const std::string& shown, const std::string& root,
                          Options& options, bool may_write_cache) {
  std::string text = read_config_text(path.string(), shown);
  const bool cacheable = text.size() >= k_cache_from_bytes;
  const std::string cache_path = config_cache_path(path, root);
  std::optional<std::string> cache = cacheable ? read_cache_file(cache_path) : std::nullopt;
  const Hash128 text_hash = cacheable ? hash_bytes(text) : Hash128{};

  std::vector<VarOverride> overrides;
  std::vector<std::string> targets;
  split_args(
      options.args,
      [&] {
        std::optional<std::vector<std::string>> cached;
        if (cache) cached = cached_var_names(*cache, text_hash);
        return cached ? std::move(*cached) : var_names_of(text);
      },
      overrides, targets);
  options.args = std::move(targets);

  const ConfigCacheKey key = cacheable
                                 ? config_cache_key(text_hash, overrides, running_binary_identity())
                                 : ConfigCacheKey{};
  if (cache) {
    // A copy: on a miss the text is still needed for parse_config.
    std::optional<Config> cached = decode_config(*cache, key, SourceFile(shown, text), root);
    if (cached) {
      PhaseTimer::instance().mark("config from cache");
      return std::move(*cached);
    }
  }
  Config config = parse_config(shown, root, std::move(text), overrides);
  if (cacheable && may_write_cache &&
      normalize_path(config.settings.state_dir) == k_default_state_dir) {
    if (real_file_system().make_dirs(std::string(parent_dir(cache_path))) == 0)
      write_cache_file(cache_path, encode_config(config, key));
    PhaseTimer::instance().mark("config cache written");
  }
  return config;
}

int job_slots(const Options& options, const Config& config) {
  int jobs = options.jobs >= 0 ? options.jobs : config.settings.jobs;
  if (jobs <= 0) jobs = int(uv_available_parallelism());
  return std::max(jobs, 1);
}

bool use_color(const std::string& mode) {
  if (mode == "always") return true;
  if (mode == "never") return false;
  const char* no_color = std::getenv("NO_COLOR");
  if (no_color && *no_color) return false;
  const char* term = std::getenv("TERM");
  if (term && std::strcmp(term, "dumb") == 0) return false;
  return isatty(STDOUT_FILENO);
}

// The columns of the terminal on stdout, or 0 when stdout is not a terminal (or
// TERM=dumb): then there is no status line.
int terminal_width() {
  if (!isatty(STDOUT_FILENO)) return 0;
  const char* term = std::getenv("TERM");
  if (term && std::strcmp(term, "dumb") == 0) return 0;
  struct winsize ws {};
  if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return 80;
}

// The mean of the recent durations of each selected job (0: never seen).
std::vector<std::int64_t> expected_durations(const Plan& plan,
                                             const std::vector<JobIndex>& selected,
                                             const StateDb& state) {
  std::vector<std::int64_t> out(plan.jobs.size(), 0);
  for (JobIndex j : selected) out[j] = state.mean_recent_duration(plan.jobs[j].id);
  return out;
}

std::string state_path(const Config& config, const char* name) {
  return fmt::format("{}/{}", config.settings.state_dir, name);
}

void print_warning(const std::string& warning) {
  if (!warning.empty()) fmt::print(stderr, "pipeline: warning: {}\n", warning);
}

// The state of a run, --touch or --clean: the state directory created, the lock
// taken and the database open (or rebuilt). `warning` is what StateDb::open said.
struct RunState {
  RunLock lock;
  StateDb state;
  std::string warning;
};

RunState lock_and_open_state(const Config& config, const Options& options) {
  if (int err = real_file_system().make_dirs(config.settings.state_dir); err != 0)
    throw UserError(fmt::format("cannot create the state directory {}: {}",
                                config.settings.state_dir, std::strerror(err)));
  RunLock lock = RunLock::acquire(state_path(config, "lock"),
                                  options.wait_lock ? WaitForLock::yes : WaitForLock::no);
  std::string warning;
  StateDb state = StateDb::open(state_path(config, "state.db"), &warning);
  return {std::move(lock), std::move(state), std::move(warning)};
}

// Finishes what lock_and_open_state began once the plan exists: adopts an existing
// tree when the database is new (rule 4).
StateDb adopt_if_new(const Config& config, const Plan& plan, RunState& opened,
                     std::optional<RunLock>& lock) {
  print_warning(opened.warning);
  lock.emplace(std::move(opened.lock));
  StateDb state = std::move(opened.state);
  if (state.created() && !state.rebuilt()) {
    adopt_existing_outputs(config, plan, real_file_system(), state);
    state.flush();
  }
  return state;
}

// For a run, --touch and --clean: creates the state directory, takes the lock, opens
// (or rebuilds) the database, and adopts an existing tree when it is new (rule 4).
StateDb open_state_for_run(const Config& config, const Plan& plan, const Options& options,
                           std::optional<RunLock>& lock) {
  RunState opened = lock_and_open_state(config, options);
  return adopt_if_new(config, plan, opened, lock);
}

// For -n and --why: reads the state without creating or locking anything. Where no
// database exists yet, the adoption a real run would do first is done in memory.
StateDb open_state_read_only(const Config& config, const Plan& plan) {
  std::string path = state_path(config, "state.db");
  std::string warning;
  StateDb state = StateDb::open_read_only(path, &warning);
  print_warning(warning);
  if (!real_file_system().stat(path).exists())
    adopt_existing_outputs(config, plan, real_file_system(), state);
  return state;
}

// --clean: deletes the declared outputs of `jobs` and forgets their runs; with -n,
// lists what it would delete.
int clean_outputs(const Config& config, const Plan& plan, const Options& options,
                  const std::vector<JobIndex>& jobs) {
  FileSystem& fs = real_file_system();
  std::size_t removed = 0;
  // SPEC §2: --clean never deletes outside the root, nor through a symbolic link
  // leading out of it; such outputs are listed as left alone.
  std::vector<std::string> outside;
  auto deletable = [&](const std::string& out) {
    if (is_inside_root(out)) return true;
    if (fs.stat(out).exists()) outside.push_back(out);
    return false;
  };
  auto report_outside = [&] {
    for (const std::string& out : outside)
      fmt::print(stderr, "pipeline: left {}: it is outside the root\n", out);
  };
  if (options.dry_run) {
    for (JobIndex j : jobs)
      for (const std::string& out : plan.jobs[j].outputs)
        if (deletable(out) && fs.stat(out).exists()) {
          fmt::print("would remove {}\n", out);
          ++removed;
        }
    fmt::print("pipeline: {} file{} would be removed\n", removed, removed == 1 ? "" : "s");
    report_outside();
    return k_exit_ok;
  }
  std::optional<RunLock> lock;
  StateDb state = open_state_for_run(config, plan, options, lock);
  int status = k_exit_ok;
  for (JobIndex j : jobs) {
    for (const std::string& out : plan.jobs[j].outputs) {
      if (!deletable(out)) continue;
      int err = fs.remove_file(out);
      if (err == 0) {
        ++removed;
        if (options.verbose) fmt::print("removed {}\n", out);
      } else if (err != ENOENT) {
        fmt::print(stderr, "pipeline: cannot remove {}: {}\n", out, std::strerror(err));
        status = k_exit_job_failed;
      }
    }
    state.forget(plan.jobs[j].id);
  }
  state.flush();
  fmt::print("pipeline: removed {} file{}\n", removed, removed == 1 ? "" : "s");
  report_outside();
  return status;
}

// --touch: records the selected jobs as up to date without running them.
int touch_selected(const Config& config, const Plan& plan, const Options& options,
                   const std::vector<JobIndex>& jobs) {
  std::optional<RunLock> lock;
  StateDb state = open_state_for_run(config, plan, options, lock);
  std::vector<std::string> missing = touch_jobs(config, plan, jobs, real_file_system(), state);
  state.flush();
  for (const std::string& out : missing)
    fmt::print(stderr, "pipeline: warning: output {} is missing: its job will still run\n", out);
  fmt::print("pipeline: {} job{} recorded as up to date\n", jobs.size(),
             jobs.size() == 1 ? "" : "s");
  return k_exit_ok;
}

// --list: every task with its job count, how many of those would run now, and its
// description. Reads the state; writes nothing.
int list_tasks(const Config& config, const Plan& plan) {
  StateDb state = open_state_read_only(config, plan);
  const std::vector<JobIndex> order = all_jobs(plan);
  auto check = make_state_check(config, plan, real_file_system(), state, Force::no, order);
  std::vector<Verdict> verdicts = predict(plan, order, *check);
  std::size_t width = 4;
  for (const TaskDecl& task : config.tasks) width = std::max(width, task.name.size());
  fmt::print("{:<{}}  {:>6}  {:>11}  {}\n", "TASK", width, "JOBS", "OUT OF DATE", "DESCRIPTION");
  for (std::size_t t = 0; t < config.tasks.size(); ++t) {
    const TaskDecl& task = config.tasks[t];
    std::size_t stale = 0;
    for (JobIndex j : plan.task_jobs[t]) stale += verdicts[j].run ? 1 : 0;
    fmt::print("{:<{}}  {:>6}  {:>11}  {}\n", task.name, width, plan.task_jobs[t].size(), stale,
               task.description);
  }
  return k_exit_ok;
}

// How many missing inputs and dirs are shown as errors; the rest are counted.
constexpr std::size_t k_problems_shown = 10;

// SPEC §3: the missing inputs and dirs of `jobs`, each printed as a located error.
// Returns whether there was any.
bool report_missing(const Config& config, const Plan& plan, const PreflightProblems& problems) {
  if (problems.empty()) return false;
  std::fflush(stdout);
  const std::vector<ConfigError> errors =
      describe_problems(config, plan, problems, real_file_system(), k_problems_shown);
  for (const ConfigError& error : errors) fmt::print(stderr, "{}\n", format_error(error));
  const std::size_t all = problems.missing_inputs.size() + problems.missing_dirs.size();
  if (all > errors.size())
    fmt::print(stderr, "pipeline: error: and {} more missing input{} or dir{}\n",
               all - errors.size(), all - errors.size() == 1 ? "" : "s",
               all - errors.size() == 1 ? "" : "s");
  return true;
}

// The check a run makes before its first job starts (ExecutorOptions::before_first_start):
// without -k a missing input or dir starts nothing (exit 2); with -k those jobs are
// skipped. The stamps are the ones the freshness check read ahead.
StartGate check_before_start(const Config& config, const Plan& plan,
                             const std::vector<JobIndex>& selected, FreshnessCheck& freshness,
                             KeepGoing keep_going) {
  const PreflightProblems problems = preflight(
      plan, selected, real_file_system(),
      [&](JobIndex j, std::size_t input) { return freshness.input_stat(plan.jobs[j], input); });
  StartGate gate;
  if (!report_missing(config, plan, problems)) return gate;
  if (keep_going == KeepGoing::yes)
    gate.skip = skip_reasons(plan, problems);
  else
    gate.abort = true;
  return gate;
}

int run_modes_and_targets(Options& options) {
  if (!options.directory.empty() && ::chdir(options.directory.c_str()) != 0)
    throw UserError(fmt::format("-C {}: {}", options.directory, std::strerror(errno)));
  // Path targets are taken relative to the directory they were given in (SPEC §2.3).
  const std::string cwd = fs::current_path().string();
  auto [path, shown] = find_file(options);
  PhaseTimer::instance().mark("find file");
  std::string root = path.parent_path().string();

  // The config and the plan live until the process exits and are never destroyed:
  // freeing 100,000 jobs one allocation at a time costs a tenth of a second that
  // buys nothing (the kernel takes the memory back at once).
  // Only a run, --touch and --clean create the state directory; the other modes
  // leave the tree as it is, so they read a config cache but never write one.
  const bool read_only = options.dry_run || options.why;
  const bool creates_state = !options.check && !options.list && !options.graph && !read_only;
  Config& config = *new Config(load_pipeline_file(path, shown, root, options, creates_state));
  const std::vector<std::string>& targets = options.args;
  // An empty file (or one with only [vars]) is most likely a mistake or a fresh start:
  // say so rather than report "nothing to do" as if something had been checked.
  if (config.tasks.empty())
    fmt::print(stderr, "{}: warning: declares no task; add one as [tasks.NAME] with a cmd\n",
               shown);

  // Everything below works relative to the root.
  if (::chdir(root.c_str()) != 0)
    throw UserError(fmt::format("cannot enter {}: {}", root, std::strerror(errno)));

  // A run opens the state while the plan is built: the two do not depend on each
  // other, and on 2 cores loading 100,000 rows (~60 ms) then costs nothing.
  const bool runs = creates_state && !options.clean && !options.touch;
  std::future<RunState> opening;
  if (runs)
    opening =
        std::async(std::launch::async, lock_and_open_state, std::cref(config), std::cref(options));

  // PIPELINE_DIRECT_EXEC=0 runs every string command through the shell (bench/ measures
  // what running simple ones directly buys).
  Plan& plan = *new Plan(build_plan(config, plan_options_from_environment()));
  PhaseTimer::instance().mark("plan");
  for (const std::string& warning : plan.warnings) fmt::print(stderr, "{}\n", warning);
  check_resources(config);
  if (options.check) {
    const std::vector<JobIndex> checked =
        targets.empty() ? all_jobs(plan) : select_jobs(config, plan, targets, cwd);
    FileSystem& fs = real_file_system();
    if (report_missing(config, plan, preflight(plan, checked, fs, [&](JobIndex j, std::size_t i) {
                         return fs.stat(plan.jobs[j].inputs[i]);
                       })))
      return k_exit_usage;
    fmt::print("{}: ok ({} tasks, {} jobs)\n", shown, config.tasks.size(), plan.jobs.size());
    return k_exit_ok;
  }
  if (options.list) return list_tasks(config, plan);
  std::vector<JobIndex> selected = select_jobs(config, plan, targets, cwd);
  if (options.graph) {
    GraphFormat format = options.format == "mermaid" ? GraphFormat::mermaid
                         : options.format == "json"  ? GraphFormat::json
                                                     : GraphFormat::dot;
    fmt::print("{}", render_graph(plan, selected, format));
    return k_exit_ok;
  }

  if (options.clean)
    return clean_outputs(config, plan, options, targets.empty() ? all_jobs(plan) : selected);
  if (options.touch) return touch_selected(config, plan, options, selected);

  OutputMode mode = options.output == "stream"  ? OutputMode::stream
                    : options.output == "quiet" ? OutputMode::quiet
                                                : OutputMode::grouped;
  if (options.quiet && options.output == "grouped") mode = OutputMode::quiet;
  Verbosity verbosity = options.verbose ? Verbosity::verbose
                        : options.quiet ? Verbosity::quiet
                                        : Verbosity::normal;
  Console console(mode, verbosity, options.explain || read_only, use_color(options.color));
  if (options.why) console.show_every_verdict();

  // A run takes the lock and writes the state; -n and --why only read it.
  std::optional<RunLock> lock;
  std::optional<RunState> opened;
  if (!read_only) opened.emplace(opening.get());
  StateDb state =
      read_only ? open_state_read_only(config, plan) : adopt_if_new(config, plan, *opened, lock);
  PhaseTimer::instance().mark("open state");
  auto freshness = make_state_check(config, plan, real_file_system(), state,
                                    options.force ? Force::yes : Force::no, selected);
  ExecutorOptions exec;
  exec.slots = job_slots(options, config);
  exec.keep_going = options.keep_going ? KeepGoing::yes : KeepGoing::no;
  exec.dry_run = read_only ? DryRun::yes : DryRun::no;
  exec.state_dir = config.settings.state_dir;
  exec.run_id = new_run_id();
  exec.kill_grace = config.settings.kill_grace;
  exec.before_first_start = [&, keep_going = exec.keep_going] {
    return check_before_start(config, plan, selected, *freshness, keep_going);
  };
  exec.expected_ms = expected_durations(plan, selected, state);
  PhaseTimer::instance().mark("expected durations");
  if (!read_only) {
    if (int width = terminal_width(); width > 0 && mode != OutputMode::quiet) {
      console.set_terminal(width);
      exec.tick_interval = std::chrono::milliseconds(250);
    } else {
      exec.tick_interval = std::chrono::minutes(1);
      exec.tick_from = ExecutorOptions::TickFrom::last_job_end;
    }
    console.set_expectations(plan, exec.expected_ms, exec.slots);
  }
  return execute(config, plan, selected, exec, *freshness, console);
}

}  // namespace

int run_cli(int argc, char** argv) {
  // A closed stdout (`pipeline | head`) must not kill us mid-run; children get the
  // default disposition back (the runner resets it).
  ::signal(SIGPIPE, SIG_IGN);

  Options options;
  CLI::App app{"pipeline: a declarative, parallel, incremental task runner", "pipeline"};
  app.set_help_flag("-h,--help", "Show this help and exit");
  app.add_option("-j,--jobs", options.jobs_text,
                 "Parallel job slots (default: [pipeline] jobs, else CPUs)");
  app.add_flag("-k,--keep-going", options.keep_going,
               "After a failure, run every job that does not depend on it");
  app.add_flag("-n,--dry-run", options.dry_run,
               "Print the jobs that would run, with the reason; run nothing");
  app.add_flag("-B,--force", options.force, "Run every selected job even if up to date");
  app.add_flag("--explain", options.explain, "Print why each job runs");
  app.add_option("--output", options.output, "grouped (default), stream or quiet")
      ->check(CLI::IsMember({"grouped", "stream", "quiet"}));
  app.add_flag("-q,--quiet", options.quiet, "Print only failures and the summary");
  app.add_flag("-v,--verbose", options.verbose, "Print commands as they run");
  app.add_option("--color", options.color, "auto, always or never (NO_COLOR is honoured)")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  app.add_option("-f,--file", options.file, "Use this Pipeline.toml");
  app.add_option("-C,--directory", options.directory, "Change to this directory first");
  auto* list =
      app.add_flag("--list", options.list, "List the tasks, their descriptions and job counts");
  auto* check =
      app.add_flag("--check", options.check, "Load and plan everything, run nothing; exit 0 or 2");
  auto* graph = app.add_flag("--graph", options.graph, "Print the job DAG of the targets");
  app.add_option("--format", options.format, "Format of --graph: dot (default), mermaid or json")
      ->check(CLI::IsMember({"dot", "mermaid", "json"}));
  auto* why = app.add_flag("--why", options.why,
                           "Say why each selected job would run, or why it is up to date");
  auto* touch = app.add_flag("--touch", options.touch,
                             "Record the selected jobs as up to date without running them");
  auto* clean = app.add_flag(
      "--clean", options.clean,
      "Delete the declared outputs of the selected jobs (every task if none); -n lists them");
  app.add_flag("--wait-lock", options.wait_lock,
               "Wait for a concurrent run in the same root instead of failing");
  for (CLI::Option* mode : {list, check, graph, why, touch, clean})
    mode->group("Modes (one at a time)");
  app.add_option("args", options.args,
                 "NAME=VALUE var overrides and targets (tasks, job ids, output paths)");
  app.positionals_at_end(false);
  // As with make, a repeated option takes the last value (`-j1 ... -j4`).
  for (CLI::Option* option : app.get_options())
    if (option->get_expected_max() == 1)
      option->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) {
      std::fputs(app.help().c_str(), stdout);
      return k_exit_ok;
    }
    fmt::print(stderr, "pipeline: error: {}\nhint: 'pipeline --help' lists the options\n",
               e.what());
    return k_exit_usage;
  }

  if (!options.jobs_text.empty() || app.count("--jobs") > 0) {
    std::optional<int> jobs = parse_jobs(options.jobs_text);
    if (!jobs) {
      fmt::print(stderr,
                 "pipeline: error: -j takes a number of job slots from 0 (one per CPU) to {}, "
                 "not '{}'\n",
                 k_max_jobs, options.jobs_text);
      return k_exit_usage;
    }
    options.jobs = *jobs;
  }

  const int modes = int(options.list) + int(options.check) + int(options.graph) + int(options.why) +
                    int(options.touch) + int(options.clean);
  if (modes > 1) {
    fmt::print(stderr,
               "pipeline: error: --list, --check, --graph, --why, --touch and --clean are modes: "
               "give one at a time\n");
    return k_exit_usage;
  }

  try {
    int status = run_modes_and_targets(options);
    PhaseTimer::instance().mark("run");
    PhaseTimer::instance().report();
    return status;
  } catch (const UserError& e) {
    std::fflush(stdout);
    fmt::print(stderr, "{}\n", format_error(e));
    return e.exit_code();
  } catch (const std::exception& e) {
    std::fflush(stdout);
    fmt::print(stderr, "pipeline: error: {}\n", e.what());
    return k_exit_usage;
  }
}

}  // namespace pipeline
