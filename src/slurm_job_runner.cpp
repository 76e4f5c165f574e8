// The SLURM runner: attempts become array elements of sbatch submissions; one squeue
// per poll tells which left the queue; exit files (or scontrol/sacct) say how.

#include "pipeline/slurm_job_runner.hpp"

#include <fmt/format.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <map>
#include <optional>
#include <set>

#include "pipeline/slurm_protocol.hpp"

extern char** environ;

namespace pipeline {

namespace {

using std::chrono::milliseconds;

// sbatch refuses arrays larger than MaxArraySize (1001 by default); staying below the
// default keeps us clear of it without asking the controller.
constexpr std::size_t k_max_array = 1000;
// Output of a job is read in chunks of at most this size per poll.
constexpr std::size_t k_read_chunk = 1 << 20;
constexpr milliseconds k_max_backoff = std::chrono::seconds(30);

std::optional<std::string> read_file(const std::string& path, std::size_t offset = 0,
                                     std::size_t limit = std::string::npos) {
  std::FILE* f = std::fopen(path.c_str(), "rbe");
  if (f == nullptr) return std::nullopt;
  std::string text;
  if (offset > 0 && std::fseek(f, long(offset), SEEK_SET) != 0) {
    std::fclose(f);
    return text;
  }
  char buf[65536];
  while (text.size() < limit) {
    std::size_t n = std::fread(buf, 1, std::min(sizeof buf, limit - text.size()), f);
    if (n == 0) break;
    text.append(buf, n);
  }
  std::fclose(f);
  return text;
}

bool write_file(const std::string& path, const std::string& text, const char* mode = "we") {
  std::FILE* f = std::fopen(path.c_str(), mode);
  if (f == nullptr) return false;
  bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  return std::fclose(f) == 0 && ok;
}

std::set<std::string> lines_set(const std::optional<std::string>& text) {
  std::set<std::string> out;
  if (!text) return out;
  std::size_t start = 0;
  while (start < text->size()) {
    std::size_t end = text->find('\n', start);
    if (end == std::string::npos) end = text->size();
    if (end > start) out.insert(text->substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// Messages of SLURM commands that say "try again later" rather than "this is wrong".
bool transient(std::string_view message) {
  static constexpr std::string_view k_markers[] = {"Unable to contact",
                                                   "timed out",
                                                   "Timed out",
                                                   "temporarily",
                                                   "try again",
                                                   "Try again",
                                                   "Connection refused",
                                                   "busy",
                                                   "Zero Bytes were transmitted",
                                                   "Socket",
                                                   "Unable to connect",
                                                   "not responding",
                                                   "Transport endpoint",
                                                   "Communication connection failure"};
  for (std::string_view m : k_markers) {
    if (message.find(m) != std::string_view::npos) return true;
  }
  return false;
}

std::string first_line(std::string_view text) {
  while (!text.empty() && (text.front() == '\n' || text.front() == ' ')) text.remove_prefix(1);
  return std::string(text.substr(0, text.find('\n')));
}

std::int64_t amount_of(const TaskDecl* task, std::string_view name) {
  if (task == nullptr) return 0;
  for (const auto& [n, v] : task->resources) {
    if (n == name) return v;
  }
  return 0;
}

// Runs argv to its end, blocking; for the destructor, when the loop is over. The
// child is waited for by its own pid, so a SIGCHLD handler of the loop never sees it.
void run_blocking(const std::vector<std::string>& argv, const std::vector<std::string>& env) {
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<char*> envp;
  for (const std::string& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawnp(&pid, args[0], nullptr, nullptr, args.data(),
                   env.empty() ? environ : envp.data()) != 0) {
    return;
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
}

enum class Phase { queued, submitting, in_queue, ending, ended };
enum class CommandKind { sbatch, squeue, info, scancel };

struct Attempt {
  std::string task;
  const TaskDecl* decl = nullptr;
  std::string script, out, exit_file;
  std::string slurm_id;
  std::string slurm_state;  // from the last squeue
  Phase phase = Phase::queued;
  std::size_t out_offset = 0;
  std::uint64_t submitted_gen = 0;
  std::optional<Cancel> cancel;  // asked before its id was known
};

struct Command {
  CommandKind kind;
  std::string output;
  std::vector<AttemptId> attempts;  // sbatch: the array, in element order; info: asked about
  std::vector<std::string> ids;     // scancel: the ids
  bool gently = false;              // scancel --signal=TERM
  std::uint64_t gen = 0;            // squeue: submissions that it covers
};

// A command kind's failures: since when they last succeeded, and the next backoff.
struct Failing {
  std::optional<TimePoint> since;
  milliseconds backoff{0};
};

class SlurmRunner final : public JobRunner, public ProcessObserver {
public:
  SlurmRunner(ProcessMux& mux, Clock& clock, JobRunnerObserver& observer, SlurmRunnerOptions o)
      : m_mux(mux),
        m_clock(clock),
        m_observer(observer),
        m_opt(std::move(o)),
        m_kick(clock.make_timer()),
        m_poll(clock.make_timer()),
        m_retry(clock.make_timer()) {
    if (m_opt.user.empty()) {
      const char* user = std::getenv("USER");
      m_opt.user = user != nullptr && *user != '\0' ? user : std::to_string(::getuid());
    }
    std::error_code ec;
    std::filesystem::create_directories(m_opt.dir, ec);
    std::filesystem::path dir(m_opt.dir);
    m_orphans = take_orphaned_slurm_jobs(dir.parent_path().string(), dir.filename().string());
    if (!m_orphans.empty()) kick();
  }

  ~SlurmRunner() override {
    // The loop is over: whatever is still queued is cancelled now, blocking, so that
    // nothing of this run is left in squeue (SPEC §6.3).
    std::vector<std::string> argv = {"scancel"};
    for (const auto& [id, a] : m_attempts) {
      if (!a.slurm_id.empty() && a.phase != Phase::ended) argv.push_back(a.slurm_id);
    }
    if (argv.size() > 1) run_blocking(argv, m_opt.environment);
    write_file(m_opt.dir + "/closed", "");
  }

  std::string_view name() const override { return "slurm"; }

  Expected<AttemptId, std::string> start(const JobStart& s) override {
    AttemptId id = m_next_id++;
    Attempt a;
    a.decl = s.task;
    a.task = s.task != nullptr ? s.task->name : s.job->id;
    std::string base = fmt::format("{}/job-{}", m_opt.dir, id);
    a.script = base + ".sh";
    a.out = base + ".out";
    a.exit_file = base + ".exit";
    JobScript js;
    js.dir = s.job->dir.empty() ? m_opt.root : m_opt.root + "/" + s.job->dir;
    for (const auto& [k, v] : s.job->env) js.env.emplace_back(k, v);
    for (const JobCommand& c : s.job->commands) js.commands.push_back(c.argv);
    js.output = a.out;
    if (!s.job->stdout_path.empty()) js.stdout_path = m_opt.root + "/" + s.job->stdout_path;
    if (!s.job->stderr_path.empty()) js.stderr_path = m_opt.root + "/" + s.job->stderr_path;
    js.exit_file = a.exit_file;
    std::remove(a.out.c_str());
    std::remove(a.exit_file.c_str());
    if (!write_file(a.out, "") || !write_file(a.script, job_script_text(js))) {
      return unexpected(fmt::format("cannot write the SLURM job script {}", a.script));
    }
    m_attempts.emplace(id, std::move(a));
    m_queued.push_back(id);
    ++m_unended;  // from now on, so that running() covers attempts not yet submitted
    kick();
    return id;
  }

  void cancel(AttemptId id, Cancel how) override {
    auto it = m_attempts.find(id);
    if (it == m_attempts.end()) return;
    Attempt& a = it->second;
    switch (a.phase) {
      case Phase::queued: {
        m_queued.erase(std::remove(m_queued.begin(), m_queued.end(), id), m_queued.end());
        JobOutcome o;
        o.kind = JobOutcome::Kind::signaled;
        o.signal = how == Cancel::gently ? SIGTERM : SIGKILL;
        a.phase = Phase::ending;
        m_to_end.emplace_back(id, o);
        kick();
        break;
      }
      case Phase::submitting:
        a.cancel = how;
        break;
      case Phase::in_queue:
        // A pending job has no process to signal: scancel --signal would leave it queued.
        if (how == Cancel::at_once || a.slurm_state == "PENDING" || a.slurm_state.empty()) {
          m_cancel_kill.insert(a.slurm_id);
        } else {
          m_cancel_term.insert(a.slurm_id);
        }
        kick();
        break;
      case Phase::ending:
      case Phase::ended:
        break;
    }
  }

  void cancel_all(Cancel how) override {
    for (auto& [id, a] : m_attempts) cancel(id, how);
  }

  std::size_t running() const override { return m_unended; }

  // ProcessObserver: the SLURM commands.
  void on_output(ProcessId id, std::string_view data) override {
    if (auto it = m_commands.find(id); it != m_commands.end()) it->second.output.append(data);
  }

  void on_exit(ProcessId pid, const ProcessExit& exit) override {
    auto it = m_commands.find(pid);
    if (it == m_commands.end()) return;
    Command c = std::move(it->second);
    m_commands.erase(it);
    switch (c.kind) {
      case CommandKind::sbatch:
        sbatch_done(c, exit);
        break;
      case CommandKind::squeue:
        squeue_done(c, exit);
        break;
      case CommandKind::info:
        info_done(c, exit);
        break;
      case CommandKind::scancel:
        scancel_done(c, exit);
        break;
    }
  }

private:
  void kick() {
    if (m_kick_armed) return;
    m_kick_armed = true;
    m_kick->start(milliseconds(0), [this] {
      m_kick_armed = false;
      step();
    });
  }

  // One loop turn's batch of work: ends to report, cancels, a submission, a lookup.
  void step() {
    auto ends = std::move(m_to_end);
    m_to_end.clear();
    for (auto& [id, outcome] : ends) finish(id, outcome);
    if (!m_orphans.empty()) {
      std::vector<std::string> ids = std::move(m_orphans);
      m_orphans.clear();
      run_scancel(std::move(ids), false);
    }
    if (!m_cancel_term.empty()) {
      run_scancel({m_cancel_term.begin(), m_cancel_term.end()}, true);
      m_cancel_term.clear();
    }
    if (!m_cancel_kill.empty()) {
      run_scancel({m_cancel_kill.begin(), m_cancel_kill.end()}, false);
      m_cancel_kill.clear();
    }
    submit();
    look_up();
  }

  Expected<ProcessId, std::string> run(std::vector<std::string> argv, Command c) {
    ProcessSpec spec;
    spec.argv = std::move(argv);
    spec.env = m_opt.environment;
    if (spec.env.empty()) {
      for (char** e = environ; *e != nullptr; ++e) spec.env.emplace_back(*e);
    }
    auto pid = m_mux.start(spec, *this);
    if (pid) m_commands.emplace(*pid, std::move(c));
    return pid;
  }

  std::size_t in_flight() const { return m_unended - m_queued.size() - m_to_end.size(); }

  void submit() {
    if (m_sbatch_busy || m_queued.empty()) return;
    std::size_t limit = std::size_t(std::max(1, m_opt.settings.max_in_flight));
    std::size_t used = in_flight();
    if (used >= limit) return;
    std::size_t room = std::min(limit - used, k_max_array);
    const std::string task = m_attempts.at(m_queued.front()).task;
    Command c{CommandKind::sbatch, {}, {}, {}, false, 0};
    std::vector<std::string> scripts;
    for (auto it = m_queued.begin(); it != m_queued.end() && c.attempts.size() < room;) {
      Attempt& a = m_attempts.at(*it);
      if (a.task != task) {
        ++it;
        continue;
      }
      c.attempts.push_back(*it);
      scripts.push_back(a.script);
      a.phase = Phase::submitting;
      it = m_queued.erase(it);
    }
    const Attempt& first = m_attempts.at(c.attempts.front());
    SbatchRequest r;
    r.task = task;
    r.cpus_per_task = first.decl != nullptr ? std::max(1, first.decl->threads) : 1;
    r.mem_mb = amount_of(first.decl, "mem_mb");
    r.gpus = amount_of(first.decl, "gpu");
    if (first.decl != nullptr && first.decl->timeout) {
      r.time_limit = *first.decl->timeout + m_opt.kill_grace;
    }
    const SlurmSettings& st = m_opt.settings;
    r.partition = st.partition;
    r.account = st.account;
    r.qos = st.qos;
    r.extra_args = st.extra_args;
    r.array_size = c.attempts.size();
    std::uint64_t k = m_next_array++;
    r.script = fmt::format("{}/array-{}.sh", m_opt.dir, k);
    r.slurm_output = fmt::format("{}/array-{}.slurm.out", m_opt.dir, k);
    if (!write_file(r.script, array_script_text(scripts))) {
      fail_submission(c, fmt::format("cannot write {}", r.script));
      return;
    }
    m_sbatch_busy = true;
    m_last_sbatch = sbatch_argv(r);
    auto pid = run(m_last_sbatch, c);
    if (!pid) {
      m_sbatch_busy = false;
      fail_submission(
          c, fmt::format("sbatch: {} (install the Debian package slurm-client)", pid.error()));
    }
  }

  void fail_submission(const Command& c, const std::string& why) {
    for (AttemptId id : c.attempts) {
      JobOutcome o;
      o.kind = JobOutcome::Kind::not_started;
      o.detail = why;
      m_attempts.at(id).phase = Phase::ending;
      m_to_end.emplace_back(id, o);
    }
    kick();
  }

  void sbatch_done(Command& c, const ProcessExit& exit) {
    auto array_id = exit.success() ? parse_sbatch_id(c.output) : std::nullopt;
    if (!array_id) {
      std::string message = first_line(c.output);
      if (transient(message) && !out_of_patience(m_sbatch_failing, message)) {
        // Resubmit the same array after a backoff; submissions wait for it meanwhile.
        m_retry->start(m_sbatch_failing.backoff, [this, c] {
          Command again = c;
          again.output.clear();
          auto pid = run(m_last_sbatch, again);
          if (!pid) {
            m_sbatch_busy = false;
            fail_submission(again, "sbatch: " + pid.error());
          }
        });
        return;
      }
      m_sbatch_busy = false;
      fail_submission(c, fmt::format("sbatch failed: {}", message.empty() ? "no job id" : message));
      return;
    }
    m_sbatch_busy = false;
    m_sbatch_failing = {};
    ++m_submit_gen;
    std::string record;
    for (std::size_t i = 0; i < c.attempts.size(); ++i) {
      AttemptId id = c.attempts[i];
      Attempt& a = m_attempts.at(id);
      a.slurm_id = fmt::format("{}_{}", *array_id, i);
      a.phase = Phase::in_queue;
      a.submitted_gen = m_submit_gen;
      record += a.slurm_id + "\n";
      m_observer.on_remote_id(id, a.slurm_id);
      if (a.cancel) {
        a.slurm_state.clear();
        cancel(id, *a.cancel);
      }
    }
    write_file(m_opt.dir + "/submitted", record, "ae");
    arm_poll();
    kick();  // the next task's array, if any
  }

  bool any_in_queue() const {
    for (const auto& [id, a] : m_attempts) {
      if (a.phase == Phase::in_queue) return true;
    }
    return false;
  }

  // While jobs are in the queue the poll timer keeps the loop alive; after, it lets
  // the loop end.
  void arm_poll() {
    if (m_poll_armed || m_squeue_busy || !any_in_queue()) return;
    m_poll_armed = true;
    m_poll->start(m_opt.settings.poll, [this] {
      m_poll_armed = false;
      poll();
    });
  }

  void poll() {
    deliver_output();
    if (!any_in_queue()) return;
    Command c{CommandKind::squeue, {}, {}, {}, false, m_submit_gen};
    m_squeue_busy = true;
    if (!run(squeue_argv(m_opt.user), c)) {
      m_squeue_busy = false;
      arm_poll();
    }
  }

  void squeue_done(Command& c, const ProcessExit& exit) {
    m_squeue_busy = false;
    if (!exit.success()) {
      std::string message = first_line(c.output);
      if (out_of_patience(m_squeue_failing, message)) {
        give_up_in_queue(fmt::format("squeue failed for {}: {}",
                                     format_duration(m_opt.settings.patience), message));
      }
      arm_poll();
      return;
    }
    m_squeue_failing = {};
    auto queue = parse_squeue(c.output);
    for (auto& [id, a] : m_attempts) {
      if (a.phase != Phase::in_queue || a.submitted_gen > c.gen) continue;
      auto q = queue.find(a.slurm_id);
      if (q != queue.end()) {
        a.slurm_state = q->second;
        continue;
      }
      if (auto outcome = exit_outcome(a)) {
        a.phase = Phase::ending;
        m_to_end.emplace_back(id, *outcome);
      } else {
        a.phase = Phase::ending;
        m_look_up.push_back(id);
      }
    }
    kick();
    arm_poll();
  }

  std::optional<JobOutcome> exit_outcome(const Attempt& a) const {
    auto text = read_file(a.exit_file);
    return text ? parse_exit_file(*text) : std::nullopt;
  }

  // One scontrol (or sacct) call for every job that left the queue without an exit file.
  void look_up() {
    if (m_info_busy || m_look_up.empty()) return;
    Command c{CommandKind::info, {}, std::move(m_look_up), {}, false, 0};
    m_look_up.clear();
    std::vector<std::string> argv = {"scontrol", "--oneliner", "show", "job"};
    if (m_sacct) {
      std::vector<std::string> ids;
      for (AttemptId id : c.attempts) ids.push_back(m_attempts.at(id).slurm_id);
      argv = sacct_argv(ids);
    }
    m_info_busy = true;
    auto pid = run(argv, c);
    if (!pid) {
      m_info_busy = false;
      ProcessExit failed{ProcessExit::Kind::exited, 127, 0};
      info_done(c, failed);
    }
  }

  void info_done(Command& c, const ProcessExit& exit) {
    m_info_busy = false;
    bool used_sacct = m_sacct;
    if (used_sacct && (!exit.success() || c.output.find("disabled") != std::string::npos)) {
      // No accounting here: scontrol knows jobs for MinJobAge after they end.
      m_sacct = false;
      m_look_up.insert(m_look_up.end(), c.attempts.begin(), c.attempts.end());
      kick();
      return;
    }
    if (!exit.success() && !out_of_patience(m_info_failing, first_line(c.output))) {
      m_look_up.insert(m_look_up.end(), c.attempts.begin(), c.attempts.end());
      arm_poll_for_look_up();
      return;
    }
    m_info_failing = {};
    auto ends = used_sacct ? parse_sacct(c.output) : parse_scontrol_jobs(c.output);
    for (AttemptId id : c.attempts) {
      const Attempt& a = m_attempts.at(id);
      if (auto outcome = exit_outcome(a)) {
        m_to_end.emplace_back(id, *outcome);
        continue;
      }
      auto it = ends.find(a.slurm_id);
      m_to_end.emplace_back(id, outcome_of_slurm_end(it == ends.end() ? SlurmEnd{} : it->second));
    }
    kick();
  }

  void arm_poll_for_look_up() {
    m_retry_look_up = true;
    m_retry->start(m_opt.settings.poll, [this] {
      m_retry_look_up = false;
      kick();
    });
  }

  void run_scancel(std::vector<std::string> ids, bool gently) {
    std::vector<std::string> argv = {"scancel"};
    if (gently) {
      argv.push_back("--signal=TERM");
      argv.push_back("--full");  // the batch shell too, not only job steps
    }
    argv.insert(argv.end(), ids.begin(), ids.end());
    Command c{CommandKind::scancel, {}, {}, std::move(ids), gently, 0};
    if (!run(argv, c)) return;
  }

  void scancel_done(Command& c, const ProcessExit& exit) {
    if (exit.success()) return;
    std::string message = first_line(c.output);
    // "already completing or completed" and "Invalid job id" are done with; a
    // controller that does not answer is asked again at the next poll.
    if (!transient(message)) return;
    if (out_of_patience(m_scancel_failing, message)) return;
    auto& into = c.gently ? m_cancel_term : m_cancel_kill;
    into.insert(c.ids.begin(), c.ids.end());
    m_retry->start(m_opt.settings.poll, [this] { kick(); });
  }

  // Records a failure; true once failures have lasted longer than `patience`.
  bool out_of_patience(Failing& f, const std::string&) {
    TimePoint now = m_clock.now();
    if (!f.since) f.since = now;
    f.backoff = f.backoff.count() == 0 ? std::min(m_opt.settings.poll, milliseconds(1000))
                                       : std::min(f.backoff * 2, k_max_backoff);
    return now - *f.since >= m_opt.settings.patience;
  }

  void give_up_in_queue(const std::string& why) {
    for (auto& [id, a] : m_attempts) {
      if (a.phase != Phase::in_queue) continue;
      m_cancel_kill.insert(a.slurm_id);
      JobOutcome o;
      o.kind = JobOutcome::Kind::lost;
      o.detail = why;
      a.phase = Phase::ending;
      m_to_end.emplace_back(id, o);
    }
    m_squeue_failing = {};
    kick();
  }

  void deliver_output() {
    for (auto& [id, a] : m_attempts) {
      if (a.phase == Phase::in_queue || a.phase == Phase::ending) read_output(id, a);
    }
  }

  void read_output(AttemptId id, Attempt& a) {
    for (;;) {
      auto chunk = read_file(a.out, a.out_offset, k_read_chunk);
      if (!chunk || chunk->empty()) return;
      a.out_offset += chunk->size();
      m_observer.on_output(id, *chunk);
      if (chunk->size() < k_read_chunk) return;
    }
  }

  void finish(AttemptId id, const JobOutcome& outcome) {
    Attempt& a = m_attempts.at(id);
    if (a.phase == Phase::ended) return;
    read_output(id, a);
    a.phase = Phase::ended;
    --m_unended;
    if (!a.slurm_id.empty()) write_file(m_opt.dir + "/ended", a.slurm_id + "\n", "ae");
    m_observer.on_end(id, outcome);
    kick();  // room for the next submission
  }

  ProcessMux& m_mux;
  Clock& m_clock;
  JobRunnerObserver& m_observer;
  SlurmRunnerOptions m_opt;
  std::unique_ptr<ClockTimer> m_kick, m_poll, m_retry;
  bool m_kick_armed = false, m_poll_armed = false, m_retry_look_up = false;
  bool m_sbatch_busy = false, m_squeue_busy = false, m_info_busy = false;
  bool m_sacct = true;
  std::map<AttemptId, Attempt> m_attempts;
  std::deque<AttemptId> m_queued;
  std::vector<std::pair<AttemptId, JobOutcome>> m_to_end;
  std::vector<AttemptId> m_look_up;
  std::set<std::string> m_cancel_term, m_cancel_kill;
  std::vector<std::string> m_orphans;
  std::map<ProcessId, Command> m_commands;
  std::vector<std::string> m_last_sbatch;
  Failing m_sbatch_failing, m_squeue_failing, m_info_failing, m_scancel_failing;
  AttemptId m_next_id = 1;
  std::uint64_t m_next_array = 1;
  std::uint64_t m_submit_gen = 0;
  std::size_t m_unended = 0;
};

}  // namespace

std::vector<std::string> take_orphaned_slurm_jobs(const std::string& slurm_dir,
                                                  const std::string& current_run) {
  std::vector<std::string> orphans;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(slurm_dir, ec)) {
    if (!entry.is_directory(ec) || entry.path().filename() == current_run) continue;
    std::string dir = entry.path().string();
    if (std::filesystem::exists(dir + "/closed", ec)) continue;
    auto submitted = lines_set(read_file(dir + "/submitted"));
    auto ended = lines_set(read_file(dir + "/ended"));
    for (const std::string& id : submitted) {
      if (ended.count(id) == 0) orphans.push_back(id);
    }
    write_file(dir + "/closed", "");
  }
  return orphans;
}

std::unique_ptr<JobRunner> make_slurm_job_runner(ProcessMux& mux, Clock& clock,
                                                 JobRunnerObserver& observer,
                                                 SlurmRunnerOptions options) {
  return std::make_unique<SlurmRunner>(mux, clock, observer, std::move(options));
}

}  // namespace pipeline
