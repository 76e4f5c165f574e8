#include "pipeline/graph.hpp"

#include <fmt/format.h>

namespace pipeline {

std::string json_quote(std::string_view s) {
  std::string out = "\"";
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c < 0x20)
          out += fmt::format("\\u{:04x}", c);
        else
          out += ch;
    }
  }
  return out + "\"";
}

namespace {

// DOT IDs are JSON-like quoted strings.
std::string dot_quote(std::string_view s) { return json_quote(s); }

std::string mermaid_label(std::string_view s) {
  std::string out;
  for (char c : s) out += c == '"' ? std::string("#quot;") : std::string(1, c);
  return out;
}

}  // namespace

std::string render_graph(const Plan& plan, const std::vector<JobIndex>& jobs, GraphFormat format) {
  std::vector<bool> shown(plan.jobs.size(), false);
  for (JobIndex j : jobs) shown[j] = true;
  std::string out;
  switch (format) {
    case GraphFormat::dot:
      out += "digraph pipeline {\n  rankdir=LR;\n  node [shape=box];\n";
      for (JobIndex j : jobs) out += fmt::format("  {};\n", dot_quote(plan.jobs[j].id));
      for (JobIndex j : jobs)
        for (JobIndex d : plan.jobs[j].deps)
          if (shown[d])
            out += fmt::format("  {} -> {};\n", dot_quote(plan.jobs[d].id),
                               dot_quote(plan.jobs[j].id));
      out += "}\n";
      break;
    case GraphFormat::mermaid:
      out += "graph LR\n";
      for (JobIndex j : jobs)
        out += fmt::format("  j{}[\"{}\"]\n", j, mermaid_label(plan.jobs[j].id));
      for (JobIndex j : jobs)
        for (JobIndex d : plan.jobs[j].deps)
          if (shown[d]) out += fmt::format("  j{} --> j{}\n", d, j);
      break;
    case GraphFormat::json: {
      out += "{\"jobs\": [";
      bool first = true;
      for (JobIndex j : jobs) {
        const Job& job = plan.jobs[j];
        out += first ? "\n" : ",\n";
        first = false;
        out += fmt::format("  {{\"id\": {}, \"deps\": [", json_quote(job.id));
        bool first_dep = true;
        for (JobIndex d : job.deps) {
          if (!shown[d]) continue;
          out += (first_dep ? "" : ", ") + json_quote(plan.jobs[d].id);
          first_dep = false;
        }
        out += "]}";
      }
      out += "\n]}\n";
      break;
    }
  }
  return out;
}

}  // namespace pipeline
