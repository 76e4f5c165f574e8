#pragma once
// pattern: the path patterns of inputs and outputs (SPEC §1.3) — wildcards `{name}`
// and `{name:REGEX}`, globs `*`, `?`, `[...]` and `**` — compiled into matchers, and
// matching against a sorted list of paths narrowed to the pattern's literal prefix by
// binary search, so that a pattern costs O(log n + paths under its prefix).
//
// Plain `{name}` and globs use a hand-written backtracking matcher; std::regex runs
// only for a `{name:REGEX}` (and not even then for the common `.+`, `.*`, `[^/]+`).
// Globs follow the shell: `*`, `?` and `[...]` never match `/` nor a leading `.` of a
// path component, and `**` crosses directories but not hidden ones.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pipeline {

// One piece of a pattern as the planner assembles it (vars already substituted).
struct PatternPiece {
  enum class Kind { text, wildcard };
  Kind kind = Kind::text;
  std::string text;   // text: path text (glob characters are globs); wildcard: its name
  std::string regex;  // wildcard with has_regex: its constraint
  bool has_regex = false;
};

enum class Globs { allowed, forbidden };

// A pattern that cannot be compiled; `piece()` is the index of the piece at fault.
class PatternError : public std::runtime_error {
public:
  PatternError(std::size_t piece, const std::string& message)
      : std::runtime_error(message), m_piece(piece) {}
  std::size_t piece() const { return m_piece; }

private:
  std::size_t m_piece;
};

class Pattern {
public:
  // Compiles `pieces` into a matcher. The text is normalised like a path ("./a//b"
  // matches "a/b"). Throws PatternError for a regex that does not compile (with
  // std::regex_error's message), a glob where `globs` is forbidden, a `..` that
  // would remove a wildcard, or an empty pattern.
  static Pattern compile(const std::vector<PatternPiece>& pieces, Globs globs);

  // The wildcard names, sorted, each once (a name may occur twice: both must match
  // the same text).
  const std::vector<std::string>& names() const { return m_names; }
  bool has_wildcards() const { return !m_names.empty(); }
  bool has_globs() const { return m_has_globs; }
  // Neither wildcards nor globs: the pattern is one path (literal_prefix()).
  bool is_literal() const { return m_elements.size() <= 1 && !has_wildcards() && !m_has_globs; }
  // The text before the first wildcard or glob (the whole path if literal).
  const std::string& literal_prefix() const { return m_prefix; }
  // The text after the last wildcard or glob (the whole path if literal).
  const std::string& literal_suffix() const { return m_suffix; }
  // The pattern written back ("raw/{frame}.bz2", "out/*.nc"), for messages.
  const std::string& text() const { return m_text; }

  // Whether `path` matches as a whole. On success values[i] is the text matched by
  // names()[i] (views into `path`); `values` is resized to names().size().
  bool match(std::string_view path, std::vector<std::string_view>& values) const;

  // The path with values[i] for names()[i], normalised. Globs stay as written.
  std::string expand(const std::vector<std::string_view>& values) const;

  // Whether `value` for wildcard names()[name] satisfies the regex of every
  // `{name:REGEX}` occurrence (a plain `{name}` accepts anything here: in an output
  // it only stands for the value the inputs gave).
  bool accepts(std::size_t name, std::string_view value) const;

  // Conservatively: whether some path could match both patterns (their literal
  // prefixes and suffixes are compatible). False means they never share a path.
  friend bool may_overlap(const Pattern& a, const Pattern& b);

private:
  struct Matcher;  // a compiled `{name:REGEX}` constraint (pattern.cpp)
  struct Element {
    enum class Kind : std::uint8_t {
      literal,   // `text`
      wildcard,  // names()[slot]; `matcher` < 0: one path segment ([^/]+)
      star,      // `*`
      question,  // `?`
      set,       // `[...]` (`set` holds the members)
      dirs,      // `**/`: zero or more whole directories
      any,       // `**` elsewhere: anything, across directories
    };
    Kind kind = Kind::literal;
    std::uint16_t slot = 0;
    std::int32_t matcher = -1;  // index in m_matchers
    std::string text;           // literal: the text; globs: as written
    std::uint64_t set[4] = {0, 0, 0, 0};
  };
  // Bit i of `bound` says that values[i] is already set by an earlier occurrence.
  bool match_at(std::size_t e, std::string_view path, std::size_t pos,
                std::vector<std::string_view>& values, std::uint64_t bound) const;
  bool wildcard_accepts(const Element& el, std::string_view value) const;

  std::vector<Element> m_elements;
  std::vector<std::size_t> m_min_rest;  // per element: the least length it and the rest match
  std::vector<bool> m_rest_literal;     // per element: it and the rest are all literal
  std::vector<std::shared_ptr<const Matcher>> m_matchers;
  std::vector<std::string> m_names;
  std::string m_prefix;
  std::string m_suffix;
  std::string m_text;
  bool m_has_globs = false;
  // The pattern is literal text around one plain `{name}` (one path segment).
  bool m_one_segment = false;
};

// Whether `text` holds a glob: `*`, `?`, or a `[` closed by a `]`.
bool contains_glob(std::string_view text);

// Whether normalize_path(path) == path, checked without allocating.
bool is_normal_path(std::string_view path);

// Parses pattern syntax directly: `{name}` and `{name:REGEX}` are wildcards, `{{`/`}}`
// literal braces, the rest path text (with globs if allowed). For tests and tools;
// the planner substitutes vars first and builds the pieces itself.
Pattern parse_pattern(std::string_view text, Globs globs = Globs::allowed);

// The entries of the ascending range [first, last) that start with `prefix` (they
// are contiguous): found by binary search.
template <class It>
std::pair<It, It> prefix_range(It first, It last, std::string_view prefix) {
  auto lo = std::lower_bound(first, last, prefix, [](const auto& a, std::string_view p) {
    return std::string_view(a) < p;
  });
  auto hi = std::partition_point(lo, last, [&](const auto& a) {
    return std::string_view(a).substr(0, prefix.size()) == prefix;
  });
  return {lo, hi};
}

// Calls f(path, values) for each entry of `sorted` (ascending; entries convertible to
// std::string_view) that `pattern` matches, in order. Only the entries under the
// pattern's literal prefix are tried.
template <class Range, class F>
void for_each_match(const Pattern& pattern, const Range& sorted, F&& f) {
  auto [lo, hi] = prefix_range(std::begin(sorted), std::end(sorted), pattern.literal_prefix());
  std::vector<std::string_view> values;
  for (auto it = lo; it != hi; ++it) {
    std::string_view path(*it);
    if (pattern.match(path, values)) f(path, values);
  }
}

}  // namespace pipeline
