#pragma once
// graph: the job DAG as text for `pipeline --graph` (DOT, Mermaid or JSON).

#include <string>
#include <vector>

#include "pipeline/plan.hpp"

namespace pipeline {

enum class GraphFormat { dot, mermaid, json };

// The jobs `jobs` (and the edges among them), dependencies pointing at dependents.
std::string render_graph(const Plan& plan, const std::vector<JobIndex>& jobs, GraphFormat format);

// `s` as a JSON string literal, quotes included.
std::string json_quote(std::string_view s);

}  // namespace pipeline
