// simple_command: a shell command line that needs no shell, split into its words.

#include "pipeline/simple_command.hpp"

#include <algorithm>
#include <array>

namespace pipeline {
namespace {

// Bytes that the shell takes as they are inside a word, in any position: a
// whitelist, so that anything not thought of here ('!', '^', control characters...)
// keeps the shell. '=' is literal except in an assignment, which only the first
// word can be (checked apart).
constexpr std::array<bool, 256> word_bytes() {
  std::array<bool, 256> ok{};
  for (int c = 'a'; c <= 'z'; ++c) ok[std::size_t(c)] = true;
  for (int c = 'A'; c <= 'Z'; ++c) ok[std::size_t(c)] = true;
  for (int c = '0'; c <= '9'; ++c) ok[std::size_t(c)] = true;
  for (char c : std::string_view("_@%+=:,./-")) ok[std::size_t(c)] = true;
  // UTF-8 and other 8-bit text: dash and bash give these bytes no meaning.
  for (int c = 0x80; c <= 0xff; ++c) ok[std::size_t(c)] = true;
  return ok;
}
constexpr std::array<bool, 256> k_word_byte = word_bytes();

// Words that the shell runs itself instead of looking a program up: the reserved
// words and builtins of POSIX sh, dash (Debian's /bin/sh) and bash (/bin/sh
// elsewhere), and GNU make's list (job.c, sh_cmds). A program of the same name
// (/usr/bin/echo, /usr/bin/true, /usr/bin/test) can behave differently from the
// builtin (`echo -e`), so these always run through the shell. Sorted.
constexpr std::string_view k_shell_words[] = {
    ".",         ":",        "alias",  "bg",      "bind",     "break",    "builtin", "caller",
    "case",      "cd",       "chdir",  "command", "compgen",  "complete", "compopt", "continue",
    "coproc",    "declare",  "dirs",   "disown",  "do",       "done",     "echo",    "elif",
    "else",      "enable",   "esac",   "eval",    "exec",     "exit",     "export",  "false",
    "fc",        "fg",       "fi",     "for",     "function", "getopts",  "hash",    "help",
    "history",   "if",       "in",     "jobs",    "kill",     "let",      "local",   "login",
    "logout",    "mapfile",  "newgrp", "popd",    "printf",   "pushd",    "pwd",     "read",
    "readarray", "readonly", "return", "select",  "set",      "setenv",   "shift",   "shopt",
    "source",    "suspend",  "test",   "then",    "time",     "times",    "trap",    "true",
    "type",      "typeset",  "ulimit", "umask",   "unalias",  "unset",    "until",   "wait",
    "while",
};

bool is_shell_word(std::string_view word) {
  return std::binary_search(std::begin(k_shell_words), std::end(k_shell_words), word);
}

bool is_blank(char c) { return c == ' ' || c == '\t'; }

}  // namespace

std::optional<std::vector<std::string>> simple_command_words(std::string_view text) {
  for (char c : text)
    if (!is_blank(c) && !k_word_byte[static_cast<unsigned char>(c)]) return std::nullopt;
  std::vector<std::string> words;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_blank(text[i])) ++i;
    const std::size_t start = i;
    while (i < text.size() && !is_blank(text[i])) ++i;
    if (i > start) words.emplace_back(text.substr(start, i - start));
  }
  if (words.empty()) return std::nullopt;
  // `NAME=value cmd` sets a variable for cmd: the shell's job. A first word with '='
  // elsewhere (`./a=b`) is a program name, but rare enough to leave to the shell too.
  if (words.front().find('=') != std::string::npos) return std::nullopt;
  if (is_shell_word(words.front())) return std::nullopt;
  return words;
}

}  // namespace pipeline
