#pragma once
// console: what a run prints — one line per finished job with its output kept
// whole (grouped), live prefixed lines (stream), or failures only (quiet), and the
// closing summary. Knows nothing of processes; the executor tells it what happened.

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "pipeline/plan.hpp"

namespace pipeline {

enum class OutputMode { grouped, stream, quiet };
enum class Verbosity { quiet, normal, verbose };

// The last `capacity` bytes of a job's output, in constant memory.
class OutputTail {
public:
  explicit OutputTail(std::size_t capacity = 64 * 1024) : m_capacity(capacity) {}
  void append(std::string_view data);
  // The kept bytes, oldest first.
  std::string str() const;
  std::uint64_t total() const { return m_total; }
  bool truncated() const { return m_total > m_capacity; }
  void clear();

private:
  std::size_t m_capacity;
  std::string m_ring;      // grows to capacity, then wraps
  std::size_t m_head = 0;  // next write position once full
  std::uint64_t m_total = 0;
};

enum class JobStatus { ran, up_to_date, failed, timed_out, skipped, interrupted };

// What the console needs to know about a job that ended.
struct JobEnd {
  const Job* job = nullptr;
  JobStatus status = JobStatus::ran;
  std::string detail;  // "exit 1", "killed by SIGKILL", "command not found: foo", ...
  std::string reason;  // why it ran (printed with --explain)
  std::chrono::milliseconds duration{0};
  const OutputTail* output = nullptr;  // grouped output (may be null)
  std::string log_path;                // "" if the job printed nothing
  int attempts = 1;
};

struct RunCounts {
  std::size_t ran = 0, up_to_date = 0, failed = 0, not_started = 0;
  std::size_t skipped = 0;  // never started: a missing input or dir (-k)
};

class Console {
public:
  Console(OutputMode mode, Verbosity verbosity, bool explain, bool color, std::FILE* out = stdout);

  void set_total(std::size_t total) { m_total = total; }
  // --why: every job's verdict is printed, "JOB: up to date: ..." or
  // "JOB: would run: ...", and no summary line for the dry run.
  void show_every_verdict() { m_why = true; }
  // On a terminal of `width` columns, a status line is kept at the bottom.
  void set_terminal(int width) {
    m_tty = true;
    m_width = width;
  }
  // Expected durations per JobIndex (0: never seen), for the ETA; `slots` in parallel.
  void set_expectations(const Plan& plan, std::vector<std::int64_t> expected_ms, int slots);
  // A job starts running its commands (-v prints them).
  void job_started(const Job& job, const std::string& reason);
  // Called a few times a second on a terminal (redraws the status line), else every
  // minute that nothing finished (prints "still running: JOB (3m12s)").
  void tick();
  // The status line for the current state (exposed for tests).
  std::string status_line() const;
  // A line or chunk of output of a running job (stream mode prints it prefixed).
  void job_output(const Job& job, std::string_view data);
  // The job ended (ran, failed...). Up-to-date jobs are only counted.
  void job_ended(const JobEnd& end);
  void job_up_to_date(const Job& job, const std::string& reason);
  // Dry run: the job would run for `reason`.
  void would_run(const Job& job, const std::string& reason);
  // A retry of a failed attempt is scheduled.
  void job_retrying(const Job& job, const std::string& detail, int attempt,
                    std::chrono::milliseconds delay);
  // A plain message of the run ("interrupted: stopping N jobs").
  void note(std::string_view text);
  // The closing summary and the list of failures. Returns nothing; `elapsed` is the run.
  void summary(const RunCounts& counts, std::chrono::milliseconds elapsed, bool dry_run,
               bool interrupted);

private:
  std::string paint(std::string_view text, const char* code) const;

  OutputMode m_mode;
  Verbosity m_verbosity;
  bool m_explain;
  bool m_color;
  bool m_why = false;
  std::FILE* m_out;
  std::size_t m_total = 0;
  std::size_t m_done = 0;
  std::vector<JobEnd> m_failures;
  std::vector<std::string> m_failure_tails;
  std::unordered_map<const Job*, std::string> m_partial_lines;  // stream mode
  // Writes `text` to the output, erasing the status line first and redrawing it after.
  void emit(std::string_view text);
  void draw_status();
  void erase_status();

  bool m_tty = false;
  int m_width = 80;
  bool m_status_shown = false;
  std::size_t m_failed = 0;
  std::chrono::steady_clock::time_point m_last_draw{};
  std::unordered_map<const Job*, std::chrono::steady_clock::time_point> m_running;
  const Plan* m_plan = nullptr;
  std::vector<std::int64_t> m_expected_ms;
  std::int64_t m_expected_left_ms = 0;  // of jobs not finished, whose duration is known
  int m_slots = 1;
};

// A job id made safe as a file name, by an encoding that cannot make two ids
// collide: bytes outside [A-Za-z0-9_.-] (and a leading '.') become %XX.
std::string file_name_for_job(std::string_view job_id);

}  // namespace pipeline
