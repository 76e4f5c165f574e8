// config_cache: a validated Config through its binary cache file and back; keys,
// damaged and foreign files, and the file helpers.
#include <fmt/format.h>
#include <stdlib.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <exception>
#include <filesystem>
#include <string>
#include <vector>

#include "pipeline/config.hpp"
#include "pipeline/config_cache.hpp"
#include "pipeline/hash.hpp"
#include "temp_dir.hpp"

using namespace pipeline;
using namespace std::chrono_literals;

namespace {

// A fresh directory per test (kept when the test fails).
struct TempDir : test::TempDir {
  TempDir() : test::TempDir("config-cache") {}
};

// Every key of SPEC §1 that parse_config accepts, each with a value other than its
// default somewhere, so that a field the cache forgets shows up as a difference.
const char* const k_rich_toml = R"([pipeline]
default = ["all", "mosaic"]
jobs = 4
shell = ["/bin/bash", "-euc"]
state_dir = ".state"
log_retention = "7d"
kill_grace = "2s"
[pipeline.resources]
mem_mb = 16000
gpu = 1
[pipeline.container]
engine = "docker"
[pipeline.slurm]
partition = "batch"
account = "lab"
max_jobs = 50

[vars]
raw = "data/raw"
out = "{raw}/out"
flags = ["-O2", "-g"]
bands = ["B01", "{raw}"]

[env]
LC_ALL = "C"
TZ = "UTC"

[tasks.unpack]
description = "Decompress one satellite frame"
inputs  = ["{raw}/{frame}.bz2", "extra"]
outputs = ["work/{frame}.dat"]
cmd     = ["bunzip2", "-kc", "{input}"]
stdout  = "{output}"
stderr  = "logs/{task}.err"
timeout = "10m"
retries = 2
retry_delay = "500ms"

[tasks.calibrate]
inputs  = { table = "calib/table.json", frame = ["work/{frame}.dat", "b"] }
outputs = { nc = "out/{frame}.nc", log = ["l1", "l2"] }
cmd     = "tools/calibrate --table {inputs.table} {inputs.frame} -o {output}"
resources = { mem_mb = 2000, gpu = 1 }
threads = 2
method = "hash"
env = { B = "2", A = "1" }

[tasks.mosaic]
inputs  = ["out/*.nc"]
outputs = ["mosaic.tif"]
cmds    = [
  "tools/mosaic -o {output} {inputs}",
  ["tools/validate", "{output}"],
]
matrix = { level = ["L1", "L2"], band = ["B01"] }
always = true
console = true
sandbox = true
container = "alpine"
executor = "slurm"
dir = "sub"

[tasks.all]
deps = ["mosaic", "calibrate"]
)";

const std::vector<VarOverride> k_overrides = {{"flags", "-O3 -march=native"}, {"raw", "/data"}};

Config parse_rich() { return parse_config("Pipeline.toml", "/project", k_rich_toml, k_overrides); }

std::optional<Config> decode(std::string_view bytes, const ConfigCacheKey& key) {
  return decode_config(bytes, key, SourceFile("Pipeline.toml", k_rich_toml), "/project");
}

// `bytes` with their last 16 bytes (the checksum) replaced by the right checksum, so
// that damage reaches the decoder behind it.
std::string reseal(std::string bytes) {
  bytes.resize(bytes.size() - 16);
  const Hash128 h = hash_bytes(bytes);
  for (const std::uint64_t half : {h.high, h.low}) {
    for (int i = 0; i < 8; ++i) bytes.push_back(static_cast<char>(half >> (8 * i)));
  }
  return bytes;
}

// Field-by-field equality (the structs have no operator==); declared first, as they
// call each other.
bool same(SourcePos a, SourcePos b);
bool same(const LocatedString& a, const LocatedString& b);
bool same(const CommandDecl& a, const CommandDecl& b);
bool same(const PathGroup& a, const PathGroup& b);
template <typename A, typename B>
bool same(const std::pair<A, B>& a, const std::pair<A, B>& b);
template <typename T>
bool same(const std::vector<T>& a, const std::vector<T>& b);
template <typename T>
bool same(const std::optional<T>& a, const std::optional<T>& b);
template <typename T>
bool same(const SparseOptional<T>& a, const SparseOptional<T>& b);

bool same(const std::string& a, const std::string& b) { return a == b; }
bool same(SourcePos a, SourcePos b) { return a.line == b.line && a.column == b.column; }
bool same(const LocatedString& a, const LocatedString& b) {
  return a.text == b.text && same(a.pos, b.pos);
}
template <typename A, typename B>
bool same(const std::pair<A, B>& a, const std::pair<A, B>& b) {
  return same(a.first, b.first) && same(a.second, b.second);
}
template <typename T>
bool same(const std::vector<T>& a, const std::vector<T>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (!same(a[i], b[i])) return false;
  }
  return true;
}
template <typename T>
bool same(const SparseOptional<T>& a, const SparseOptional<T>& b) {
  if (a.has_value() != b.has_value()) return false;
  return !a.has_value() || same(*a, *b);
}
template <typename T>
bool same(const std::optional<T>& a, const std::optional<T>& b) {
  return a.has_value() == b.has_value() && (!a || same(*a, *b));
}
bool same(const CommandDecl& a, const CommandDecl& b) {
  return a.kind == b.kind && same(a.parts, b.parts) && same(a.pos, b.pos);
}
bool same(const PathGroup& a, const PathGroup& b) {
  return a.name == b.name && same(a.patterns, b.patterns) && same(a.pos, b.pos);
}

// Every field of two tasks, one CHECK each, so that a failure names the field.
void check_same(const TaskDecl& a, const TaskDecl& b) {
  INFO("task " << a.name);
  CHECK(a.name == b.name);
  CHECK(same(a.pos, b.pos));
  CHECK(a.description == b.description);
  CHECK(same(a.commands, b.commands));
  CHECK(same(a.inputs, b.inputs));
  CHECK(a.inputs_named == b.inputs_named);
  CHECK(same(a.outputs, b.outputs));
  CHECK(a.outputs_named == b.outputs_named);
  CHECK(same(a.deps, b.deps));
  CHECK(same(a.matrix, b.matrix));
  CHECK(same(a.matrix_pos, b.matrix_pos));
  CHECK(same(a.dir, b.dir));
  CHECK(same(a.env, b.env));
  CHECK(same(a.stdout_path, b.stdout_path));
  CHECK(same(a.stderr_path, b.stderr_path));
  CHECK(a.always == b.always);
  CHECK(a.method == b.method);
  CHECK(a.timeout == b.timeout);
  CHECK(a.retries == b.retries);
  CHECK(a.retry_delay == b.retry_delay);
  CHECK(a.threads == b.threads);
  CHECK(same(a.threads_pos, b.threads_pos));
  CHECK(a.resources == b.resources);
  CHECK(same(a.resource_positions, b.resource_positions));
  CHECK(same(a.resources_pos, b.resources_pos));
  CHECK(a.console == b.console);
  CHECK(a.sandbox == b.sandbox);
  CHECK(same(a.sandbox_pos, b.sandbox_pos));
  CHECK(same(a.container, b.container));
  CHECK(a.executor == b.executor);
  CHECK(same(a.executor_pos, b.executor_pos));
}

void check_same(const Config& a, const Config& b) {
  const PipelineSettings& s = a.settings;
  const PipelineSettings& t = b.settings;
  CHECK(same(s.default_targets, t.default_targets));
  CHECK(s.jobs == t.jobs);
  CHECK(s.shell == t.shell);
  CHECK(s.state_dir == t.state_dir);
  CHECK(s.log_retention == t.log_retention);
  CHECK(s.kill_grace == t.kill_grace);
  CHECK(s.resources == t.resources);
  CHECK(s.container_engine == t.container_engine);
  CHECK(s.slurm_partition == t.slurm_partition);
  CHECK(s.slurm_account == t.slurm_account);
  CHECK(s.slurm_max_jobs == t.slurm_max_jobs);
  REQUIRE(a.vars.size() == b.vars.size());
  for (auto i = a.vars.begin(), j = b.vars.begin(); i != a.vars.end(); ++i, ++j) {
    INFO("var " << i->first);
    CHECK(i->first == j->first);
    CHECK(i->second.items == j->second.items);
    CHECK(i->second.is_list == j->second.is_list);
    CHECK(same(i->second.pos, j->second.pos));
  }
  CHECK(same(a.env, b.env));
  REQUIRE(a.tasks.size() == b.tasks.size());
  for (std::size_t i = 0; i < a.tasks.size(); ++i) check_same(a.tasks[i], b.tasks[i]);
}

}  // namespace

TEST_CASE("a config comes back from its cache field for field", "[config_cache]") {
  const Config original = parse_rich();
  const ConfigCacheKey key = config_cache_key(k_rich_toml, k_overrides);
  const std::string bytes = encode_config(original, key);
  const std::optional<Config> decoded = decode(bytes, key);
  REQUIRE(decoded);

  SECTION("every field") { check_same(original, *decoded); }
  SECTION("encoding the decoded config gives the same bytes") {
    CHECK(encode_config(*decoded, key) == bytes);
  }
  SECTION("source, root and the task index are the caller's") {
    CHECK(decoded->source.display_path() == "Pipeline.toml");
    CHECK(decoded->source.line(4) == "shell = [\"/bin/bash\", \"-euc\"]");
    CHECK(decoded->root == "/project");
    CHECK(decoded->find_task("unpack") == 0);
    CHECK(decoded->find_task("all") == 3);
    CHECK(decoded->find_task("nope") == -1);
  }
  SECTION("spot checks of values and positions") {
    const Config& c = *decoded;
    CHECK(c.settings.shell == std::vector<std::string>{"/bin/bash", "-euc"});
    CHECK(c.settings.log_retention == 7 * 24h);
    CHECK(c.settings.slurm_account == "lab");
    CHECK(c.vars.at("flags").items == std::vector<std::string>{"-O3", "-march=native"});
    CHECK(c.vars.at("flags").is_list);
    CHECK_FALSE(c.vars.at("flags").pos.known());  // overridden
    CHECK(c.vars.at("out").items == std::vector<std::string>{"/data/out"});
    CHECK(c.vars.at("bands").items == std::vector<std::string>{"B01", "/data"});
    CHECK(c.vars.at("bands").pos.line == 22);
    REQUIRE(c.tasks.size() == 4);
    const TaskDecl& unpack = c.tasks[0];
    CHECK(unpack.pos.line == 28);
    CHECK(unpack.pos.column == 8);
    REQUIRE(unpack.commands.size() == 1);
    CHECK(unpack.commands[0].kind == CommandDecl::Kind::argv);
    REQUIRE(unpack.commands[0].parts.size() == 3);
    CHECK(unpack.commands[0].parts[2].text == "{input}");
    CHECK(unpack.commands[0].parts[2].pos.line == 32);
    CHECK(unpack.commands[0].parts[2].pos.column == 30);
    CHECK(unpack.stderr_path->text == "logs/{task}.err");
    CHECK(unpack.timeout == Duration(10min));
    CHECK(unpack.retry_delay == 500ms);
    const TaskDecl& calibrate = c.tasks[1];
    CHECK(calibrate.inputs_named);
    CHECK(calibrate.outputs_named);
    REQUIRE(calibrate.outputs.size() == 2);
    CHECK(calibrate.outputs[0].name == "log");
    CHECK(calibrate.outputs[0].patterns.size() == 2);
    CHECK(calibrate.method == Method::hash);
    CHECK(calibrate.threads == 2);
    REQUIRE(calibrate.resource_positions.size() == 2);
    CHECK(calibrate.resource_positions[1].line == 43);
    const TaskDecl& mosaic = c.tasks[2];
    REQUIRE(mosaic.commands.size() == 2);
    CHECK(mosaic.commands[0].kind == CommandDecl::Kind::shell);
    CHECK(mosaic.matrix.size() == 2);
    CHECK(mosaic.always);
    CHECK(mosaic.console);
    CHECK(mosaic.sandbox);
    CHECK(mosaic.sandbox_pos.line == 58);
    CHECK(mosaic.container->text == "alpine");
    CHECK(mosaic.executor == ExecutorKind::slurm);
    CHECK(mosaic.dir->text == "sub");
    CHECK(c.tasks[3].deps.size() == 2);
  }
}

TEST_CASE("tasks with every field at its default come back from the cache", "[config_cache]") {
  // The smallest encoding of a task: the decoder's lower bound on a task's size must
  // not reject it.
  Config original;
  original.tasks.resize(3);
  for (TaskDecl& t : original.tasks) t.retry_delay = Duration(0);  // its smallest encoding
  original.tasks[1].name = "b";
  original.settings.shell.clear();
  original.index_tasks();
  const ConfigCacheKey key = config_cache_key("", {});
  const std::string bytes = encode_config(original, key);
  const std::optional<Config> decoded = decode_config(bytes, key, SourceFile(), "");
  REQUIRE(decoded);
  check_same(original, *decoded);
  CHECK(decoded->find_task("b") == 1);
}

TEST_CASE("a cache made from other text or other overrides is not used", "[config_cache]") {
  const Config original = parse_rich();
  const ConfigCacheKey key = config_cache_key(k_rich_toml, k_overrides);
  const std::string bytes = encode_config(original, key);
  REQUIRE(decode(bytes, key));

  SECTION("the key is a function of the text and the overrides") {
    CHECK(config_cache_key(k_rich_toml, k_overrides) == key);
  }
  SECTION("other text") {
    const ConfigCacheKey other = config_cache_key(std::string(k_rich_toml) + "\n", k_overrides);
    CHECK_FALSE(other == key);
    CHECK_FALSE(decode(bytes, other));
  }
  SECTION("no overrides") { CHECK_FALSE(decode(bytes, config_cache_key(k_rich_toml, {}))); }
  SECTION("another value") {
    CHECK_FALSE(decode(bytes, config_cache_key(k_rich_toml, {{"flags", "-O3"}, {"raw", "/data"}})));
  }
  SECTION("the same overrides in another order") {
    CHECK_FALSE(decode(bytes, config_cache_key(k_rich_toml, {k_overrides[1], k_overrides[0]})));
  }
  SECTION("the same characters split otherwise between name and value") {
    const ConfigCacheKey a = config_cache_key("", {{"ab", "c"}});
    const ConfigCacheKey b = config_cache_key("", {{"a", "bc"}});
    CHECK_FALSE(a == b);
  }
}

TEST_CASE("a cache of another format version or build is not used", "[config_cache]") {
  const ConfigCacheKey key = config_cache_key(k_rich_toml, k_overrides);
  const std::string bytes = encode_config(parse_rich(), key);
  REQUIRE(decode(reseal(bytes), key));
  SECTION("magic") {
    std::string other = bytes;
    other[0] = 'X';
    CHECK_FALSE(decode(reseal(other), key));
  }
  SECTION("format version") {
    std::string other = bytes;
    other[8] = static_cast<char>(other[8] + 1);
    CHECK_FALSE(decode(reseal(other), key));
    CHECK_FALSE(cached_var_names(reseal(other), key.text));
  }
  SECTION("the size of a struct") {
    std::string other = bytes;
    other[16] = static_cast<char>(other[16] + 8);
    CHECK_FALSE(decode(reseal(other), key));
  }
}

TEST_CASE("every truncation of a cache file is rejected", "[config_cache]") {
  const ConfigCacheKey key = config_cache_key(k_rich_toml, k_overrides);
  const std::string bytes = encode_config(parse_rich(), key);
  REQUIRE(bytes.size() > 100);
  SECTION("as it is") {
    for (std::size_t n = 0; n < bytes.size(); ++n) {
      INFO("prefix of " << n << " bytes");
      CHECK_FALSE(decode(std::string_view(bytes).substr(0, n), key));
      CHECK_FALSE(cached_var_names(std::string_view(bytes).substr(0, n), key.text));
    }
  }
  SECTION("with its checksum made right again, for the decoder to find") {
    for (std::size_t n = 16; n < bytes.size(); ++n) {
      INFO("prefix of " << n - 16 << " bytes");
      std::string prefix = bytes.substr(0, n - 16) + std::string(16, '\0');
      CHECK_FALSE(decode(reseal(std::move(prefix)), key));
    }
  }
  SECTION("with bytes after the end") {
    CHECK_FALSE(decode(bytes + '\0', key));
    const std::string body_and_more =
        bytes.substr(0, bytes.size() - 16) + "x" + bytes.substr(0, 16);
    CHECK_FALSE(decode(reseal(body_and_more), key));
  }
}

TEST_CASE("damaged cache files are rejected or decoded without harm", "[config_cache]") {
  const ConfigCacheKey key = config_cache_key(k_rich_toml, k_overrides);
  const std::string bytes = encode_config(parse_rich(), key);
  SECTION("a changed byte fails the checksum") {
    for (std::size_t i = 0; i < bytes.size(); ++i) {
      std::string damaged = bytes;
      damaged[i] = static_cast<char>(damaged[i] ^ 0x10);
      INFO("byte " << i);
      CHECK_FALSE(decode(damaged, key));
    }
  }
  SECTION("a changed byte behind a right checksum: bounds and ranges hold") {
    int decoded = 0;
    for (std::size_t i = 0; i + 16 < bytes.size(); ++i) {
      for (const unsigned char mask : {0x01, 0x80, 0xff}) {
        std::string damaged = bytes;
        damaged[i] = static_cast<char>(damaged[i] ^ mask);
        const std::optional<Config> config = decode(reseal(std::move(damaged)), key);
        if (config) {
          ++decoded;
          // Whatever came back is a whole Config: its index and tasks can be used.
          for (const TaskDecl& t : config->tasks) (void)config->find_task(t.name);
        }
      }
    }
    // Most damage in strings gives another valid config; damage in counts does not.
    CHECK(decoded > 0);
  }
  SECTION("garbage") {
    CHECK_FALSE(decode("", key));
    CHECK_FALSE(decode("PLCFGC1\n", key));
    CHECK_FALSE(decode(std::string(4096, '\xff'), key));
    CHECK_FALSE(decode(std::string_view(k_rich_toml), key));
    CHECK_FALSE(cached_var_names("", key.text));
  }
}

TEST_CASE("cached_var_names gives the declared vars before the overrides are known",
          "[config_cache]") {
  const ConfigCacheKey key = config_cache_key(k_rich_toml, k_overrides);
  const std::string bytes = encode_config(parse_rich(), key);
  SECTION("for the same text, whatever the overrides") {
    const auto names = cached_var_names(bytes, hash_bytes(k_rich_toml));
    REQUIRE(names);
    CHECK(*names == std::vector<std::string>{"bands", "flags", "out", "raw"});
  }
  SECTION("not for other text") {
    CHECK_FALSE(cached_var_names(bytes, hash_bytes("[vars]\nx = \"1\"\n")));
  }
  SECTION("a file without vars has none, which is not the same as no answer") {
    const std::string text = "[tasks.a]\ncmd = \"true\"\n";
    const ConfigCacheKey k = config_cache_key(text, {});
    const std::string b = encode_config(parse_config("P.toml", "/", text), k);
    const auto names = cached_var_names(b, k.text);
    REQUIRE(names);
    CHECK(names->empty());
  }
}

TEST_CASE("cache files are written atomically and read back", "[config_cache]") {
  TempDir dir;
  const std::string path = dir.file("config.cache");
  const std::string bytes = std::string("binary\0data\n", 12) + std::string(200000, 'x');

  SECTION("round trip, replacing an older file, leaving no temporary file") {
    CHECK_FALSE(read_cache_file(path));
    REQUIRE(write_cache_file(path, "old"));
    REQUIRE(write_cache_file(path, bytes));
    CHECK(read_cache_file(path) == bytes);
    CHECK(std::distance(std::filesystem::directory_iterator(dir.path()),
                        std::filesystem::directory_iterator()) == 1);
  }
  SECTION("an empty file") {
    REQUIRE(write_cache_file(path, ""));
    CHECK(read_cache_file(path) == std::string());
  }
  SECTION("a missing directory is a false, not an error") {
    CHECK_FALSE(write_cache_file(dir.file("missing/config.cache"), bytes));
    CHECK_FALSE(std::filesystem::exists(dir.file("missing")));
  }
  SECTION("a failed rename removes the temporary file") {
    std::filesystem::create_directory(path);  // rename() cannot put a file in its place
    CHECK_FALSE(write_cache_file(path, bytes));
    CHECK(std::distance(std::filesystem::directory_iterator(dir.path()),
                        std::filesystem::directory_iterator()) == 1);
  }
  SECTION("a directory is not a cache file") { CHECK_FALSE(read_cache_file(dir.path())); }
}

// The figures of the cache's purpose: 100,000 explicit tasks. Hidden; run with
//   build/tests/pipeline_unit_tests "[.bench]"
// The first encode also pays for malloc consolidating what toml++ freed; the runs
// after it show the cache's own cost.
TEST_CASE("config cache timings for 100000 tasks", "[.bench]") {
  using Clock = std::chrono::steady_clock;
  const auto since = [](Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  };
  std::string text;
  for (int n = 1; n <= 100000; ++n) {
    text += fmt::format(
        "[tasks.copy_{0}]\ninputs = [\"src/{0}.txt\"]\noutputs = [\"out/{0}.txt\"]\n"
        "cmd = [\"cp\", \"{{input}}\", \"{{output}}\"]\n",
        n);
  }
  auto start = Clock::now();
  const Config config = parse_config("Pipeline.toml", "/project", text);
  fmt::print("parse_config {:.1f} ms\n", since(start));
  start = Clock::now();
  const ConfigCacheKey key = config_cache_key(text, {});
  fmt::print("config_cache_key {:.1f} ms\n", since(start));
  std::string bytes;
  for (int run = 1; run <= 3; ++run) {
    start = Clock::now();
    bytes = encode_config(config, key);
    fmt::print("encode_config #{} {:.1f} ms\n", run, since(start));
  }
  for (int run = 1; run <= 3; ++run) {
    start = Clock::now();
    // Never destroyed, as in the CLI: freeing 100,000 tasks is not the cache's cost.
    auto* decoded = new std::optional<Config>(
        decode_config(bytes, key, SourceFile("Pipeline.toml", text), "/project"));
    fmt::print("decode_config #{} {:.1f} ms\n", run, since(start));
    REQUIRE(*decoded);
    CHECK((*decoded)->tasks.size() == 100000);
    if (run == 3) CHECK(encode_config(**decoded, key) == bytes);
  }
  fmt::print("text {:.1f} MB, cache {:.1f} MB\n", text.size() / 1e6, bytes.size() / 1e6);
}
