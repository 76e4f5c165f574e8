// env_refs: `${NAME}` and `$$` in env values (SPEC §1.1).

#include "pipeline/env_refs.hpp"

#include <fmt/format.h>

#include <cstdlib>

namespace pipeline {
namespace {

bool is_name_start(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool is_name_char(char c) { return is_name_start(c) || (c >= '0' && c <= '9'); }

}  // namespace

bool has_env_refs(std::string_view text) { return text.find('$') != std::string_view::npos; }

Expected<std::string, EnvRefError> expand_env_refs(std::string_view text, const EnvLookup& lookup) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t dollar = text.find('$', i);
    if (dollar == std::string_view::npos) {
      out.append(text.substr(i));
      break;
    }
    out.append(text.substr(i, dollar - i));
    const char next = dollar + 1 < text.size() ? text[dollar + 1] : '\0';
    if (next == '$') {
      out.push_back('$');
      i = dollar + 2;
      continue;
    }
    if (next != '{') {
      out.push_back('$');
      i = dollar + 1;
      continue;
    }
    const std::size_t close = text.find('}', dollar + 2);
    if (close == std::string_view::npos)
      return unexpected(
          EnvRefError{dollar, "'${' without its closing '}': write ${NAME}, or $$ for a '$'"});
    const std::string name(text.substr(dollar + 2, close - dollar - 2));
    bool valid = !name.empty() && is_name_start(name[0]);
    for (const char c : name) valid = valid && is_name_char(c);
    if (!valid)
      return unexpected(EnvRefError{
          dollar, fmt::format("'${{{}}}' is not a variable of the environment: a name is letters, "
                              "digits and '_' (write $$ for a '$')",
                              name)});
    if (const char* value = lookup(name)) out.append(value);
    i = close + 1;
  }
  return out;
}

const EnvLookup& process_environment() {
  static const EnvLookup lookup = [](const std::string& name) { return std::getenv(name.c_str()); };
  return lookup;
}

}  // namespace pipeline
