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

namespace {

// "VmHWM" (peak) or "VmRSS" (now) of this process in MiB, from /proc/self/status.
double status_mib(const char* field) {
  std::FILE* f = std::fopen("/proc/self/status", "r");
  if (!f) return 0;
  char line[256];
  double kib = 0;
  const std::size_t n = std::strlen(field);
  while (std::fgets(line, sizeof line, f))
    if (std::strncmp(line, field, n) == 0 && line[n] == ':') kib = std::atof(line + n + 1);
  std::fclose(f);
  return kib / 1024;
}

}  // namespace

void PhaseTimer::mark(const char* phase) {
  if (!m_enabled) return;
  Clock::time_point now = Clock::now();
  m_phases.push_back({phase, std::chrono::duration<double, std::milli>(now - m_last).count(),
                      status_mib("VmRSS"), status_mib("VmHWM")});
  m_last = now;
}

void PhaseTimer::report() const {
  if (!m_enabled) return;
  double total = std::chrono::duration<double, std::milli>(m_last - m_start).count();
  for (const Phase& p : m_phases)
    std::fprintf(stderr, "pipeline: timing: %-18s %9.1f ms   rss %6.1f MiB, peak %6.1f MiB\n",
                 p.name, p.ms, p.rss_mib, p.peak_mib);
  std::fprintf(stderr, "pipeline: timing: %-18s %9.1f ms\n", "total", total);
}

}  // namespace pipeline
