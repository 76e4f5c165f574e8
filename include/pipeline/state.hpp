#pragma once
// state: what pipeline remembers between runs (SPEC §5 state.db): per job, the
// signature, the input and output stamps of its last successful run, and its recent
// durations. SQLite in WAL mode; all rows are read once at open, lookups are in memory.
//
// Durability contract. record_success() and forget() change the in-memory view at
// once and queue the change; flush() writes every queued change in one transaction.
// The caller flushes at most every ~200 ms and at the end of a run (the destructor
// flushes too), so thousands of finished jobs a second never wait on fsync. A crash
// or power loss before a flush loses only those records: the jobs rerun. Nothing is
// ever written before its job succeeded, so nothing can look done that is not.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/hash.hpp"

namespace pipeline {

// The stamp of one file as recorded after a successful run (SPEC §3 rules 6 and 7).
struct FileRecord {
  std::string path;             // as the plan names it, relative to the root
  std::int64_t mtime_ns = 0;    // modification time, ns since the epoch
  std::uint64_t size = 0;       // bytes
  std::uint64_t inode = 0;      // inode number
  std::optional<Hash128> hash;  // content hash, only for method = "hash"
  bool operator==(const FileRecord&) const = default;
};

// The last successful run of one job.
struct JobRecord {
  Hash128 signature;                  // of commands, dir, env, paths... (rule 5)
  std::vector<FileRecord> inputs;     // stamps read just before the job started
  std::vector<FileRecord> outputs;    // stamps read just after it ended
  std::int64_t finished_unix_ms = 0;  // when it ended, ms since the epoch
  std::int64_t duration_ms = 0;       // how long it ran
  bool operator==(const JobRecord&) const = default;
};

// The state database of one root. Not thread-safe: use it from one thread.
class StateDb {
public:
  // Opens `path` (STATE_DIR/state.db; the directory must exist) for a run, creating
  // the database if it is missing or empty, and reads every row. A damaged database
  // (not a database, another application's, an unknown schema version, a missing
  // table, a page of the jobs table that cannot be read) is kept as PATH.damaged and
  // replaced by a fresh one (renamed into place: no moment without a file), and
  // *warning gets one line saying what was wrong; otherwise *warning is left empty.
  // A row that does not decode is not damage: that job is simply absent. Throws
  // UserError if the directory is not writable or SQLite cannot work (I/O error,
  // disk full, ...): never rebuilds because of those.
  static StateDb open(const std::string& path, std::string* warning);

  // Opens `path` for the modes that only read (--why, --list): creates, changes and
  // moves nothing. A missing file gives an empty state; a damaged one gives an empty
  // state and a one-line *warning. record_success()/forget() change only the memory
  // view and flush() writes nothing. Throws UserError if SQLite cannot read the file.
  static StateDb open_read_only(const std::string& path, std::string* warning);

  StateDb(StateDb&&) noexcept;
  StateDb& operator=(StateDb&&) noexcept;  // flushes and closes the database replaced
  StateDb(const StateDb&) = delete;
  StateDb& operator=(const StateDb&) = delete;
  // Flushes (errors are swallowed: call flush() first to see them), then closes.
  ~StateDb();

  // Whether this open created a new database (a missing or empty file, or a rebuild).
  // SPEC §3 rule 4: only created() && !rebuilt() adopts up-to-date trees.
  bool created() const;
  // Whether this open found a damaged database and rebuilt it: every job runs once.
  bool rebuilt() const;
  const std::string& path() const;

  // The last successful run of `job_id`, or nullptr if none is recorded (or its row
  // could not be decoded). A loaded row is decoded on its first find(). The pointer
  // stays valid until this job's record changes (record_success, forget) or the
  // StateDb is destroyed.
  const JobRecord* find(std::string_view job_id) const;
  // The same record copied into `out` (reusing its vectors and strings), without
  // keeping a decoded copy here: for reading every record once, as a no-op check of
  // 100,000 jobs does (kept, their decoded copies were ~25 MB). False if none.
  bool read(std::string_view job_id, JobRecord& out) const;
  // The durations in ms of up to the last 5 successful runs, oldest first; empty if
  // none is recorded. forget() keeps them: they describe the job, not its outputs.
  std::vector<std::int64_t> recent_durations(std::string_view job_id) const;
  // The mean of recent_durations in ms (at least 1), or 0 if none is recorded;
  // allocates nothing (asked for every selected job before a run).
  std::int64_t mean_recent_duration(std::string_view job_id) const;
  // How many jobs have a record.
  std::size_t size() const;

  // Records a successful run (replacing any earlier record; its duration_ms joins
  // recent_durations) and queues it for the next flush().
  void record_success(std::string_view job_id, JobRecord record);
  // Removes the success record of `job_id` (find() gives nullptr; recent_durations
  // stay) and queues that for the next flush(), for --clean or a job that starts.
  void forget(std::string_view job_id);
  // Writes every queued change in one transaction. Throws UserError if SQLite cannot
  // write (disk full, I/O error); the changes then stay queued for a later flush().
  // Damage found only now (open reads the jobs table, not SQLite's free list) is
  // handled as at open: the file is moved aside, a fresh one gets this session's
  // successes, rebuilt() becomes true and take_warning() says so.
  void flush();
  // How many jobs have changes waiting for flush().
  std::size_t pending() const;
  // The one-line warning of a rebuild during flush() (then cleared), or "".
  std::string take_warning();

private:
  struct Impl;
  explicit StateDb(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> m_impl;
};

}  // namespace pipeline
