// config values: durations, "did you mean" suggestions and the default shell
// (SPEC §1.1).

#include <fmt/format.h>

#include <algorithm>

#include "pipeline/config.hpp"

namespace pipeline {

namespace {

struct Unit {
  std::string_view name;
  std::int64_t ms;
};

// Longest names first, so that "ms" is not read as minutes.
constexpr Unit k_units[] = {
    {"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}, {"d", 86'400'000},
};

bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

const std::vector<std::string>& default_shell() {
  static const std::vector<std::string> shell{"/bin/sh", "-ec"};
  return shell;
}

std::optional<Duration> parse_duration(std::string_view text) {
  if (text.empty()) {
    return std::nullopt;
  }
  std::int64_t total = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    std::int64_t whole = 0;
    const std::size_t start = i;
    for (; i < text.size() && is_digit(text[i]); ++i) {
      if (__builtin_mul_overflow(whole, 10, &whole) ||
          __builtin_add_overflow(whole, text[i] - '0', &whole)) {
        return std::nullopt;
      }
    }
    if (i == start) {
      return std::nullopt;
    }
    // A fraction keeps at most 9 digits, so that fraction * unit fits in 64 bits.
    std::int64_t fraction = 0;
    std::int64_t scale = 1;
    if (i < text.size() && text[i] == '.') {
      ++i;
      const std::size_t fraction_start = i;
      for (; i < text.size() && is_digit(text[i]); ++i) {
        if (scale < 1'000'000'000) {
          fraction = fraction * 10 + (text[i] - '0');
          scale *= 10;
        }
      }
      if (i == fraction_start) {
        return std::nullopt;
      }
    }
    const Unit* unit = nullptr;
    for (const Unit& u : k_units) {
      if (text.substr(i, u.name.size()) == u.name) {
        unit = &u;
        break;
      }
    }
    if (unit == nullptr) {
      return std::nullopt;
    }
    i += unit->name.size();
    std::int64_t ms = 0;
    if (__builtin_mul_overflow(whole, unit->ms, &ms) ||
        __builtin_add_overflow(ms, (fraction * unit->ms + scale / 2) / scale, &ms) ||
        __builtin_add_overflow(total, ms, &total)) {
      return std::nullopt;
    }
  }
  return Duration(total);
}

std::string format_duration(Duration d) {
  std::int64_t ms = d.count();
  if (ms < 0) {
    // Not `"-" + ...`: GCC 12 at -O3 warns about that (a false -Wrestrict).
    std::string out = "-";
    out += format_duration(Duration(-ms));
    return out;
  }
  if (ms == 0) {
    return "0s";
  }
  if (ms < 1000) {
    return fmt::format("{}ms", ms);
  }
  std::string out;
  for (const Unit& u : {k_units[4], k_units[3], k_units[2]}) {
    if (ms >= u.ms) {
      out += fmt::format("{}{}", ms / u.ms, u.name);
      ms %= u.ms;
    }
  }
  if (ms == 0) {
    return out;
  }
  const std::int64_t seconds = ms / 1000;
  const std::int64_t rest = ms % 1000;
  if (rest == 0) {
    return out + fmt::format("{}s", seconds);
  }
  std::string fraction = fmt::format("{:03}", rest);
  while (fraction.back() == '0') {
    fraction.pop_back();
  }
  return out + fmt::format("{}.{}s", seconds, fraction);
}

std::string closest_name(std::string_view name, const std::vector<std::string>& candidates) {
  const std::size_t limit = std::max<std::size_t>(1, name.size() / 3);
  std::size_t best_distance = limit + 1;
  const std::string* best = nullptr;
  // Optimal string alignment distance: Levenshtein plus the swap of two neighbours,
  // the commonest typo ("biuld" is one edit from "build", not two). Three rows.
  std::vector<std::size_t> before, previous, current;
  for (const std::string& candidate : candidates) {
    const std::size_t n = candidate.size();
    before.assign(n + 1, 0);
    previous.resize(n + 1);
    current.resize(n + 1);
    for (std::size_t j = 0; j <= n; ++j) previous[j] = j;
    for (std::size_t i = 1; i <= name.size(); ++i) {
      current[0] = i;
      for (std::size_t j = 1; j <= n; ++j) {
        const std::size_t substitute = previous[j - 1] + (name[i - 1] == candidate[j - 1] ? 0 : 1);
        current[j] = std::min({previous[j] + 1, current[j - 1] + 1, substitute});
        if (i > 1 && j > 1 && name[i - 1] == candidate[j - 2] && name[i - 2] == candidate[j - 1])
          current[j] = std::min(current[j], before[j - 2] + 1);
      }
      std::swap(before, previous);
      std::swap(previous, current);
    }
    const std::size_t distance = previous[n];
    if (distance < best_distance) {
      best_distance = distance;
      best = &candidate;
    }
  }
  return best != nullptr ? *best : std::string();
}

std::string did_you_mean(std::string_view name, const std::vector<std::string>& candidates) {
  const std::string closest = closest_name(name, candidates);
  return closest.empty() ? std::string() : fmt::format("did you mean '{}'?", closest);
}

}  // namespace pipeline
