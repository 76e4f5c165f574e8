#pragma once
// Where a value came from in the Pipeline.toml, so that errors found late (while
// planning) can still point at the file, line and column.

#include <string>
#include <string_view>
#include <vector>

#include "pipeline/error.hpp"

namespace pipeline {

// A string value of the file with the position of its first character (for a TOML
// string: the opening quote).
struct LocatedString {
  std::string text;
  SourcePos pos;
};

// The text of a loaded Pipeline.toml, kept to quote lines in error messages.
class SourceFile {
public:
  SourceFile() = default;
  SourceFile(std::string display_path, std::string text);

  // The path as the user should read it (as given to -f, else relative to the cwd).
  const std::string& display_path() const { return m_display_path; }
  const std::string& text() const { return m_text; }
  // The text of 1-based line `line`, without its newline; empty if out of range.
  std::string_view line(std::uint32_t line) const;

  // A ConfigError at `pos` with this file's name and the quoted line.
  ConfigError error(SourcePos pos, const std::string& message, std::string hint = {}) const;
  // The position of the `offset`-th byte of the text of `value`: for a TOML string
  // written on one line without escapes this is exact; otherwise it is the value.
  SourcePos position_in(const LocatedString& value, std::size_t offset) const;

private:
  std::string m_display_path;
  std::string m_text;
  std::vector<std::size_t> m_line_starts;
};

}  // namespace pipeline
