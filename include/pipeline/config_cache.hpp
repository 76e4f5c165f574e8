#pragma once
// config_cache: a validated Config saved as a compact binary file, so that a no-op run
// skips parsing a large Pipeline.toml (100,000 tasks: ~630 ms with toml++ and our
// checks; decoding costs about what allocating the Config's ~100 MB costs anyway).
//
// A cache file is only ever used for the exact text and overrides it was made from:
// its header carries the XXH3-128 of both, the format version and the sizes of the
// structs it holds (so that another pipeline binary never reads it), and it ends with
// the XXH3-128 of everything before (a damaged file is rebuilt, never trusted).
//
// Layout, all integers little-endian, "varint" = LEB128:
//   "PLCFGC1\n" | u32 format version | u32 count, u32 sizes of the structs |
//   text hash (16) | overrides hash (16) | varint count, var names | body |
//   XXH3-128 of all the bytes before (16)
// A hash is 16 bytes: its high half, then its low half.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/config.hpp"
#include "pipeline/hash.hpp"
#include "pipeline/source.hpp"

namespace pipeline {

// Everything parse_config's result depends on besides the display path and the root
// (which the caller supplies again): the file's text, and the var overrides in order
// together with the identity of the pipeline binary that parsed it.
struct ConfigCacheKey {
  Hash128 text;
  Hash128 overrides;  // and the binary's identity
  bool operator==(const ConfigCacheKey&) const = default;
};

// The key of `text` parsed with `overrides` by the binary `binary_identity` names.
// Overrides are hashed in order (a later override of the same var wins), each name
// and value as a delimited field.
ConfigCacheKey config_cache_key(std::string_view text, const std::vector<VarOverride>& overrides,
                                std::string_view binary_identity = {});
// The same from the text's hash (hash_bytes(text)), for a caller that has it already.
ConfigCacheKey config_cache_key(const Hash128& text_hash, const std::vector<VarOverride>& overrides,
                                std::string_view binary_identity = {});

// The identity of the running pipeline binary: the stamp (device, inode, size, mtime)
// of /proc/self/exe. A rebuilt or upgraded binary has another, so a cache is only read
// by the binary that wrote it, even where a change to the parser kept every struct's
// size; k_format_version need not be remembered by hand. Empty if it cannot be read.
std::string running_binary_identity();

// The whole cache file for `config`, which parse_config made from the text and
// overrides of `key`: header, body and checksum.
std::string encode_config(const Config& config, const ConfigCacheKey& key);

// The Config that `bytes` holds, if they are a whole, undamaged cache file of this
// format and build made for `key`; otherwise nullopt. Never throws on malformed,
// truncated or foreign input. The result has `source` and `root` as given (the
// caller recreates them; the text must be the one `key.text` was computed from) and
// its task index built.
std::optional<Config> decode_config(std::string_view bytes, const ConfigCacheKey& key,
                                    SourceFile source, std::string root);

// The names of the [vars] declared in the text the cache was made from, in
// alphabetical order, if `bytes` is a whole, undamaged cache file of this format and
// build whose text hash is `text` (its overrides may differ); otherwise nullopt.
// For splitting NAME=VALUE arguments into overrides and targets before the overrides,
// and so the key, are known.
std::optional<std::vector<std::string>> cached_var_names(std::string_view bytes,
                                                         const Hash128& text);

// The whole content of the file at `path`; nullopt if it is missing or cannot be read.
std::optional<std::string> read_cache_file(const std::string& path);

// Replaces the file at `path` with `bytes` atomically: writes PATH.tmp.PID, then
// renames it into place (no fsync: a cache lost in a crash is rebuilt). Returns false
// on any failure, with the temporary file removed; a cache that cannot be written is
// not an error, so nothing is reported.
bool write_cache_file(const std::string& path, std::string_view bytes);

}  // namespace pipeline
