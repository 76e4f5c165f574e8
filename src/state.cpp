#include "pipeline/state.hpp"

#include <fmt/format.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <utility>
#include <vector>

#include "pipeline/error.hpp"

namespace pipeline {

namespace {

// "PPLN": marks the file as ours in the SQLite header (PRAGMA application_id).
constexpr std::int32_t k_application_id = 0x50504c4e;
static_assert(k_application_id == 1347439694, "k_create_schema spells it in decimal");
constexpr std::int64_t k_schema_version = 1;
constexpr const char* k_application_name = "pipeline";
// Version byte leading each encoded file list.
constexpr unsigned char k_files_format = 1;
constexpr std::size_t k_max_durations = 5;

constexpr const char* k_create_schema = R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
INSERT INTO meta(key, value) VALUES ('application', 'pipeline'), ('schema_version', '1');
CREATE TABLE jobs(
  id TEXT PRIMARY KEY,                -- the job id (SPEC 2.3)
  signature BLOB NOT NULL,            -- 16 bytes, big-endian high then low
  inputs BLOB NOT NULL,               -- encode_files()
  outputs BLOB NOT NULL,              -- encode_files()
  finished_unix_ms INTEGER NOT NULL,
  duration_ms INTEGER NOT NULL,
  recent_durations BLOB NOT NULL      -- up to 5 x int64 little-endian, oldest first
) WITHOUT ROWID;
PRAGMA application_id = 1347439694;
PRAGMA user_version = 1;
)sql";

constexpr const char* k_select_jobs =
    "SELECT id, signature, inputs, outputs, finished_unix_ms, duration_ms, "
    "recent_durations FROM jobs";
constexpr const char* k_upsert_job =
    "INSERT INTO jobs(id, signature, inputs, outputs, finished_unix_ms, duration_ms, "
    "recent_durations) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(id) DO UPDATE SET "
    "signature = excluded.signature, inputs = excluded.inputs, outputs = excluded.outputs, "
    "finished_unix_ms = excluded.finished_unix_ms, duration_ms = excluded.duration_ms, "
    "recent_durations = excluded.recent_durations";
constexpr const char* k_delete_job = "DELETE FROM jobs WHERE id = ?1";

// An SQLite call failed; `code` is its (extended) result code.
struct SqliteError : std::runtime_error {
  SqliteError(int c, const std::string& message) : std::runtime_error(message), code(c) {}
  int code;
  int primary() const { return code & 0xff; }
};

// The file is not a usable state database; `what()` says why, for the warning.
struct Damaged : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct DbCloser {
  void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
};
using DbPtr = std::unique_ptr<sqlite3, DbCloser>;

struct StmtFinalizer {
  void operator()(sqlite3_stmt* stmt) const noexcept { sqlite3_finalize(stmt); }
};
using StmtPtr = std::unique_ptr<sqlite3_stmt, StmtFinalizer>;

// Resets a statement on every path out of a scope, so a failed step never leaves it
// holding a read transaction or stale bindings.
class ResetOnExit {
public:
  explicit ResetOnExit(sqlite3_stmt* stmt) : m_stmt(stmt) {}
  ~ResetOnExit() {
    sqlite3_reset(m_stmt);
    sqlite3_clear_bindings(m_stmt);
  }
  ResetOnExit(const ResetOnExit&) = delete;
  ResetOnExit& operator=(const ResetOnExit&) = delete;

private:
  sqlite3_stmt* m_stmt;
};

[[noreturn]] void throw_sqlite(sqlite3* db, int code) {
  throw SqliteError(code, db ? sqlite3_errmsg(db) : sqlite3_errstr(code));
}

// `flags`: SQLITE_PREPARE_PERSISTENT for the statements kept for the whole session.
StmtPtr prepare(sqlite3* db, const char* sql, unsigned flags = 0) {
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v3(db, sql, -1, flags, &stmt, nullptr);
  if (rc != SQLITE_OK) throw_sqlite(db, rc);
  return StmtPtr(stmt);
}

void exec(sqlite3* db, const char* sql) {
  const int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) throw_sqlite(db, rc);
}

// Steps a statement that returns no rows (or whose rows do not matter).
void run(sqlite3* db, sqlite3_stmt* stmt) {
  ResetOnExit reset(stmt);
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
  }
  if (rc != SQLITE_DONE) throw_sqlite(db, rc);
}

// The first column of the first row of `sql`, as text; nullopt if there is no row.
std::optional<std::string> query_text(sqlite3* db, const char* sql) {
  StmtPtr stmt = prepare(db, sql);
  const int rc = sqlite3_step(stmt.get());
  if (rc == SQLITE_DONE) return std::nullopt;
  if (rc != SQLITE_ROW) throw_sqlite(db, rc);
  const unsigned char* text = sqlite3_column_text(stmt.get(), 0);
  return std::string(text ? reinterpret_cast<const char*>(text) : "");
}

std::int64_t query_int(sqlite3* db, const char* sql) {
  StmtPtr stmt = prepare(db, sql);
  const int rc = sqlite3_step(stmt.get());
  if (rc == SQLITE_DONE) return 0;
  if (rc != SQLITE_ROW) throw_sqlite(db, rc);
  return sqlite3_column_int64(stmt.get(), 0);
}

void set_pragmas(sqlite3* db) {
  // WAL + synchronous=NORMAL: a commit does not fsync; a power loss can lose the last
  // commits but never corrupts the file, and losing records only makes jobs rerun.
  exec(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL");
}

// ---- Encoding of the BLOB columns ------------------------------------------------
//
// File list, format 1: the version byte, then varint count, then per file:
//   varint shared     bytes shared with the previous path (front coding: the inputs
//                     of a fan-in job mostly share their directory)
//   varint n, n bytes the rest of the path
//   8 bytes           mtime_ns, little-endian two's complement
//   varint size, varint inode
//   1 byte flags      bit 0: a 16-byte hash (big-endian high, then low) follows
// Varints are unsigned LEB128. Decoding rejects anything else, including trailing
// bytes, so a damaged row is never half-read.

void put_varint(std::string& out, std::uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

void put_u64_le(std::string& out, std::uint64_t value) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(value >> (8 * i)));
}

void put_u64_be(std::string& out, std::uint64_t value) {
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>(value >> (8 * i)));
}

void put_hash(std::string& out, const Hash128& hash) {
  put_u64_be(out, hash.high);
  put_u64_be(out, hash.low);
}

void encode_files(std::string& out, const std::vector<FileRecord>& files) {
  out.clear();
  out.push_back(static_cast<char>(k_files_format));
  put_varint(out, files.size());
  std::string_view previous;
  for (const FileRecord& file : files) {
    std::size_t shared = 0;
    const std::size_t limit = std::min(previous.size(), file.path.size());
    while (shared < limit && previous[shared] == file.path[shared]) ++shared;
    put_varint(out, shared);
    put_varint(out, file.path.size() - shared);
    out.append(file.path, shared, std::string::npos);
    put_u64_le(out, static_cast<std::uint64_t>(file.mtime_ns));
    put_varint(out, file.size);
    put_varint(out, file.inode);
    out.push_back(file.hash ? 1 : 0);
    if (file.hash) put_hash(out, *file.hash);
    previous = file.path;
  }
}

void encode_durations(std::string& out, const std::int64_t* durations, std::size_t count) {
  out.clear();
  for (std::size_t i = 0; i < count; ++i) put_u64_le(out, static_cast<std::uint64_t>(durations[i]));
}

// Reads the encodings above from untrusted bytes: every read is bounds-checked.
class Reader {
public:
  explicit Reader(std::string_view bytes)
      : m_p(reinterpret_cast<const unsigned char*>(bytes.data())), m_end(m_p + bytes.size()) {}

  std::size_t remaining() const { return static_cast<std::size_t>(m_end - m_p); }
  bool byte(unsigned char& out) {
    if (m_p == m_end) return false;
    out = *m_p++;
    return true;
  }
  bool varint(std::uint64_t& out) {
    out = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      unsigned char b;
      if (!byte(b)) return false;
      const std::uint64_t bits = b & 0x7f;
      if (shift == 63 && bits > 1) return false;  // would overflow 64 bits
      out |= bits << shift;
      if (!(b & 0x80)) return true;
    }
    return false;
  }
  bool u64_le(std::uint64_t& out) {
    if (remaining() < 8) return false;
    out = 0;
    for (int i = 0; i < 8; ++i) out |= std::uint64_t{m_p[i]} << (8 * i);
    m_p += 8;
    return true;
  }
  bool u64_be(std::uint64_t& out) {
    if (remaining() < 8) return false;
    out = 0;
    for (int i = 0; i < 8; ++i) out = (out << 8) | m_p[i];
    m_p += 8;
    return true;
  }
  bool bytes(std::size_t n, std::string_view& out) {
    if (remaining() < n) return false;
    out = std::string_view(reinterpret_cast<const char*>(m_p), n);
    m_p += n;
    return true;
  }

private:
  const unsigned char* m_p;
  const unsigned char* m_end;
};

// Decodes a file list into *out, or only validates it when out is null (at load, so
// that a bad row is known to be absent before anyone asks for it).
bool decode_files(std::string_view encoded, std::vector<FileRecord>* out) {
  // The smallest encoded file: shared, n, mtime (8), size, inode, flags.
  constexpr std::size_t k_min_file_bytes = 13;
  Reader in(encoded);
  unsigned char version;
  std::uint64_t count;
  if (!in.byte(version) || version != k_files_format || !in.varint(count)) return false;
  if (count > in.remaining() / k_min_file_bytes) return false;
  // Decoding into an existing vector reuses its elements' strings: a caller that reads
  // record after record into one JobRecord allocates almost nothing.
  if (out) out->resize(static_cast<std::size_t>(count));
  std::uint64_t previous_size = 0;
  for (std::uint64_t i = 0; i < count; ++i) {
    std::uint64_t shared, length, mtime, file_size, inode;
    std::string_view rest;
    unsigned char flags;
    Hash128 hash;
    if (!in.varint(shared) || shared > previous_size) return false;
    if (!in.varint(length) || !in.bytes(length, rest)) return false;
    if (!in.u64_le(mtime) || !in.varint(file_size) || !in.varint(inode)) return false;
    if (!in.byte(flags) || (flags & ~1u) != 0) return false;
    if ((flags & 1) && !(in.u64_be(hash.high) && in.u64_be(hash.low))) return false;
    previous_size = shared + length;
    if (!out) continue;
    FileRecord& file = (*out)[static_cast<std::size_t>(i)];
    file.path.clear();
    if (shared != 0) file.path.append((*out)[static_cast<std::size_t>(i) - 1].path, 0, shared);
    file.path.append(rest);
    file.mtime_ns = static_cast<std::int64_t>(mtime);
    file.size = file_size;
    file.inode = inode;
    file.hash = (flags & 1) ? std::optional<Hash128>(hash) : std::nullopt;
  }
  return in.remaining() == 0;
}

// Append-only bytes with stable addresses, for the ids and encoded file lists of the
// loaded rows: a few large blocks instead of several allocations per job.
class Arena {
public:
  std::string_view store(std::string_view bytes) {
    if (bytes.empty()) return {};
    char* at;
    if (bytes.size() > k_block / 4) {
      // Large values get a block of their own, so the current one is not wasted.
      m_blocks.push_back(std::make_unique_for_overwrite<char[]>(bytes.size()));
      at = m_blocks.back().get();
    } else {
      if (bytes.size() > m_left) {
        m_blocks.push_back(std::make_unique_for_overwrite<char[]>(k_block));
        m_next = m_blocks.back().get();
        m_left = k_block;
      }
      at = m_next;
      m_next += bytes.size();
      m_left -= bytes.size();
    }
    std::memcpy(at, bytes.data(), bytes.size());
    return {at, bytes.size()};
  }
  void clear() {
    m_blocks.clear();
    m_next = nullptr;
    m_left = 0;
  }

private:
  static constexpr std::size_t k_block = 256 * 1024;
  std::vector<std::unique_ptr<char[]>> m_blocks;
  char* m_next = nullptr;
  std::size_t m_left = 0;
};

std::string_view blob_of(sqlite3_stmt* s, int column) {
  const void* data = sqlite3_column_blob(s, column);
  const int size = sqlite3_column_bytes(s, column);
  if (!data || size <= 0) return {};
  return {static_cast<const char*>(data), static_cast<std::size_t>(size)};
}

// ---- Files on disk ----------------------------------------------------------------

std::string directory_of(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// Whether `path` holds a non-empty file (an empty one is what SQLite itself leaves
// when it creates a database and nothing was written yet).
bool has_content(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && st.st_size > 0;
}

void remove_if_present(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    throw UserError(fmt::format("cannot remove {}: {}", path, std::strerror(errno)));
  }
}

// Makes the database open as `db` (new and empty) a state database.
void create_schema(sqlite3* db) {
  set_pragmas(db);
  exec(db, "BEGIN IMMEDIATE");
  try {
    exec(db, k_create_schema);
    exec(db, "COMMIT");
  } catch (...) {
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

// Replaces the damaged database at `path` with an empty one, keeping the damaged file
// as PATH.damaged. The fresh file is built beside it and renamed over it, so a crash
// at any moment leaves the damaged file (found damaged again) or the fresh one, never
// no file at all, which would count as new and adopt the tree (SPEC §3 rule 4). The
// damaged -wal/-shm/-journal are removed first: SQLite would replay them into the
// fresh file. Throws SqliteError or UserError.
void replace_with_fresh(const std::string& path) {
  const std::string aside = path + ".damaged";
  const std::string fresh = path + ".new";
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    remove_if_present(aside + suffix);
    remove_if_present(fresh + suffix);
  }
  // Hard links keep the damaged file (and its WAL) for a post-mortem without a window
  // in which `path` is missing; where links are not supported, a rename does it later.
  const bool linked = ::link(path.c_str(), aside.c_str()) == 0;
  if (linked) (void)::link((path + "-wal").c_str(), (aside + "-wal").c_str());
  {
    sqlite3* raw = nullptr;
    const int rc =
        sqlite3_open_v2(fresh.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
    DbPtr db(raw);
    if (rc != SQLITE_OK) throw_sqlite(raw, rc);
    create_schema(db.get());
  }  // closing checkpoints the WAL into the file and removes it
  for (const char* suffix : {"-wal", "-shm", "-journal"}) remove_if_present(path + suffix);
  if (!linked && ::rename(path.c_str(), aside.c_str()) != 0 && errno != ENOENT) {
    throw UserError(fmt::format("cannot move damaged state database {} to {}: {}", path, aside,
                                std::strerror(errno)));
  }
  if (::rename(fresh.c_str(), path.c_str()) != 0) {
    throw UserError(
        fmt::format("cannot replace damaged state database {}: {}", path, std::strerror(errno)));
  }
}

std::string damage_warning(const std::string& path, const std::string& reason) {
  return fmt::format(
      "state database {} was damaged ({}); moved to {}.damaged and rebuilt: every job runs "
      "once",
      path, reason, path);
}

}  // namespace

// ---- The database -------------------------------------------------------------------

struct StateDb::Impl {
  // What is known about one job id. A loaded row keeps its file lists encoded until
  // find() first asks for them: a plan that selects a few of 100,000 jobs decodes a
  // few, and loading does not allocate per file.
  struct Entry {
    std::string_view id;  // in the arena
    std::uint64_t hash = 0;
    bool live = false;      // has a record (false once forgotten; durations stay)
    bool dirty = false;     // queued for the next flush()
    bool recorded = false;  // live by record_success() in this session
    std::uint8_t duration_count = 0;
    std::array<std::int64_t, k_max_durations> durations{};  // oldest first
    // The row as loaded, while `record` is null.
    Hash128 signature;
    std::int64_t finished_unix_ms = 0;
    std::int64_t duration_ms = 0;
    std::string_view inputs, outputs;  // encoded, in the arena; validated at load
    // Decoded from the row on first use, or recorded in this session. On the heap so
    // that find()'s pointer survives the growth of `entries`.
    mutable std::unique_ptr<JobRecord> record;
  };

  enum class Access { read_write, read_only };

  Impl(std::string p, Access a) : path(std::move(p)), access(a) {}
  ~Impl() {
    try {
      flush();
    } catch (...) {
      // Losing queued records only makes those jobs rerun (see the header).
    }
  }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  std::string path;
  Access access;
  bool created = false;
  bool rebuilt = false;
  DbPtr db;  // declared before the statements, so destroyed after them
  StmtPtr begin, commit, rollback, upsert, remove;

  Arena arena;
  std::vector<Entry> entries;
  // Open addressing over `entries`, linear probing, at most half full: two allocations
  // for 100,000 ids rather than 100,000 nodes. A slot holds the entry's position + 1
  // (0: empty) and the high half of its hash, so probing rarely touches `entries`.
  // Entries are never removed, only marked dead, so no tombstones are needed.
  struct Slot {
    std::uint32_t position = 0;
    std::uint32_t hash_high = 0;
  };
  std::vector<Slot> slots;
  std::size_t live_count = 0;
  std::vector<std::uint32_t> dirty;  // positions in `entries`
  std::string warning;               // from a rebuild while running, until take_warning()
  std::string buffer_signature, buffer_inputs, buffer_outputs, buffer_durations;

  // ---- Lookup

  static std::uint64_t hash_of(std::string_view id) { return std::hash<std::string_view>{}(id); }
  static std::uint32_t high_of(std::uint64_t hash) {
    return static_cast<std::uint32_t>(hash >> 32);
  }

  // The slot holding `id`, or the empty slot where it would go. `slots` is not empty.
  std::size_t slot_of(std::string_view id, std::uint64_t hash) const {
    const std::size_t mask = slots.size() - 1;
    const std::uint32_t high = high_of(hash);
    for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
      const Slot slot = slots[i];
      if (slot.position == 0) return i;
      if (slot.hash_high == high && entries[slot.position - 1].id == id) return i;
    }
  }

  const Entry* lookup(std::string_view id) const {
    if (slots.empty()) return nullptr;
    const std::uint32_t at = slots[slot_of(id, hash_of(id))].position;
    return at == 0 ? nullptr : &entries[at - 1];
  }

  Entry& entry_for(std::string_view id) {
    const std::uint64_t hash = hash_of(id);
    if ((entries.size() + 1) * 2 > slots.size()) grow();
    const std::size_t slot = slot_of(id, hash);
    if (slots[slot].position != 0) return entries[slots[slot].position - 1];
    Entry& entry = entries.emplace_back();
    entry.id = arena.store(id);
    entry.hash = hash;
    slots[slot] = Slot{static_cast<std::uint32_t>(entries.size()), high_of(hash)};
    return entry;
  }

  void grow() { rehash(std::max<std::size_t>(slots.size() * 2, 1024)); }

  // Indexes every entry in a table of at least `size` slots (a power of two).
  void rehash(std::size_t size) {
    while ((entries.size() + 1) * 2 > size) size *= 2;
    slots.assign(size, Slot{});
    const std::size_t mask = size - 1;
    // Each insertion misses the cache once; fetching a few slots ahead overlaps them.
    constexpr std::size_t k_ahead = 8;
    for (std::size_t n = 0; n < entries.size(); ++n) {
      if (n + k_ahead < entries.size()) {
        __builtin_prefetch(&slots[entries[n + k_ahead].hash & mask]);
      }
      Entry& entry = entries[n];
      std::size_t i = entry.hash & mask;
      const std::uint32_t high = high_of(entry.hash);
      for (;; i = (i + 1) & mask) {
        const Slot slot = slots[i];
        if (slot.position == 0) break;
        Entry& other = entries[slot.position - 1];
        if (slot.hash_high == high && other.id == entry.id) {
          // The same id twice (possible only in a damaged table): the later row wins.
          if (other.live) --live_count;
          other.live = false;
          break;
        }
      }
      slots[i] = Slot{static_cast<std::uint32_t>(n + 1), high};
    }
  }

  const JobRecord* record_of(const Entry& entry) const {
    if (!entry.live) return nullptr;
    if (!entry.record) {
      auto record = std::make_unique<JobRecord>();
      if (!decode_into(entry, *record)) return nullptr;
      entry.record = std::move(record);
    }
    return entry.record.get();
  }

  // The loaded row of `entry` (live, not recorded in this session) decoded into `out`.
  static bool decode_into(const Entry& entry, JobRecord& out) {
    out.signature = entry.signature;
    out.finished_unix_ms = entry.finished_unix_ms;
    out.duration_ms = entry.duration_ms;
    // Validated at load, so this cannot fail; if it did, the job would just run.
    return decode_files(entry.inputs, &out.inputs) && decode_files(entry.outputs, &out.outputs);
  }

  void mark_dirty(Entry& entry) {
    if (entry.dirty) return;
    entry.dirty = true;
    dirty.push_back(static_cast<std::uint32_t>(&entry - entries.data()));
  }

  // ---- Opening

  void close_database() {
    remove.reset();
    upsert.reset();
    rollback.reset();
    commit.reset();
    begin.reset();
    db.reset();
  }

  void close() {
    close_database();
    entries.clear();
    slots.clear();
    dirty.clear();
    arena.clear();
    live_count = 0;
    created = false;
  }

  // Opens the file; returns why it is unusable, or nullopt once it is open and loaded.
  // Errors of the environment (I/O, disk full, permissions) are thrown as UserError.
  std::optional<std::string> try_open() {
    try {
      open_and_load();
      return std::nullopt;
    } catch (const Damaged& e) {
      return std::string(e.what());
    } catch (const SqliteError& e) {
      if (e.primary() == SQLITE_NOTADB || e.primary() == SQLITE_CORRUPT) {
        return std::string(e.what());
      }
      throw UserError(fmt::format("cannot use state database {}: {}", path, e.what()));
    }
  }

  // Replaces the damaged file with a fresh one and opens that. The database is closed.
  void reopen_fresh() {
    try {
      replace_with_fresh(path);
    } catch (const SqliteError& e) {
      throw UserError(fmt::format("cannot create state database {}: {}", path, e.what()));
    }
    if (std::optional<std::string> damage = try_open()) {
      throw UserError(fmt::format("cannot create state database {}: {}", path, *damage));
    }
    created = true;
    rebuilt = true;
  }

  void open_and_load() {
    const bool existed = has_content(path);
    const int flags = access == Access::read_write
                          ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
                          : SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX;
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
    db.reset(raw);  // a failed open still returns a handle to close
    if (rc != SQLITE_OK) {
      throw UserError(fmt::format("cannot open state database {}: {}", path,
                                  raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
    }
    sqlite3_extended_result_codes(db.get(), 1);
    // Only a read-only mode (--why) can meet a run's writes; wait for it, briefly.
    sqlite3_busy_timeout(db.get(), 5000);

    if (!existed || is_blank()) {
      if (access == Access::read_write) create_schema(db.get());
      created = true;
    } else {
      check_identity();
      if (access == Access::read_write) set_pragmas(db.get());
      load();
    }
    if (access == Access::read_write) prepare_writes();
  }

  // An SQLite file with no schema and no marks: nothing in it to lose or to trust.
  bool is_blank() {
    return query_int(db.get(), "PRAGMA application_id") == 0 &&
           query_int(db.get(), "PRAGMA user_version") == 0 &&
           query_int(db.get(), "SELECT count(*) FROM sqlite_schema") == 0;
  }

  // Throws Damaged unless the file is a pipeline state database of this schema.
  void check_identity() {
    const std::int64_t application_id = query_int(db.get(), "PRAGMA application_id");
    if (application_id != k_application_id) {
      throw Damaged(fmt::format("not a pipeline state database: application_id {:#x}",
                                static_cast<std::uint32_t>(application_id)));
    }
    const std::int64_t version = query_int(db.get(), "PRAGMA user_version");
    if (version != k_schema_version) {
      throw Damaged(fmt::format("unknown schema version {}, this pipeline reads version {}",
                                version, k_schema_version));
    }
    try {
      const auto application =
          query_text(db.get(), "SELECT value FROM meta WHERE key = 'application'");
      const auto schema =
          query_text(db.get(), "SELECT value FROM meta WHERE key = 'schema_version'");
      if (application != k_application_name || schema != std::to_string(k_schema_version)) {
        throw Damaged("the meta table does not name pipeline schema version 1");
      }
    } catch (const SqliteError& e) {
      if (e.primary() != SQLITE_ERROR) throw;
      throw Damaged(e.what());
    }
  }

  // Reads every row. The jobs table is the only large b-tree (WITHOUT ROWID: no
  // separate index), so this scan reads every page that matters, and a damaged one
  // surfaces here as SQLITE_CORRUPT; this is why no quick_check runs at open.
  void load() {
    StmtPtr select;
    std::int64_t rows;
    try {
      select = prepare(db.get(), k_select_jobs);
      rows = query_int(db.get(), "SELECT count(*) FROM jobs");
    } catch (const SqliteError& e) {
      if (e.primary() != SQLITE_ERROR) throw;
      throw Damaged(e.what());
    }
    // Sizing `entries` once costs a count (a few ms for 100,000 rows) and saves more
    // than that in reallocations. Only a hint: a damaged count cannot ask for much.
    entries.reserve(static_cast<std::size_t>(std::clamp<std::int64_t>(rows, 0, 1 << 24)));
    sqlite3_stmt* s = select.get();
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) load_row(s);
    if (rc != SQLITE_DONE) throw_sqlite(db.get(), rc);
    // Indexed all at once rather than row by row: rehash() overlaps the cache misses.
    rehash(1024);
  }

  // Adds one row. A row that does not decode is left out: absent, so the job runs, and
  // its next success overwrites the row.
  void load_row(sqlite3_stmt* s) {
    if (sqlite3_column_type(s, 0) != SQLITE_TEXT || sqlite3_column_type(s, 4) != SQLITE_INTEGER ||
        sqlite3_column_type(s, 5) != SQLITE_INTEGER) {
      return;
    }
    const std::string_view signature_blob = blob_of(s, 1);
    const std::string_view inputs = blob_of(s, 2);
    const std::string_view outputs = blob_of(s, 3);
    const std::string_view durations = blob_of(s, 6);
    if (durations.size() % 8 != 0 || durations.size() / 8 > k_max_durations) return;
    // An empty signature and file lists: a forgotten job, of which only the durations
    // are kept.
    const bool has_record = !(signature_blob.empty() && inputs.empty() && outputs.empty());
    Hash128 signature;
    if (has_record) {
      Reader signature_in(signature_blob);
      if (signature_blob.size() != 16 || !signature_in.u64_be(signature.high) ||
          !signature_in.u64_be(signature.low)) {
        return;
      }
      if (!decode_files(inputs, nullptr) || !decode_files(outputs, nullptr)) return;
    } else if (durations.empty()) {
      return;
    }

    const std::string_view id(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)),
                              static_cast<std::size_t>(sqlite3_column_bytes(s, 0)));
    Entry& entry = entries.emplace_back();  // indexed by load() once all rows are in
    entry.id = arena.store(id);
    entry.hash = hash_of(id);
    Reader durations_in(durations);
    for (std::uint64_t value = 0; durations_in.u64_le(value);) {
      entry.durations[entry.duration_count++] = static_cast<std::int64_t>(value);
    }
    if (!has_record) return;
    entry.live = true;
    ++live_count;
    entry.signature = signature;
    entry.finished_unix_ms = sqlite3_column_int64(s, 4);
    entry.duration_ms = sqlite3_column_int64(s, 5);
    entry.inputs = arena.store(inputs);
    entry.outputs = arena.store(outputs);
  }

  void prepare_writes() {
    begin = prepare(db.get(), "BEGIN IMMEDIATE", SQLITE_PREPARE_PERSISTENT);
    commit = prepare(db.get(), "COMMIT", SQLITE_PREPARE_PERSISTENT);
    rollback = prepare(db.get(), "ROLLBACK", SQLITE_PREPARE_PERSISTENT);
    upsert = prepare(db.get(), k_upsert_job, SQLITE_PREPARE_PERSISTENT);
    remove = prepare(db.get(), k_delete_job, SQLITE_PREPARE_PERSISTENT);
  }

  // ---- Writing

  void flush() {
    if (dirty.empty()) return;
    if (access == Access::read_only || !db) {
      for (std::uint32_t at : dirty) entries[at].dirty = false;
      dirty.clear();
      return;
    }
    try {
      write_dirty();
    } catch (const SqliteError& e) {
      if (e.primary() != SQLITE_CORRUPT && e.primary() != SQLITE_NOTADB) {
        throw UserError(fmt::format("cannot write state database {}: {}", path, e.what()));
      }
      rebuild_while_running(e.what());
    }
  }

  // Writes the queued changes in one transaction; on failure nothing is written and
  // they stay queued.
  void write_dirty() {
    try {
      run(db.get(), begin.get());
      for (std::uint32_t at : dirty) write(entries[at]);
      run(db.get(), commit.get());
    } catch (const SqliteError&) {
      if (!sqlite3_get_autocommit(db.get())) {
        sqlite3_step(rollback.get());
        sqlite3_reset(rollback.get());
      }
      throw;
    }
    for (std::uint32_t at : dirty) entries[at].dirty = false;
    dirty.clear();
  }

  // Damage the load could not see (the scan reads the jobs table, not the free list)
  // shows when writing. As at open, the file is moved aside and a fresh one holds only
  // what this session recorded: the rows read from the damaged file are not trusted
  // beyond this run.
  void rebuild_while_running(const std::string& reason) {
    close_database();
    reopen_fresh();
    warning = damage_warning(path, reason);
    for (Entry& entry : entries) {
      if (entry.live && entry.recorded) mark_dirty(entry);
    }
    try {
      write_dirty();
    } catch (const SqliteError& e) {
      throw UserError(fmt::format("cannot write state database {}: {}", path, e.what()));
    }
  }

  void write(const Entry& entry) {
    sqlite3* d = db.get();
    const JobRecord* record = record_of(entry);
    if (!record && entry.duration_count == 0) {
      sqlite3_stmt* s = remove.get();
      ResetOnExit reset(s);
      int rc =
          sqlite3_bind_text64(s, 1, entry.id.data(), entry.id.size(), SQLITE_STATIC, SQLITE_UTF8);
      if (rc != SQLITE_OK) throw_sqlite(d, rc);
      if ((rc = sqlite3_step(s)) != SQLITE_DONE) throw_sqlite(d, rc);
      return;
    }
    // A forgotten job keeps its durations in a row without a record: an empty
    // signature, empty file lists.
    buffer_signature.clear();
    buffer_inputs.clear();
    buffer_outputs.clear();
    if (record) {
      put_hash(buffer_signature, record->signature);
      encode_files(buffer_inputs, record->inputs);
      encode_files(buffer_outputs, record->outputs);
    }
    encode_durations(buffer_durations, entry.durations.data(), entry.duration_count);
    sqlite3_stmt* s = upsert.get();
    ResetOnExit reset(s);
    // SQLITE_STATIC: the buffers outlive the step, and the reset unbinds them. A
    // std::string's data() is never null, so an empty one binds x'', not NULL.
    auto bind_blob = [&](int index, const std::string& blob) {
      return sqlite3_bind_blob64(s, index, blob.data(), blob.size(), SQLITE_STATIC);
    };
    int rc =
        sqlite3_bind_text64(s, 1, entry.id.data(), entry.id.size(), SQLITE_STATIC, SQLITE_UTF8);
    if (rc == SQLITE_OK) rc = bind_blob(2, buffer_signature);
    if (rc == SQLITE_OK) rc = bind_blob(3, buffer_inputs);
    if (rc == SQLITE_OK) rc = bind_blob(4, buffer_outputs);
    if (rc == SQLITE_OK) rc = sqlite3_bind_int64(s, 5, record ? record->finished_unix_ms : 0);
    if (rc == SQLITE_OK) rc = sqlite3_bind_int64(s, 6, record ? record->duration_ms : 0);
    if (rc == SQLITE_OK) rc = bind_blob(7, buffer_durations);
    if (rc != SQLITE_OK) throw_sqlite(d, rc);
    if ((rc = sqlite3_step(s)) != SQLITE_DONE) throw_sqlite(d, rc);
  }
};

StateDb::StateDb(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
StateDb::StateDb(StateDb&&) noexcept = default;
StateDb& StateDb::operator=(StateDb&&) noexcept = default;
StateDb::~StateDb() = default;

StateDb StateDb::open(const std::string& path, std::string* warning) {
  if (warning) warning->clear();
  const std::string dir = directory_of(path);
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    throw UserError(
        fmt::format("state directory {} is not writable: {}", dir, std::strerror(errno)));
  }
  auto impl = std::make_unique<Impl>(path, Impl::Access::read_write);
  if (std::optional<std::string> damage = impl->try_open()) {
    impl->close();
    impl->reopen_fresh();
    if (warning) *warning = damage_warning(path, *damage);
  }
  return StateDb(std::move(impl));
}

StateDb StateDb::open_read_only(const std::string& path, std::string* warning) {
  if (warning) warning->clear();
  auto impl = std::make_unique<Impl>(path, Impl::Access::read_only);
  if (!has_content(path)) return StateDb(std::move(impl));
  if (std::optional<std::string> damage = impl->try_open()) {
    impl->close();
    if (warning) {
      *warning =
          fmt::format("state database {} is damaged ({}); ignored here, the next run rebuilds it",
                      path, *damage);
    }
  }
  impl->created = false;
  return StateDb(std::move(impl));
}

bool StateDb::created() const { return m_impl->created; }
bool StateDb::rebuilt() const { return m_impl->rebuilt; }
const std::string& StateDb::path() const { return m_impl->path; }

const JobRecord* StateDb::find(std::string_view job_id) const {
  const Impl::Entry* entry = m_impl->lookup(job_id);
  return entry ? m_impl->record_of(*entry) : nullptr;
}

bool StateDb::read(std::string_view job_id, JobRecord& out) const {
  const Impl::Entry* entry = m_impl->lookup(job_id);
  if (!entry || !entry->live) return false;
  if (entry->record) {
    out = *entry->record;
    return true;
  }
  return Impl::decode_into(*entry, out);
}

std::vector<std::int64_t> StateDb::recent_durations(std::string_view job_id) const {
  const Impl::Entry* entry = m_impl->lookup(job_id);
  if (!entry) return {};
  return {entry->durations.begin(), entry->durations.begin() + entry->duration_count};
}

std::int64_t StateDb::mean_recent_duration(std::string_view job_id) const {
  const Impl::Entry* entry = m_impl->lookup(job_id);
  if (!entry || entry->duration_count == 0) return 0;
  std::int64_t sum = 0;
  for (std::size_t i = 0; i < entry->duration_count; ++i) sum += entry->durations[i];
  return std::max<std::int64_t>(sum / std::int64_t(entry->duration_count), 1);
}

std::size_t StateDb::size() const { return m_impl->live_count; }

void StateDb::record_success(std::string_view job_id, JobRecord record) {
  Impl::Entry& entry = m_impl->entry_for(job_id);
  if (!entry.live) {
    entry.live = true;
    ++m_impl->live_count;
  }
  if (entry.duration_count == k_max_durations) {
    std::move(entry.durations.begin() + 1, entry.durations.end(), entry.durations.begin());
    --entry.duration_count;
  }
  entry.durations[entry.duration_count++] = record.duration_ms;
  entry.recorded = true;
  entry.inputs = entry.outputs = {};
  if (entry.record) {
    *entry.record = std::move(record);
  } else {
    entry.record = std::make_unique<JobRecord>(std::move(record));
  }
  m_impl->mark_dirty(entry);
}

void StateDb::forget(std::string_view job_id) {
  // Queued even when nothing is known: a row that did not decode must go too.
  Impl::Entry& entry = m_impl->entry_for(job_id);
  if (entry.live) --m_impl->live_count;
  entry.live = false;
  entry.recorded = false;
  entry.inputs = entry.outputs = {};
  entry.record.reset();
  m_impl->mark_dirty(entry);
}

void StateDb::flush() { m_impl->flush(); }
std::size_t StateDb::pending() const { return m_impl->dirty.size(); }

std::string StateDb::take_warning() { return std::exchange(m_impl->warning, {}); }

}  // namespace pipeline
