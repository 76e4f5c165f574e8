#pragma once
// freshness: whether a selected job must run, and why (SPEC §3). Every caller goes
// through FreshnessCheck, so that the rules can change in this one module.

#include <memory>
#include <string>

#include "pipeline/fs.hpp"
#include "pipeline/plan.hpp"

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
  // Whether `job` must run now. Called when the job becomes ready, so the outputs
  // of the jobs it depends on are already written.
  virtual Verdict check(const Job& job) = 0;
};

// First cut (make's rule): run if `always`/--force, if the job has neither inputs nor
// outputs, if an output is missing, or if an input is newer than the oldest output.
// An input that is missing and not made by any job is an error the executor reports
// when it starts the job (the command would fail anyway); here it only counts as
// "changed".
std::unique_ptr<FreshnessCheck> make_timestamp_check(const Config& config, FileSystem& fs,
                                                     Force force);

}  // namespace pipeline
