#pragma once
// freshness: whether a selected job must run, and why (SPEC §3), and what is
// remembered when it succeeds. Every caller goes through FreshnessCheck, so the
// rules live in this one module.

#include <chrono>
#include <memory>
#include <string>

#include "pipeline/fs.hpp"
#include "pipeline/plan.hpp"
#include "pipeline/state.hpp"

namespace pipeline {

enum class Force { no, yes };

// The answer for one job: run it or not, and the reason in words
// ("output out/7.nc is missing"; for a job that need not run, why it is up to date).
struct Verdict {
  bool run = false;
  std::string reason;
};

class FreshnessCheck {
public:
  virtual ~FreshnessCheck() = default;
  // Whether `job` must run now, by the first of SPEC §3's rules that holds. Called
  // when the job becomes ready, so the jobs it depends on have already finished.
  virtual Verdict check(const Job& job) = 0;
  // The stat of input `input` of `job` as check() reads it while nothing this job
  // depends on has run: from the stamps read ahead when there are thousands. For the
  // check for missing inputs before the first job starts (preflight.hpp), which then
  // reads no file a second time.
  virtual FileStat input_stat(const Job& job, std::size_t input) = 0;
  // The job is about to start: its input stamps are read now (an input edited
  // while the job runs makes the next run redo it), and its old record is dropped
  // (a job that never finishes must not keep looking done).
  virtual void job_starting(const Job& job) = 0;
  // The job succeeded after `duration`: its output stamps are read and the run is
  // recorded.
  virtual void job_succeeded(const Job& job, std::chrono::milliseconds duration) = 0;
  // Writes what was recorded if the last write is older than ~200 ms (`Due::now`
  // forces it). Throws UserError if the state cannot be written.
  enum class Due { if_due, now };
  virtual void flush(Due due) = 0;
};

// What a dry run predicts for `order` (topological, e.g. select_jobs()): the verdict
// of every job, indexed by JobIndex (jobs not in `order` get {false, ""}). A dry
// run cannot know whether upstream jobs change their outputs, so it assumes they
// do: a job whose input another predicted job writes runs too.
std::vector<Verdict> predict(const Plan& plan, const std::vector<JobIndex>& order,
                             FreshnessCheck& check);

// SPEC §3 with the state database: rules 1-7 in order. The files of the jobs in
// `read_ahead` (the order they will be checked in) are stat'ed ahead on worker
// threads when there are thousands (stat_read_ahead.hpp); a job uses those stamps
// while none of the jobs it depends on has started in this run, and reads its files
// afresh otherwise. Like ninja, a source file edited during a run after its stamp was
// read is seen by the next run. `fs` must then be safe to use from several threads.
std::unique_ptr<FreshnessCheck> make_state_check(const Config& config, const Plan& plan,
                                                 FileSystem& fs, StateDb& state, Force force,
                                                 const std::vector<JobIndex>& read_ahead = {});

// Rule 4's adoption: when the state database was just created (not rebuilt), every
// job whose inputs and outputs all exist and none of whose inputs is newer than any
// of its outputs is recorded as successful, so a tree built by other means is not
// redone. Returns how many jobs were adopted.
std::size_t adopt_existing_outputs(const Config& config, const Plan& plan, FileSystem& fs,
                                   StateDb& state);

// --touch: records `jobs` as successful with the current stamps of their files.
// Returns the paths of declared outputs that are missing (those jobs still run).
std::vector<std::string> touch_jobs(const Config& config, const Plan& plan,
                                    const std::vector<JobIndex>& jobs, FileSystem& fs,
                                    StateDb& state);

// The signature of SPEC §3 rule 5: expanded commands, dir, env, stdout/stderr, the
// input and output paths, and the sandbox/container/executor settings.
Hash128 job_signature(const Config& config, const Job& job);

}  // namespace pipeline
