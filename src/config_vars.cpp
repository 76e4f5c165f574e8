// config vars: `[vars]` overrides and resolution (SPEC §1.2).

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "pipeline/config.hpp"
#include "pipeline/template.hpp"

namespace pipeline {

namespace {

const std::vector<std::string> k_job_placeholders = {"inputs", "outputs", "input",
                                                     "output", "task",    "job"};

bool contains(const std::vector<std::string>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

class VarResolver {
public:
  VarResolver(const SourceFile& source, std::vector<VarDecl> decls)
      : m_source(source), m_decls(std::move(decls)) {
    for (std::size_t i = 0; i < m_decls.size(); ++i) {
      m_index.emplace(m_decls[i].name, i);
      m_names.push_back(m_decls[i].name);
    }
    m_overridden.assign(m_decls.size(), false);
  }

  void apply(const VarOverride& o);
  std::map<std::string, VarValue> resolve_all();

private:
  void resolve(const VarDecl& var);
  PlaceholderValue lookup(const VarDecl& var, const LocatedString& item, const TemplatePart& part);
  [[noreturn]] void fail(const VarDecl& var, const LocatedString& item, const TemplatePart& part,
                         const std::string& message, std::string hint = {}) const;

  const SourceFile& m_source;
  std::vector<VarDecl> m_decls;
  std::map<std::string, std::size_t, std::less<>> m_index;
  std::vector<std::string> m_names;      // file order, for suggestions
  std::vector<bool> m_overridden;        // parallel to m_decls
  std::vector<std::string> m_resolving;  // the chain of vars being resolved
  std::map<std::string, VarValue> m_resolved;
};

void VarResolver::apply(const VarOverride& o) {
  auto it = m_index.find(o.name);
  if (it == m_index.end()) {
    std::string hint = did_you_mean(o.name, m_names);
    if (hint.empty()) {
      hint = m_names.empty() ? std::string("the file declares no [vars]")
                             : fmt::format("the vars are: {}", fmt::join(m_names, ", "));
    }
    throw UserError(fmt::format("cannot override '{}': {} declares no such var", o.name,
                                m_source.display_path()),
                    std::move(hint));
  }
  VarDecl& var = m_decls[it->second];
  m_overridden[it->second] = true;
  var.items.clear();
  if (!var.is_list) {
    var.items.push_back(LocatedString{o.value, {}});
    return;
  }
  // An array var overridden on the command line takes the whitespace-separated
  // words of the value as its items (`pipeline 'flags=-O2 -g'` gives two items);
  // an item cannot hold a space this way.
  std::size_t i = 0;
  while (i < o.value.size()) {
    const std::size_t start = o.value.find_first_not_of(" \t\n", i);
    if (start == std::string::npos) {
      break;
    }
    const std::size_t end = std::min(o.value.find_first_of(" \t\n", start), o.value.size());
    var.items.push_back(LocatedString{o.value.substr(start, end - start), {}});
    i = end;
  }
}

std::map<std::string, VarValue> VarResolver::resolve_all() {
  for (const VarDecl& var : m_decls) {
    resolve(var);
  }
  return std::move(m_resolved);
}

void VarResolver::fail(const VarDecl& var, const LocatedString& item, const TemplatePart& part,
                       const std::string& message, std::string hint) const {
  if (!item.pos.known()) {
    throw UserError(fmt::format("{} (in the command-line value of '{}')", message, var.name),
                    std::move(hint));
  }
  throw m_source.error(m_source.position_in(item, part.offset), message, std::move(hint));
}

PlaceholderValue VarResolver::lookup(const VarDecl& var, const LocatedString& item,
                                     const TemplatePart& part) {
  const std::string written(std::string_view(item.text).substr(part.offset, part.length));
  auto used = m_index.find(part.text);
  if (used == m_index.end()) {
    if (contains(k_job_placeholders, part.text)) {
      fail(var, item, part,
           fmt::format("job placeholder '{}' in var '{}': vars cannot use job placeholders",
                       written, var.name),
           "job placeholders work in task values (cmd, inputs, outputs, ...)");
    }
    std::string hint = did_you_mean(part.text, m_names);
    fail(var, item, part,
         fmt::format("undefined placeholder '{}' in var '{}': vars cannot use job placeholders "
                     "or wildcards",
                     written, var.name),
         hint.empty() ? undefined_placeholder(part).hint() : hint);
  }
  if (!part.member.empty() || part.index >= 0 || part.has_regex) {
    fail(var, item, part,
         fmt::format("var '{}' is used as '{}' in var '{}'; a var is written '{{{}}}'", part.text,
                     written, var.name, part.text));
  }
  auto cycle = std::find(m_resolving.begin(), m_resolving.end(), part.text);
  if (cycle != m_resolving.end()) {
    std::vector<std::string> chain(cycle, m_resolving.end());
    chain.push_back(part.text);
    fail(var, item, part, fmt::format("var cycle: {}", fmt::join(chain, " -> ")));
  }
  resolve(m_decls[used->second]);
  const VarValue& value = m_resolved.at(part.text);
  return PlaceholderValue{value.items, value.is_list, PlaceholderValue::Origin::author};
}

void VarResolver::resolve(const VarDecl& var) {
  if (m_resolved.count(var.name) != 0) {
    return;
  }
  m_resolving.push_back(var.name);
  VarValue resolved;
  resolved.is_list = var.is_list;
  resolved.pos = m_overridden[m_index.at(var.name)] ? SourcePos{} : var.pos;
  for (const LocatedString& item : var.items) {
    const PlaceholderLookup lookup_item = [&](const TemplatePart& part) {
      return lookup(var, item, part);
    };
    // Expanded as text, so `{{`/`}}` become single braces here: the resolved value
    // is inserted as it is, never parsed again.
    const Template t = parse_template(item.text);
    if (var.is_list) {
      for (std::string& s : expand_list(t, lookup_item)) {
        resolved.items.push_back(std::move(s));
      }
    } else {
      resolved.items.push_back(expand_text(t, lookup_item));
    }
  }
  m_resolving.pop_back();
  m_resolved.emplace(var.name, std::move(resolved));
}

}  // namespace

std::map<std::string, VarValue> resolve_vars(const SourceFile& source, std::vector<VarDecl> decls,
                                             const std::vector<VarOverride>& overrides) {
  VarResolver resolver(source, std::move(decls));
  for (const VarOverride& o : overrides) {
    resolver.apply(o);
  }
  return resolver.resolve_all();
}

}  // namespace pipeline
