#include "pipeline/slurm_protocol.hpp"

#include <fmt/format.h>

#include <charconv>

#include "pipeline/template.hpp"

namespace pipeline {

namespace {

std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.empty()) lines.push_back(line);
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return lines;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

std::optional<long> to_long(std::string_view s) {
  long v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

// "12_[0-3,7%2]" -> 12_0 .. 12_3, 12_7 (the "%2" throttle is not an element).
void expand_array(std::string_view base, std::string_view ranges, std::string_view state,
                  std::map<std::string, std::string>& out) {
  if (std::size_t pct = ranges.find('%'); pct != std::string_view::npos) {
    ranges = ranges.substr(0, pct);
  }
  while (!ranges.empty()) {
    std::size_t comma = ranges.find(',');
    std::string_view part = ranges.substr(0, comma);
    std::size_t dash = part.find('-');
    auto lo = to_long(part.substr(0, dash));
    auto hi = dash == std::string_view::npos ? lo : to_long(part.substr(dash + 1));
    if (lo && hi) {
      for (long i = *lo; i <= *hi; ++i) out[fmt::format("{}_{}", base, i)] = std::string(state);
    }
    if (comma == std::string_view::npos) break;
    ranges.remove_prefix(comma + 1);
  }
}

// Value of `Key=` in a `scontrol -o` line (values never hold spaces in the fields we
// read), or "".
std::string_view field(std::string_view line, std::string_view key) {
  std::size_t at = 0;
  while ((at = line.find(key, at)) != std::string_view::npos) {
    bool word_start = at == 0 || line[at - 1] == ' ';
    if (word_start && at + key.size() < line.size() && line[at + key.size()] == '=') {
      std::string_view rest = line.substr(at + key.size() + 1);
      return rest.substr(0, rest.find(' '));
    }
    at += key.size();
  }
  return {};
}

std::string shell_words(const std::vector<std::string>& argv) {
  std::string out;
  for (const std::string& a : argv) {
    if (!out.empty()) out += ' ';
    append_shell_quoted(out, a);
  }
  return out;
}

}  // namespace

std::string slurm_time_minutes(std::chrono::milliseconds timeout,
                               std::chrono::milliseconds kill_grace) {
  std::int64_t ms = timeout.count() + kill_grace.count();
  std::int64_t minutes = (ms + 59'999) / 60'000;
  return std::to_string(minutes < 1 ? 1 : minutes);
}

std::vector<std::string> sbatch_argv(const SbatchRequest& r) {
  std::vector<std::string> argv = {"sbatch", "--parsable", "--job-name=pipeline:" + r.task,
                                   fmt::format("--array=0-{}", r.array_size - 1),
                                   fmt::format("--cpus-per-task={}", r.cpus_per_task)};
  if (r.mem_mb > 0) argv.push_back(fmt::format("--mem={}M", r.mem_mb));
  if (r.gpus > 0) argv.push_back(fmt::format("--gres=gpu:{}", r.gpus));
  if (r.time_limit) argv.push_back("--time=" + slurm_time_minutes(*r.time_limit, {}));
  if (!r.partition.empty()) argv.push_back("--partition=" + r.partition);
  if (!r.account.empty()) argv.push_back("--account=" + r.account);
  if (!r.qos.empty()) argv.push_back("--qos=" + r.qos);
  // sbatch's own output is only what the dispatch script says (a job's output goes to
  // its own file): kept beside the scripts for a post-mortem.
  argv.push_back("--output=" + r.slurm_output);
  argv.push_back("--open-mode=append");
  for (const std::string& a : r.extra_args) argv.push_back(a);
  argv.push_back(r.script);
  return argv;
}

std::optional<std::string> parse_sbatch_id(std::string_view output) {
  for (std::string_view line : lines_of(output)) {
    line = trim(line);
    std::string_view id = line.substr(0, line.find(';'));
    if (all_digits(id)) return std::string(id);
  }
  return std::nullopt;
}

std::vector<std::string> squeue_argv(std::string_view user) {
  return {"squeue", "--noheader", "--array", "--user=" + std::string(user), "--format=%i|%T"};
}

std::map<std::string, std::string> parse_squeue(std::string_view output) {
  std::map<std::string, std::string> jobs;
  for (std::string_view line : lines_of(output)) {
    std::size_t bar = line.find('|');
    if (bar == std::string_view::npos) continue;
    std::string_view id = trim(line.substr(0, bar));
    std::string_view state = trim(line.substr(bar + 1));
    std::size_t bracket = id.find("_[");
    if (bracket != std::string_view::npos && id.back() == ']') {
      expand_array(id.substr(0, bracket), id.substr(bracket + 2, id.size() - bracket - 3), state,
                   jobs);
    } else if (!id.empty()) {
      jobs[std::string(id)] = std::string(state);
    }
  }
  return jobs;
}

std::map<std::string, SlurmEnd> parse_scontrol_jobs(std::string_view output) {
  std::map<std::string, SlurmEnd> jobs;
  for (std::string_view line : lines_of(output)) {
    std::string_view job_id = field(line, "JobId");
    if (job_id.empty()) continue;
    std::string_view array_id = field(line, "ArrayJobId");
    std::string_view task_id = field(line, "ArrayTaskId");
    std::string id = !array_id.empty() && all_digits(task_id)
                         ? fmt::format("{}_{}", array_id, task_id)
                         : std::string(job_id);
    std::string_view reason = field(line, "Reason");
    jobs[id] = {std::string(field(line, "JobState")),
                reason == "None" ? std::string() : std::string(reason)};
  }
  return jobs;
}

std::vector<std::string> sacct_argv(const std::vector<std::string>& ids) {
  std::string list;
  for (const std::string& id : ids) {
    if (!list.empty()) list += ',';
    list += id;
  }
  return {"sacct",
          "--noheader",
          "--parsable2",
          "--allocations",
          "--format=JobID,State,ExitCode",
          "--jobs=" + list};
}

std::map<std::string, SlurmEnd> parse_sacct(std::string_view output) {
  std::map<std::string, SlurmEnd> jobs;
  for (std::string_view line : lines_of(output)) {
    std::size_t bar1 = line.find('|');
    if (bar1 == std::string_view::npos) continue;
    std::string_view id = line.substr(0, bar1);
    if (id.find('.') != std::string_view::npos) continue;  // a step
    std::string_view rest = line.substr(bar1 + 1);
    std::size_t bar2 = rest.find('|');
    std::string_view state = rest.substr(0, bar2);
    state = state.substr(0, state.find(' '));
    std::string_view code = bar2 == std::string_view::npos ? "" : rest.substr(bar2 + 1);
    jobs[std::string(id)] = {std::string(state), std::string(code)};
  }
  return jobs;
}

JobOutcome outcome_of_slurm_end(const SlurmEnd& end) {
  JobOutcome o;
  o.kind = JobOutcome::Kind::lost;
  const std::string& s = end.state;
  if (s == "OUT_OF_MEMORY") {
    o.detail = "out of memory (SLURM)";
  } else if (s == "TIMEOUT" || s == "DEADLINE") {
    o.detail = "SLURM time limit";
  } else if (s == "CANCELLED") {
    o.detail = "cancelled (SLURM)";
  } else if (s == "NODE_FAIL" || s == "BOOT_FAIL") {
    o.detail = "node failure (SLURM)";
  } else if (s == "PREEMPTED") {
    o.detail = "preempted (SLURM)";
  } else if (s.empty()) {
    o.detail = "left the SLURM queue without an exit file";
  } else {
    std::string lower;
    for (char c : s) lower += c == '_' ? ' ' : char(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    o.detail = fmt::format("{} (SLURM, no exit file)", lower);
  }
  return o;
}

std::optional<JobOutcome> parse_exit_file(std::string_view text) {
  text = trim(text);
  std::size_t space = text.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  auto code = to_long(text.substr(0, space));
  auto command = to_long(trim(text.substr(space + 1)));
  if (!code || !command || *command < 0) return std::nullopt;
  JobOutcome o;
  if (*code != 0) {
    o.kind = JobOutcome::Kind::exited;
    o.code = int(*code);
    o.command = std::size_t(*command);
  }
  return o;
}

std::string job_script_text(const JobScript& s) {
  std::string out = "#!/bin/sh\n# written by pipeline: one job, run by SLURM (SPEC 6.3)\n";
  std::string exit_tmp = s.exit_file + ".tmp";
  auto finish = [&](std::string_view code, std::size_t command) {
    return fmt::format("printf '%s %s\\n' \"{}\" {} > {} && mv -f {} {}", code, command,
                       shell_quote(exit_tmp), shell_quote(exit_tmp), shell_quote(s.exit_file));
  };
  std::string output = shell_quote(s.output);
  std::string out_redirect =
      fmt::format(">> {}", s.stdout_path.empty() ? output : shell_quote(s.stdout_path));
  std::string err_redirect =
      s.stderr_path.empty()
          ? (s.stdout_path.empty() ? std::string("2>&1") : fmt::format("2>> {}", output))
      : s.stderr_path == s.stdout_path ? std::string("2>&1")
                                       : fmt::format("2>> {}", shell_quote(s.stderr_path));
  out += fmt::format("cd {} || {{ echo \"pipeline: cannot cd to {}\" >> {}; {}; exit 1; }}\n",
                     shell_quote(s.dir), s.dir, output, finish("1", 0));
  for (const auto& [name, value] : s.env) {
    out += fmt::format("export {}={}\n", name, shell_quote(value));
  }
  for (std::size_t i = 0; i < s.commands.size(); ++i) {
    out += fmt::format("{} {} {} < /dev/null\nrc=$?\n", shell_words(s.commands[i]), out_redirect,
                       err_redirect);
    out += fmt::format("if [ $rc -ne 0 ]; then {}; exit $rc; fi\n", finish("$rc", i));
  }
  out += finish("0", 0) + "\n";
  return out;
}

std::string array_script_text(const std::vector<std::string>& scripts) {
  std::string out =
      "#!/bin/sh\n# written by pipeline: element i of the array runs job script i\n"
      "case \"$SLURM_ARRAY_TASK_ID\" in\n";
  for (std::size_t i = 0; i < scripts.size(); ++i) {
    out += fmt::format("  {}) exec /bin/sh {} ;;\n", i, shell_quote(scripts[i]));
  }
  out += "esac\necho \"pipeline: no job script for array element $SLURM_ARRAY_TASK_ID\"\nexit 1\n";
  return out;
}

}  // namespace pipeline
