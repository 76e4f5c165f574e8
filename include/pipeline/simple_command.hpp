#pragma once
// simple_command: whether a string command can run without the shell (SPEC §4), the
// way GNU make decides it. A command line in which the shell would interpret nothing
// — no quoting, expansion, redirection, pipeline, list, glob, comment or keyword —
// means the same as its words split on blanks, run as an argv; starting the program
// directly saves starting /bin/sh first (about a tenth of the cost of a trivial job).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pipeline {

// The words of `text` when a POSIX shell would run it as exactly those words split
// on blanks (spaces and tabs), naming an external program: every byte is a letter,
// a digit, one of `_@%+=:,./-`, a blank or a non-ASCII byte; there is at least one
// word; the first word is no shell keyword or builtin (`cd`, `echo`, `true`, `if`,
// `exec`, ... of dash, bash and POSIX) and no assignment (`NAME=value`). nullopt
// otherwise: the command needs the shell.
std::optional<std::vector<std::string>> simple_command_words(std::string_view text);

}  // namespace pipeline
