#pragma once
// Phase timings for developers, like ninja's `-d stats`: with PIPELINE_TIMINGS=1 in
// the environment, pipeline prints how long each phase of a run took (wall clock,
// milliseconds) and the memory at its end to stderr when it exits. Costs one getenv
// when off.
#include <chrono>
#include <string>
#include <vector>

namespace pipeline {

class PhaseTimer {
public:
  // The process-wide timer; enabled by PIPELINE_TIMINGS=1.
  static PhaseTimer& instance();

  bool enabled() const { return m_enabled; }
  // Ends the current phase, naming it; the next starts now.
  void mark(const char* phase);
  // Prints every phase marked so far to stderr (no-op when disabled).
  void report() const;

private:
  PhaseTimer();
  using Clock = std::chrono::steady_clock;
  bool m_enabled;
  Clock::time_point m_start;
  Clock::time_point m_last;
  struct Phase {
    const char* name;
    double ms;
    double rss_mib;   // at its end
    double peak_mib;  // of the process so far
  };
  std::vector<Phase> m_phases;
};

}  // namespace pipeline
