#pragma once
// The one error type a user sees. Thrown anywhere, caught once in main, printed as
// "pipeline: error: ..." (or, for errors in a Pipeline.toml, as
// "PATH:LINE:COL: error: ..." followed by the line and a caret).

#include <cstdint>
#include <stdexcept>
#include <string>

namespace pipeline {

// Exit codes of SPEC §2.2.
inline constexpr int k_exit_ok = 0;
inline constexpr int k_exit_job_failed = 1;
inline constexpr int k_exit_usage = 2;
inline constexpr int k_exit_sigint = 130;
inline constexpr int k_exit_sigterm = 143;

// A position in a source file; 1-based. line == 0 means "no position known".
struct SourcePos {
  std::uint32_t line = 0;
  std::uint32_t column = 0;
  bool known() const { return line != 0; }
};

// An error the user must fix (usage, configuration, planning, environment). It
// always ends the invocation with exit code 2 unless it says otherwise.
class UserError : public std::runtime_error {
public:
  explicit UserError(const std::string& message, std::string hint = {},
                     int exit_code = k_exit_usage)
      : std::runtime_error(message), m_hint(std::move(hint)), m_exit_code(exit_code) {}
  const std::string& hint() const { return m_hint; }
  int exit_code() const { return m_exit_code; }

private:
  std::string m_hint;
  int m_exit_code;
};

// An error located in a Pipeline.toml: file as the user should read it, the
// position, and the text of that line (for the caret display).
class ConfigError : public UserError {
public:
  ConfigError(std::string file, SourcePos pos, const std::string& message, std::string hint = {},
              std::string line_text = {})
      : UserError(message, std::move(hint)),
        m_file(std::move(file)),
        m_pos(pos),
        m_line_text(std::move(line_text)) {}
  const std::string& file() const { return m_file; }
  SourcePos pos() const { return m_pos; }
  const std::string& line_text() const { return m_line_text; }

private:
  std::string m_file;
  SourcePos m_pos;
  std::string m_line_text;
};

// The text main prints for an error: "FILE:LINE:COL: error: MSG", the source line,
// a caret under the column, then "hint: ..." if there is one. No trailing newline.
std::string format_error(const UserError& error);

}  // namespace pipeline
