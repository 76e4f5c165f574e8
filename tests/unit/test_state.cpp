// state: the SQLite state database — round trips, batching, damage and rebuilds.
#include <fmt/format.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>

#include "pipeline/error.hpp"
#include "pipeline/state.hpp"
#include "temp_dir.hpp"

using namespace pipeline;
namespace fs = std::filesystem;

namespace {

// A fresh directory per test (kept when the test fails).
struct TempDir : test::TempDir {
  TempDir() : test::TempDir("state") {}
};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_file(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  REQUIRE(out.good());
}

std::string random_bytes(std::size_t n, unsigned seed) {
  std::mt19937 generator(seed);
  std::string bytes(n, '\0');
  for (char& c : bytes) c = static_cast<char>(generator());
  return bytes;
}

// Runs SQL on a database file directly, as another program (or a damaged disk) would.
void sql(const std::string& path, const std::string& statements) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  char* message = nullptr;
  const int rc = sqlite3_exec(db, statements.c_str(), nullptr, nullptr, &message);
  INFO(statements << ": " << (message ? message : ""));
  sqlite3_free(message);
  sqlite3_close(db);
  REQUIRE(rc == SQLITE_OK);
}

FileRecord file_record(std::string path, std::int64_t mtime_ns, std::optional<Hash128> hash = {}) {
  return FileRecord{std::move(path), mtime_ns, 1000 + static_cast<std::uint64_t>(mtime_ns % 7), 42,
                    hash};
}

JobRecord job_record(int n) {
  JobRecord record;
  record.signature = hash_bytes(fmt::format("signature {}", n));
  record.inputs = {
      file_record(fmt::format("data/raw/{:05}.bz2", n), 1'700'000'000'000'000'000 + n)};
  record.outputs = {file_record(fmt::format("work/{:05}.dat", n), 1'700'000'000'500'000'000 + n)};
  record.finished_unix_ms = 1'700'000'000'000 + n;
  record.duration_ms = n;
  return record;
}

// The variety the encoding must keep: shared prefixes, repeated and empty paths,
// extreme numbers, hashes on some files only, no files at all.
JobRecord unusual_record() {
  JobRecord record;
  record.signature = Hash128{0xffffffffffffffffull, 1};
  record.inputs = {
      file_record("out/0001.nc", 1, hash_bytes("one")),
      file_record("out/0002.nc", -5),
      file_record("out/0002.nc", 0, Hash128{}),
      file_record("", 3),
      file_record("a b;rm -rf ~/\xc3\xa9t\xc3\xa9", INT64_MIN),
      FileRecord{"z", INT64_MAX, UINT64_MAX, UINT64_MAX, std::nullopt},
      file_record(std::string(300, 'x'), 9, hash_bytes("x")),
  };
  record.outputs = {};
  record.finished_unix_ms = -1;
  record.duration_ms = 0;
  return record;
}

StateDb open_db(const std::string& path) {
  std::string warning;
  StateDb db = StateDb::open(path, &warning);
  CHECK(warning.empty());
  return db;
}

}  // namespace

TEST_CASE("a new state database is created not rebuilt", "[state]") {
  TempDir dir;
  const std::string path = dir.file("state.db");
  SECTION("a missing file") {}
  SECTION("an empty file") { write_file(path, ""); }
  SECTION("an empty SQLite database") { sql(path, "PRAGMA user_version = 0; VACUUM"); }
  {
    std::string warning = "stale";
    StateDb db = StateDb::open(path, &warning);
    CHECK(warning.empty());
    CHECK(db.created());
    CHECK_FALSE(db.rebuilt());
    CHECK(db.size() == 0);
    CHECK(db.find("anything") == nullptr);
    CHECK(db.path() == path);
  }
  StateDb again = open_db(path);
  CHECK_FALSE(again.created());
  CHECK_FALSE(again.rebuilt());
  CHECK_FALSE(fs::exists(path + ".damaged"));
}

TEST_CASE("a record survives close and reopen", "[state]") {
  TempDir dir;
  const std::string path = dir.file("state.db");
  {
    StateDb db = open_db(path);
    db.record_success("unpack[frame=0042]", job_record(42));
    db.record_success("odd", unusual_record());
    REQUIRE(db.find("odd") != nullptr);
    CHECK(*db.find("odd") == unusual_record());  // visible before any flush
    db.flush();
  }
  StateDb db = open_db(path);
  CHECK_FALSE(db.created());
  CHECK(db.size() == 2);
  REQUIRE(db.find("unpack[frame=0042]") != nullptr);
  CHECK(*db.find("unpack[frame=0042]") == job_record(42));
  REQUIRE(db.find("odd") != nullptr);
  CHECK(*db.find("odd") == unusual_record());
  CHECK(db.find("unpack[frame=0043]") == nullptr);
  CHECK(db.find("unpack") == nullptr);
}

TEST_CASE("read copies records into one reused JobRecord", "[state]") {
  TempDir dir;
  const std::string path = dir.file("state.db");
  {
    StateDb db = open_db(path);
    db.record_success("odd", unusual_record());
    db.record_success("plain", job_record(7));
    db.flush();
  }
  StateDb db = open_db(path);
  db.record_success("fresh", job_record(9));  // recorded in this session, not loaded
  JobRecord scratch;
  // From longer file lists with hashes to shorter ones without, and back: nothing of
  // the previous record may remain.
  REQUIRE(db.read("odd", scratch));
  CHECK(scratch == unusual_record());
  REQUIRE(db.read("plain", scratch));
  CHECK(scratch == job_record(7));
  REQUIRE(db.read("odd", scratch));
  CHECK(scratch == unusual_record());
  REQUIRE(db.read("fresh", scratch));
  CHECK(scratch == job_record(9));
  CHECK_FALSE(db.read("never-recorded", scratch));
  db.forget("plain");
  CHECK_FALSE(db.read("plain", scratch));
}

TEST_CASE("flush writes the newest record in batches", "[state]") {
  TempDir dir;
  const std::string path = dir.file("state.db");
  const std::string snapshot = dir.file("snapshot.db");
  {
    StateDb db = open_db(path);
    db.record_success("a", job_record(1));
    db.record_success("b", job_record(2));
    db.record_success("a", job_record(3));
    CHECK(db.pending() == 2);
    db.flush();
    CHECK(db.pending() == 0);
    db.record_success("a", job_record(4));
    db.record_success("c", job_record(5));
    db.flush();
    db.record_success("b", job_record(6));
    db.record_success("d", job_record(7));

    // What a crash now would leave on disk: the flushed records, not the queued ones.
    fs::copy_file(path, snapshot);
    fs::copy_file(path + "-wal", snapshot + "-wal");
    StateDb crashed = open_db(snapshot);
    CHECK(crashed.size() == 3);
    CHECK(*crashed.find("a") == job_record(4));
    CHECK(*crashed.find("b") == job_record(2));
    CHECK(*crashed.find("c") == job_record(5));
    CHECK(crashed.find("d") == nullptr);
  }  // the destructor flushes b and d
  StateDb db = open_db(path);
  CHECK(db.size() == 4);
  CHECK(*db.find("a") == job_record(4));
  CHECK(*db.find("b") == job_record(6));
  CHECK(*db.find("c") == job_record(5));
  CHECK(*db.find("d") == job_record(7));
}

TEST_CASE("forget removes a job's record but not its durations", "[state]") {
  TempDir dir;
  const std::string path = dir.file("state.db");
  {
    StateDb db = open_db(path);
    db.record_success("a", job_record(1));
    db.record_success("b", job_record(2));
    db.record_success("b", job_record(3));
    db.flush();
    db.forget("a");
    db.forget("never-recorded");
    CHECK(db.find("a") == nullptr);
    CHECK(db.recent_durations("a") == std::vector<std::int64_t>{1});
    CHECK(db.size() == 1);
    db.flush();
  }
  {
    StateDb db = open_db(path);
    CHECK(db.find("a") == nullptr);
    CHECK(db.recent_durations("a") == std::vector<std::int64_t>{1});
    CHECK(db.find("b") != nullptr);
    CHECK(db.find("never-recorded") == nullptr);
    CHECK(db.recent_durations("never-recorded").empty());
    CHECK(db.size() == 1);
    db.forget("b");
    db.record_success("a", job_record(4));
    REQUIRE(db.find("a") != nullptr);
    CHECK(*db.find("a") == job_record(4));
    CHECK(db.recent_durations("a") == std::vector<std::int64_t>{1, 4});
  }
  StateDb db = open_db(path);
  CHECK(db.find("b") == nullptr);
  CHECK(db.recent_durations("b") == std::vector<std::int64_t>{2, 3});
  CHECK(db.mean_recent_duration("b") == 2);  // (2 + 3) / 2, rounded down
  CHECK(db.mean_recent_duration("never-recorded") == 0);
  REQUIRE(db.find("a") != nullptr);
  CHECK(db.recent_durations("a") == std::vector<std::int64_t>{1, 4});
  CHECK(db.size() == 1);
}

TEST_CASE("recent durations keep the last five", "[state]") {
  TempDir dir;
  const std::string path = dir.file("state.db");
  {
    StateDb db = open_db(path);
    CHECK(db.recent_durations("a").empty());
    for (int n = 1; n <= 3; ++n) db.record_success("a", job_record(n));
    CHECK(db.recent_durations("a") == std::vector<std::int64_t>{1, 2, 3});
    db.flush();
  }
  {
    StateDb db = open_db(path);
    CHECK(db.recent_durations("a") == std::vector<std::int64_t>{1, 2, 3});
    for (int n = 4; n <= 7; ++n) db.record_success("a", job_record(n));
    CHECK(db.recent_durations("a") == std::vector<std::int64_t>{3, 4, 5, 6, 7});
  }
  StateDb db = open_db(path);
  CHECK(db.recent_durations("a") == std::vector<std::int64_t>{3, 4, 5, 6, 7});
  CHECK(db.mean_recent_duration("a") == 5);
  CHECK(db.find("a")->duration_ms == 7);
}

TEST_CASE("a damaged state database is rebuilt with a warning", "[state]") {
  TempDir dir;
  const std::string path = dir.file("state.db");
  std::string expected_reason;

  SECTION("random bytes") {
    write_file(path, random_bytes(10000, 1));
    expected_reason = "file is not a database";
  }
  SECTION("a few bytes") {
    write_file(path, "SQLite");
    expected_reason = "file is not a database";
  }
  SECTION("a truncated database") {
    {
      StateDb db = open_db(path);
      for (int n = 0; n < 2000; ++n) db.record_success(fmt::format("job{}", n), job_record(n));
    }
    const std::string content = read_file(path);
    REQUIRE(content.size() > 40000);
    write_file(path, content.substr(0, content.size() / 2));
  }
  SECTION("another application's database") {
    sql(path, "CREATE TABLE foo(x); INSERT INTO foo VALUES (1)");
    expected_reason = "not a pipeline state database";
  }
  SECTION("a future schema version") {
    { StateDb db = open_db(path); }
    sql(path, "PRAGMA user_version = 2");
    expected_reason = "unknown schema version 2";
  }
  SECTION("a missing table") {
    { StateDb db = open_db(path); }
    sql(path, "DROP TABLE jobs");
    expected_reason = "no such table: jobs";
  }
  SECTION("a meta table that names something else") {
    { StateDb db = open_db(path); }
    sql(path, "UPDATE meta SET value = '7' WHERE key = 'schema_version'");
    expected_reason = "meta table";
  }
  SECTION("a stale -wal of another database beside it") {
    write_file(path, random_bytes(4096, 2));
    write_file(path + "-wal", random_bytes(4096, 3));
    write_file(path + "-shm", random_bytes(32768, 4));
  }

  const std::string damaged = read_file(path);
  std::string warning;
  {
    StateDb db = StateDb::open(path, &warning);
    CHECK(db.created());
    CHECK(db.rebuilt());
    CHECK(db.size() == 0);
    db.record_success("after", job_record(1));
  }
  INFO(warning);
  CHECK(warning.find("state database " + path + " was damaged (") == 0);
  CHECK(warning.find("rebuilt: every job runs once") != std::string::npos);
  CHECK(warning.find(expected_reason) != std::string::npos);
  CHECK(warning.find('\n') == std::string::npos);
  CHECK(read_file(path + ".damaged") == damaged);
  CHECK_FALSE(fs::exists(path + ".new"));

  StateDb db = open_db(path);
  CHECK_FALSE(db.created());
  CHECK_FALSE(db.rebuilt());
  CHECK(db.find("after") != nullptr);
}

TEST_CASE("damage found while flushing is rebuilt too", "[state]") {
  TempDir dir;
  const std::string path = dir.file("state.db");
  {
    StateDb db = open_db(path);
    for (int n = 0; n < 3000; ++n) db.record_success(fmt::format("old{}", n), job_record(n));
  }
  sql(path, "DELETE FROM jobs WHERE CAST(substr(id, 4) AS INTEGER) < 2500");  // frees pages
  // Overwrite the first free-list trunk page: the load never reads it, a write does.
  std::string content = read_file(path);
  auto u32_at = [&](std::size_t offset) {
    std::uint32_t value = 0;
    for (std::size_t i = 0; i < 4; ++i)
      value = (value << 8) | static_cast<unsigned char>(content[offset + i]);
    return value;
  };
  const std::size_t page_size =
      (static_cast<unsigned char>(content[16]) << 8) | static_cast<unsigned char>(content[17]);
  const std::uint32_t trunk = u32_at(32);
  REQUIRE(trunk != 0);
  content.replace((trunk - 1) * page_size, page_size, std::string(page_size, '\xff'));
  write_file(path, content);

  {
    StateDb db = open_db(path);
    CHECK_FALSE(db.rebuilt());
    CHECK(db.size() == 500);
    for (int n = 0; n < 3000; ++n) db.record_success(fmt::format("new{}", n), job_record(n));
    db.flush();
    const std::string warning = db.take_warning();
    INFO(warning);
    CHECK(warning.find("state database " + path + " was damaged (") == 0);
    CHECK(db.take_warning().empty());
    CHECK(db.rebuilt());
    CHECK(fs::exists(path + ".damaged"));
    db.record_success("later", job_record(1));
  }
  StateDb db = open_db(path);
  CHECK(db.size() == 3001);
  CHECK(db.find("old2999") == nullptr);
  CHECK(db.find("new2999") != nullptr);
  CHECK(db.find("later") != nullptr);
}

TEST_CASE("an undecodable row is treated as absent", "[state]") {
  TempDir dir;
  const std::string path = dir.file("state.db");
  {
    StateDb db = open_db(path);
    db.record_success("bad", unusual_record());
    db.record_success("good", job_record(2));
  }
  const std::string where = " WHERE id = 'bad'";
  const std::string inputs_length = "(SELECT length(inputs) FROM jobs" + where + ")";

  SECTION("garbage inputs") { sql(path, "UPDATE jobs SET inputs = randomblob(100)" + where); }
  SECTION("an empty blob") { sql(path, "UPDATE jobs SET outputs = x''" + where); }
  SECTION("an unknown format version") {
    sql(path, "UPDATE jobs SET inputs = x'02' || substr(inputs, 2)" + where);
  }
  SECTION("a trailing byte") { sql(path, "UPDATE jobs SET inputs = inputs || x'00'" + where); }
  SECTION("a huge count") {
    sql(path, "UPDATE jobs SET inputs = x'01ffffffffffffffffff01'" + where);
  }
  SECTION("a short signature") { sql(path, "UPDATE jobs SET signature = x'0102'" + where); }
  SECTION("text where a number belongs") {
    sql(path, "UPDATE jobs SET duration_ms = 'soon'" + where);
  }
  SECTION("six durations") { sql(path, "UPDATE jobs SET recent_durations = zeroblob(48)" + where); }
  SECTION("every truncation of the inputs") {
    std::string original_length;
    {
      sqlite3* raw = nullptr;
      REQUIRE(sqlite3_open(path.c_str(), &raw) == SQLITE_OK);
      sqlite3_stmt* stmt = nullptr;
      REQUIRE(sqlite3_prepare_v2(raw, ("SELECT " + inputs_length).c_str(), -1, &stmt, nullptr) ==
              SQLITE_OK);
      REQUIRE(sqlite3_step(stmt) == SQLITE_ROW);
      original_length = std::to_string(sqlite3_column_int(stmt, 0));
      sqlite3_finalize(stmt);
      sqlite3_close(raw);
    }
    sql(path, "CREATE TABLE original AS SELECT inputs FROM jobs" + where);
    for (int n = 0; n < std::stoi(original_length); ++n) {
      sql(path,
          fmt::format("UPDATE jobs SET inputs = substr((SELECT inputs FROM original), 1, {}){}", n,
                      where));
      StateDb db = open_db(path);
      INFO("truncated to " << n << " of " << original_length << " bytes");
      REQUIRE(db.find("bad") == nullptr);
      REQUIRE(db.find("good") != nullptr);
    }
  }

  {
    StateDb db = open_db(path);
    CHECK_FALSE(db.rebuilt());
    CHECK(db.find("bad") == nullptr);
    CHECK(db.recent_durations("bad").empty());
    REQUIRE(db.find("good") != nullptr);
    CHECK(*db.find("good") == job_record(2));
    db.record_success("bad", job_record(3));
  }
  StateDb db = open_db(path);
  REQUIRE(db.find("bad") != nullptr);
  CHECK(*db.find("bad") == job_record(3));
}

TEST_CASE("a read-only open changes nothing", "[state]") {
  TempDir dir;
  const std::string path = dir.file("state.db");
  std::string warning = "stale";

  SECTION("a missing database reads as empty and is not created") {
    StateDb db = StateDb::open_read_only(path, &warning);
    CHECK(warning.empty());
    CHECK(db.size() == 0);
    CHECK_FALSE(db.created());
    db.record_success("a", job_record(1));
    db.flush();
    CHECK_FALSE(fs::exists(path));
  }
  SECTION("an existing database is read") {
    { open_db(path).record_success("a", job_record(1)); }
    const std::string before = read_file(path);
    {
      StateDb db = StateDb::open_read_only(path, &warning);
      CHECK(warning.empty());
      REQUIRE(db.find("a") != nullptr);
      CHECK(*db.find("a") == job_record(1));
      db.forget("a");
    }
    CHECK(read_file(path) == before);
    CHECK(open_db(path).find("a") != nullptr);
  }
  SECTION("a damaged database is reported and left alone") {
    const std::string garbage = random_bytes(5000, 5);
    write_file(path, garbage);
    StateDb db = StateDb::open_read_only(path, &warning);
    CHECK(warning.find("is damaged (file is not a database)") != std::string::npos);
    CHECK(db.size() == 0);
    CHECK(read_file(path) == garbage);
    CHECK_FALSE(fs::exists(path + ".damaged"));
  }
}

TEST_CASE("a state directory that cannot be written is an error", "[state]") {
  TempDir dir;
  std::string warning;
  SECTION("a missing directory") {
    CHECK_THROWS_WITH(StateDb::open(dir.file("nowhere/state.db"), &warning),
                      Catch::Contains("state directory " + dir.file("nowhere") +
                                      " is not writable: No such file or directory"));
  }
  SECTION("a read-only directory") {
    if (::geteuid() == 0) return;  // root writes anywhere
    REQUIRE(::chmod(dir.path().c_str(), 0500) == 0);
    CHECK_THROWS_AS(StateDb::open(dir.file("state.db"), &warning), UserError);
    ::chmod(dir.path().c_str(), 0700);
  }
  SECTION("a directory where the database should be") {
    fs::create_directory(dir.file("state.db"));
    CHECK_THROWS_AS(StateDb::open(dir.file("state.db"), &warning), UserError);
  }
}

TEST_CASE("loading 100000 records is fast", "[.perf][state_perf]") {
  using Clock = std::chrono::steady_clock;
  auto ms_since = [](Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  };
  TempDir dir;
  const std::string path = dir.file("state.db");
  constexpr int k_jobs = 100'000;
  std::vector<std::string> ids;
  for (int n = 0; n < k_jobs; ++n) ids.push_back(fmt::format("unpack[frame={:05}]", n));
  {
    StateDb db = open_db(path);
    for (int n = 0; n < k_jobs; ++n) db.record_success(ids[n], job_record(n));
    const auto start = Clock::now();
    db.flush();
    fmt::print("flush of {} records in one transaction: {:.1f} ms\n", k_jobs, ms_since(start));
  }
  fmt::print("state.db: {:.1f} MB\n", static_cast<double>(fs::file_size(path)) / 1e6);
  // The best of a few rounds: this measures the code, not the neighbours on the machine.
  double best_open = 1e9, best_first = 1e9, best_again = 1e9;
  for (int round = 0; round < 5; ++round) {
    auto start = Clock::now();
    StateDb db = open_db(path);
    best_open = std::min(best_open, ms_since(start));
    REQUIRE(db.size() == static_cast<std::size_t>(k_jobs));
    std::size_t found = 0;
    start = Clock::now();
    for (const std::string& id : ids) found += db.find(id) != nullptr;
    best_first = std::min(best_first, ms_since(start));
    start = Clock::now();
    for (const std::string& id : ids) found += db.find(id) != nullptr;
    best_again = std::min(best_again, ms_since(start));
    CHECK(found == 2 * ids.size());
  }
  fmt::print("open + load of {} records: {:.1f} ms\n", k_jobs, best_open);
  fmt::print("{} first finds (decoding): {:.1f} ms; again: {:.1f} ms\n", k_jobs, best_first,
             best_again);
  CHECK(best_open < 100);
}
