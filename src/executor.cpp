#include "pipeline/executor.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>
#include <uv.h>

#include <algorithm>
#include <cerrno>
#include <ctime>
#include <memory>
#include <unordered_map>

#include "pipeline/runner.hpp"
#include "pipeline/scheduler.hpp"
#include "pipeline/util/fd.hpp"

extern char** environ;

namespace pipeline {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::duration_cast;
using std::chrono::milliseconds;

// A libuv timer owned by one object: closing hands its memory to libuv's close
// callback, so the object may be destroyed before the loop runs again.
class Timer {
public:
  Timer(uv_loop_t* loop, void* data) : m_handle(new uv_timer_t) {
    uv_timer_init(loop, m_handle);
    m_handle->data = data;
  }
  ~Timer() {
    uv_timer_stop(m_handle);
    uv_close(reinterpret_cast<uv_handle_t*>(m_handle),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); });
  }
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;
  void start(milliseconds after, uv_timer_cb cb) {
    uv_timer_start(m_handle, cb, std::uint64_t(std::max<milliseconds::rep>(after.count(), 0)), 0);
  }
  void stop() { uv_timer_stop(m_handle); }
  void start_repeating(milliseconds every, uv_timer_cb cb) {
    auto ms = std::uint64_t(std::max<milliseconds::rep>(every.count(), 1));
    uv_timer_start(m_handle, cb, ms, ms);
  }
  // Restarts a repeating timer's countdown from now.
  void again() { uv_timer_again(m_handle); }

private:
  uv_timer_t* m_handle;
};

class Signal {
public:
  Signal(uv_loop_t* loop, void* data, int signum, uv_signal_cb cb) : m_handle(new uv_signal_t) {
    uv_signal_init(loop, m_handle);
    m_handle->data = data;
    uv_signal_start(m_handle, cb, signum);
  }
  ~Signal() {
    uv_signal_stop(m_handle);
    uv_close(reinterpret_cast<uv_handle_t*>(m_handle),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_signal_t*>(h); });
  }
  Signal(const Signal&) = delete;
  Signal& operator=(const Signal&) = delete;

private:
  uv_signal_t* m_handle;
};

std::string signal_name(int sig) {
  const char* abbrev = sigabbrev_np(sig);
  return abbrev ? fmt::format("SIG{}", abbrev) : fmt::format("signal {}", sig);
}

// A job between its start and its end (over all attempts and commands).
struct ActiveJob {
  JobIndex job = 0;
  std::string reason;
  int attempt = 1;
  std::size_t command = 0;
  bool has_process = false;
  ProcessId process = 0;
  bool timed_out = false;
  Clock::time_point started;
  Fd log;
  std::string log_path;
  Fd stdout_file;
  Fd stderr_file;
  OutputTail tail;
  std::unique_ptr<Timer> timer;  // timeout, then kill grace; or the retry delay
  class Run* run = nullptr;
};

class Run final : public ProcessObserver {
public:
  Run(const Config& config, const Plan& plan, const std::vector<JobIndex>& selected,
      const ExecutorOptions& options, FreshnessCheck& freshness, Console& console)
      : m_config(config),
        m_plan(plan),
        m_options(options),
        m_freshness(freshness),
        m_console(console),
        m_selected(selected),
        m_schedule(plan, selected),
        m_scheduler(std::max(options.slots, 1), capacities(config)),
        m_needs(job_needs(config, plan, std::max(options.slots, 1))),
        m_priority(remaining_path_lengths(plan, selected, options.expected_ms)) {
    for (char** e = environ; *e; ++e) m_base_env.emplace_back(*e);
    m_console.set_total(selected.size());
  }

  int go() {
    auto start = Clock::now();
    if (m_options.dry_run == DryRun::yes) {
      dry_run();
    } else {
      uv_loop_init(&m_loop);
      m_runner = make_local_runner(&m_loop, *this);
      m_sigint = std::make_unique<Signal>(&m_loop, this, SIGINT, on_signal);
      m_sigterm = std::make_unique<Signal>(&m_loop, this, SIGTERM, on_signal);
      if (m_options.tick_interval.count() > 0) {
        m_tick = std::make_unique<Timer>(&m_loop, this);
        m_tick->start_repeating(m_options.tick_interval, [](uv_timer_t* h) {
          static_cast<Run*>(h->data)->m_console.tick();
        });
      }
      pump();
      if (!m_closed) uv_run(&m_loop, UV_RUN_DEFAULT);
      close_handles();
      m_runner.reset();
      uv_run(&m_loop, UV_RUN_DEFAULT);
      uv_loop_close(&m_loop);
    }
    if (m_options.dry_run == DryRun::no) save_state(FreshnessCheck::Due::now);
    if (m_aborted) return k_exit_usage;
    m_counts.not_started = m_schedule.unfinished();
    m_console.summary(m_counts, duration_cast<milliseconds>(Clock::now() - start),
                      m_options.dry_run == DryRun::yes, m_signal != 0);
    if (m_signal == SIGINT) return k_exit_sigint;
    if (m_signal != 0) return k_exit_sigterm;
    return m_counts.failed || m_counts.skipped || m_state_error ? k_exit_job_failed : k_exit_ok;
  }

  void on_output(ProcessId id, std::string_view data) override {
    auto it = m_by_process.find(id);
    if (it == m_by_process.end()) return;
    write_output(*it->second, data);
  }

  void on_exit(ProcessId id, const ProcessExit& exit) override {
    auto it = m_by_process.find(id);
    if (it == m_by_process.end()) return;
    ActiveJob& a = *it->second;
    m_by_process.erase(it);
    a.has_process = false;
    const Job& job = m_plan.jobs[a.job];
    if (exit.success() && !a.timed_out) {
      if (++a.command < job.commands.size()) {
        start_command(a);
        return;
      }
      finish_job(a, JobStatus::ran, "");
      return;
    }
    std::string detail;
    if (a.timed_out)
      detail =
          fmt::format("timed out after {}", format_duration(*m_config.tasks[job.task].timeout));
    else if (exit.kind == ProcessExit::Kind::signaled)
      detail = "killed by " + signal_name(exit.signal);
    else
      detail = fmt::format("exit {}", exit.code);
    if (job.commands.size() > 1)
      detail += fmt::format(" in command {} of {}", a.command + 1, job.commands.size());
    attempt_failed(a, a.timed_out ? JobStatus::timed_out : JobStatus::failed, detail);
  }

private:
  // Moves ready jobs through the freshness check and starts what fits the slots.
  void pump() {
    while (!m_stopping) {
      while (auto j = m_schedule.pop_ready()) consider(*j);
      if (m_stopping) break;
      auto next = m_scheduler.next();
      if (!next) break;
      auto reason = m_reasons.find(*next);
      std::string why = std::move(reason->second);
      m_reasons.erase(reason);
      if (!pass_gate(*next)) {
        m_scheduler.release(*next);
        continue;
      }
      start_job(*next, std::move(why));
    }
    if (m_options.dry_run == DryRun::no && m_active.empty() &&
        (m_stopping || m_scheduler.waiting() == 0))
      close_handles();
  }

  static std::vector<std::int64_t> capacities(const Config& config) {
    std::vector<std::int64_t> out;
    for (const auto& entry : config.settings.resources) out.push_back(entry.second);
    return out;
  }

  void consider(JobIndex j) {
    const Job& job = m_plan.jobs[j];
    Verdict verdict = m_freshness.check(job);
    if (!verdict.run) {
      ++m_counts.up_to_date;
      m_console.job_up_to_date(job, verdict.reason);
      m_schedule.finish(j, true);
      return;
    }
    m_reasons.emplace(j, std::move(verdict.reason));
    m_scheduler.add(j, m_priority[j], m_needs[j]);
  }

  // SPEC §3, missing inputs (issue 13): the gate is asked once, at the first job
  // that would start. False for a job that must not start: the run is aborted (no
  // job started), or this job is skipped, which blocks its dependents like a failure.
  bool pass_gate(JobIndex j) {
    if (!m_gate_asked) {
      m_gate_asked = true;
      if (m_options.before_first_start) m_gate = m_options.before_first_start();
      if (m_gate.abort) m_aborted = m_stopping = true;
    }
    if (m_aborted) return false;
    auto skip = m_gate.skip.find(j);
    if (skip == m_gate.skip.end()) return true;
    JobEnd end;
    end.job = &m_plan.jobs[j];
    end.status = JobStatus::skipped;
    end.detail = skip->second;
    m_console.job_ended(end);
    ++m_counts.skipped;
    m_schedule.finish(j, false);
    return false;
  }

  // -n and --why: every selected job's predicted verdict, in the order jobs would run.
  void dry_run() {
    std::vector<Verdict> verdicts = predict(m_plan, m_selected, m_freshness);
    // Skipped jobs (-k with a missing input) block their dependents: not started.
    std::vector<bool> blocked(m_plan.jobs.size(), false);
    for (JobIndex j : m_selected) {
      if (verdicts[j].run && !pass_gate(j)) {
        if (m_aborted) return;
        blocked[j] = true;
        continue;
      }
      const JobList& deps = m_plan.jobs[j].deps;
      if (std::any_of(deps.begin(), deps.end(), [&](JobIndex d) { return blocked[d]; })) {
        blocked[j] = true;
        continue;
      }
      if (verdicts[j].run) {
        ++m_counts.ran;
        m_console.would_run(m_plan.jobs[j], verdicts[j].reason);
      } else {
        ++m_counts.up_to_date;
        m_console.job_up_to_date(m_plan.jobs[j], verdicts[j].reason);
      }
      m_schedule.finish(j, true);
    }
  }

  void start_job(JobIndex j, std::string reason) {
    const Job& job = m_plan.jobs[j];
    auto owned = std::make_unique<ActiveJob>();
    ActiveJob& a = *owned;
    a.job = j;
    a.reason = std::move(reason);
    a.started = Clock::now();
    a.run = this;
    m_active.emplace(j, std::move(owned));
    m_console.job_started(job, a.reason);

    m_freshness.job_starting(job);
    if (std::string err = prepare_files(a); !err.empty()) {
      finish_job(a, JobStatus::failed, err);
      return;
    }
    if (job.commands.empty()) {
      finish_job(a, JobStatus::ran, "");
      return;
    }
    start_attempt(a);
  }

  // Creates the directories of the outputs and of stdout/stderr, and opens those.
  std::string prepare_files(ActiveJob& a) {
    const Job& job = m_plan.jobs[a.job];
    FileSystem& fs = real_file_system();
    auto make_parent = [&](const std::string& path) -> std::string {
      std::string dir(parent_dir(path));
      if (int err = fs.make_dirs(dir); err != 0)
        return fmt::format("cannot create directory {}: {}", dir, strerror(err));
      return {};
    };
    for (const std::string& out : job.outputs)
      if (auto err = make_parent(out); !err.empty()) return err;
    // A `dir` that a job writes into passed the preflight (issue 13) even if that job
    // has not run yet: create it rather than depend on the order jobs start in.
    if (!job.dir.empty())
      if (int err = fs.make_dirs(job.dir); err != 0)
        return fmt::format("cannot create directory {}: {}", job.dir, strerror(err));
    auto open_redirect = [&](const std::string& path, Fd& fd) -> std::string {
      if (path.empty()) return {};
      if (auto err = make_parent(path); !err.empty()) return err;
      fd = Fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666));
      if (fd.get() < 0) return fmt::format("cannot open {}: {}", path, strerror(errno));
      return {};
    };
    if (auto err = open_redirect(job.stdout_path, a.stdout_file); !err.empty()) return err;
    if (job.stderr_path == job.stdout_path && !job.stderr_path.empty()) return {};
    return open_redirect(job.stderr_path, a.stderr_file);
  }

  void start_attempt(ActiveJob& a) {
    const TaskDecl& task = m_config.tasks[m_plan.jobs[a.job].task];
    a.command = 0;
    a.timed_out = false;
    if (a.attempt > 1)
      write_output(a, fmt::format("--- attempt {} of {} ---\n", a.attempt, task.retries + 1));
    if (task.timeout) {
      a.timer = std::make_unique<Timer>(&m_loop, &a);
      a.timer->start(*task.timeout, on_timeout);
    }
    start_command(a);
  }

  void start_command(ActiveJob& a) {
    const Job& job = m_plan.jobs[a.job];
    ProcessSpec spec;
    const JobCommand& command = job.commands[a.command];
    spec.argv = command.argv;
    if (command.kind == JobCommand::Kind::direct) spec.shell_equivalent = command.shell_argv();
    spec.cwd = job.dir;
    spec.env = job.env.empty() ? m_base_env : environment_for(job);
    spec.console = m_config.tasks[job.task].console;
    spec.stdout_fd = a.stdout_file.get();
    spec.stderr_fd = job.stderr_path.empty()              ? -1
                     : job.stderr_path == job.stdout_path ? a.stdout_file.get()
                                                          : a.stderr_file.get();
    auto started = m_runner->start(spec);
    if (!started) {
      write_output(a, started.error() + "\n");
      attempt_failed(a, JobStatus::failed, started.error());
      return;
    }
    a.has_process = true;
    a.process = *started;
    m_by_process.emplace(a.process, &a);
  }

  std::vector<std::string> environment_for(const Job& job) const {
    std::vector<std::string> env = m_base_env;
    for (const auto& [name, value] : job.env) {
      std::string prefix = name + "=";
      auto it = std::find_if(env.begin(), env.end(),
                             [&](const std::string& e) { return e.starts_with(prefix); });
      if (it != env.end())
        *it = prefix + value;
      else
        env.push_back(prefix + value);
    }
    return env;
  }

  void write_output(ActiveJob& a, std::string_view data) {
    a.tail.append(data);
    m_console.job_output(m_plan.jobs[a.job], data);
    if (a.log.get() < 0 && a.log_path.empty()) open_log(a);
    if (a.log.get() < 0) return;
    while (!data.empty()) {
      ssize_t n = ::write(a.log.get(), data.data(), data.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        // A full disk: keep running (the console still has the tail) but say so once.
        m_console.note(fmt::format("cannot write log {}: {}", a.log_path, strerror(errno)));
        a.log.close();
        return;
      }
      data.remove_prefix(std::size_t(n));
    }
  }

  // Logs are created on first output, so that silent jobs cost no file.
  void open_log(ActiveJob& a) {
    std::string dir = fmt::format("{}/logs/{}", m_options.state_dir, m_options.run_id);
    if (!m_log_dir_made) {
      if (int err = real_file_system().make_dirs(dir); err != 0) {
        m_console.note(fmt::format("cannot create log directory {}: {}", dir, strerror(err)));
      }
      m_log_dir_made = true;
    }
    a.log_path = fmt::format("{}/{}.log", dir, file_name_for_job(m_plan.jobs[a.job].id));
    a.log =
        Fd(::open(a.log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0666));
  }

  void attempt_failed(ActiveJob& a, JobStatus status, const std::string& detail) {
    const TaskDecl& task = m_config.tasks[m_plan.jobs[a.job].task];
    if (a.attempt <= task.retries && !m_stopping) {
      // Doubling delays: retry_delay, 2×, 4×, ...
      milliseconds delay = task.retry_delay * (1 << std::min(a.attempt - 1, 20));
      m_console.job_retrying(m_plan.jobs[a.job], detail, a.attempt, delay);
      ++a.attempt;
      a.timer = std::make_unique<Timer>(&m_loop, &a);
      a.timer->start(delay, on_retry);
      return;
    }
    finish_job(a, m_signal ? JobStatus::interrupted : status, detail);
  }

  void finish_job(ActiveJob& a, JobStatus status, std::string detail) {
    const Job& job = m_plan.jobs[a.job];
    FileSystem& fs = real_file_system();
    if (status == JobStatus::ran) {
      for (const std::string& out : job.outputs) {
        if (!fs.stat(out).exists()) {
          status = JobStatus::failed;
          detail = fmt::format("the command succeeded but did not create the output {}", out);
          write_output(a, detail + "\n");
          break;
        }
      }
    }
    JobEnd end;
    end.job = &job;
    end.status = status;
    end.detail = std::move(detail);
    end.reason = a.reason;
    end.duration = duration_cast<milliseconds>(Clock::now() - a.started);
    end.output = &a.tail;
    end.log_path = a.log_path;
    end.attempts = a.attempt;
    m_console.job_ended(end);
    if (m_tick && m_options.tick_from == ExecutorOptions::TickFrom::last_job_end) m_tick->again();
    if (status == JobStatus::ran) {
      ++m_counts.ran;
      m_freshness.job_succeeded(job, end.duration);
      save_state(FreshnessCheck::Due::if_due);
    } else {
      ++m_counts.failed;
      if (m_options.keep_going == KeepGoing::no) m_stopping = true;
    }
    m_schedule.finish(a.job, status == JobStatus::ran);
    m_scheduler.release(a.job);
    m_active.erase(a.job);  // destroys `a`
    pump();
  }

  // Records are written in batches (every ~200 ms and at the end): a crash loses at
  // most the last batch, whose jobs then run again. A state that cannot be written
  // (full disk) ends the run: nothing more would be remembered.
  void save_state(FreshnessCheck::Due due) {
    if (m_state_error) return;
    try {
      m_freshness.flush(due);
    } catch (const UserError& e) {
      m_state_error = true;
      m_console.note(fmt::format("error: {}", e.what()));
      m_stopping = true;
    }
  }

  static void on_timeout(uv_timer_t* handle) {
    auto& a = *static_cast<ActiveJob*>(handle->data);
    Run& run = *a.run;
    if (!a.has_process) return;
    if (!a.timed_out) {
      a.timed_out = true;
      run.m_runner->signal_group(a.process, SIGTERM);
      a.timer->start(run.m_options.kill_grace, on_timeout);
    } else {
      run.m_runner->signal_group(a.process, SIGKILL);
    }
  }

  static void on_retry(uv_timer_t* handle) {
    auto& a = *static_cast<ActiveJob*>(handle->data);
    a.run->start_attempt(a);
  }

  static void on_signal(uv_signal_t* handle, int signum) {
    static_cast<Run*>(handle->data)->interrupted(signum);
  }

  static void on_kill_grace(uv_timer_t* handle) {
    static_cast<Run*>(handle->data)->signal_all(SIGKILL);
  }

  void interrupted(int signum) {
    if (m_signal != 0) {
      // A second Ctrl-C: no more grace.
      signal_all(SIGKILL);
      return;
    }
    m_signal = signum;
    m_stopping = true;
    if (!m_active.empty())
      m_console.note(fmt::format("{}: stopping {} running job{}", signal_name(signum),
                                 m_active.size(), m_active.size() == 1 ? "" : "s"));
    // Jobs waiting for a retry end now, as interrupted.
    std::vector<ActiveJob*> waiting;
    for (auto& [j, a] : m_active)
      if (!a->has_process) waiting.push_back(a.get());
    for (ActiveJob* a : waiting) finish_job(*a, JobStatus::interrupted, "interrupted");
    pump();
    if (m_closed) return;
    signal_all(SIGTERM);
    m_kill_timer = std::make_unique<Timer>(&m_loop, this);
    m_kill_timer->start(m_options.kill_grace, on_kill_grace);
  }

  void signal_all(int sig) {
    for (auto& [j, a] : m_active)
      if (a->has_process) m_runner->signal_group(a->process, sig);
  }

  void close_handles() {
    if (m_closed) return;
    m_closed = true;
    m_sigint.reset();
    m_sigterm.reset();
    m_kill_timer.reset();
    m_tick.reset();
    // The runner's own handles (SIGCHLD) may keep the loop alive: stop it here.
    if (m_options.dry_run == DryRun::no) uv_stop(&m_loop);
  }

  const Config& m_config;
  const Plan& m_plan;
  const ExecutorOptions& m_options;
  FreshnessCheck& m_freshness;
  Console& m_console;
  const std::vector<JobIndex>& m_selected;
  Schedule m_schedule;
  Scheduler m_scheduler;
  std::vector<JobNeeds> m_needs;
  std::vector<double> m_priority;
  std::unordered_map<JobIndex, std::string> m_reasons;  // of jobs waiting in m_scheduler
  std::vector<std::string> m_base_env;
  std::unordered_map<JobIndex, std::unique_ptr<ActiveJob>> m_active;
  std::unordered_map<ProcessId, ActiveJob*> m_by_process;
  RunCounts m_counts;
  bool m_stopping = false;
  int m_signal = 0;
  bool m_log_dir_made = false;
  bool m_closed = false;
  bool m_state_error = false;
  bool m_gate_asked = false;  // pass_gate()
  bool m_aborted = false;
  StartGate m_gate;
  uv_loop_t m_loop{};
  std::unique_ptr<ProcessRunner> m_runner;
  std::unique_ptr<Signal> m_sigint;
  std::unique_ptr<Signal> m_sigterm;
  std::unique_ptr<Timer> m_kill_timer;
  std::unique_ptr<Timer> m_tick;
};

}  // namespace

int execute(const Config& config, const Plan& plan, const std::vector<JobIndex>& selected,
            const ExecutorOptions& options, FreshnessCheck& freshness, Console& console) {
  Run run(config, plan, selected, options, freshness, console);
  return run.go();
}

std::string new_run_id() {
  struct timeval tv {};
  gettimeofday(&tv, nullptr);
  struct tm tm {};
  gmtime_r(&tv.tv_sec, &tm);
  return fmt::format("{:04}{:02}{:02}-{:02}{:02}{:02}.{:03}", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, tv.tv_usec / 1000);
}

}  // namespace pipeline
