#include "pipeline/util/phase_timer.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace pipeline {

PhaseTimer& PhaseTimer::instance() {
  static PhaseTimer timer;
  return timer;
}

PhaseTimer::PhaseTimer() : m_start(Clock::now()), m_last(m_start) {
  const char* env = std::getenv("PIPELINE_TIMINGS");
  m_enabled = env && *env && std::strcmp(env, "0") != 0;
}

void PhaseTimer::mark(const char* phase) {
  if (!m_enabled) return;
  Clock::time_point now = Clock::now();
  m_phases.emplace_back(phase, std::chrono::duration<double, std::milli>(now - m_last).count());
  m_last = now;
}

void PhaseTimer::report() const {
  if (!m_enabled) return;
  double total = std::chrono::duration<double, std::milli>(m_last - m_start).count();
  for (const auto& [phase, ms] : m_phases) std::fprintf(stderr, "pipeline: timing: %-18s %9.1f ms\n", phase, ms);
  std::fprintf(stderr, "pipeline: timing: %-18s %9.1f ms\n", "total", total);
}

}  // namespace pipeline
