#pragma once
// slurm_job_runner: a JobRunner that runs each attempt as a SLURM job (SPEC §6.3), on
// the run's libuv loop, never blocking it: sbatch, squeue, scontrol/sacct and scancel
// run as child processes through the shared ProcessMux.
//
// Economy, because clusters rate-limit RPCs: the attempts started in one loop turn (or
// while an sbatch is under way) that share a task go into one `sbatch --array`; one
// squeue call per poll interval covers every job in flight; the jobs that left the
// queue without an exit file are looked up in one scontrol (or sacct) call; cancels
// of one loop turn go in one scancel. A failing SLURM command is retried with backoff
// for up to `patience` before the attempts it concerns fail.
//
// Files, under `dir` (STATE_DIR/slurm/RUN_ID): job-N.sh, job-N.out (what the job
// printed, delivered as on_output as it grows), job-N.exit (written by the script as
// its last act), array-K.sh, and `submitted` / `ended` (one SLURM id a line), so that
// the next run can cancel what a killed run left in the queue.

#include <memory>
#include <string>

#include "pipeline/clock.hpp"
#include "pipeline/job_runner.hpp"
#include "pipeline/process_mux.hpp"
#include "pipeline/slurm_settings.hpp"

namespace pipeline {

struct SlurmRunnerOptions {
  std::string root;  // absolute: jobs' dirs and declared stdout/stderr are under it
  std::string dir;   // absolute: STATE_DIR/slurm/RUN_ID, created if missing
  SlurmSettings settings;
  std::chrono::milliseconds kill_grace = std::chrono::seconds(5);
  std::string user;  // whose jobs squeue lists; empty: the current user
  // The environment of the SLURM commands ("NAME=VALUE"): pipeline's own.
  std::vector<std::string> environment;
};

// The runner. `mux`, `clock` and `observer` must outlive it. Destroying it with jobs
// still in the queue cancels them with a blocking scancel (the loop is over by then).
std::unique_ptr<JobRunner> make_slurm_job_runner(ProcessMux& mux, Clock& clock,
                                                 JobRunnerObserver& observer,
                                                 SlurmRunnerOptions options);

// Jobs that a run killed before it could cancel them (its `submitted` ids without
// `ended`), in the run directories under `slurm_dir` (STATE_DIR/slurm) other than
// `current_run`. Returns their ids and marks those directories handled, so that they
// are looked at once. The caller cancels them (slurm_job_runner does, first thing).
std::vector<std::string> take_orphaned_slurm_jobs(const std::string& slurm_dir,
                                                  const std::string& current_run);

}  // namespace pipeline
