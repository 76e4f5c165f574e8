/* floor.c - the lower bound of the benchmark: run a list of commands with
 * posix_spawnp, at most J at a time (waitpid), and nothing else. No shell, no
 * dependency graph, no state, no output capture.
 *
 *   floor [-j J] FILE        run every line of FILE (default J = 2)
 *   floor --check FILE       run nothing: stat each line's inputs and output and
 *                            count the out-of-date ones (the floor of a no-op check)
 *
 * A line is an argv split on blanks; '...' quotes (no escapes inside), and a word
 * >PATH sends the command's stdout to PATH (created or truncated). With --check the
 * output is the >PATH target, else the last word; the other words that do not start
 * with '-' are inputs. Blank lines and lines starting with '#' are skipped.
 * Exit 0 when every command succeeded, 1 otherwise, 2 on usage or I/O errors.
 *
 * Build: cc -O2 -o floor floor.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

struct cmd {
  char** argv;
  char* out; /* >PATH, or NULL */
};

static void die(const char* what) {
  perror(what);
  exit(2);
}

/* Splits LINE in place into CMD. Returns 0 for an empty line. */
static int parse(char* line, struct cmd* c) {
  size_t cap = 8, n = 0;
  c->argv = malloc(cap * sizeof *c->argv);
  c->out = NULL;
  if (!c->argv) die("malloc");
  char* p = line;
  for (;;) {
    while (*p == ' ' || *p == '\t') p++;
    if (!*p || *p == '\n') break;
    char *word = p, *w = p;
    while (*p && *p != ' ' && *p != '\t' && *p != '\n') {
      if (*p == '\'') {
        for (p++; *p && *p != '\''; p++) *w++ = *p;
        if (*p == '\'') p++;
      } else {
        *w++ = *p++;
      }
    }
    int end = (*p == '\0' || *p == '\n');
    if (!end) p++;
    *w = '\0';
    if (word[0] == '>' && word[1]) {
      c->out = word + 1;
    } else {
      if (n + 2 > cap) {
        cap *= 2;
        c->argv = realloc(c->argv, cap * sizeof *c->argv);
        if (!c->argv) die("realloc");
      }
      c->argv[n++] = word;
    }
    if (end) break;
  }
  c->argv[n] = NULL;
  return n > 0;
}

static int out_of_date(const struct cmd* c) {
  int n = 0;
  while (c->argv[n]) n++;
  const char* out = c->out ? c->out : (n > 1 ? c->argv[n - 1] : NULL);
  struct stat so, si;
  if (!out || stat(out, &so) != 0) return 1;
  int last_input = c->out ? n : n - 1;
  for (int i = 1; i < last_input; i++) {
    if (c->argv[i][0] == '-') continue;
    if (stat(c->argv[i], &si) != 0) return 1;
    if (si.st_mtim.tv_sec > so.st_mtim.tv_sec ||
        (si.st_mtim.tv_sec == so.st_mtim.tv_sec && si.st_mtim.tv_nsec > so.st_mtim.tv_nsec))
      return 1;
  }
  return 0;
}

int main(int argc, char** argv) {
  int jobs = 2, check = 0, i = 1;
  for (; i < argc && argv[i][0] == '-'; i++) {
    if (!strcmp(argv[i], "--check"))
      check = 1;
    else if (!strcmp(argv[i], "-j") && i + 1 < argc)
      jobs = atoi(argv[++i]);
    else if (!strncmp(argv[i], "-j", 2) && argv[i][2])
      jobs = atoi(argv[i] + 2);
    else
      break;
  }
  if (i + 1 != argc || jobs < 1) {
    fprintf(stderr, "usage: floor [-j J | --check] FILE\n");
    return 2;
  }
  /* Read the whole file, then split it into commands. */
  FILE* f = fopen(argv[i], "r");
  if (!f) die(argv[i]);
  size_t ncmd = 0, cap = 1024;
  struct cmd* cmds = malloc(cap * sizeof *cmds);
  char* line = NULL;
  size_t len = 0;
  while (getline(&line, &len, f) != -1) {
    if (line[0] == '#') continue;
    if (ncmd == cap) {
      cap *= 2;
      cmds = realloc(cmds, cap * sizeof *cmds);
      if (!cmds) die("realloc");
    }
    char* copy = strdup(line);
    if (!copy) die("strdup");
    if (parse(copy, &cmds[ncmd])) ncmd++;
  }
  free(line);
  fclose(f);

  if (check) {
    size_t stale = 0;
    for (size_t k = 0; k < ncmd; k++) stale += out_of_date(&cmds[k]);
    printf("%zu of %zu out of date\n", stale, ncmd);
    return 0;
  }

  int running = 0, failed = 0;
  size_t next = 0;
  while (next < ncmd || running > 0) {
    while (running < jobs && next < ncmd) {
      struct cmd* c = &cmds[next++];
      posix_spawn_file_actions_t fa, *fap = NULL;
      if (c->out) {
        if (posix_spawn_file_actions_init(&fa)) die("posix_spawn_file_actions_init");
        if (posix_spawn_file_actions_addopen(&fa, 1, c->out, O_WRONLY | O_CREAT | O_TRUNC, 0666))
          die("posix_spawn_file_actions_addopen");
        fap = &fa;
      }
      pid_t pid;
      int err = posix_spawnp(&pid, c->argv[0], fap, NULL, c->argv, environ);
      if (fap) posix_spawn_file_actions_destroy(fap);
      if (err) {
        fprintf(stderr, "floor: %s: %s\n", c->argv[0], strerror(err));
        failed = 1;
        continue;
      }
      running++;
    }
    if (running == 0) break;
    int status;
    pid_t pid = waitpid(-1, &status, 0);
    if (pid < 0) {
      if (errno == EINTR) continue;
      die("waitpid");
    }
    running--;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) failed = 1;
  }
  return failed;
}
