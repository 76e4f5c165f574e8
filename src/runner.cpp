// The local process runner: posix_spawn, one SIGCHLD handle, one output pipe per
// process read through libuv.

#include "pipeline/runner.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <spawn.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <utility>
#include <vector>

#include "pipeline/util/fd.hpp"

namespace pipeline {
namespace {

// Output is read in chunks of at most this size into one buffer the runner owns, so
// the memory held for output does not grow with how much a process prints.
constexpr std::size_t k_read_buffer_size = 64 * 1024;
// The PATH used for the lookup when the spec's environment has none.
constexpr std::string_view k_default_path = "/usr/local/bin:/usr/bin:/bin";
// Signals a child gets with their default action, whatever we (or whoever started
// us, e.g. nohup, or a shell ignoring SIGINT for background jobs) made of them.
constexpr int k_default_signals[] = {SIGINT, SIGTERM, SIGQUIT, SIGPIPE, SIGCHLD,
                                     SIGHUP, SIGTSTP, SIGTTIN, SIGTTOU};

std::string errno_text(int err) { return std::generic_category().message(err); }

// Owns a heap-allocated libuv handle that uv_*_init has initialized. Destroying it
// uv_close()s the handle; the close callback frees the memory, so the owner may be
// gone by the time the loop runs that callback.
template <typename T>
class UvHandle {
public:
  UvHandle() = default;
  explicit UvHandle(std::unique_ptr<T> initialized) : m_handle(initialized.release()) {}
  UvHandle(UvHandle&& other) noexcept : m_handle(std::exchange(other.m_handle, nullptr)) {}
  UvHandle& operator=(UvHandle&& other) noexcept {
    if (this != &other) {
      reset();
      m_handle = std::exchange(other.m_handle, nullptr);
    }
    return *this;
  }
  ~UvHandle() { reset(); }

  T* get() const { return m_handle; }
  uv_handle_t* handle() const { return reinterpret_cast<uv_handle_t*>(m_handle); }
  uv_stream_t* stream() const { return reinterpret_cast<uv_stream_t*>(m_handle); }
  explicit operator bool() const { return m_handle != nullptr; }

  // Closes the handle (no callback of it runs after this) and owns nothing.
  void reset() {
    if (m_handle == nullptr) return;
    uv_handle_t* handle = this->handle();
    handle->data = nullptr;
    m_handle = nullptr;
    uv_close(handle, [](uv_handle_t* closed) { delete reinterpret_cast<T*>(closed); });
  }

private:
  T* m_handle = nullptr;
};

// posix_spawn attributes, identical for every child.
class SpawnAttributes {
public:
  // own_group: a process group of its own (pgid = pid), so that a terminal's Ctrl-C
  // reaches us, not the jobs, and signal_group() reaches a job's grandchildren too.
  // Otherwise (console jobs) the child stays in our group, which is the terminal's
  // foreground group when we are: it can read the terminal and gets its Ctrl-C.
  explicit SpawnAttributes(bool own_group) {
    check(posix_spawnattr_init(&m_attr), "posix_spawnattr_init");
    check(posix_spawnattr_setpgroup(&m_attr, 0), "posix_spawnattr_setpgroup");
    sigset_t mask;
    sigemptyset(&mask);
    check(posix_spawnattr_setsigmask(&m_attr, &mask), "posix_spawnattr_setsigmask");
    sigset_t defaults;
    sigemptyset(&defaults);
    for (int signal : k_default_signals) sigaddset(&defaults, signal);
    check(posix_spawnattr_setsigdefault(&m_attr, &defaults), "posix_spawnattr_setsigdefault");
    short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
    if (own_group) flags |= POSIX_SPAWN_SETPGROUP;
    check(posix_spawnattr_setflags(&m_attr, flags), "posix_spawnattr_setflags");
  }
  ~SpawnAttributes() { posix_spawnattr_destroy(&m_attr); }
  SpawnAttributes(const SpawnAttributes&) = delete;
  SpawnAttributes& operator=(const SpawnAttributes&) = delete;

  const posix_spawnattr_t* get() const { return &m_attr; }

private:
  void check(int err, const char* what) {
    if (err != 0) {
      posix_spawnattr_destroy(&m_attr);
      throw std::system_error(err, std::generic_category(), what);
    }
  }
  posix_spawnattr_t m_attr;
};

// posix_spawn file actions of one start; the first failure is kept, later additions
// are skipped.
class SpawnFileActions {
public:
  SpawnFileActions() {
    m_error = posix_spawn_file_actions_init(&m_actions);
    m_initialized = m_error == 0;
  }
  ~SpawnFileActions() {
    if (m_initialized) posix_spawn_file_actions_destroy(&m_actions);
  }
  SpawnFileActions(const SpawnFileActions&) = delete;
  SpawnFileActions& operator=(const SpawnFileActions&) = delete;

  void open(int fd, const char* path, int flags) {
    if (m_error == 0) m_error = posix_spawn_file_actions_addopen(&m_actions, fd, path, flags, 0);
  }
  // With from == to, glibc (>= 2.29, as POSIX.1-2024) clears FD_CLOEXEC instead.
  void dup2(int from, int to) {
    if (m_error == 0) m_error = posix_spawn_file_actions_adddup2(&m_actions, from, to);
  }
  void chdir(const char* dir) {
    if (m_error == 0) m_error = posix_spawn_file_actions_addchdir_np(&m_actions, dir);
  }

  int error() const { return m_error; }
  const posix_spawn_file_actions_t* get() const { return &m_actions; }

private:
  posix_spawn_file_actions_t m_actions;
  int m_error = 0;
  bool m_initialized = false;
};

// What posix_spawn should execute for `name` (argv[0]): the name itself if it has a
// '/', else the first executable non-directory of that name along the PATH of
// `spec.env`.
Expected<std::string, std::string> resolve_command(const std::string& name,
                                                   const ProcessSpec& spec) {
  if (name.empty()) return unexpected(std::string("empty command name"));
  if (name.find('/') != std::string::npos) return name;

  std::string_view search = k_default_path;
  for (const std::string& entry : spec.env) {
    if (entry.starts_with("PATH=")) {
      search = std::string_view(entry).substr(5);
      break;  // the first one, as getenv() would find it
    }
  }
  bool denied = false;
  std::string candidate;
  std::string probe;
  for (;;) {
    const std::size_t colon = search.find(':');
    const std::string_view dir = search.substr(0, colon);
    // An empty entry means the current directory, which is the child's.
    candidate = fmt::format("{}/{}", dir.empty() ? std::string_view(".") : dir, name);
    // A relative entry is relative to the child's working directory, as it would be
    // for a shell started there; the child chdir()s before exec, so `candidate` stays
    // relative for posix_spawn.
    const bool relative = candidate[0] != '/' && !spec.cwd.empty();
    probe = relative ? fmt::format("{}/{}", spec.cwd, candidate) : candidate;
    struct stat st;
    if (::stat(probe.c_str(), &st) == 0 && !S_ISDIR(st.st_mode)) {
      if (::faccessat(AT_FDCWD, probe.c_str(), X_OK, AT_EACCESS) == 0) return candidate;
      denied = true;
    }
    if (colon == std::string_view::npos) break;
    search.remove_prefix(colon + 1);
  }
  // Like a shell: a match without execute permission beats "not found".
  if (denied) return unexpected(fmt::format("cannot run {}: {}", name, errno_text(EACCES)));
  return unexpected(fmt::format("command not found: {}", name));
}

// The "PWD=..." that /bin/sh (dash, bash) would export to a program it starts in
// `spec.cwd`: the inherited PWD when it is absolute and names that directory (a
// logical path through symlinks stays), else the directory's physical path. Empty
// when the inherited one is right as it is.
std::string shell_pwd(const ProcessSpec& spec) {
  const char* dir = spec.cwd.empty() ? "." : spec.cwd.c_str();
  for (const std::string& entry : spec.env) {
    if (!entry.starts_with("PWD=")) continue;
    const char* inherited = entry.c_str() + 4;
    struct stat here, there;
    if (inherited[0] == '/' && ::stat(dir, &here) == 0 && ::stat(inherited, &there) == 0 &&
        here.st_dev == there.st_dev && here.st_ino == there.st_ino)
      return {};
    break;
  }
  std::unique_ptr<char, decltype(&::free)> real(::realpath(dir, nullptr), &::free);
  if (!real) return {};  // the shell would fail the same way; it gets no PWD either
  return fmt::format("PWD={}", real.get());
}

ProcessExit exit_of(int status) {
  ProcessExit exit;
  if (WIFSIGNALED(status)) {
    exit.kind = ProcessExit::Kind::signaled;
    exit.signal = WTERMSIG(status);
  } else {
    exit.kind = ProcessExit::Kind::exited;
    exit.code = WEXITSTATUS(status);
  }
  return exit;
}

class LocalRunner;

// A started process until its exit has been reported.
struct Proc {
  LocalRunner* runner = nullptr;
  ProcessId id = 0;
  pid_t pid = -1;  // also its process group, if own_group
  bool own_group = true;
  // The parent's end of the output pipe while it is open; its data points here.
  UvHandle<uv_pipe_t> pipe;
  // waitpid() has returned it: the pid (and so the group id) may be reused now.
  bool reaped = false;
};

class LocalRunner final : public ProcessRunner {
public:
  LocalRunner(uv_loop_t* loop, ProcessObserver& observer);
  ~LocalRunner() override;
  LocalRunner(const LocalRunner&) = delete;
  LocalRunner& operator=(const LocalRunner&) = delete;

  Expected<ProcessId, std::string> start(const ProcessSpec& spec) override;
  void signal_group(ProcessId id, int signal) override;
  std::size_t running() const override { return m_running; }

private:
  // Why spawn() started nothing: `program` when argv[0] could not be executed (not
  // found, not permitted, not a binary), as opposed to a failure of the setup.
  struct SpawnFailure {
    std::string message;
    bool program = false;
  };
  // Starts `argv` as `spec` says otherwise; `pwd`, when not empty, replaces the
  // environment's PWD (or is added).
  Expected<ProcessId, SpawnFailure> spawn(const ProcessSpec& spec,
                                          const std::vector<std::string>& argv,
                                          const std::string& pwd);
  static void on_sigchld(uv_signal_t* handle, int signum);
  static void on_alloc(uv_handle_t* handle, std::size_t suggested, uv_buf_t* buf);
  static void on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
  void reap_children();
  void finish(ProcessId id, int status);
  void drain(Proc& proc);

  uv_loop_t* m_loop;
  ProcessObserver& m_observer;
  SpawnAttributes m_attributes{true};
  SpawnAttributes m_console_attributes{false};
  std::unique_ptr<char[]> m_buffer;  // shared: libuv calls on_read right after on_alloc
  UvHandle<uv_signal_t> m_sigchld;
  // Stable addresses: the observer may start processes from inside our callbacks.
  std::unordered_map<ProcessId, std::unique_ptr<Proc>> m_procs;
  std::unordered_map<pid_t, ProcessId> m_unreaped;
  ProcessId m_next_id = 1;
  std::size_t m_running = 0;
};

LocalRunner::LocalRunner(uv_loop_t* loop, ProcessObserver& observer)
    : m_loop(loop), m_observer(observer), m_buffer(new char[k_read_buffer_size]) {
  auto sigchld = std::make_unique<uv_signal_t>();
  if (int err = uv_signal_init(m_loop, sigchld.get()); err != 0) {
    throw std::system_error(-err, std::generic_category(), "uv_signal_init");
  }
  m_sigchld = UvHandle<uv_signal_t>(std::move(sigchld));
  m_sigchld.handle()->data = this;
  // Started before any spawn, so that no child's SIGCHLD can come before the handler.
  if (int err = uv_signal_start(m_sigchld.get(), on_sigchld, SIGCHLD); err != 0) {
    throw std::system_error(-err, std::generic_category(), "uv_signal_start(SIGCHLD)");
  }
  // The handle keeps the loop alive only while a child is unreaped (as a libuv process
  // handle would), so the owner's uv_run() returns once everything has ended.
  uv_unref(m_sigchld.handle());
}

LocalRunner::~LocalRunner() {
  // No child may outlive the runner: kill what is left and reap it here, blocking.
  // SIGKILL cannot be caught, so the waits are short. No observer call is made.
  for (const auto& [pid, id] : m_unreaped) {
    ::kill(-pid, SIGKILL);
    ::kill(pid, SIGKILL);  // in case it left its group
  }
  for (const auto& [pid, id] : m_unreaped) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  m_unreaped.clear();
  m_procs.clear();  // closes the pipes
  m_sigchld.reset();
}

Expected<ProcessId, std::string> LocalRunner::start(const ProcessSpec& spec) {
  if (spec.argv.empty()) return unexpected(std::string("empty command"));
  const std::string& name = spec.argv[0];
  if (!spec.cwd.empty()) {
    // glibc reports a failed chdir in the child as a bare errno, indistinguishable
    // from a failed exec; look first so that the message can name the directory.
    struct stat st;
    int err = 0;
    if (::stat(spec.cwd.c_str(), &st) != 0) {
      err = errno;
    } else if (!S_ISDIR(st.st_mode)) {
      err = ENOTDIR;
    }
    if (err != 0) {
      return unexpected(
          fmt::format("cannot run {}: working directory {}: {}", name, spec.cwd, errno_text(err)));
    }
  }
  if (spec.shell_equivalent.empty()) {
    auto started = spawn(spec, spec.argv, {});
    if (!started) return unexpected(std::move(started.error().message));
    return *started;
  }
  // A shell command run directly: if the program cannot be executed, the shell runs
  // the line instead and says so in its words, with its status (127 not found, 126
  // not executable; a script without #! runs as a shell script, as the shell does).
  auto started = spawn(spec, spec.argv, shell_pwd(spec));
  if (started) return *started;
  if (!started.error().program) return unexpected(std::move(started.error().message));
  auto shell = spawn(spec, spec.shell_equivalent, {});
  if (!shell) return unexpected(std::move(shell.error().message));
  return *shell;
}

Expected<ProcessId, LocalRunner::SpawnFailure> LocalRunner::spawn(
    const ProcessSpec& spec, const std::vector<std::string>& args, const std::string& pwd) {
  const std::string& name = args[0];
  auto path = resolve_command(name, spec);
  if (!path) return unexpected(SpawnFailure{path.error(), true});

  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  envp.reserve(spec.env.size() + 2);
  bool pwd_set = pwd.empty();
  for (const std::string& var : spec.env) {
    if (!pwd.empty() && var.starts_with("PWD=")) {
      envp.push_back(const_cast<char*>(pwd.c_str()));
      pwd_set = true;
      continue;
    }
    envp.push_back(const_cast<char*>(var.c_str()));
  }
  if (!pwd_set) envp.push_back(const_cast<char*>(pwd.c_str()));
  envp.push_back(nullptr);

  auto proc = std::make_unique<Proc>();
  proc->runner = this;
  const auto fail = [&](int err) {
    return unexpected(SpawnFailure{fmt::format("cannot run {}: {}", name, errno_text(err))});
  };

  // The shared stdout+stderr pipe, unless both are redirected or the child is on the
  // console. Every libuv step that can fail is done before the spawn, so that a failure
  // never leaves a child behind.
  Fd pipe_write;
  const bool use_pipe = !spec.console && (spec.stdout_fd < 0 || spec.stderr_fd < 0);
  if (use_pipe) {
    auto fds = make_pipe_cloexec();
    if (!fds) return fail(fds.error());
    auto handle = std::make_unique<uv_pipe_t>();
    if (int err = uv_pipe_init(m_loop, handle.get(), 0); err != 0) return fail(-err);
    proc->pipe = UvHandle<uv_pipe_t>(std::move(handle));
    proc->pipe.handle()->data = proc.get();
    // Makes our end non-blocking; the child's end stays blocking.
    if (int err = uv_pipe_open(proc->pipe.get(), fds->read.get()); err != 0) return fail(-err);
    fds->read.release();  // the handle owns it now
    if (int err = uv_read_start(proc->pipe.stream(), on_alloc, on_read); err != 0) {
      return fail(-err);
    }
    pipe_write = std::move(fds->write);
  }

  SpawnFileActions actions;
  if (!spec.console) actions.open(STDIN_FILENO, "/dev/null", O_RDONLY);
  // A source among 0-2 other than its target could be overwritten by an earlier
  // action (think stdout_fd = 2, stderr_fd = 1): move it out of the way first.
  Fd moved[2];
  const int targets[2] = {STDOUT_FILENO, STDERR_FILENO};
  const int requested[2] = {spec.stdout_fd, spec.stderr_fd};
  for (int i = 0; i < 2; ++i) {
    int source = requested[i] >= 0 ? requested[i] : pipe_write.get();
    if (source < 0) continue;  // console: inherited
    if (source < 3 && source != targets[i]) {
      auto copy = dup_cloexec(source, 3);
      if (!copy) return fail(copy.error());
      moved[i] = std::move(*copy);
      source = moved[i].get();
    }
    actions.dup2(source, targets[i]);
  }
  // A console child stays in our process group (see SpawnAttributes): it is in the
  // terminal's foreground group while it runs, as SPEC §4 asks, without tcsetpgrp.
  if (!spec.cwd.empty()) actions.chdir(spec.cwd.c_str());
  if (actions.error() != 0) return fail(actions.error());

  pid_t pid = -1;
  // glibc's posix_spawn is clone(CLONE_VM | CLONE_VFORK): the cost does not grow with
  // our memory, and exec or setup failures come back as the result (the failed child
  // has been reaped by glibc already).
  const posix_spawnattr_t* attributes =
      spec.console ? m_console_attributes.get() : m_attributes.get();
  const int err =
      ::posix_spawn(&pid, path->c_str(), actions.get(), attributes, argv.data(), envp.data());
  if (err != 0) {
    // The working directory was checked first, so this is the exec itself failing.
    if (!spec.cwd.empty()) {
      return unexpected(SpawnFailure{
          fmt::format("cannot run {} in {}: {}", name, spec.cwd, errno_text(err)), true});
    }
    return unexpected(SpawnFailure{fmt::format("cannot run {}: {}", name, errno_text(err)), true});
  }
  // Only the child may hold the write end, so that EOF means every writer is gone.
  pipe_write.close();

  const ProcessId id = m_next_id++;
  proc->id = id;
  proc->pid = pid;
  proc->own_group = !spec.console;
  m_procs.emplace(id, std::move(proc));
  m_unreaped.emplace(pid, id);
  if (m_unreaped.size() == 1) uv_ref(m_sigchld.handle());
  ++m_running;
  return id;
}

void LocalRunner::signal_group(ProcessId id, int signal) {
  const auto it = m_procs.find(id);
  // Until we reap the leader its pid cannot be reused, so -pid is still its group.
  if (it == m_procs.end() || it->second->reaped) return;
  ::kill(it->second->own_group ? -it->second->pid : it->second->pid, signal);
}

void LocalRunner::on_sigchld(uv_signal_t* handle, int /*signum*/) {
  if (auto* self = static_cast<LocalRunner*>(handle->data)) self->reap_children();
}

void LocalRunner::reap_children() {
  // Signals coalesce: one SIGCHLD may stand for several children.
  for (;;) {
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid < 0 && errno == EINTR) continue;
    if (pid <= 0) return;  // 0: the others still run; -1 (ECHILD): no children left
    const auto it = m_unreaped.find(pid);
    if (it == m_unreaped.end()) continue;  // not ours; we are meant to be the only spawner
    const ProcessId id = it->second;
    m_unreaped.erase(it);
    if (m_unreaped.empty()) uv_unref(m_sigchld.handle());
    finish(id, status);
  }
}

void LocalRunner::finish(ProcessId id, int status) {
  Proc* proc = m_procs.at(id).get();
  proc->reaped = true;
  if (proc->pipe) {
    // on_output may start processes: `proc` stays valid, iterators would not.
    drain(*proc);
    proc->pipe.reset();
  }
  --m_running;
  m_observer.on_exit(id, exit_of(status));
  m_procs.erase(id);
}

void LocalRunner::drain(Proc& proc) {
  uv_read_stop(proc.pipe.stream());
  uv_os_fd_t fd = -1;
  if (uv_fileno(proc.pipe.handle(), &fd) != 0) return;
  // Everything the child wrote before it exited is in the pipe now, so read exactly
  // that much: a background grandchild holding the pipe open could otherwise keep us
  // reading forever (or, blocked, keep the process "running").
  int left = 0;
  if (::ioctl(fd, FIONREAD, &left) != 0) return;
  while (left > 0) {
    const std::size_t want = std::min(static_cast<std::size_t>(left), k_read_buffer_size);
    const ssize_t got = ::read(fd, m_buffer.get(), want);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return;
    left -= static_cast<int>(got);
    m_observer.on_output(proc.id, std::string_view(m_buffer.get(), static_cast<std::size_t>(got)));
  }
}

void LocalRunner::on_alloc(uv_handle_t* handle, std::size_t /*suggested*/, uv_buf_t* buf) {
  auto* proc = static_cast<Proc*>(handle->data);
  buf->base = proc->runner->m_buffer.get();
  buf->len = k_read_buffer_size;
}

void LocalRunner::on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  auto* proc = static_cast<Proc*>(stream->data);
  if (proc == nullptr || nread == 0) return;  // 0: EAGAIN
  if (nread > 0) {
    proc->runner->m_observer.on_output(
        proc->id, std::string_view(buf->base, static_cast<std::size_t>(nread)));
    return;
  }
  // EOF (or a read error, taken alike): no writer is left. The child has not been
  // reaped yet (reaping closes the pipe); its exit is reported when it is.
  proc->pipe.reset();
}

}  // namespace

// Contract for the owner of the loop:
// - Callbacks come only from uv_run() of `loop`, never from inside start(); the
//   observer may call start() and signal_group() from them, but must not destroy the
//   runner there (uv_stop() and destroy it after uv_run() returns).
// - While a process is unreaped the runner keeps the loop alive; otherwise its handles
//   do not, so uv_run(UV_RUN_DEFAULT) returns once every started process has been
//   reported (if nothing else holds the loop).
// - Destroying the runner SIGKILLs the groups of unreaped processes and reaps them
//   (blocking), without calling the observer, and uv_close()s its handles; the owner must
//   then run the loop (uv_run(loop, UV_RUN_DEFAULT)) so the close callbacks free them,
//   after which uv_loop_close(loop) returns 0.
// - Only one runner per process: the SIGCHLD handler reaps with waitpid(-1), so any
//   other code that spawns and waits for children (uv_spawn, system()) would race it.
std::unique_ptr<ProcessRunner> make_local_runner(uv_loop_s* loop, ProcessObserver& observer) {
  return std::make_unique<LocalRunner>(loop, observer);
}

}  // namespace pipeline
