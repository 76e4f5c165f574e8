#pragma once
// process_mux: lets several owners (the local job runner, the SLURM runner's sbatch
// and squeue calls) share the one ProcessRunner a process may have (its SIGCHLD
// handler reaps with waitpid(-1), so a second one would steal the first's children).
// The mux is that runner's observer and forwards each process's events to the owner
// that started it.

#include <unordered_map>

#include "pipeline/runner.hpp"

namespace pipeline {

class ProcessMux final : public ProcessObserver {
public:
  // The runner the mux starts processes on; it must have been made with this mux as
  // its observer, and must outlive the mux's use.
  void attach(ProcessRunner& runner) { m_runner = &runner; }
  ProcessRunner& runner() const { return *m_runner; }
  // Starts `spec` on the runner; its output and exit go to `owner`.
  Expected<ProcessId, std::string> start(const ProcessSpec& spec, ProcessObserver& owner);

  void on_output(ProcessId id, std::string_view data) override;
  void on_exit(ProcessId id, const ProcessExit& exit) override;

private:
  ProcessRunner* m_runner = nullptr;
  std::unordered_map<ProcessId, ProcessObserver*> m_owners;
};

}  // namespace pipeline
