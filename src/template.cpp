// template: parsing `{name}` placeholders and expanding them (SPEC §1.2).

#include "pipeline/template.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <optional>

namespace pipeline {

namespace {

constexpr bool is_ident_start(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

constexpr bool is_ident_char(char c) { return is_ident_start(c) || (c >= '0' && c <= '9'); }

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// The end of the identifier starting at `i` (== i if there is none).
std::size_t scan_ident(std::string_view text, std::size_t i) {
  if (i >= text.size() || !is_ident_start(text[i])) {
    return i;
  }
  ++i;
  while (i < text.size() && is_ident_char(text[i])) {
    ++i;
  }
  return i;
}

// The placeholder form starting at the '{' at `start`, or nullopt if the text there
// is not one (then the '{' is literal).
std::optional<TemplatePart> scan_placeholder(std::string_view text, std::size_t start) {
  TemplatePart part;
  part.kind = TemplatePart::Kind::placeholder;
  part.offset = start;
  std::size_t i = start + 1;
  const std::size_t name_end = scan_ident(text, i);
  if (name_end == i || name_end >= text.size()) {
    return std::nullopt;
  }
  part.text = std::string(text.substr(i, name_end - i));
  i = name_end;
  switch (text[i]) {
    case '}':
      break;
    case '.': {
      const std::size_t member_end = scan_ident(text, i + 1);
      if (member_end == i + 1 || member_end >= text.size() || text[member_end] != '}') {
        return std::nullopt;
      }
      part.member = std::string(text.substr(i + 1, member_end - i - 1));
      i = member_end;
      break;
    }
    case '[': {
      std::size_t j = i + 1;
      long index = 0;
      while (j < text.size() && is_digit(text[j])) {
        // Bounded so that a long run of digits cannot overflow; such an index can
        // never name an existing file anyway.
        if (index < 100'000'000) {
          index = index * 10 + (text[j] - '0');
        }
        ++j;
      }
      if (j == i + 1 || j + 1 >= text.size() || text[j] != ']' || text[j + 1] != '}') {
        return std::nullopt;
      }
      part.index = index;
      part.index_text = std::string(text.substr(i + 1, j - i - 1));
      i = j + 1;
      break;
    }
    case ':': {
      // The regex runs to the matching closing brace; braces inside it nest
      // (`{id:[0-9]{4}}`) and a backslash escapes the next character.
      int depth = 1;
      std::size_t j = i + 1;
      for (; j < text.size(); ++j) {
        const char c = text[j];
        if (c == '\\') {
          ++j;
        } else if (c == '{') {
          ++depth;
        } else if (c == '}' && --depth == 0) {
          break;
        }
      }
      if (j >= text.size()) {
        return std::nullopt;
      }
      part.regex = std::string(text.substr(i + 1, j - i - 1));
      part.has_regex = true;
      i = j;
      break;
    }
    default:
      return std::nullopt;
  }
  part.length = i + 1 - start;
  return part;
}

std::string placeholder_source(const TemplatePart& part) {
  std::string s = part.text;
  if (!part.member.empty()) {
    s += '.';
    s += part.member;
  }
  if (part.index >= 0) {
    s += fmt::format("[{}]", part.index_text);
  }
  if (part.has_regex) {
    s += ':';
    s += part.regex;
  }
  return s;
}

}  // namespace

bool Template::is_single_placeholder() const {
  return parts.size() == 1 && parts[0].kind == TemplatePart::Kind::placeholder;
}

bool Template::has_placeholders() const {
  for (const auto& part : parts) {
    if (part.kind == TemplatePart::Kind::placeholder) {
      return true;
    }
  }
  return false;
}

Template parse_template(std::string_view text) {
  Template t;
  auto add_literal = [&](std::size_t offset, std::size_t length, std::string_view s) {
    if (!t.parts.empty() && t.parts.back().kind == TemplatePart::Kind::literal) {
      auto& last = t.parts.back();
      last.text += s;
      last.length = offset + length - last.offset;
      return;
    }
    TemplatePart part;
    part.text = std::string(s);
    part.offset = offset;
    part.length = length;
    t.parts.push_back(std::move(part));
  };

  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    const bool doubled = i + 1 < text.size() && text[i + 1] == c;
    if ((c == '{' || c == '}') && doubled) {
      // `{{` is checked before the `${` rule, so that `${{x}}` is the shell's `${x}`.
      add_literal(i, 2, std::string_view(&text[i], 1));
      i += 2;
      continue;
    }
    if (c == '{' && !(i > 0 && text[i - 1] == '$')) {
      if (auto part = scan_placeholder(text, i)) {
        i += part->length;
        t.parts.push_back(std::move(*part));
        continue;
      }
    }
    // Copy a run of ordinary text at once.
    std::size_t j = i + 1;
    while (j < text.size() && text[j] != '{' && text[j] != '}') {
      ++j;
    }
    add_literal(i, j - i, text.substr(i, j - i));
    i = j;
  }
  return t;
}

PlaceholderError undefined_placeholder(const TemplatePart& part, std::string_view extra) {
  const std::string form = placeholder_source(part);
  std::string message = fmt::format("undefined placeholder '{{{}}}'", form);
  if (!extra.empty()) {
    message += fmt::format(": {}", extra);
  }
  return PlaceholderError(
      part.offset, part.length, message,
      fmt::format("to write literal braces, double them: '{{{{{}}}}}' (for example awk "
                  "'{{{{print}}}}')",
                  form));
}

namespace {

// Adapts a PlaceholderLookup to a PlaceholderResolver: it keeps the value of the
// last placeholder, which every append_* function is done with before the next.
class LookupResolver final : public PlaceholderResolver {
public:
  explicit LookupResolver(const PlaceholderLookup& lookup) : m_lookup(lookup) {}
  PlaceholderView resolve(const TemplatePart& part) const override {
    m_last = m_lookup(part);
    return {m_last.items, m_last.is_list, m_last.origin};
  }

private:
  const PlaceholderLookup& m_lookup;
  mutable PlaceholderValue m_last;
};

void append_joined(std::string& out, std::span<const std::string> items) {
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i != 0) {
      out += ' ';
    }
    out += items[i];
  }
}

// Per byte: whether it needs no quoting in a POSIX shell word. A table, because
// every argv element of every job is checked byte by byte for -v's display.
constexpr auto k_shell_safe = [] {
  std::array<bool, 256> safe{};
  for (int c = 0; c < 256; ++c)
    safe[std::size_t(c)] = is_ident_char(char(c)) || c == '@' || c == '%' || c == '+' || c == '=' ||
                           c == ':' || c == ',' || c == '.' || c == '/' || c == '-';
  return safe;
}();

bool is_shell_safe(char c) { return k_shell_safe[static_cast<unsigned char>(c)]; }

}  // namespace

void append_text(std::string& out, const Template& t, const PlaceholderResolver& resolver) {
  for (const auto& part : t.parts) {
    if (part.kind == TemplatePart::Kind::literal) {
      out += part.text;
    } else {
      append_joined(out, resolver.resolve(part).items);
    }
  }
}

void append_list(std::vector<std::string>& out, const Template& t,
                 const PlaceholderResolver& resolver) {
  if (t.is_single_placeholder()) {
    const PlaceholderView value = resolver.resolve(t.parts[0]);
    if (value.is_list) {
      out.insert(out.end(), value.items.begin(), value.items.end());
    } else if (value.items.size() == 1) {
      out.push_back(value.items.front());
    } else {
      append_joined(out.emplace_back(), value.items);
    }
    return;
  }
  append_text(out.emplace_back(), t, resolver);
}

void append_shell(std::string& out, const Template& t, const PlaceholderResolver& resolver) {
  for (const auto& part : t.parts) {
    if (part.kind == TemplatePart::Kind::literal) {
      out += part.text;
      continue;
    }
    const PlaceholderView value = resolver.resolve(part);
    if (value.origin == PlaceholderValue::Origin::author && !value.is_list) {
      append_joined(out, value.items);
      continue;
    }
    for (std::size_t i = 0; i < value.items.size(); ++i) {
      if (i != 0) {
        out += ' ';
      }
      append_shell_quoted(out, value.items[i]);
    }
  }
}

std::string expand_text(const Template& t, const PlaceholderLookup& lookup) {
  std::string out;
  append_text(out, t, LookupResolver(lookup));
  return out;
}

std::vector<std::string> expand_list(const Template& t, const PlaceholderLookup& lookup) {
  std::vector<std::string> out;
  append_list(out, t, LookupResolver(lookup));
  return out;
}

std::string expand_shell(const Template& t, const PlaceholderLookup& lookup) {
  std::string out;
  append_shell(out, t, LookupResolver(lookup));
  return out;
}

std::string shell_quote(std::string_view s) {
  std::string out;
  append_shell_quoted(out, s);
  return out;
}

void append_shell_quoted(std::string& out, std::string_view s) {
  if (s.empty()) {
    out += "''";
    return;
  }
  if (std::all_of(s.begin(), s.end(), is_shell_safe)) {
    out += s;
    return;
  }
  out += '\'';
  for (const char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  out += '\'';
}

}  // namespace pipeline
