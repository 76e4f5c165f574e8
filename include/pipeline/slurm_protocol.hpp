#pragma once
// slurm_protocol: the text that goes to and comes from the SLURM commands (SPEC §6.3)
// — the job script, sbatch's argv, and the parsers of sbatch, squeue, scontrol and
// sacct output. Pure: no I/O, so every format is tested on captured text; the
// runner that calls the commands is slurm_job_runner.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/job_runner.hpp"

namespace pipeline {

// What sbatch is told for one submission (one array of jobs of one task).
struct SbatchRequest {
  std::string task;  // job name "pipeline:TASK"
  int cpus_per_task = 1;
  std::int64_t mem_mb = 0;  // 0: not given
  std::int64_t gpus = 0;    // 0: not given
  std::optional<std::chrono::milliseconds> time_limit;
  std::string partition, account, qos;  // empty: SLURM's default
  std::vector<std::string> extra_args;
  std::size_t array_size = 1;  // elements 0 .. array_size-1
  std::string slurm_output;    // sbatch -o: where SLURM writes what the script itself says
  std::string script;          // the array's dispatch script
};

// The argv of `sbatch --parsable ...` for `request` (argv[0] is "sbatch").
std::vector<std::string> sbatch_argv(const SbatchRequest& request);

// A timeout as sbatch's --time in whole minutes: rounded up, plus `kill_grace`
// (so that SLURM never kills a job before pipeline's own timeout could).
std::string slurm_time_minutes(std::chrono::milliseconds timeout,
                               std::chrono::milliseconds kill_grace);

// The job id that `sbatch --parsable` printed ("1234" or "1234;cluster"), or nullopt
// when the output holds none.
std::optional<std::string> parse_sbatch_id(std::string_view output);

// The argv of the one squeue call per poll: every job of this user, array elements
// one per line, as "ID|STATE" (argv[0] is "squeue").
std::vector<std::string> squeue_argv(std::string_view user);

// squeue's "ID|STATE" lines -> job id ("12" or "12_3") -> state ("RUNNING").
// An unexpanded pending array ("12_[0-3]", "12_[1,4-5%2]") yields each element.
std::map<std::string, std::string> parse_squeue(std::string_view output);

// `scontrol -o show job` (one line per job) -> id -> state and reason. Array
// elements are named ARRAYID_INDEX as in squeue.
struct SlurmEnd {
  std::string state;   // "COMPLETED", "CANCELLED", "TIMEOUT", "OUT_OF_MEMORY", ...
  std::string reason;  // scontrol's Reason, sacct's ExitCode ("" when none)
};
std::map<std::string, SlurmEnd> parse_scontrol_jobs(std::string_view output);

// The argv of `sacct` for `ids`, and its parser ("ID|STATE|EXITCODE" lines). Steps
// ("12_3.batch") are skipped; "CANCELLED by 0" becomes "CANCELLED".
std::vector<std::string> sacct_argv(const std::vector<std::string>& ids);
std::map<std::string, SlurmEnd> parse_sacct(std::string_view output);

// How a job that left the queue without an exit file ended: Kind::lost with words
// for the summary ("out of memory", "cancelled", "SLURM time limit", "node failure").
JobOutcome outcome_of_slurm_end(const SlurmEnd& end);

// The exit file a job script writes as its last act: "CODE COMMAND\n" (the exit
// status of the first command that failed and its index, or "0 0"). nullopt for a
// file that is not one (partly written).
std::optional<JobOutcome> parse_exit_file(std::string_view text);

// Everything one job's script needs.
struct JobScript {
  std::string dir;                                       // absolute directory to cd to
  std::vector<std::pair<std::string, std::string>> env;  // exported in order
  std::vector<std::vector<std::string>> commands;        // argvs, run in order
  std::string output;       // stdout+stderr appended here (when no stdout/stderr file)
  std::string stdout_path;  // "" : output
  std::string stderr_path;  // "" : output
  std::string exit_file;    // written last, by a rename
};

// The POSIX sh script of one job: cd, export, each command with its output appended
// and stdin from /dev/null, stopping at the first that fails, then the exit file.
std::string job_script_text(const JobScript& script);

// The dispatch script of an array: element i execs `scripts[i]` with /bin/sh.
std::string array_script_text(const std::vector<std::string>& scripts);

}  // namespace pipeline
