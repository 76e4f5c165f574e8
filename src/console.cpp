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

void Console::set_expectations(const Plan& plan, std::vector<std::int64_t> expected_ms, int slots) {
  m_plan = &plan;
  m_expected_ms = std::move(expected_ms);
  m_slots = std::max(slots, 1);
  m_expected_left_ms = 0;
  for (std::int64_t ms : m_expected_ms) m_expected_left_ms += ms;
}

void Console::job_started(const Job& job, const std::string& reason) {
  m_running[&job] = std::chrono::steady_clock::now();
  if (m_verbosity == Verbosity::verbose) {
    std::string text;
    if (m_explain) text += fmt::format("{}: {}\n", job.id, reason);
    for (const JobCommand& cmd : job.commands)
      text += fmt::format("{} $ {}\n", job.id, cmd.display);
    emit(text);
  } else if (m_tty) {
    draw_status();
  }
}

namespace {

// "3m12s", "45s", "1h02m": coarse, for the status line.
std::string short_duration(std::chrono::milliseconds d) {
  auto s = d.count() / 1000;
  if (s < 60) return fmt::format("{}s", s);
  if (s < 3600) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}h{:02}m", s / 3600, (s / 60) % 60);
}

}  // namespace

std::string Console::status_line() const {
  using namespace std::chrono;
  auto now = steady_clock::now();
  std::string line = fmt::format("[{}/{}] running {}", m_done, m_total, m_running.size());
  if (m_failed) line += fmt::format(" · failed {}", m_failed);
  if (m_expected_left_ms > 0) {
    std::int64_t left = m_expected_left_ms;
    for (const auto& [job, started] : m_running) {
      if (m_plan == nullptr) break;
      auto j = std::size_t(job - m_plan->jobs.data());
      if (j < m_expected_ms.size() && m_expected_ms[j] > 0)
        left -= std::min<std::int64_t>(m_expected_ms[j],
                                       duration_cast<milliseconds>(now - started).count());
    }
    line += " · ETA " + short_duration(milliseconds(std::max<std::int64_t>(left, 0) / m_slots));
  }
  const Job* longest = nullptr;
  steady_clock::time_point since{};
  for (const auto& [job, started] : m_running)
    if (!longest || started < since || (started == since && job->id < longest->id)) {
      longest = job;
      since = started;
    }
  if (longest)
    line += fmt::format(" · longest: {} {}", longest->id,
                        short_duration(duration_cast<milliseconds>(now - since)));
  return line;
}

void Console::tick() {
  if (m_tty) {
    draw_status();
    return;
  }
  if (m_running.empty()) return;
  auto now = std::chrono::steady_clock::now();
  const Job* longest = nullptr;
  std::chrono::steady_clock::time_point since{};
  for (const auto& [job, started] : m_running)
    if (!longest || started < since) {
      longest = job;
      since = started;
    }
  emit(fmt::format(
      "still running: {} ({})\n", longest->id,
      short_duration(std::chrono::duration_cast<std::chrono::milliseconds>(now - since))));
}

void Console::erase_status() {
  if (!m_status_shown) return;
  std::fputs("\r\033[K", m_out);
  m_status_shown = false;
}

void Console::draw_status() {
  if (!m_tty || m_mode == OutputMode::quiet) return;
  auto now = std::chrono::steady_clock::now();
  if (m_status_shown && now - m_last_draw < std::chrono::milliseconds(100)) return;
  m_last_draw = now;
  std::string line = status_line();
  // Width-aware: never wrap (a wrapped line could not be erased with one \r).
  std::size_t width = std::size_t(std::max(m_width - 1, 10));
  std::size_t columns = 0, cut = line.size();
  for (std::size_t i = 0; i < line.size(); ++i) {
    if ((static_cast<unsigned char>(line[i]) & 0xC0) == 0x80) continue;  // UTF-8 continuation
    if (++columns > width) {
      cut = i;
      break;
    }
  }
  line.resize(cut);
  fmt::print(m_out, "\r\033[K{}", paint(line, "2"));
  std::fflush(m_out);
  m_status_shown = true;
}

void Console::emit(std::string_view text) {
  erase_status();
  std::fwrite(text.data(), 1, text.size(), m_out);
  if (m_tty && !m_running.empty()) {
    m_last_draw = {};
    draw_status();
  }
  std::fflush(m_out);
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
  if (!out.empty()) emit(out);
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
  emit(fmt::format("{} {} ({}), attempt {} in {}\n", paint("retry", "33"), job.id, detail,
                   attempt + 1, format_duration(delay)));
}

void Console::note(std::string_view text) { emit(fmt::format("pipeline: {}\n", text)); }

void Console::job_ended(const JobEnd& end) {
  ++m_done;
  m_running.erase(end.job);
  if (m_plan) {
    auto j = std::size_t(end.job - m_plan->jobs.data());
    if (j < m_expected_ms.size()) m_expected_left_ms -= m_expected_ms[j];
  }
  const bool failed = end.status != JobStatus::ran;
  if (m_mode == OutputMode::stream) {
    auto it = m_partial_lines.find(end.job);
    if (it != m_partial_lines.end()) {
      if (!it->second.empty()) fmt::print(m_out, "{}: {}\n", end.job->id, it->second);
      m_partial_lines.erase(it);
    }
  }
  if (failed) {
    ++m_failed;
    m_failures.push_back(end);
    m_failures.back().output = nullptr;
    m_failure_tails.emplace_back(end.output ? last_lines(end.output->str(), 10) : "");
  }
  if (m_mode == OutputMode::quiet && !failed) {
    if (m_tty) draw_status();
    return;
  }

  std::string line = fmt::format("[{}/{}] ", m_done, m_total);
  if (end.status == JobStatus::skipped) {
    line += fmt::format("{} {} ({})", paint("skipped", "1;33"), end.job->id, end.detail);
  } else if (failed) {
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
  emit(line);
}

void Console::summary(const RunCounts& counts, std::chrono::milliseconds elapsed, bool dry_run,
                      bool interrupted) {
  erase_status();
  m_running.clear();
  if (dry_run && m_why) return;
  if (dry_run) {
    if (counts.ran == 0 && counts.skipped == 0)
      fmt::print(m_out, "pipeline: nothing to do ({} up to date)\n", counts.up_to_date);
    else
      fmt::print(m_out, "pipeline: {} job{} would run, {} up to date{}\n", counts.ran,
                 counts.ran == 1 ? "" : "s", counts.up_to_date,
                 counts.skipped ? fmt::format(", {} skipped", counts.skipped) : "");
    std::fflush(m_out);
    return;
  }
  if (counts.ran == 0 && counts.failed == 0 && counts.not_started == 0 && counts.skipped == 0 &&
      !interrupted) {
    fmt::print(m_out, "pipeline: nothing to do ({} up to date)\n", counts.up_to_date);
    std::fflush(m_out);
    return;
  }
  std::string line = fmt::format("pipeline: {}{} ran, {} up to date",
                                 interrupted ? "interrupted: " : "", counts.ran, counts.up_to_date);
  if (counts.failed)
    line += fmt::format(", {}", paint(fmt::format("{} failed", counts.failed), "1;31"));
  if (counts.skipped)
    line += fmt::format(", {}", paint(fmt::format("{} skipped", counts.skipped), "1;33"));
  if (counts.not_started) line += fmt::format(", {} not started", counts.not_started);
  line += fmt::format(" ({})\n", seconds(elapsed));
  for (std::size_t i = 0; i < m_failures.size(); ++i) {
    const JobEnd& f = m_failures[i];
    if (f.status == JobStatus::skipped)
      line += fmt::format("{} {}: {}", paint("skipped", "1;33"), f.job->id, f.detail);
    else
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
