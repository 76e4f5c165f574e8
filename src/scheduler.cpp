#include "pipeline/scheduler.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace pipeline {

std::vector<JobNeeds> job_needs(const Config& config, const Plan& plan, int slots) {
  const auto& declared = config.settings.resources;
  std::vector<JobNeeds> needs(plan.jobs.size());
  std::vector<JobNeeds> per_task(config.tasks.size());
  for (std::size_t t = 0; t < config.tasks.size(); ++t) {
    const TaskDecl& task = config.tasks[t];
    JobNeeds& n = per_task[t];
    n.slots = task.console ? slots : std::clamp(task.threads, 1, std::max(slots, 1));
    n.amounts.assign(declared.size(), 0);
    for (const auto& [name, amount] : task.resources)
      for (std::size_t r = 0; r < declared.size(); ++r)
        if (declared[r].first == name) n.amounts[r] = amount;
  }
  for (JobIndex j = 0; j < plan.jobs.size(); ++j) needs[j] = per_task[plan.jobs[j].task];
  return needs;
}

void check_resources(const Config& config) {
  const auto& declared = config.settings.resources;
  std::vector<std::string> names;
  for (const auto& entry : declared) names.push_back(entry.first);
  for (const TaskDecl& task : config.tasks) {
    for (std::size_t i = 0; i < task.resources.size(); ++i) {
      const auto& [name, amount] = task.resources[i];
      SourcePos pos =
          i < task.resource_positions.size() ? task.resource_positions[i] : task.resources_pos;
      auto it = std::find_if(declared.begin(), declared.end(),
                             [&](const auto& d) { return d.first == name; });
      if (it == declared.end())
        throw config.source.error(
            pos,
            fmt::format(
                "task '{}' uses the resource '{}', which [pipeline.resources] does not declare",
                task.name, name),
            did_you_mean(name, names).empty()
                ? fmt::format("declare it: [pipeline.resources] {} = ...", name)
                : did_you_mean(name, names));
      if (amount > it->second)
        throw config.source.error(
            pos, fmt::format("task '{}' asks for {} = {}, but [pipeline.resources] has only {}: it "
                             "could never run",
                             task.name, name, amount, it->second));
    }
  }
}

std::vector<double> remaining_path_lengths(const Plan& plan, const std::vector<JobIndex>& selected,
                                           const std::vector<std::int64_t>& expected_ms) {
  std::vector<double> length(plan.jobs.size(), 0.0);
  std::vector<bool> in(plan.jobs.size(), false);
  for (JobIndex j : selected) in[j] = true;
  // `selected` is topological: walking it backwards sees every dependent first.
  for (auto it = selected.rbegin(); it != selected.rend(); ++it) {
    JobIndex j = *it;
    double longest_after = 0;
    for (JobIndex d : plan.jobs[j].dependents)
      if (in[d]) longest_after = std::max(longest_after, length[d]);
    double own = j < expected_ms.size() && expected_ms[j] > 0 ? double(expected_ms[j]) : 1.0;
    length[j] = own + longest_after;
  }
  return length;
}

Scheduler::Scheduler(int slots, std::vector<std::int64_t> capacities) {
  m_free.slots = std::max(slots, 1);
  m_free.amounts = std::move(capacities);
  m_constrained = !m_free.amounts.empty();
}

void Scheduler::add(JobIndex job, double priority, JobNeeds needs) {
  m_queue.insert({priority, m_next_seq++, job});
  m_priority[job] = priority;
  m_needs[job] = std::move(needs);
}

bool Scheduler::fits(const JobNeeds& needs, const JobNeeds& available) const {
  if (needs.slots > available.slots) return false;
  for (std::size_t r = 0; r < needs.amounts.size() && r < available.amounts.size(); ++r)
    if (needs.amounts[r] > available.amounts[r]) return false;
  return true;
}

std::optional<JobIndex> Scheduler::next() {
  if (m_queue.empty() || m_free.slots == 0) return std::nullopt;
  // A job that was passed over because it did not fit is "blocked". The one blocked
  // longest goes first as soon as it fits, and until then reserves what it lacks, so
  // smaller jobs cannot starve it. Jobs never passed over keep the priority order.
  JobNeeds available = m_free;
  std::optional<JobIndex> reserving;
  if (!m_blocked.empty()) {
    auto [seq, job] = *m_blocked.begin();
    const JobNeeds& needs = m_needs.at(job);
    if (fits(needs, m_free)) return take(Key{m_priority.at(job), seq, job});
    reserving = job;
    if (needs.slots > m_free.slots) available.slots = 0;
    for (std::size_t r = 0; r < available.amounts.size(); ++r)
      if (needs.amounts[r] > m_free.amounts[r]) available.amounts[r] = 0;
  }
  for (auto it = m_queue.begin(); it != m_queue.end(); ++it) {
    if (reserving && it->job == *reserving) continue;
    const JobNeeds& needs = m_needs.at(it->job);
    if (fits(needs, available)) return take(*it);
    m_blocked.insert({it->seq, it->job});
    // Without resources every job needs only slots: once a one-slot job does not
    // fit, none does.
    if (!m_constrained && needs.slots == 1) break;
  }
  return std::nullopt;
}

JobIndex Scheduler::take(Key key) {
  const JobNeeds& needs = m_needs.at(key.job);
  m_queue.erase(key);
  m_blocked.erase({key.seq, key.job});
  m_priority.erase(key.job);
  m_free.slots -= needs.slots;
  for (std::size_t r = 0; r < needs.amounts.size(); ++r) m_free.amounts[r] -= needs.amounts[r];
  return key.job;
}

void Scheduler::release(JobIndex job) {
  auto it = m_needs.find(job);
  if (it == m_needs.end()) return;
  m_free.slots += it->second.slots;
  for (std::size_t r = 0; r < it->second.amounts.size(); ++r)
    m_free.amounts[r] += it->second.amounts[r];
  m_needs.erase(it);
}

}  // namespace pipeline
