#pragma once
// scheduler: which runnable job starts next (SPEC §4): job slots and the resources of
// [pipeline.resources], the longest remaining path first, no head-of-line blocking
// (a job that does not fit waits while smaller ones start) and no starvation (the
// job passed over longest ago reserves what it lacks as it frees up). Pure: no I/O,
// no clock; the executor tells it what became runnable and what finished.

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "pipeline/config.hpp"
#include "pipeline/plan.hpp"

namespace pipeline {

// What a job holds while it runs: job slots, and an amount of each declared resource
// (indexed like Config::settings.resources).
struct JobNeeds {
  int slots = 1;
  std::vector<std::int64_t> amounts;
};

// The needs of every job of `plan`: `threads` slots (all of them, for a job with
// more threads than slots or a `console` job, which runs alone), and its resources.
std::vector<JobNeeds> job_needs(const Config& config, const Plan& plan, int slots);

// Throws ConfigError for a task that asks for a resource not declared in
// [pipeline.resources], or for more of one than is declared (it could never run).
void check_resources(const Config& config);

// Longest remaining path of each job over the selected jobs, weighted by
// `expected_ms` (1 for a job never seen): the job's own duration plus the longest
// of its dependents'. Indexed by JobIndex.
std::vector<double> remaining_path_lengths(const Plan& plan, const std::vector<JobIndex>& selected,
                                           const std::vector<std::int64_t>& expected_ms);

class Scheduler {
public:
  Scheduler(int slots, std::vector<std::int64_t> capacities);

  // `job` may start from now on; higher `priority` starts first.
  void add(JobIndex job, double priority, JobNeeds needs);
  // The job to start now, if one fits (its needs are then taken), else nullopt.
  std::optional<JobIndex> next();
  // A started job ended: give back what it held.
  void release(JobIndex job);
  // Jobs added and not started.
  std::size_t waiting() const { return m_queue.size(); }
  int free_slots() const { return m_free.slots; }

private:
  struct Key {
    double priority;
    std::uint64_t seq;  // order of add(): the oldest waiting job has the smallest
    JobIndex job;
    bool operator<(const Key& o) const {
      if (priority != o.priority) return priority > o.priority;
      return seq < o.seq;
    }
  };
  bool fits(const JobNeeds& needs, const JobNeeds& available) const;
  // By value: callers pass a reference into m_queue, which take() erases.
  JobIndex take(Key key);

  JobNeeds m_free;
  std::set<Key> m_queue;
  std::set<std::pair<std::uint64_t, JobIndex>> m_blocked;  // passed over: (seq, job)
  std::unordered_map<JobIndex, double> m_priority;         // of waiting jobs
  std::unordered_map<JobIndex, JobNeeds> m_needs;          // of waiting and running jobs
  std::uint64_t m_next_seq = 0;
  bool m_constrained = false;  // resources declared: fitting needs more than slots
};

}  // namespace pipeline
