// source: the text of a Pipeline.toml, for quoting lines and locating errors.

#include "pipeline/source.hpp"

namespace pipeline {

namespace {

// The byte offset in `line` of 1-based column `column`, counted in code points as
// toml++ counts them; the end of the line if it is shorter.
std::size_t byte_of_column(std::string_view line, std::uint32_t column) {
  std::size_t i = 0;
  for (std::uint32_t c = 1; c < column && i < line.size(); ++c) {
    ++i;
    while (i < line.size() && (static_cast<unsigned char>(line[i]) & 0xC0) == 0x80) {
      ++i;
    }
  }
  return i;
}

std::uint32_t code_points(std::string_view s) {
  std::uint32_t n = 0;
  for (const char c : s) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
      ++n;
    }
  }
  return n;
}

}  // namespace

SourceFile::SourceFile(std::string display_path, std::string text)
    : m_display_path(std::move(display_path)), m_text(std::move(text)) {
  m_line_starts.push_back(0);
  for (std::size_t i = 0; i < m_text.size(); ++i) {
    if (m_text[i] == '\n') {
      m_line_starts.push_back(i + 1);
    }
  }
}

std::string_view SourceFile::line(std::uint32_t line) const {
  if (line == 0 || line > m_line_starts.size()) {
    return {};
  }
  const std::size_t begin = m_line_starts[line - 1];
  std::size_t end = line < m_line_starts.size() ? m_line_starts[line] - 1 : m_text.size();
  if (end > begin && m_text[end - 1] == '\r') {
    --end;
  }
  return std::string_view(m_text).substr(begin, end - begin);
}

ConfigError SourceFile::error(SourcePos pos, const std::string& message, std::string hint) const {
  return ConfigError(m_display_path, pos, message, std::move(hint), std::string(line(pos.line)));
}

SourcePos SourceFile::position_in(const LocatedString& value, std::size_t offset) const {
  if (!value.pos.known() || offset > value.text.size()) {
    return value.pos;
  }
  const std::string_view text = line(value.pos.line);
  const std::size_t quote = byte_of_column(text, value.pos.column);
  if (quote >= text.size() || (text[quote] != '"' && text[quote] != '\'')) {
    return value.pos;
  }
  const char q = text[quote];
  const std::size_t q_len = text.substr(quote, 3) == std::string(3, q) ? 3 : 1;
  // The raw text must equal the value and be followed by the closing quote; then
  // there were no escapes and no line breaks, and offsets map one to one.
  const std::size_t start = quote + q_len;
  if (text.substr(start, value.text.size()) != value.text ||
      start + value.text.size() >= text.size() || text[start + value.text.size()] != q) {
    return value.pos;
  }
  return SourcePos{value.pos.line, value.pos.column + static_cast<std::uint32_t>(q_len) +
                                       code_points(std::string_view(value.text).substr(0, offset))};
}

}  // namespace pipeline
