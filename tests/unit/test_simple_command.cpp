// simple_command: which shell command lines may run without the shell — a table of
// lines that must take the direct path and lines that must keep the shell.
#include <catch2/catch.hpp>

#include "pipeline/simple_command.hpp"

using namespace pipeline;
using Words = std::vector<std::string>;

TEST_CASE("a line of plain words runs without the shell, split on blanks", "[simple_command]") {
  const std::pair<const char*, Words> cases[] = {
      {"cp src/1.txt out/1.txt", {"cp", "src/1.txt", "out/1.txt"}},
      {"touch out/a.o", {"touch", "out/a.o"}},
      {"  gzip\t-9   -k  logs/x.log ", {"gzip", "-9", "-k", "logs/x.log"}},
      {"cc -O2 -DNAME=1 -o prog a.o b.o", {"cc", "-O2", "-DNAME=1", "-o", "prog", "a.o", "b.o"}},
      {"./configure --prefix=/usr", {"./configure", "--prefix=/usr"}},
      {"/usr/bin/env", {"/usr/bin/env"}},
      {"rsync -a host:/srv/data/ user@host:backup/",
       {"rsync", "-a", "host:/srv/data/", "user@host:backup/"}},
      {"convert -resize 50% a,b.png c+d.png", {"convert", "-resize", "50%", "a,b.png", "c+d.png"}},
      {"trueish", {"trueish"}},  // a builtin's name only as a whole word
      {"./true", {"./true"}},    // a path is never a builtin
      {"sort -o x.txt echo", {"sort", "-o", "x.txt", "echo"}},  // builtins after the first word
      {"cat caf\xc3\xa9.txt", {"cat", "caf\xc3\xa9.txt"}},      // UTF-8 bytes are plain
  };
  for (const auto& [line, words] : cases) {
    INFO(line);
    auto got = simple_command_words(line);
    REQUIRE(got.has_value());
    CHECK(*got == words);
  }
}

TEST_CASE("a line the shell would interpret keeps the shell", "[simple_command]") {
  const char* cases[] = {
      // quoting and escapes
      "cp 'a b' c",
      "cp \"a b\" c",
      "cp a\\ b c",
      // expansions
      "echo $HOME",
      "cp ${src} out",
      "ls `pwd`",
      "cp $(cat list) out",
      "cp ~/a b",
      "ls ~",
      // globs
      "rm out/*.o",
      "ls a?.txt",
      "ls [ab].txt",
      // redirections, pipes, lists, background, subshells, groups
      "gzip -c a > a.gz",
      "sort < in",
      "a | b",
      "a || b",
      "a && b",
      "a; b",
      "sleep 1 &",
      "(cd sub)",
      "{ a; }",
      "cat a 2>&1",
      // comments, newlines, history and negation, the old pipe
      "make # all",
      "a\nb",
      "! false",
      "a ^ b",
      // other control characters
      "a\rb",
      "a\x01",
      "a\vb",
      "a\fb",
      // an assignment before a command
      "CC=gcc make",
      "A=1",
      // keywords and builtins as the first word
      "if",
      "for i in a b",
      "while true",
      "case x in",
      "time make",
      "function f",
      "cd sub",
      "echo hello",
      "printf x",
      "true",
      "false",
      "test -f a",
      ". ./env.sh",
      ": x",
      "exec prog",
      "exit 3",
      "export A",
      "set -x",
      "eval x",
      "source env.sh",
      "kill 1",
      "pwd",
      "read x",
      "trap x INT",
      "type cc",
      "ulimit -n",
      "umask 022",
      "wait",
      "shift",
      "command -v cc",
      "hash cc",
      "alias a",
      "local x",
      "ulimit",
      "times",
      "getopts ab x",
      // nothing to run
      "",
      "   ",
      "\t",
  };
  for (const char* line : cases) {
    INFO(line);
    CHECK_FALSE(simple_command_words(line).has_value());
  }
}
