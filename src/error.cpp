// error: the text shown for the one error type a user sees.

#include "pipeline/error.hpp"

#include <fmt/format.h>

namespace pipeline {

namespace {

// Spaces up to 1-based column `column` of `line` (columns count code points, as
// toml++ does); tabs are kept so that the caret lines up in a terminal.
std::string caret_padding(std::string_view line, std::uint32_t column) {
  std::string pad;
  std::uint32_t c = 1;
  for (std::size_t i = 0; i < line.size() && c < column; ++i) {
    const auto byte = static_cast<unsigned char>(line[i]);
    if ((byte & 0xC0) == 0x80) {
      continue;
    }
    pad += line[i] == '\t' ? '\t' : ' ';
    ++c;
  }
  // A column past the end of the line (an error at the end of the file).
  for (; c < column; ++c) {
    pad += ' ';
  }
  return pad;
}

}  // namespace

std::string format_error(const UserError& error) {
  std::string out;
  const auto* config_error = dynamic_cast<const ConfigError*>(&error);
  if (config_error != nullptr && config_error->pos().known()) {
    const SourcePos pos = config_error->pos();
    out = fmt::format("{}:{}:{}: error: {}", config_error->file(), pos.line, pos.column,
                      error.what());
    const std::string& line = config_error->line_text();
    if (!line.empty()) {
      const std::string gutter = fmt::format("{}", pos.line);
      out += fmt::format("\n {} | {}\n {} | {}^", gutter, line, std::string(gutter.size(), ' '),
                         caret_padding(line, pos.column));
    }
  } else if (config_error != nullptr && !config_error->file().empty()) {
    out = fmt::format("{}: error: {}", config_error->file(), error.what());
  } else {
    out = fmt::format("pipeline: error: {}", error.what());
  }
  if (!error.hint().empty()) {
    out += fmt::format("\nhint: {}", error.hint());
  }
  return out;
}

}  // namespace pipeline
