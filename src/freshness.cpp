#include "pipeline/freshness.hpp"

#include <fmt/format.h>

#include <cstring>
#include <limits>

namespace pipeline {
namespace {

class TimestampCheck final : public FreshnessCheck {
public:
  TimestampCheck(const Config& config, FileSystem& fs, Force force)
      : m_config(config), m_fs(fs), m_force(force) {}

  Verdict check(const Job& job) override {
    const TaskDecl& task = m_config.tasks[job.task];
    if (m_force == Force::yes) return {true, "--force was given"};
    if (task.always) return {true, "the task has always = true"};
    if (job.inputs.empty() && job.outputs.empty()) {
      if (job.commands.empty()) return {false, "an alias: nothing to run"};
      return {true, "it has neither inputs nor outputs"};
    }
    std::int64_t oldest_output = std::numeric_limits<std::int64_t>::max();
    std::string oldest_name;
    for (const std::string& out : job.outputs) {
      FileStat st = m_fs.stat(out);
      if (st.kind == FileStat::Kind::error)
        return {true, fmt::format("output {} cannot be examined: {}", out, std::strerror(st.error))};
      if (!st.exists()) return {true, fmt::format("output {} is missing", out)};
      if (st.mtime_ns < oldest_output) {
        oldest_output = st.mtime_ns;
        oldest_name = out;
      }
    }
    if (job.outputs.empty()) return {true, "it has no outputs to compare its inputs with"};
    for (const std::string& in : job.inputs) {
      FileStat st = m_fs.stat(in);
      if (st.kind == FileStat::Kind::error)
        return {true, fmt::format("input {} cannot be examined: {}", in, std::strerror(st.error))};
      if (!st.exists()) return {true, fmt::format("input {} is missing", in)};
      if (st.mtime_ns > oldest_output)
        return {true, fmt::format("input {} is newer than output {}", in, oldest_name)};
    }
    return {false, "up to date: every output is newer than every input"};
  }

private:
  const Config& m_config;
  FileSystem& m_fs;
  Force m_force;
};

}  // namespace

std::unique_ptr<FreshnessCheck> make_timestamp_check(const Config& config, FileSystem& fs,
                                                     Force force) {
  return std::make_unique<TimestampCheck>(config, fs, force);
}

}  // namespace pipeline
