// config_cache: a validated Config as a compact binary file (see config_cache.hpp).

#include "pipeline/config_cache.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstring>
#include <initializer_list>

#include "pipeline/util/fd.hpp"

namespace pipeline {

namespace {

// Bump whenever the body's encoding changes, or parse_config starts to produce a
// different Config from the same text (a cache made by the old code would be wrong).
constexpr std::uint32_t k_format_version = 2;
constexpr std::string_view k_magic = "PLCFGC1\n";

// Every field of these structs is written and read by hand below; a field added to
// one of them would silently be lost from cached configs. Their sizes are pinned so
// that such a change stops the build here: serialize the new field, update the size
// and bump k_format_version. Checked on the platform we ship (LP64, libstdc++),
// where the sizes are known; elsewhere the sizes in the header still keep binaries
// apart.
#if defined(__GLIBCXX__) && defined(__LP64__)
#define PIPELINE_PIN_SIZE(Type, bytes)                  \
  static_assert(sizeof(Type) == (bytes), #Type          \
                " changed: serialize the new field in " \
                "config_cache.cpp and bump k_format_version")
PIPELINE_PIN_SIZE(SourcePos, 8);
PIPELINE_PIN_SIZE(LocatedString, 40);
PIPELINE_PIN_SIZE(CommandDecl, 40);
PIPELINE_PIN_SIZE(PathGroup, 64);
PIPELINE_PIN_SIZE(TaskDecl, 416);
PIPELINE_PIN_SIZE(VarValue, 40);
PIPELINE_PIN_SIZE(PipelineSettings, 232);
PIPELINE_PIN_SIZE(Config, 504);
#undef PIPELINE_PIN_SIZE
#endif

// The build identity written after the version: a binary whose structs differ
// (another version of pipeline, another ABI) never takes this cache for its own.
constexpr std::uint32_t k_layout[] = {
    sizeof(SourcePos), sizeof(LocatedString), sizeof(CommandDecl),      sizeof(PathGroup),
    sizeof(TaskDecl),  sizeof(VarValue),      sizeof(PipelineSettings), sizeof(Config),
};
constexpr std::uint32_t k_layout_count = sizeof(k_layout) / sizeof(k_layout[0]);
constexpr std::size_t k_hash_size = 16;

// Lower bounds of the encoded size of one element, so that a count read from a
// damaged file is rejected before it reserves memory for elements that cannot be
// there. A pos takes at least 2 bytes, a string, a count or a number 1.
constexpr std::size_t k_min_string = 1;
constexpr std::size_t k_min_pos = 2;
constexpr std::size_t k_min_located = k_min_string + k_min_pos;
constexpr std::size_t k_min_amount = k_min_string + 1;
constexpr std::size_t k_min_named = k_min_string + k_min_located;
constexpr std::size_t k_min_command = 1 + k_min_pos + 1;
constexpr std::size_t k_min_group = k_min_string + k_min_pos + 1;
constexpr std::size_t k_min_matrix = k_min_string + 1;
// name, pos, description, flags, method, executor, 5 lists, env, retries, retry_delay,
// threads, resources, resource_positions.
constexpr std::size_t k_min_task = 1 + k_min_pos + 1 + 1 + 1 + 1 + 5 + 1 + 1 + 1 + 1 + 1 + 1;

// The booleans of a task and the presence of its optionals, in one varint. The
// positions of keys that most tasks leave out are optional here too: written only
// when known, they cost nothing for the common task.
enum TaskFlag : std::uint32_t {
  k_inputs_named = 1u << 0,
  k_outputs_named = 1u << 1,
  k_always = 1u << 2,
  k_console = 1u << 3,
  k_sandbox = 1u << 4,
  k_has_dir = 1u << 5,
  k_has_stdout = 1u << 6,
  k_has_stderr = 1u << 7,
  k_has_timeout = 1u << 8,
  k_has_container = 1u << 9,
  k_has_matrix_pos = 1u << 10,
  k_has_threads_pos = 1u << 11,
  k_has_resources_pos = 1u << 12,
  k_has_sandbox_pos = 1u << 13,
  k_has_executor_pos = 1u << 14,
  k_all_flags = (1u << 15) - 1,
};

// Switches without a default: a new enumerator is a -Wswitch error until it has a
// code (then add it to the get_enum() call that decodes it).
std::uint8_t code_of(Method m) {
  switch (m) {
    case Method::timestamp:
      return 0;
    case Method::hash:
      return 1;
  }
  return 0;
}
std::uint8_t code_of(ExecutorKind e) {
  switch (e) {
    case ExecutorKind::local:
      return 0;
    case ExecutorKind::slurm:
      return 1;
  }
  return 0;
}
std::uint8_t code_of(CommandDecl::Kind k) {
  switch (k) {
    case CommandDecl::Kind::shell:
      return 0;
    case CommandDecl::Kind::argv:
      return 1;
  }
  return 0;
}

bool known(SourcePos p) { return p.line != 0 || p.column != 0; }

std::uint64_t zigzag(std::int64_t v) {
  return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
}
std::int64_t unzigzag(std::uint64_t v) {
  return static_cast<std::int64_t>(v >> 1) ^ -static_cast<std::int64_t>(v & 1);
}

// Appends little-endian fixed integers, LEB128 varints and length-prefixed strings.
// Positions are written as the difference to the previous known line, so that the
// lines of a 400,000-line file mostly take one byte.
class Writer {
public:
  explicit Writer(std::size_t capacity) { m_out.reserve(capacity); }

  void u8(std::uint8_t v) { m_out.push_back(static_cast<char>(v)); }
  void fixed(std::uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) u8(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  void hash(const Hash128& h) {
    fixed(h.high, 8);
    fixed(h.low, 8);
  }
  void varint(std::uint64_t v) {
    while (v >= 0x80) {
      u8(static_cast<std::uint8_t>(v | 0x80));
      v >>= 7;
    }
    u8(static_cast<std::uint8_t>(v));
  }
  void integer(std::int64_t v) { varint(zigzag(v)); }
  void string(std::string_view s) {
    varint(s.size());
    m_out.append(s);
  }
  // Line 0 (no position) is 0; a known line is 1 + the zigzagged difference.
  void pos(SourcePos p) {
    if (p.line == 0) {
      varint(0);
    } else {
      varint(zigzag(std::int64_t(p.line) - std::int64_t(m_last_line)) + 1);
      m_last_line = p.line;
    }
    varint(p.column);
  }
  void located(const LocatedString& s) {
    string(s.text);
    pos(s.pos);
  }
  std::string& bytes() { return m_out; }

private:
  std::string m_out;
  std::uint32_t m_last_line = 0;
};

// Thrown by Reader at the first byte that is missing or out of range; caught at the
// API boundary, which returns nullopt.
struct Corrupt {};

// Reads what Writer wrote; every read is bounds-checked and every value range-checked.
class Reader {
public:
  explicit Reader(std::string_view bytes) : m_p(bytes.data()), m_end(bytes.data() + bytes.size()) {}

  std::size_t remaining() const { return static_cast<std::size_t>(m_end - m_p); }
  [[noreturn]] static void corrupt() { throw Corrupt{}; }

  std::uint8_t u8() {
    if (m_p == m_end) corrupt();
    return static_cast<std::uint8_t>(*m_p++);
  }
  std::uint64_t fixed(int bytes) {
    if (remaining() < std::size_t(bytes)) corrupt();
    std::uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v |= std::uint64_t(std::uint8_t(*m_p++)) << (8 * i);
    return v;
  }
  Hash128 hash() {
    Hash128 h;
    h.high = fixed(8);
    h.low = fixed(8);
    return h;
  }
  std::uint64_t varint() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      const std::uint8_t byte = u8();
      // The tenth byte holds bit 63 only.
      if (shift == 63 && byte > 1) corrupt();
      v |= std::uint64_t(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) return v;
    }
    corrupt();
  }
  std::uint32_t u32() {
    const std::uint64_t v = varint();
    if (v > UINT32_MAX) corrupt();
    return static_cast<std::uint32_t>(v);
  }
  bool boolean() {
    const std::uint8_t v = u8();
    if (v > 1) corrupt();
    return v == 1;
  }
  std::int64_t integer() { return unzigzag(varint()); }
  int int_value() {
    const std::int64_t v = integer();
    if (v < INT_MIN || v > INT_MAX) corrupt();
    return static_cast<int>(v);
  }
  std::string_view string() {
    const std::uint64_t n = varint();
    if (n > remaining()) corrupt();
    const std::string_view s(m_p, n);
    m_p += n;
    return s;
  }
  // A count of elements that take at least `min_bytes` each.
  std::size_t count(std::size_t min_bytes) {
    const std::uint64_t n = varint();
    if (n > remaining() / min_bytes) corrupt();
    return static_cast<std::size_t>(n);
  }
  SourcePos pos() {
    SourcePos p;
    const std::uint64_t code = varint();
    if (code != 0) {
      // Bounded first, so that the sum cannot overflow.
      const std::int64_t delta = unzigzag(code - 1);
      if (delta < -std::int64_t(UINT32_MAX) || delta > std::int64_t(UINT32_MAX)) corrupt();
      const std::int64_t line = std::int64_t(m_last_line) + delta;
      if (line <= 0 || line > std::int64_t(UINT32_MAX)) corrupt();
      p.line = m_last_line = static_cast<std::uint32_t>(line);
    }
    p.column = u32();
    return p;
  }
  void located(LocatedString& out) {
    out.text.assign(string());
    out.pos = pos();
  }

private:
  const char* m_p;
  const char* m_end;
  std::uint32_t m_last_line = 0;
};

// The enumerator among `all` whose code_of() is the next byte.
template <typename E>
E get_enum(Reader& r, std::initializer_list<E> all) {
  const std::uint8_t code = r.u8();
  for (const E e : all) {
    if (code_of(e) == code) return e;
  }
  r.corrupt();
}

template <typename T, typename Put>
void put_list(Writer& w, const std::vector<T>& items, Put put) {
  w.varint(items.size());
  for (const T& item : items) put(item);
}

template <typename T, typename Get>
void get_list(Reader& r, std::vector<T>& out, std::size_t min_bytes, Get get) {
  const std::size_t n = r.count(min_bytes);
  out.clear();
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) get(out.emplace_back());
}

void put_located_list(Writer& w, const std::vector<LocatedString>& items) {
  put_list(w, items, [&](const LocatedString& s) { w.located(s); });
}
void get_located_list(Reader& r, std::vector<LocatedString>& out) {
  get_list(r, out, k_min_located, [&](LocatedString& s) { r.located(s); });
}

void put_amounts(Writer& w, const std::vector<std::pair<std::string, std::int64_t>>& amounts) {
  put_list(w, amounts, [&](const auto& a) {
    w.string(a.first);
    w.integer(a.second);
  });
}
void get_amounts(Reader& r, std::vector<std::pair<std::string, std::int64_t>>& out) {
  get_list(r, out, k_min_amount, [&](auto& a) {
    a.first.assign(r.string());
    a.second = r.integer();
  });
}

void put_env(Writer& w, const std::vector<std::pair<std::string, LocatedString>>& env) {
  put_list(w, env, [&](const auto& e) {
    w.string(e.first);
    w.located(e.second);
  });
}
void get_env(Reader& r, std::vector<std::pair<std::string, LocatedString>>& out) {
  get_list(r, out, k_min_named, [&](auto& e) {
    e.first.assign(r.string());
    r.located(e.second);
  });
}

void put_groups(Writer& w, const std::vector<PathGroup>& groups) {
  put_list(w, groups, [&](const PathGroup& g) {
    w.string(g.name);
    w.pos(g.pos);
    put_located_list(w, g.patterns);
  });
}
void get_groups(Reader& r, std::vector<PathGroup>& out) {
  get_list(r, out, k_min_group, [&](PathGroup& g) {
    g.name.assign(r.string());
    g.pos = r.pos();
    get_located_list(r, g.patterns);
  });
}

void put_settings(Writer& w, const PipelineSettings& s) {
  put_located_list(w, s.default_targets);
  w.integer(s.jobs);
  put_list(w, s.shell, [&](const std::string& part) { w.string(part); });
  w.string(s.state_dir);
  w.integer(s.log_retention.count());
  w.integer(s.kill_grace.count());
  put_amounts(w, s.resources);
  w.string(s.container_engine);
  w.string(s.slurm_partition);
  w.string(s.slurm_account);
  w.integer(s.slurm_max_jobs);
}
void get_settings(Reader& r, PipelineSettings& s) {
  get_located_list(r, s.default_targets);
  s.jobs = r.int_value();
  get_list(r, s.shell, k_min_string, [&](std::string& part) { part.assign(r.string()); });
  s.state_dir.assign(r.string());
  s.log_retention = Duration(r.integer());
  s.kill_grace = Duration(r.integer());
  get_amounts(r, s.resources);
  s.container_engine.assign(r.string());
  s.slurm_partition.assign(r.string());
  s.slurm_account.assign(r.string());
  s.slurm_max_jobs = r.int_value();
}

void put_task(Writer& w, const TaskDecl& t) {
  w.string(t.name);
  w.pos(t.pos);
  w.string(t.description);
  std::uint32_t flags = 0;
  if (t.inputs_named) flags |= k_inputs_named;
  if (t.outputs_named) flags |= k_outputs_named;
  if (t.always) flags |= k_always;
  if (t.console) flags |= k_console;
  if (t.sandbox) flags |= k_sandbox;
  if (t.dir) flags |= k_has_dir;
  if (t.stdout_path) flags |= k_has_stdout;
  if (t.stderr_path) flags |= k_has_stderr;
  if (t.timeout) flags |= k_has_timeout;
  if (t.container) flags |= k_has_container;
  if (known(t.matrix_pos)) flags |= k_has_matrix_pos;
  if (known(t.threads_pos)) flags |= k_has_threads_pos;
  if (known(t.resources_pos)) flags |= k_has_resources_pos;
  if (known(t.sandbox_pos)) flags |= k_has_sandbox_pos;
  if (known(t.executor_pos)) flags |= k_has_executor_pos;
  w.varint(flags);
  w.u8(code_of(t.method));
  w.u8(code_of(t.executor));
  put_list(w, t.commands, [&](const CommandDecl& c) {
    w.u8(code_of(c.kind));
    w.pos(c.pos);
    put_located_list(w, c.parts);
  });
  put_groups(w, t.inputs);
  put_groups(w, t.outputs);
  put_located_list(w, t.deps);
  put_list(w, t.matrix, [&](const auto& m) {
    w.string(m.first);
    put_located_list(w, m.second);
  });
  if (flags & k_has_matrix_pos) w.pos(t.matrix_pos);
  if (t.dir) w.located(*t.dir);
  put_env(w, t.env);
  if (t.stdout_path) w.located(*t.stdout_path);
  if (t.stderr_path) w.located(*t.stderr_path);
  if (t.timeout) w.integer(t.timeout->count());
  w.integer(t.retries);
  w.integer(t.retry_delay.count());
  w.integer(t.threads);
  if (flags & k_has_threads_pos) w.pos(t.threads_pos);
  put_amounts(w, t.resources);
  put_list(w, t.resource_positions, [&](SourcePos p) { w.pos(p); });
  if (flags & k_has_resources_pos) w.pos(t.resources_pos);
  if (flags & k_has_sandbox_pos) w.pos(t.sandbox_pos);
  if (t.container) w.located(*t.container);
  if (flags & k_has_executor_pos) w.pos(t.executor_pos);
}

void get_task(Reader& r, TaskDecl& t) {
  t.name.assign(r.string());
  t.pos = r.pos();
  t.description.assign(r.string());
  const std::uint64_t flags = r.varint();
  if ((flags & ~std::uint64_t(k_all_flags)) != 0) r.corrupt();
  t.inputs_named = (flags & k_inputs_named) != 0;
  t.outputs_named = (flags & k_outputs_named) != 0;
  t.always = (flags & k_always) != 0;
  t.console = (flags & k_console) != 0;
  t.sandbox = (flags & k_sandbox) != 0;
  t.method = get_enum(r, {Method::timestamp, Method::hash});
  t.executor = get_enum(r, {ExecutorKind::local, ExecutorKind::slurm});
  get_list(r, t.commands, k_min_command, [&](CommandDecl& c) {
    c.kind = get_enum(r, {CommandDecl::Kind::shell, CommandDecl::Kind::argv});
    c.pos = r.pos();
    get_located_list(r, c.parts);
  });
  get_groups(r, t.inputs);
  get_groups(r, t.outputs);
  get_located_list(r, t.deps);
  get_list(r, t.matrix, k_min_matrix, [&](auto& m) {
    m.first.assign(r.string());
    get_located_list(r, m.second);
  });
  if (flags & k_has_matrix_pos) t.matrix_pos = r.pos();
  if (flags & k_has_dir) r.located(t.dir.emplace());
  get_env(r, t.env);
  if (flags & k_has_stdout) r.located(t.stdout_path.emplace());
  if (flags & k_has_stderr) r.located(t.stderr_path.emplace());
  if (flags & k_has_timeout) t.timeout = Duration(r.integer());
  t.retries = r.int_value();
  t.retry_delay = Duration(r.integer());
  t.threads = r.int_value();
  if (flags & k_has_threads_pos) t.threads_pos = r.pos();
  get_amounts(r, t.resources);
  get_list(r, t.resource_positions, k_min_pos, [&](SourcePos& p) { p = r.pos(); });
  if (flags & k_has_resources_pos) t.resources_pos = r.pos();
  if (flags & k_has_sandbox_pos) t.sandbox_pos = r.pos();
  if (flags & k_has_container) r.located(t.container.emplace());
  if (flags & k_has_executor_pos) t.executor_pos = r.pos();
}

// The header of a cache file whose magic and build identity are ours.
struct Header {
  ConfigCacheKey key;
  std::vector<std::string> var_names;  // strictly increasing
  std::string_view body;
};

// The header of `bytes`, or nullopt if they are not a cache file of this format and
// build. Does not check the checksum (see intact()), so that a key mismatch costs
// no hashing of the whole file.
std::optional<Header> read_header(std::string_view bytes) {
  if (bytes.size() < k_magic.size() + k_hash_size || bytes.substr(0, k_magic.size()) != k_magic) {
    return std::nullopt;
  }
  try {
    Reader r(bytes.substr(k_magic.size(), bytes.size() - k_magic.size() - k_hash_size));
    if (r.fixed(4) != k_format_version || r.fixed(4) != k_layout_count) return std::nullopt;
    for (const std::uint32_t size : k_layout) {
      if (r.fixed(4) != size) return std::nullopt;
    }
    Header header;
    header.key.text = r.hash();
    header.key.overrides = r.hash();
    get_list(r, header.var_names, k_min_string, [&](std::string& name) {
      name.assign(r.string());
      const std::size_t i = header.var_names.size() - 1;
      if (i > 0 && !(header.var_names[i - 1] < name)) r.corrupt();
    });
    header.body =
        std::string_view(bytes.data() + bytes.size() - k_hash_size - r.remaining(), r.remaining());
    return header;
  } catch (const Corrupt&) {
    return std::nullopt;
  }
}

// Whether the checksum at the end of `bytes` is the hash of everything before it.
bool intact(std::string_view bytes) {
  Reader r(bytes.substr(bytes.size() - k_hash_size));
  return r.hash() == hash_bytes(bytes.substr(0, bytes.size() - k_hash_size));
}

}  // namespace

ConfigCacheKey config_cache_key(std::string_view text, const std::vector<VarOverride>& overrides,
                                std::string_view binary_identity) {
  return config_cache_key(hash_bytes(text), overrides, binary_identity);
}

ConfigCacheKey config_cache_key(const Hash128& text_hash, const std::vector<VarOverride>& overrides,
                                std::string_view binary_identity) {
  Hasher hasher;
  hasher.update_field(binary_identity);
  hasher.update_u64(overrides.size());
  for (const VarOverride& o : overrides) {
    hasher.update_field(o.name);
    hasher.update_field(o.value);
  }
  return ConfigCacheKey{text_hash, hasher.digest()};
}

std::string encode_config(const Config& config, const ConfigCacheKey& key) {
  // About 100 bytes for a task with one command and one input and output.
  Writer w(4096 + config.tasks.size() * 128);
  w.bytes().append(k_magic);
  w.fixed(k_format_version, 4);
  w.fixed(k_layout_count, 4);
  for (const std::uint32_t size : k_layout) w.fixed(size, 4);
  w.hash(key.text);
  w.hash(key.overrides);
  w.varint(config.vars.size());
  for (const auto& [name, value] : config.vars) w.string(name);

  put_settings(w, config.settings);
  for (const auto& [name, value] : config.vars) {
    put_list(w, value.items, [&](const std::string& item) { w.string(item); });
    w.u8(value.is_list ? 1 : 0);
    w.pos(value.pos);
  }
  put_env(w, config.env);
  put_list(w, config.tasks, [&](const TaskDecl& t) { put_task(w, t); });

  w.hash(hash_bytes(w.bytes()));
  return std::move(w.bytes());
}

std::optional<Config> decode_config(std::string_view bytes, const ConfigCacheKey& key,
                                    SourceFile source, std::string root) {
  std::optional<Header> header = read_header(bytes);
  if (!header || header->key != key || !intact(bytes)) return std::nullopt;
  try {
    Reader r(header->body);
    Config config;
    get_settings(r, config.settings);
    for (std::string& name : header->var_names) {
      VarValue value;
      get_list(r, value.items, k_min_string, [&](std::string& item) { item.assign(r.string()); });
      value.is_list = r.boolean();
      value.pos = r.pos();
      config.vars.emplace_hint(config.vars.end(), std::move(name), std::move(value));
    }
    get_env(r, config.env);
    get_list(r, config.tasks, k_min_task, [&](TaskDecl& t) { get_task(r, t); });
    if (r.remaining() != 0) return std::nullopt;
    config.source = std::move(source);
    config.root = std::move(root);
    config.index_tasks();
    return config;
  } catch (const Corrupt&) {
    return std::nullopt;
  }
}

std::optional<std::vector<std::string>> cached_var_names(std::string_view bytes,
                                                         const Hash128& text) {
  std::optional<Header> header = read_header(bytes);
  if (!header || header->key.text != text || !intact(bytes)) return std::nullopt;
  return std::move(header->var_names);
}

std::optional<std::string> read_cache_file(const std::string& path) {
  Expected<Fd, int> fd = open_cloexec(path.c_str(), O_RDONLY);
  if (!fd) return std::nullopt;
  struct stat st;
  if (::fstat(fd->get(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  std::string bytes;
  // The size is a hint: read until the end, in case the file changes meanwhile.
  bytes.resize(static_cast<std::size_t>(st.st_size) + 1);
  std::size_t used = 0;
  for (;;) {
    if (used == bytes.size()) bytes.resize(bytes.size() * 2);
    const ssize_t n = ::read(fd->get(), bytes.data() + used, bytes.size() - used);
    if (n < 0) {
      if (errno == EINTR) continue;
      return std::nullopt;
    }
    if (n == 0) break;
    used += static_cast<std::size_t>(n);
  }
  bytes.resize(used);
  return bytes;
}

bool write_cache_file(const std::string& path, std::string_view bytes) {
  const std::string temp = path + ".tmp." + std::to_string(::getpid());
  Expected<Fd, int> fd = open_cloexec(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (!fd) return false;
  bool ok = true;
  while (ok && !bytes.empty()) {
    const ssize_t n = ::write(fd->get(), bytes.data(), bytes.size());
    if (n < 0) {
      ok = errno == EINTR;
      continue;
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  // close() reports the errors of delayed writes (NFS, a full disk).
  ok = fd->close() && ok && ::rename(temp.c_str(), path.c_str()) == 0;
  if (!ok) ::unlink(temp.c_str());
  return ok;
}

}  // namespace pipeline

namespace pipeline {

std::string running_binary_identity() {
  struct ::stat st {};
  if (::stat("/proc/self/exe", &st) != 0) return {};
  return std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino) + ":" +
         std::to_string(st.st_size) + ":" + std::to_string(st.st_mtim.tv_sec) + "." +
         std::to_string(st.st_mtim.tv_nsec);
}

}  // namespace pipeline
