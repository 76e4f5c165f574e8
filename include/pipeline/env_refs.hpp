#pragma once
// env_refs: `${NAME}` and `$$` in the values of `[env]` and a task's `env` (SPEC
// §1.1): `PATH = "tools/bin:${PATH}"` extends the variable pipeline itself was given.
// Only these two forms are special; any other `$` is kept as written, so a value
// meant for a shell (`$HOME`, `$1`) passes through.

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "pipeline/util/expected.hpp"

namespace pipeline {

// Why a value could not be expanded, and the byte offset in it of the `$` at fault.
struct EnvRefError {
  std::size_t offset = 0;
  std::string message;
};

// The value of a variable of pipeline's own environment, or nullptr when unset.
using EnvLookup = std::function<const char*(const std::string& name)>;

// `text` with each `${NAME}` replaced by the value `lookup` gives (the empty string
// when unset) and each `$$` by one `$`. NAME is [A-Za-z_][A-Za-z0-9_]*. An error for
// a `${` without its `}` or with another name in it.
Expected<std::string, EnvRefError> expand_env_refs(std::string_view text, const EnvLookup& lookup);

// Whether `text` holds a `$` at all: values without one are used as written.
bool has_env_refs(std::string_view text);

// The lookup of pipeline's own environment (getenv).
const EnvLookup& process_environment();

}  // namespace pipeline
