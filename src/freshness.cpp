#include "pipeline/freshness.hpp"

#include <fmt/format.h>

#include <cstring>
#include <ctime>
#include <optional>
#include <unordered_map>

#include "pipeline/error.hpp"
#include "pipeline/stat_read_ahead.hpp"

namespace pipeline {
namespace {

using Clock = std::chrono::steady_clock;

bool same_stamp(const FileStat& now, const FileRecord& then) {
  return now.mtime_ns == then.mtime_ns && now.size == then.size && now.inode == then.inode;
}

FileRecord record_of(const std::string& path, const FileStat& st) {
  return {path, st.mtime_ns, st.size, st.inode, std::nullopt};
}

std::int64_t unix_ms_now() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// "2026-11-22 02:00" in local time. The jobs of one run mostly share a minute, so
// the last one is remembered (100,000 up-to-date jobs, 100,000 strftime calls).
const std::string& local_minute(std::int64_t unix_ms) {
  static std::int64_t cached_minute = -1;
  static std::string cached;
  const std::int64_t minute = unix_ms / 60000;
  if (minute != cached_minute) {
    std::time_t t = std::time_t(minute * 60);
    struct tm tm {};
    localtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", &tm);
    cached = buf;
    cached_minute = minute;
  }
  return cached;
}

const FileRecord* find_file(const std::vector<FileRecord>& files, const std::string& path) {
  for (const FileRecord& f : files)
    if (f.path == path) return &f;
  return nullptr;
}

class StateCheck final : public FreshnessCheck {
public:
  StateCheck(const Config& config, const Plan& plan, FileSystem& fs, StateDb& state, Force force,
             const std::vector<JobIndex>& read_ahead)
      : m_config(config),
        m_plan(plan),
        m_fs(fs),
        m_state(state),
        m_force(force),
        m_started_in_run(plan.jobs.size(), false) {
    if (force == Force::yes) return;  // --force reads no stamps before a job starts
    // Each job's outputs, then its inputs: the order check() reads them.
    std::vector<const std::string*> paths;
    m_first_path.assign(plan.jobs.size(), k_not_read_ahead);
    for (JobIndex j : read_ahead) {
      const Job& job = plan.jobs[j];
      m_first_path[j] = std::uint32_t(paths.size());
      for (const std::string& out : job.outputs) paths.push_back(&out);
      for (const std::string& in : job.inputs) paths.push_back(&in);
    }
    const unsigned threads = StatReadAhead::threads_for(paths.size());
    if (threads > 0) m_read_ahead.emplace(fs, std::move(paths), threads);
  }

  Verdict check(const Job& job) override {
    const TaskDecl& task = m_config.tasks[job.task];
    // 1. always / --force
    if (m_force == Force::yes) return {true, "--force was given"};
    if (task.always) return {true, "the task has always = true"};
    // 2. neither inputs nor outputs
    if (job.inputs.empty() && job.outputs.empty()) {
      if (job.commands.empty()) return {false, "an alias: nothing to run"};
      return {true, "it has neither inputs nor outputs"};
    }
    // 3. a declared output is missing
    Stamps stamps = stamps_for(job);
    std::vector<FileStat> outputs;
    outputs.reserve(job.outputs.size());
    for (const std::string& out : job.outputs) {
      FileStat st = stamps.next(out);
      if (st.kind == FileStat::Kind::error)
        return {true,
                fmt::format("output {} cannot be examined: {}", out, std::strerror(st.error))};
      if (!st.exists()) return {true, fmt::format("output {} is missing", out)};
      outputs.push_back(st);
    }
    // 4. no successful run recorded
    if (!m_state.read(job.id, m_record)) return {true, "no successful run of it is recorded"};
    const JobRecord* record = &m_record;
    // 5. the signature changed
    if (record->signature != job_signature(m_config, job))
      return {true, "its command or settings changed since the last run"};
    // 6. an input's stamp (or, where hashes are kept, its content) changed
    bool restamped = false;
    JobRecord updated;
    for (const std::string& in : job.inputs) {
      FileStat st = stamps.next(in);
      if (st.kind == FileStat::Kind::error)
        return {true, fmt::format("input {} cannot be examined: {}", in, std::strerror(st.error))};
      if (!st.exists()) return {true, fmt::format("input {} is missing", in)};
      const FileRecord* then = find_file(record->inputs, in);
      if (!then) return {true, fmt::format("input {} is new", in)};
      if (same_stamp(st, *then)) continue;
      if (then->hash) {
        auto now = content_hash(in, st);
        if (now && *now == *then->hash) {
          // Same content under a new stamp: still up to date; remember the stamp.
          if (!restamped) updated = *record;
          restamped = true;
          for (FileRecord& f : updated.inputs)
            if (f.path == in) f = {in, st.mtime_ns, st.size, st.inode, now};
          continue;
        }
      }
      return {true, fmt::format("input {} changed since the last run", in)};
    }
    // 7. an output changed after the job wrote it
    for (std::size_t i = 0; i < job.outputs.size(); ++i) {
      const FileRecord* then = find_file(record->outputs, job.outputs[i]);
      if (!then || !same_stamp(outputs[i], *then))
        return {true, fmt::format("output {} was changed or replaced after the job wrote it",
                                  job.outputs[i])};
    }
    std::string reason = fmt::format("up to date: inputs unchanged since the run of {}",
                                     local_minute(record->finished_unix_ms));
    if (restamped) m_state.record_success(job.id, std::move(updated));
    return {false, std::move(reason)};
  }

  FileStat input_stat(const Job& job, std::size_t input) override {
    const JobIndex j = index_of(job);
    if (!m_read_ahead || m_first_path[j] == k_not_read_ahead) return m_fs.stat(job.inputs[input]);
    return m_read_ahead->stat(m_first_path[j] + job.outputs.size() + input);
  }

  void job_starting(const Job& job) override {
    m_started_in_run[index_of(job)] = true;
    std::vector<FileRecord> inputs;
    inputs.reserve(job.inputs.size());
    for (const std::string& in : job.inputs) {
      FileStat st = m_fs.stat(in);
      FileRecord rec = record_of(in, st);
      if (st.exists() && keeps_hash(job, in)) rec.hash = content_hash(in, st);
      inputs.push_back(std::move(rec));
    }
    m_started[&job] = std::move(inputs);
    m_state.forget(job.id);
  }

  void job_succeeded(const Job& job, std::chrono::milliseconds duration) override {
    JobRecord rec;
    rec.signature = job_signature(m_config, job);
    auto it = m_started.find(&job);
    if (it != m_started.end()) {
      rec.inputs = std::move(it->second);
      m_started.erase(it);
    }
    const bool hash_outputs = m_config.tasks[job.task].method == Method::hash;
    for (const std::string& out : job.outputs) {
      FileStat st = m_fs.stat(out);
      FileRecord f = record_of(out, st);
      if (hash_outputs && st.exists()) {
        auto h = hash_file(out);
        if (h) f.hash = *h;
      }
      rec.outputs.push_back(std::move(f));
    }
    rec.finished_unix_ms = unix_ms_now();
    rec.duration_ms = duration.count();
    m_state.record_success(job.id, std::move(rec));
  }

  void flush(Due due) override {
    auto now = Clock::now();
    if (due == Due::if_due && now - m_last_flush < std::chrono::milliseconds(200)) return;
    m_last_flush = now;
    if (m_state.pending() > 0) m_state.flush();
  }

private:
  static constexpr std::uint32_t k_not_read_ahead = UINT32_MAX;

  // Where check() gets the stamps of one job's files, in the order it asks for them
  // (outputs, then inputs): from the read-ahead, or from the file system now.
  class Stamps {
  public:
    Stamps(FileSystem& fs, StatReadAhead* read_ahead, std::uint32_t first)
        : m_fs(fs), m_read_ahead(read_ahead), m_next(first) {}
    FileStat next(const std::string& path) {
      return m_read_ahead ? m_read_ahead->stat(m_next++) : m_fs.stat(path);
    }

  private:
    FileSystem& m_fs;
    StatReadAhead* m_read_ahead;
    std::uint32_t m_next;
  };

  JobIndex index_of(const Job& job) const { return JobIndex(&job - m_plan.jobs.data()); }

  // Stamps read ahead are as old as the read: good while nothing this job depends on
  // has run in this run (a job that ran may have rewritten its inputs).
  Stamps stamps_for(const Job& job) {
    const JobIndex j = index_of(job);
    if (!m_read_ahead || m_first_path[j] == k_not_read_ahead) return {m_fs, nullptr, 0};
    for (JobIndex dep : job.deps)
      if (m_started_in_run[dep]) return {m_fs, nullptr, 0};
    return {m_fs, &*m_read_ahead, m_first_path[j]};
  }

  // Content hashes are kept for an input when its job uses method = "hash", or when
  // the job that writes it does (so that an upstream job that rewrote identical
  // output leaves its dependents up to date).
  bool keeps_hash(const Job& job, const std::string& input) const {
    if (m_config.tasks[job.task].method == Method::hash) return true;
    auto producer = m_plan.producer_of(input);
    return producer && m_config.tasks[m_plan.jobs[*producer].task].method == Method::hash;
  }

  // The content hash of `path` whose stamp is `st`: taken from the producing job's
  // record when that hashed this very file, else read from the disk.
  std::optional<Hash128> content_hash(const std::string& path, const FileStat& st) {
    if (auto producer = m_plan.producer_of(path)) {
      if (const JobRecord* rec = m_state.find(m_plan.jobs[*producer].id)) {
        const FileRecord* out = find_file(rec->outputs, path);
        if (out && out->hash && same_stamp(st, *out)) return out->hash;
      }
    }
    auto h = hash_file(path);
    if (!h) return std::nullopt;
    return *h;
  }

  const Config& m_config;
  const Plan& m_plan;
  FileSystem& m_fs;
  StateDb& m_state;
  Force m_force;
  std::unordered_map<const Job*, std::vector<FileRecord>> m_started;
  Clock::time_point m_last_flush = Clock::now();
  JobRecord m_record;                       // the record check() reads into, reused from job to job
  std::vector<bool> m_started_in_run;       // per job
  std::vector<std::uint32_t> m_first_path;  // per job: its first path in the read-ahead
  // Declared last: destroyed (workers joined) before the vectors it points into.
  std::optional<StatReadAhead> m_read_ahead;
};

// The stamps of `paths`, or nullopt if one is missing or cannot be examined.
std::optional<std::vector<FileRecord>> stamps_of(FileSystem& fs,
                                                 const std::vector<std::string>& paths) {
  std::vector<FileRecord> out;
  out.reserve(paths.size());
  for (const std::string& p : paths) {
    FileStat st = fs.stat(p);
    if (!st.exists()) return std::nullopt;
    out.push_back(record_of(p, st));
  }
  return out;
}

// A record of `job` as if it had just succeeded with the files as they are now.
JobRecord record_now(const Config& config, const Job& job, std::vector<FileRecord> inputs,
                     std::vector<FileRecord> outputs) {
  JobRecord rec;
  rec.signature = job_signature(config, job);
  rec.inputs = std::move(inputs);
  rec.outputs = std::move(outputs);
  rec.finished_unix_ms = unix_ms_now();
  return rec;
}

}  // namespace

std::vector<Verdict> predict(const Plan& plan, const std::vector<JobIndex>& order,
                             FreshnessCheck& check) {
  std::vector<Verdict> verdicts(plan.jobs.size());
  for (JobIndex j : order) {
    const Job& job = plan.jobs[j];
    Verdict v = check.check(job);
    if (!v.run) {
      for (const std::string& in : job.inputs) {
        auto p = plan.producer_of(in);
        if (p && verdicts[*p].run) {
          v = {true, fmt::format("input {} would be remade by {}", in, plan.jobs[*p].id)};
          break;
        }
      }
    }
    verdicts[j] = std::move(v);
  }
  return verdicts;
}

std::unique_ptr<FreshnessCheck> make_state_check(const Config& config, const Plan& plan,
                                                 FileSystem& fs, StateDb& state, Force force,
                                                 const std::vector<JobIndex>& read_ahead) {
  return std::make_unique<StateCheck>(config, plan, fs, state, force, read_ahead);
}

std::size_t adopt_existing_outputs(const Config& config, const Plan& plan, FileSystem& fs,
                                   StateDb& state) {
  std::size_t adopted = 0;
  for (const Job& job : plan.jobs) {
    if (job.inputs.empty() || job.outputs.empty() || config.tasks[job.task].always) continue;
    auto inputs = stamps_of(fs, job.inputs);
    if (!inputs) continue;
    auto outputs = stamps_of(fs, job.outputs);
    if (!outputs) continue;
    std::int64_t newest_input = INT64_MIN, oldest_output = INT64_MAX;
    for (const FileRecord& f : *inputs) newest_input = std::max(newest_input, f.mtime_ns);
    for (const FileRecord& f : *outputs) oldest_output = std::min(oldest_output, f.mtime_ns);
    // Equal times count as up to date: gzip -k and cp -p copy the input's mtime.
    if (newest_input > oldest_output) continue;
    state.record_success(job.id, record_now(config, job, std::move(*inputs), std::move(*outputs)));
    ++adopted;
  }
  return adopted;
}

std::vector<std::string> touch_jobs(const Config& config, const Plan& plan,
                                    const std::vector<JobIndex>& jobs, FileSystem& fs,
                                    StateDb& state) {
  std::vector<std::string> missing;
  for (JobIndex j : jobs) {
    const Job& job = plan.jobs[j];
    std::vector<FileRecord> inputs, outputs;
    for (const std::string& in : job.inputs) inputs.push_back(record_of(in, fs.stat(in)));
    for (const std::string& out : job.outputs) {
      FileStat st = fs.stat(out);
      if (!st.exists()) missing.push_back(out);
      outputs.push_back(record_of(out, st));
    }
    state.record_success(job.id, record_now(config, job, std::move(inputs), std::move(outputs)));
  }
  return missing;
}

Hash128 job_signature(const Config& config, const Job& job) {
  const TaskDecl& task = config.tasks[job.task];
  Hasher h;
  h.update_field("pipeline-signature-1");
  h.update_u64(job.commands.size());
  for (const JobCommand& cmd : job.commands) {
    // A direct command is signed as the shell command it stands for: whether it runs
    // with or without the shell is not a change of the job (PIPELINE_DIRECT_EXEC=0
    // must not rerun everything, nor must the first run of a version that has it).
    if (cmd.kind == JobCommand::Kind::direct) {
      h.update_u64(default_shell().size() + 1);
      for (const std::string& arg : default_shell()) h.update_field(arg);
      h.update_field(cmd.display);
      continue;
    }
    h.update_u64(cmd.argv.size());
    for (const std::string& arg : cmd.argv) h.update_field(arg);
  }
  h.update_field(job.dir);
  h.update_u64(job.env.size());
  for (const auto& [name, value] : job.env) h.update_field(name).update_field(value);
  h.update_field(job.stdout_path).update_field(job.stderr_path);
  h.update_u64(job.inputs.size());
  for (const std::string& in : job.inputs) h.update_field(in);
  h.update_u64(job.outputs.size());
  for (const std::string& out : job.outputs) h.update_field(out);
  h.update_u64(task.sandbox ? 1 : 0);
  h.update_field(task.container ? task.container->text : std::string());
  h.update_u64(task.executor == ExecutorKind::slurm ? 1 : 0);
  return h.digest();
}

}  // namespace pipeline
