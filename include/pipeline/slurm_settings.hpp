#pragma once
// slurm_settings: `[pipeline.slurm]` and a task's `slurm = {...}` (SPEC §6.3), in a
// header of their own so that config and the SLURM runner share them without the
// runner depending on all of config's parsing.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace pipeline {

// The cluster-wide settings with their defaults.
struct SlurmSettings {
  std::string partition;  // empty: SLURM's default
  std::string account;    // empty: SLURM's default
  std::string qos;        // empty: SLURM's default
  std::vector<std::string> extra_args;
  int max_in_flight = 200;  // jobs submitted and not yet finished
  std::chrono::milliseconds poll = std::chrono::seconds(2);
  std::chrono::milliseconds patience = std::chrono::minutes(10);
};

// A task's overrides: each set field replaces the cluster-wide one.
struct SlurmOverrides {
  std::optional<std::string> partition, account, qos;
  std::optional<std::vector<std::string>> extra_args;
};

}  // namespace pipeline
