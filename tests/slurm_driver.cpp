// pipeline_slurm_driver: runs every job of ./Pipeline.toml through the SLURM runner
// alone, in dependency order, so that the integration tests exercise the runner on
// the real cluster before (and apart from) the executor. One line per ended attempt:
//   JOB_ID SLURM_ID ok | exit N | signal N | lost DETAIL | not-started DETAIL
// Options: --poll MS, --max-in-flight N, --patience MS, --kill-grace MS, --retries N.
// SIGINT cancels everything (gently, then at once after kill_grace), exit 130.

#include <fmt/format.h>
#include <unistd.h>
#include <uv.h>

#include <csignal>
#include <cstdlib>
#include <map>
#include <string>

#include "pipeline/clock.hpp"
#include "pipeline/config.hpp"
#include "pipeline/error.hpp"
#include "pipeline/plan.hpp"
#include "pipeline/process_mux.hpp"
#include "pipeline/runner.hpp"
#include "pipeline/slurm_job_runner.hpp"

extern char** environ;

using namespace pipeline;
using std::chrono::milliseconds;

namespace {

class DriverTimer final : public ClockTimer {
public:
  explicit DriverTimer(uv_loop_t* loop) : m_timer(new uv_timer_t) {
    uv_timer_init(loop, m_timer);
    m_timer->data = this;
  }
  ~DriverTimer() override {
    m_timer->data = nullptr;
    uv_close(reinterpret_cast<uv_handle_t*>(m_timer),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); });
  }
  void start(milliseconds after, std::function<void()> fire) override {
    m_fire = std::move(fire);
    uv_timer_start(
        m_timer,
        [](uv_timer_t* t) {
          if (auto* self = static_cast<DriverTimer*>(t->data)) {
            auto callback = self->m_fire;  // a copy: it may re-arm this timer
            callback();
          }
        },
        std::uint64_t(after.count()), 0);
  }
  void stop() override { uv_timer_stop(m_timer); }

private:
  uv_timer_t* m_timer;
  std::function<void()> m_fire;
};

class DriverClock final : public Clock {
public:
  explicit DriverClock(uv_loop_t* loop) : m_loop(loop) {}
  TimePoint now() const override { return std::chrono::steady_clock::now(); }
  std::int64_t wall_ms() const override {
    return std::chrono::duration_cast<milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  std::unique_ptr<ClockTimer> make_timer() override {
    return std::make_unique<DriverTimer>(m_loop);
  }

private:
  uv_loop_t* m_loop;
};

std::string describe(const JobOutcome& o) {
  switch (o.kind) {
    case JobOutcome::Kind::succeeded:
      return "ok";
    case JobOutcome::Kind::exited:
      return fmt::format("exit {}", o.code);
    case JobOutcome::Kind::signaled:
      return fmt::format("signal {}", o.signal);
    case JobOutcome::Kind::not_started:
      return "not-started " + o.detail;
    case JobOutcome::Kind::lost:
      return "lost " + o.detail;
  }
  return "?";
}

class Driver final : public JobRunnerObserver {
public:
  Driver(const Config& config, const Plan& plan, uv_loop_t* loop, int retries)
      : m_config(config),
        m_plan(plan),
        m_loop(loop),
        m_retries(retries),
        m_waiting(plan.jobs.size()) {
    for (JobIndex j = 0; j < plan.jobs.size(); ++j) m_waiting[j] = plan.jobs[j].deps.size();
  }
  void set_runner(JobRunner& runner, Clock& clock) {
    m_runner = &runner;
    m_clock = &clock;
  }

  void start_ready() {
    for (JobIndex j = 0; j < m_plan.jobs.size(); ++j) {
      if (m_waiting[j] == 0 && !m_plan.jobs[j].commands.empty()) start(j, 1);
    }
  }

  void interrupt() {
    if (m_interrupted) {
      m_runner->cancel_all(Cancel::at_once);
      return;
    }
    m_interrupted = true;
    m_runner->cancel_all(Cancel::gently);
    m_kill = m_clock->make_timer();
    m_kill->start(m_config.settings.kill_grace, [this] { m_runner->cancel_all(Cancel::at_once); });
  }

  void on_output(AttemptId id, std::string_view data) override { m_output[id] += data; }
  void on_remote_id(AttemptId id, std::string_view remote) override {
    m_remote[id] = std::string(remote);
  }
  void on_end(AttemptId id, const JobOutcome& outcome) override {
    auto [job, attempt] = m_attempts.at(id);
    m_timeouts.erase(id);
    const Job& j = m_plan.jobs[job];
    fmt::print("{} {} {}\n", j.id, m_remote[id], describe(outcome));
    if (!m_output[id].empty()) fmt::print("{}", m_output[id]);
    std::fflush(stdout);
    if (!outcome.success() && !m_interrupted && attempt <= m_retries) {
      start(job, attempt + 1);
      return;
    }
    if (!outcome.success()) {
      m_failed = true;
    } else if (!m_interrupted) {
      for (JobIndex d : j.dependents) {
        if (--m_waiting[d] == 0) start(d, 1);
      }
    }
    if (m_runner->running() == 0 && m_kill) m_kill->stop();
  }

  bool failed() const { return m_failed; }
  bool interrupted() const { return m_interrupted; }

private:
  void start(JobIndex job, int attempt) {
    JobStart s;
    s.index = job;
    s.job = &m_plan.jobs[job];
    s.task = &m_config.tasks[s.job->task];
    s.attempt = attempt;
    s.timeout = s.task->timeout;
    auto id = m_runner->start(s);
    if (!id) {
      fmt::print("{} - not-started {}\n", s.job->id, id.error());
      m_failed = true;
      return;
    }
    m_attempts[*id] = {job, attempt};
    if (s.timeout) {
      auto timer = m_clock->make_timer();
      AttemptId a = *id;
      timer->start(*s.timeout, [this, a] {
        m_runner->cancel(a, Cancel::gently);
        auto kill = m_clock->make_timer();
        kill->start(m_config.settings.kill_grace,
                    [this, a] { m_runner->cancel(a, Cancel::at_once); });
        m_timeouts[a] = std::move(kill);
      });
      m_timeouts[*id] = std::move(timer);
    }
  }

  const Config& m_config;
  const Plan& m_plan;
  uv_loop_t* m_loop;
  int m_retries;
  std::vector<std::size_t> m_waiting;
  JobRunner* m_runner = nullptr;
  Clock* m_clock = nullptr;
  std::map<AttemptId, std::pair<JobIndex, int>> m_attempts;
  std::map<AttemptId, std::string> m_output, m_remote;
  std::map<AttemptId, std::unique_ptr<ClockTimer>> m_timeouts;
  std::unique_ptr<ClockTimer> m_kill;
  bool m_failed = false;
  bool m_interrupted = false;
};

}  // namespace

int main(int argc, char** argv) {
  try {
    SlurmRunnerOptions options;
    int retries = 0;
    std::optional<milliseconds> kill_grace;
    for (int i = 1; i + 1 < argc; i += 2) {
      std::string opt = argv[i];
      long v = std::atol(argv[i + 1]);
      if (opt == "--poll")
        options.settings.poll = milliseconds(v);
      else if (opt == "--max-in-flight")
        options.settings.max_in_flight = int(v);
      else if (opt == "--patience")
        options.settings.patience = milliseconds(v);
      else if (opt == "--kill-grace")
        kill_grace = milliseconds(v);
      else if (opt == "--retries")
        retries = int(v);
      else
        throw UserError("unknown option " + opt);
    }
    char cwd[4096];
    if (::getcwd(cwd, sizeof cwd) == nullptr) throw UserError("getcwd failed");
    Config config = load_config("Pipeline.toml", "Pipeline.toml");
    if (kill_grace) config.settings.kill_grace = *kill_grace;
    Plan plan = build_plan(config);
    options.root = cwd;
    options.dir = std::string(cwd) + "/" + config.settings.state_dir + "/slurm/driver-" +
                  std::to_string(::getpid());
    options.kill_grace = config.settings.kill_grace;

    uv_loop_t loop;
    uv_loop_init(&loop);
    int code = 0;
    {
      DriverClock clock(&loop);
      ProcessMux mux;
      auto processes = make_local_runner(&loop, mux);
      mux.attach(*processes);
      Driver driver(config, plan, &loop, retries);
      auto runner = make_slurm_job_runner(mux, clock, driver, options);
      driver.set_runner(*runner, clock);
      uv_signal_t sigint;
      uv_signal_init(&loop, &sigint);
      sigint.data = &driver;
      uv_signal_start(
          &sigint, [](uv_signal_t* s, int) { static_cast<Driver*>(s->data)->interrupt(); }, SIGINT);
      uv_unref(reinterpret_cast<uv_handle_t*>(&sigint));
      driver.start_ready();
      uv_run(&loop, UV_RUN_DEFAULT);
      uv_close(reinterpret_cast<uv_handle_t*>(&sigint), nullptr);
      code = driver.interrupted() ? 130 : driver.failed() ? 1 : 0;
      runner.reset();
      processes.reset();
      uv_run(&loop, UV_RUN_DEFAULT);
    }
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    return code;
  } catch (const std::exception& e) {
    fmt::print(stderr, "pipeline_slurm_driver: error: {}\n", e.what());
    return 2;
  }
}
