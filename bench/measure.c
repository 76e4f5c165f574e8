/* measure.c - run one command and report what it cost, like
 * /usr/bin/time -f "%e %U %S %M" but with a microsecond wall clock and, on request,
 * the peak RSS of the command's own process apart from its children.
 *
 *   measure [--own-rss] OUTFILE COMMAND [ARG...]
 *
 * Appends one line to OUTFILE:
 *   WALL_S USER_S SYS_S TREE_MAXRSS_KIB OWN_HWM_KIB EXIT
 * WALL_S is the monotonic wall time from fork to reaping the command. USER_S and
 * SYS_S come from wait4(), so they cover the command and every descendant it waited
 * for (the whole process tree, as GNU time's %U %S). TREE_MAXRSS_KIB is wait4()'s
 * ru_maxrss: the largest peak RSS of any single process of that tree (GNU time's
 * %M). OWN_HWM_KIB is -1, or with --own-rss the VmHWM of the command's own process,
 * read from /proc/PID/status when it exits: the command runs under ptrace with
 * PTRACE_O_TRACEEXIT only (one stop at exec, one at exit, one per signal it
 * receives), so its children are not traced. EXIT is the exit status, or 128+signal.
 * The command inherits stdin, stdout and stderr.
 *
 * Build: cc -O2 -o measure measure.c
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long read_hwm(pid_t pid) {
  char path[64], line[256];
  snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
  FILE* f = fopen(path, "r");
  if (!f) return -1;
  long kib = -1;
  while (fgets(line, sizeof line, f))
    if (!strncmp(line, "VmHWM:", 6)) {
      kib = strtol(line + 6, NULL, 10);
      break;
    }
  fclose(f);
  return kib;
}

int main(int argc, char** argv) {
  int own = 0, a = 1;
  if (a < argc && !strcmp(argv[a], "--own-rss")) own = 1, a++;
  if (argc - a < 2) {
    fprintf(stderr, "usage: measure [--own-rss] OUTFILE COMMAND [ARG...]\n");
    return 2;
  }
  const char* outfile = argv[a++];
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  pid_t pid = fork();
  if (pid < 0) {
    perror("fork");
    return 2;
  }
  if (pid == 0) {
    if (own && ptrace(PTRACE_TRACEME, 0, NULL, NULL) != 0) _exit(126);
    execvp(argv[a], argv + a);
    perror(argv[a]);
    _exit(127);
  }
  int status;
  struct rusage ru;
  long hwm = -1;
  int first = 1;
  for (;;) {
    if (wait4(pid, &status, 0, &ru) < 0) {
      perror("wait4");
      return 2;
    }
    if (WIFEXITED(status) || WIFSIGNALED(status)) break;
    if (!WIFSTOPPED(status)) continue;
    int sig = WSTOPSIG(status);
    if (first && sig == SIGTRAP) { /* the stop after execve */
      first = 0;
      ptrace(PTRACE_SETOPTIONS, pid, NULL, (void*)(long)PTRACE_O_TRACEEXIT);
      ptrace(PTRACE_CONT, pid, NULL, NULL);
    } else if (status >> 8 == (SIGTRAP | (PTRACE_EVENT_EXIT << 8))) {
      hwm = read_hwm(pid);
      ptrace(PTRACE_CONT, pid, NULL, NULL);
    } else {
      ptrace(PTRACE_CONT, pid, NULL, (void*)(long)sig); /* deliver it */
    }
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double wall = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  FILE* f = fopen(outfile, "a");
  if (!f) {
    perror(outfile);
    return 2;
  }
  fprintf(f, "%.6f %.6f %.6f %ld %ld %d\n", wall, ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6,
          ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6, ru.ru_maxrss, hwm, code);
  fclose(f);
  return code;
}
