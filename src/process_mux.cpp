#include "pipeline/process_mux.hpp"

namespace pipeline {

Expected<ProcessId, std::string> ProcessMux::start(const ProcessSpec& spec,
                                                   ProcessObserver& owner) {
  auto id = m_runner->start(spec);
  // Registering after start() is safe: the runner never calls back from inside it.
  if (id) m_owners[*id] = &owner;
  return id;
}

void ProcessMux::on_output(ProcessId id, std::string_view data) {
  if (auto it = m_owners.find(id); it != m_owners.end()) it->second->on_output(id, data);
}

void ProcessMux::on_exit(ProcessId id, const ProcessExit& exit) {
  auto it = m_owners.find(id);
  if (it == m_owners.end()) return;
  ProcessObserver* owner = it->second;
  m_owners.erase(it);
  owner->on_exit(id, exit);
}

}  // namespace pipeline
