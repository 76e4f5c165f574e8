#include "pipeline/console.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace pipeline {

void OutputTail::append(std::string_view data) {
  m_total += data.size();
  if (data.size() >= m_capacity) {
    m_ring.assign(data.substr(data.size() - m_capacity));
    m_head = 0;
    return;
  }
  if (m_ring.size() < m_capacity) {
    std::size_t room = m_capacity - m_ring.size();
    std::size_t n = std::min(room, data.size());
    m_ring.append(data.substr(0, n));
    data.remove_prefix(n);
    if (data.empty()) return;
  }
  // Full: overwrite from m_head, wrapping.
  while (!data.empty()) {
    std::size_t n = std::min(m_capacity - m_head, data.size());
    m_ring.replace(m_head, n, data.substr(0, n));
    m_head = (m_head + n) % m_capacity;
    data.remove_prefix(n);
  }
}

std::string OutputTail::str() const {
  if (m_ring.size() < m_capacity) return m_ring;
  return m_ring.substr(m_head) + m_ring.substr(0, m_head);
}

void OutputTail::clear() {
  m_ring.clear();
  m_head = 0;
  m_total = 0;
}

namespace {

std::string seconds(std::chrono::milliseconds d) {
  return fmt::format("{:.2f}s", double(d.count()) / 1000.0);
}

// The last `lines` lines of `text`.
std::string_view last_lines(std::string_view text, int lines) {
  if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  std::size_t pos = text.size();
  for (int i = 0; i < lines; ++i) {
    std::size_t nl = text.rfind('\n', pos == 0 ? 0 : pos - 1);
    if (nl == std::string_view::npos || pos == 0) return text;
    pos = nl;
  }
  return text.substr(pos + 1);
}

}  // namespace

Console::Console(OutputMode mode, Verbosity verbosity, bool explain, bool color, std::FILE* out)
    : m_mode(mode), m_verbosity(verbosity), m_explain(explain), m_color(color), m_out(out) {}

std::string Console::paint(std::string_view text, const char* code) const {
  if (!m_color) return std::string(text);
  return fmt::format("\033[{}m{}\033[0m", code, text);
}

void Console::job_started(const Job& job, const std::string& reason) {
  if (m_verbosity == Verbosity::verbose) {
    if (m_explain) fmt::print(m_out, "{}: {}\n", job.id, reason);
    for (const JobCommand& cmd : job.commands) fmt::print(m_out, "{} $ {}\n", job.id, cmd.display);
    std::fflush(m_out);
  }
}

void Console::job_output(const Job& job, std::string_view data) {
  if (m_mode != OutputMode::stream) return;
  std::string& partial = m_partial_lines[&job];
  std::string out;
  // Each complete line is printed whole with its prefix; a partial line waits for
  // its end (or for 64 KiB, so a job without newlines cannot grow our memory).
  while (!data.empty()) {
    std::size_t nl = data.find('\n');
    if (nl == std::string_view::npos) {
      partial.append(data);
      if (partial.size() >= 64 * 1024) {
        out += fmt::format("{}: {}\n", job.id, partial);
        partial.clear();
      }
      break;
    }
    out += fmt::format("{}: {}{}\n", job.id, partial, data.substr(0, nl));
    partial.clear();
    data.remove_prefix(nl + 1);
  }
  if (!out.empty()) {
    std::fwrite(out.data(), 1, out.size(), m_out);
    std::fflush(m_out);
  }
}

void Console::job_up_to_date(const Job& job, const std::string& reason) {
  ++m_done;  // [K/N] counts every selected job, so K reaches N
  if (m_why) {
    fmt::print(m_out, "{}: {}\n", job.id, reason);
    return;
  }
  if (m_explain && m_verbosity == Verbosity::verbose) fmt::print(m_out, "{}: {}\n", job.id, reason);
}

void Console::would_run(const Job& job, const std::string& reason) {
  if (m_why)
    fmt::print(m_out, "{}: would run: {}\n", job.id, reason);
  else
    fmt::print(m_out, "would run {}: {}\n", job.id, reason);
}

void Console::job_retrying(const Job& job, const std::string& detail, int attempt,
                           std::chrono::milliseconds delay) {
  if (m_mode == OutputMode::quiet) return;
  fmt::print(m_out, "{} {} ({}), attempt {} in {}\n", paint("retry", "33"), job.id, detail,
             attempt + 1, format_duration(delay));
  std::fflush(m_out);
}

void Console::note(std::string_view text) {
  fmt::print(m_out, "pipeline: {}\n", text);
  std::fflush(m_out);
}

void Console::job_ended(const JobEnd& end) {
  ++m_done;
  const bool failed = end.status != JobStatus::ran;
  if (m_mode == OutputMode::stream) {
    auto it = m_partial_lines.find(end.job);
    if (it != m_partial_lines.end()) {
      if (!it->second.empty()) fmt::print(m_out, "{}: {}\n", end.job->id, it->second);
      m_partial_lines.erase(it);
    }
  }
  if (failed) {
    m_failures.push_back(end);
    m_failures.back().output = nullptr;
    m_failure_tails.emplace_back(end.output ? last_lines(end.output->str(), 10) : "");
  }
  if (m_mode == OutputMode::quiet && !failed) return;

  std::string line = fmt::format("[{}/{}] ", m_done, m_total);
  if (failed) {
    line += fmt::format("{} {} ({}, {})", paint("FAILED", "1;31"), end.job->id, end.detail,
                        seconds(end.duration));
  } else {
    line += fmt::format("{} {} ({})", paint("ok", "32"), end.job->id, seconds(end.duration));
  }
  if (end.attempts > 1) line += fmt::format(" after {} attempts", end.attempts);
  if (m_explain && !end.reason.empty()) line += ": " + end.reason;
  line += '\n';
  if (m_mode != OutputMode::stream && end.output && end.output->total() > 0) {
    if (end.output->truncated())
      line += fmt::format("... ({} bytes before the last {} KiB are in {})\n",
                          end.output->total() - 64 * 1024, 64, end.log_path);
    std::string text = end.output->str();
    line += text;
    if (!text.empty() && text.back() != '\n') line += '\n';
  }
  std::fwrite(line.data(), 1, line.size(), m_out);
  std::fflush(m_out);
}

void Console::summary(const RunCounts& counts, std::chrono::milliseconds elapsed, bool dry_run,
                      bool interrupted) {
  if (dry_run && m_why) return;
  if (dry_run) {
    if (counts.ran == 0)
      fmt::print(m_out, "pipeline: nothing to do ({} up to date)\n", counts.up_to_date);
    else
      fmt::print(m_out, "pipeline: {} job{} would run, {} up to date\n", counts.ran,
                 counts.ran == 1 ? "" : "s", counts.up_to_date);
    std::fflush(m_out);
    return;
  }
  if (counts.ran == 0 && counts.failed == 0 && counts.not_started == 0 && !interrupted) {
    fmt::print(m_out, "pipeline: nothing to do ({} up to date)\n", counts.up_to_date);
    std::fflush(m_out);
    return;
  }
  std::string line = fmt::format("pipeline: {}{} ran, {} up to date", interrupted ? "interrupted: " : "",
                                 counts.ran, counts.up_to_date);
  if (counts.failed) line += fmt::format(", {}", paint(fmt::format("{} failed", counts.failed), "1;31"));
  if (counts.not_started) line += fmt::format(", {} not started", counts.not_started);
  line += fmt::format(" ({})\n", seconds(elapsed));
  for (std::size_t i = 0; i < m_failures.size(); ++i) {
    const JobEnd& f = m_failures[i];
    line += fmt::format("{} {}: {}", paint("failed", "1;31"), f.job->id, f.detail);
    if (!f.log_path.empty()) line += fmt::format(" (log: {})", f.log_path);
    line += '\n';
    if (m_mode == OutputMode::quiet || m_failures.size() > 1) {
      // Grouped output already showed it whole; repeat the last lines when the
      // failures would otherwise be far apart on the screen.
      for (std::string_view rest = m_failure_tails[i]; !rest.empty();) {
        std::size_t nl = rest.find('\n');
        line += fmt::format("    {}\n", rest.substr(0, nl));
        if (nl == std::string_view::npos) break;
        rest.remove_prefix(nl + 1);
      }
    }
  }
  std::fwrite(line.data(), 1, line.size(), m_out);
  std::fflush(m_out);
}

std::string file_name_for_job(std::string_view job_id) {
  std::string out;
  for (std::size_t i = 0; i < job_id.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(job_id[i]);
    bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '_' || c == '-' || (c == '.' && i > 0);
    if (safe)
      out += char(c);
    else
      out += fmt::format("%{:02X}", c);
  }
  return out;
}

}  // namespace pipeline
