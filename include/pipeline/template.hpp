#pragma once
// template: the `{name}` placeholders of SPEC §1.2 — parsing a value into literal
// text and placeholders, and expanding it in the three ways values are used: as
// plain text (paths, dir, env values), as argv elements, and as shell command text
// (where every value that comes from files is shell-quoted).

#include <cstddef>
#include <functional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace pipeline {

// One piece of a parsed value.
struct TemplatePart {
  enum class Kind { literal, placeholder };
  Kind kind = Kind::literal;
  // literal: the text ({{ and }} already turned into single braces).
  // placeholder: the name before any '.', '[' or ':' ("inputs", "frame", "raw").
  std::string text;
  std::string member;      // `{inputs.NAME}` -> "NAME"; empty otherwise
  long index = -1;         // `{inputs[N]}` -> N (capped, see index_text); -1 otherwise
  std::string index_text;  // N as written, for messages (a capped index misprints)
  std::string regex;       // `{name:REGEX}` -> "REGEX" (wildcards in paths)
  bool has_regex = false;
  std::size_t offset = 0;  // byte offset of the part in the source text
  std::size_t length = 0;  // byte length in the source text
};

// A value parsed into parts. Text in braces that is not a placeholder form
// (`{print $1}`, `{a,b}`, `${HOME}`) stays literal.
struct Template {
  std::vector<TemplatePart> parts;
  // True if the value is exactly one placeholder and nothing else.
  bool is_single_placeholder() const;
  bool has_placeholders() const;
};

// Splits `text` into parts. Never fails: anything that is not a placeholder form is
// literal text. A placeholder form is `{NAME}`, `{NAME.MEMBER}`, `{NAME[N]}` or
// `{NAME:REGEX}` (the regex runs to the matching closing brace; braces nest), where
// NAME and MEMBER are identifiers ([A-Za-z_][A-Za-z0-9_]*). `{{`/`}}` are braces.
Template parse_template(std::string_view text);

// The value of a placeholder during expansion.
struct PlaceholderValue {
  enum class Origin {
    author,  // a [vars] string: the author's own command text, inserted as written
    file,    // inputs, outputs, wildcard and matrix values, task, job: quoted in shells
  };
  std::vector<std::string> items;
  bool is_list = false;  // a list even with one item (inputs, outputs, array vars)
  Origin origin = Origin::file;
};

// Raised while expanding: the placeholder at `offset` (length `length`) of the
// source text cannot be expanded; `what()` says why, `hint()` how to fix it.
class PlaceholderError : public std::runtime_error {
public:
  PlaceholderError(std::size_t offset, std::size_t length, const std::string& message,
                   std::string hint = {})
      : std::runtime_error(message), m_offset(offset), m_length(length), m_hint(std::move(hint)) {}
  std::size_t offset() const { return m_offset; }
  std::size_t length() const { return m_length; }
  const std::string& hint() const { return m_hint; }

private:
  std::size_t m_offset;
  std::size_t m_length;
  std::string m_hint;
};

// Resolves one placeholder part to its value; throws PlaceholderError for an
// undefined name (the standard message for that is undefined_placeholder()).
using PlaceholderLookup = std::function<PlaceholderValue(const TemplatePart&)>;

// A placeholder's value as views of strings that outlive the expansion (a job's
// paths and values, the vars), so that expanding costs no copy per placeholder.
struct PlaceholderView {
  std::span<const std::string> items;
  bool is_list = false;
  PlaceholderValue::Origin origin = PlaceholderValue::Origin::file;
};

// Resolves placeholders for the append_* functions. The planner's resolver answers
// for 100,000 jobs without the std::function call and the vector of copied items
// that a PlaceholderLookup costs per placeholder.
class PlaceholderResolver {
public:
  virtual ~PlaceholderResolver() = default;
  // The value of `part`, valid at least until the next call; throws PlaceholderError
  // like a PlaceholderLookup.
  virtual PlaceholderView resolve(const TemplatePart& part) const = 0;
};

// The error for a name that is not defined, with the hint on writing literal braces.
PlaceholderError undefined_placeholder(const TemplatePart& part, std::string_view extra = {});

// Plain text: list values joined with single spaces, nothing quoted.
std::string expand_text(const Template& t, const PlaceholderLookup& lookup);

// One or more list elements (argv elements, path entries): a value that is exactly
// one list placeholder gives one element per item (possibly none); otherwise one
// element with lists joined by spaces. Never splits on spaces.
std::vector<std::string> expand_list(const Template& t, const PlaceholderLookup& lookup);

// Shell command text: `file` values are shell-quoted one by one (lists joined with
// spaces); `author` string values inserted as written; `author` list values quoted
// item by item.
std::string expand_shell(const Template& t, const PlaceholderLookup& lookup);

// The same three expansions appended to `out`, with placeholders resolved by
// `resolver`: append_text and append_shell add the text, append_list the elements.
void append_text(std::string& out, const Template& t, const PlaceholderResolver& resolver);
void append_list(std::vector<std::string>& out, const Template& t,
                 const PlaceholderResolver& resolver);
void append_shell(std::string& out, const Template& t, const PlaceholderResolver& resolver);

// `s` quoted for a POSIX shell so that it stays one word: unchanged if it consists
// only of safe characters ([A-Za-z0-9_@%+=:,./-]), else in single quotes.
std::string shell_quote(std::string_view s);
// shell_quote(s) appended to `out`.
void append_shell_quoted(std::string& out, std::string_view s);

}  // namespace pipeline
