// Unit tests of config: Pipeline.toml parsing, validation, located errors, vars,
// durations and suggestions (SPEC §1, §1.1, §1.2).

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "pipeline/config.hpp"

using namespace pipeline;
using namespace std::chrono_literals;

namespace {

Config parse(const std::string& text, const std::vector<VarOverride>& overrides = {}) {
  return parse_config("Pipeline.toml", "/project", text, overrides);
}

// The ConfigError that parsing `text` raises (the test fails if there is none).
ConfigError config_error(const std::string& text, const std::vector<VarOverride>& overrides = {}) {
  try {
    parse(text, overrides);
  } catch (const ConfigError& e) {
    return e;
  }
  FAIL("no ConfigError for:\n" << text);
  return ConfigError("", {}, "");  // not reached
}

#define CHECK_ERROR_AT(error, line_, column_) \
  do {                                        \
    CHECK((error).pos().line == (line_));     \
    CHECK((error).pos().column == (column_)); \
  } while (false)

std::string message(const UserError& e) { return e.what(); }

}  // namespace

TEST_CASE("a complete Pipeline.toml parses into declarations", "[config]") {
  const Config config = parse(R"(#:schema ./schemas/pipeline.schema.json
[pipeline]
default = ["all"]
jobs = 4
shell = ["/bin/bash", "-euc"]
state_dir = ".state"
log_retention = "7d"
kill_grace = "2s"
[pipeline.resources]
mem_mb = 16000
gpu = 1
[pipeline.container]
engine = "docker"
[pipeline.slurm]
partition = "batch"
max_jobs = 50

[vars]
raw = "data/raw"

[env]
LC_ALL = "C"
TZ = "UTC"

[tasks.unpack]
description = "Decompress one satellite frame"
inputs  = ["{raw}/{frame}.bz2"]
outputs = ["work/{frame}.dat"]
cmd     = ["bunzip2", "-kc", "{input}"]
stdout  = "{output}"
timeout = "10m"
retries = 2
retry_delay = "500ms"

[tasks.calibrate]
inputs  = { table = "calib/table.json", frame = "work/{frame}.dat" }
outputs = ["out/{frame}.nc"]
cmd     = "tools/calibrate --table {inputs.table} {inputs.frame} -o {output}"
resources = { mem_mb = 2000 }
threads = 2
method = "hash"
env = { B = "2", A = "1" }

[tasks.mosaic]
inputs  = ["out/*.nc"]
outputs = ["mosaic.tif"]
cmds    = [
  "tools/mosaic -o {output} {inputs}",
  ["tools/validate", "{output}"],
]
matrix = { level = ["L1", "L2"], band = ["B01"] }
always = true
console = true
sandbox = true
container = "alpine"
executor = "slurm"
dir = "sub"

[tasks.all]
deps = ["mosaic"]
)");

  SECTION("settings") {
    const PipelineSettings& s = config.settings;
    REQUIRE(s.default_targets.size() == 1);
    CHECK(s.default_targets[0].text == "all");
    CHECK(s.default_targets[0].pos.line == 3);
    CHECK(s.default_targets[0].pos.column == 12);
    CHECK(s.jobs == 4);
    CHECK(s.shell == std::vector<std::string>{"/bin/bash", "-euc"});
    CHECK(s.state_dir == ".state");
    CHECK(s.log_retention == 7 * 24h);
    CHECK(s.kill_grace == 2s);
    CHECK(s.resources ==
          std::vector<std::pair<std::string, std::int64_t>>{{"mem_mb", 16000}, {"gpu", 1}});
    CHECK(s.container_engine == "docker");
    CHECK(s.slurm_partition == "batch");
    CHECK(s.slurm_max_jobs == 50);
    CHECK(config.root == "/project");
    CHECK(config.source.display_path() == "Pipeline.toml");
  }
  SECTION("vars and env") {
    CHECK(config.vars.at("raw").items == std::vector<std::string>{"data/raw"});
    REQUIRE(config.env.size() == 2);
    CHECK(config.env[0].first == "LC_ALL");
    CHECK(config.env[1].first == "TZ");
    CHECK(config.env[1].second.text == "UTC");
  }
  SECTION("tasks keep the order of the file") {
    REQUIRE(config.tasks.size() == 4);
    CHECK(config.tasks[0].name == "unpack");
    CHECK(config.tasks[1].name == "calibrate");
    CHECK(config.tasks[2].name == "mosaic");
    CHECK(config.tasks[3].name == "all");
    CHECK(config.tasks[0].pos.line == 25);
    CHECK(config.tasks[0].pos.column == 8);
    CHECK(config.find_task("mosaic") == 2);
    CHECK(config.find_task("nope") == -1);
  }
  SECTION("an argv command, paths and retries") {
    const TaskDecl& t = config.tasks[0];
    CHECK(t.description == "Decompress one satellite frame");
    REQUIRE(t.commands.size() == 1);
    CHECK(t.commands[0].kind == CommandDecl::Kind::argv);
    REQUIRE(t.commands[0].parts.size() == 3);
    CHECK(t.commands[0].parts[2].text == "{input}");
    CHECK(t.commands[0].parts[2].pos.line == 29);
    CHECK(t.commands[0].parts[2].pos.column == 30);
    CHECK_FALSE(t.inputs_named);
    REQUIRE(t.inputs.size() == 1);
    CHECK(t.inputs[0].name.empty());
    CHECK(t.inputs[0].patterns[0].text == "{raw}/{frame}.bz2");
    CHECK(t.outputs[0].patterns[0].text == "work/{frame}.dat");
    REQUIRE(t.stdout_path);
    CHECK(t.stdout_path->text == "{output}");
    CHECK(t.timeout == Duration(10min));
    CHECK(t.retries == 2);
    CHECK(t.retry_delay == 500ms);
    CHECK(t.method == Method::timestamp);
    CHECK(t.threads == 1);
  }
  SECTION("named inputs, a shell command, resources") {
    const TaskDecl& t = config.tasks[1];
    CHECK(t.inputs_named);
    REQUIRE(t.inputs.size() == 2);
    CHECK(t.inputs[0].name == "frame");
    CHECK(t.inputs[1].name == "table");
    REQUIRE(t.commands.size() == 1);
    CHECK(t.commands[0].kind == CommandDecl::Kind::shell);
    REQUIRE(t.commands[0].parts.size() == 1);
    CHECK(t.resources == std::vector<std::pair<std::string, std::int64_t>>{{"mem_mb", 2000}});
    CHECK(t.threads == 2);
    CHECK(t.method == Method::hash);
    REQUIRE(t.env.size() == 2);
    CHECK(t.env[0].first == "B");
  }
  SECTION("cmds, matrix and the later keys") {
    const TaskDecl& t = config.tasks[2];
    REQUIRE(t.commands.size() == 2);
    CHECK(t.commands[0].kind == CommandDecl::Kind::shell);
    CHECK(t.commands[1].kind == CommandDecl::Kind::argv);
    REQUIRE(t.matrix.size() == 2);
    CHECK(t.matrix[0].first == "band");
    CHECK(t.matrix[1].first == "level");
    CHECK(t.matrix[1].second.size() == 2);
    CHECK(t.always);
    CHECK(t.console);
    CHECK(t.sandbox);
    CHECK(t.container->text == "alpine");
    CHECK(t.executor == ExecutorKind::slurm);
    CHECK(t.dir->text == "sub");
  }
  SECTION("an alias") {
    const TaskDecl& t = config.tasks[3];
    CHECK(t.commands.empty());
    REQUIRE(t.deps.size() == 1);
    CHECK(t.deps[0].text == "mosaic");
  }
}

TEST_CASE("an empty file has the default settings", "[config]") {
  const Config config = parse("");
  CHECK(config.tasks.empty());
  CHECK(config.settings.jobs == 0);
  CHECK(config.settings.shell == std::vector<std::string>{"/bin/sh", "-ec"});
  CHECK(config.settings.state_dir == ".pipeline");
  CHECK(config.settings.log_retention == 14 * 24h);
  CHECK(config.settings.kill_grace == 5s);
}

TEST_CASE("a TOML syntax error is located", "[config]") {
  SECTION("a missing value") {
    const ConfigError e = config_error("[tasks.a]\ncmd = = 2\n");
    CHECK_ERROR_AT(e, 2, 7);
    CHECK(message(e).find("TOML syntax error") == 0);
    CHECK(e.line_text() == "cmd = = 2");
  }
  SECTION("an unterminated string") {
    const ConfigError e = config_error("[tasks.a]\ncmd = \"x\n");
    CHECK_ERROR_AT(e, 2, 9);
  }
}

TEST_CASE("an unknown top-level key is an error with a suggestion", "[config]") {
  const ConfigError e = config_error("[pipeline]\njobs = 1\n\n[task.a]\ncmd = \"x\"\n");
  CHECK_ERROR_AT(e, 4, 2);
  CHECK(message(e) == "unknown top-level key 'task'");
  CHECK(e.hint() == "did you mean 'tasks'?");
}

TEST_CASE("an unknown task key is an error with a suggestion", "[config]") {
  SECTION("close to a key") {
    const ConfigError e = config_error("[tasks.a]\ncmd = \"x\"\n  input = [\"a\"]\n");
    CHECK_ERROR_AT(e, 3, 3);
    CHECK(message(e) == "unknown key 'input' in task 'a'");
    CHECK(e.hint() == "did you mean 'inputs'?");
  }
  SECTION("far from every key") {
    const ConfigError e = config_error("[tasks.a]\nfrobnicate = 1\n");
    CHECK_ERROR_AT(e, 2, 1);
    CHECK(e.hint().empty());
  }
  SECTION("in [pipeline]") {
    const ConfigError e = config_error("[pipeline]\njob = 2\n");
    CHECK_ERROR_AT(e, 2, 1);
    CHECK(e.hint() == "did you mean 'jobs'?");
  }
  SECTION("in an inline table") {
    const ConfigError e =
        config_error("[pipeline]\nslurm = { partition = \"a\", acount = \"b\" }\n");
    CHECK_ERROR_AT(e, 2, 28);
    CHECK(e.hint() == "did you mean 'account'?");
  }
}

TEST_CASE("a value of the wrong type is an error at the value", "[config]") {
  SECTION("a string for an integer") {
    const ConfigError e = config_error("[tasks.a]\nretries = \"2\"\n");
    CHECK_ERROR_AT(e, 2, 11);
    CHECK(message(e) == "'retries' must be an integer, not a string");
  }
  SECTION("a string for an array") {
    const ConfigError e = config_error("[tasks.a]\ninputs = \"a.txt\"\n");
    CHECK_ERROR_AT(e, 2, 10);
    CHECK(message(e) ==
          "'inputs' must be an array of paths or a table of named paths, not a string");
  }
  SECTION("an element of an array") {
    const ConfigError e = config_error("[tasks.a]\ndeps = [\"b\", 3]\n");
    CHECK_ERROR_AT(e, 2, 14);
    CHECK(message(e) == "each element of 'deps' must be a string, not an integer");
  }
  SECTION("a named input group") {
    const ConfigError e = config_error("[tasks.a]\ninputs = { a = 1 }\n");
    CHECK_ERROR_AT(e, 2, 16);
    CHECK(message(e) == "'inputs.a' must be a string or an array of strings, not an integer");
  }
  SECTION("a boolean") {
    const ConfigError e = config_error("[tasks.a]\nalways = \"yes\"\n");
    CHECK_ERROR_AT(e, 2, 10);
  }
  SECTION("an env value") {
    const ConfigError e = config_error("[env]\nA = 1\n");
    CHECK_ERROR_AT(e, 2, 5);
    CHECK(message(e) == "'env.A' must be a string, not an integer");
  }
  SECTION("a task that is not a table") {
    const ConfigError e = config_error("[tasks]\nbuild = \"make\"\n");
    CHECK_ERROR_AT(e, 2, 9);
  }
  SECTION("a shell that is not an array") {
    const ConfigError e = config_error("[pipeline]\nshell = \"/bin/sh\"\n");
    CHECK_ERROR_AT(e, 2, 9);
  }
}

TEST_CASE("cmd and cmds together are an error", "[config]") {
  SECTION("cmds after cmd") {
    const ConfigError e = config_error("[tasks.a]\ncmd = \"x\"\ncmds = [\"y\"]\n");
    CHECK_ERROR_AT(e, 3, 1);
    CHECK(message(e) == "task 'a' has both 'cmd' and 'cmds'");
  }
  SECTION("cmd after cmds") {
    const ConfigError e = config_error("[tasks.a]\ncmds = [\"y\"]\ncmd = \"x\"\n");
    CHECK_ERROR_AT(e, 3, 1);
  }
}

TEST_CASE("a bad duration is an error", "[config]") {
  SECTION("a bare number") {
    const ConfigError e = config_error("[tasks.a]\ntimeout = 90\n");
    CHECK_ERROR_AT(e, 2, 11);
    CHECK(e.hint().find("\"90s\"") != std::string::npos);
  }
  SECTION("a bare number in a string") {
    const ConfigError e = config_error("[pipeline]\nkill_grace = \"5\"\n");
    CHECK_ERROR_AT(e, 2, 14);
    CHECK(e.hint().find("\"5s\"") != std::string::npos);
  }
  SECTION("an unknown unit") {
    const ConfigError e = config_error("[tasks.a]\nretry_delay = \"3w\"\n");
    CHECK_ERROR_AT(e, 2, 15);
    CHECK(message(e) == "'retry_delay' is not a duration: \"3w\"");
  }
  SECTION("a zero timeout") {
    const ConfigError e = config_error("[tasks.a]\ntimeout = \"0s\"\n");
    CHECK_ERROR_AT(e, 2, 11);
  }
}

TEST_CASE("a value outside its choices is an error", "[config]") {
  SECTION("method") {
    const ConfigError e = config_error("[tasks.a]\nmethod = \"hsh\"\n");
    CHECK_ERROR_AT(e, 2, 10);
    CHECK(message(e) == "'method' must be \"timestamp\" or \"hash\", not \"hsh\"");
    CHECK(e.hint() == "did you mean 'hash'?");
  }
  SECTION("executor") {
    const ConfigError e = config_error("[tasks.a]\nexecutor = \"cluster\"\n");
    CHECK_ERROR_AT(e, 2, 12);
  }
  SECTION("container engine") {
    const ConfigError e = config_error("[pipeline.container]\nengine = \"lxc\"\n");
    CHECK_ERROR_AT(e, 2, 10);
  }
}

TEST_CASE("an impossible number is an error", "[config]") {
  SECTION("negative retries") {
    const ConfigError e = config_error("[tasks.a]\nretries = -1\n");
    CHECK_ERROR_AT(e, 2, 11);
    CHECK(message(e) == "'retries' must be at least 0, not -1");
  }
  SECTION("zero threads") {
    const ConfigError e = config_error("[tasks.a]\nthreads = 0\n");
    CHECK_ERROR_AT(e, 2, 11);
  }
  SECTION("negative jobs") {
    const ConfigError e = config_error("[pipeline]\njobs = -2\n");
    CHECK_ERROR_AT(e, 2, 8);
  }
  SECTION("a negative resource") {
    const ConfigError e = config_error("[tasks.a]\nresources = { gpu = -1 }\n");
    CHECK_ERROR_AT(e, 2, 21);
  }
  SECTION("an empty shell") {
    const ConfigError e = config_error("[pipeline]\nshell = []\n");
    CHECK_ERROR_AT(e, 2, 9);
  }
  SECTION("an empty argv") {
    const ConfigError e = config_error("[tasks.a]\ncmd = []\n");
    CHECK_ERROR_AT(e, 2, 7);
  }
}

TEST_CASE("a task name that cannot be a target is an error", "[config]") {
  for (const char* header : {"[tasks.\"a b\"]", "[tasks.\"a/b\"]", "[tasks.\"a=b\"]",
                             "[tasks.\"a[1]\"]", "[tasks.\"a,b\"]", "[tasks.\"\"]"}) {
    SECTION(header) {
      const ConfigError e = config_error(std::string(header) + "\ncmd = \"x\"\n");
      CHECK_ERROR_AT(e, 1, 8);
    }
  }
}

TEST_CASE("vars may use other vars", "[config]") {
  const Config config = parse(R"([vars]
cflags = "{opt} -g"
opt = "-O2"
dirs = ["{base}/a", "{more}", "{{x}}"]
more = ["b c", "d"]
base = "/src"
line = "{more} {base}"
awk = "{print $1} ${HOME} {{literal}}"
)");
  SECTION("a string var is resolved as written") {
    CHECK(config.vars.at("cflags").items == std::vector<std::string>{"-O2 -g"});
    CHECK_FALSE(config.vars.at("cflags").is_list);
    CHECK(config.vars.at("cflags").pos.line == 2);
  }
  SECTION("an array var splices an array var used alone") {
    CHECK(config.vars.at("dirs").is_list);
    CHECK(config.vars.at("dirs").items == std::vector<std::string>{"/src/a", "b c", "d", "{x}"});
  }
  SECTION("an array var inside a string var is joined with spaces") {
    CHECK(config.vars.at("line").items == std::vector<std::string>{"b c d /src"});
  }
  SECTION("text that is not a placeholder stays") {
    CHECK(config.vars.at("awk").items == std::vector<std::string>{"{print $1} ${HOME} {literal}"});
  }
}

TEST_CASE("a cycle among vars is an error", "[config]") {
  SECTION("through other vars") {
    const ConfigError e = config_error("[vars]\na = \"x{b}\"\nb = \"{c}\"\nc = \"y {a}\"\n");
    CHECK_ERROR_AT(e, 4, 8);
    CHECK(message(e) == "var cycle: a -> b -> c -> a");
  }
  SECTION("a var using itself") {
    const ConfigError e = config_error("[vars]\na = [\"{a}\"]\n");
    CHECK_ERROR_AT(e, 2, 7);
    CHECK(message(e) == "var cycle: a -> a");
  }
}

TEST_CASE("a var cannot use job placeholders", "[config]") {
  SECTION("input") {
    const ConfigError e = config_error("[vars]\nx = 'cat {input}'\n");
    CHECK_ERROR_AT(e, 2, 10);
    CHECK(message(e).find("vars cannot use job placeholders") != std::string::npos);
  }
  SECTION("an unknown name") {
    const ConfigError e = config_error("[vars]\nraw = \"a\"\nx = \"{frame}/{rwa}\"\n");
    CHECK_ERROR_AT(e, 3, 6);
    CHECK(message(e).find("vars cannot use job placeholders") != std::string::npos);
  }
  SECTION("a misspelt var") {
    const ConfigError e = config_error("[vars]\nraw_dir = \"a\"\nx = \"{raw_dr}\"\n");
    CHECK_ERROR_AT(e, 3, 6);
    CHECK(e.hint() == "did you mean 'raw_dir'?");
  }
  SECTION("a var with an index") {
    const ConfigError e = config_error("[vars]\nl = [\"a\"]\nx = \"- {l[0]}\"\n");
    CHECK_ERROR_AT(e, 3, 8);
  }
  SECTION("an escape before the placeholder falls back to the value") {
    const ConfigError e = config_error("[vars]\nx = \"\\t{input}\"\n");
    CHECK_ERROR_AT(e, 2, 5);
  }
}

TEST_CASE("a var cannot be named like a job placeholder", "[config]") {
  for (const char* name : {"inputs", "outputs", "input", "output", "task", "job"}) {
    SECTION(name) {
      const ConfigError e =
          config_error(std::string("[vars]\nok = \"1\"\n  ") + name + " = \"x\"\n");
      CHECK_ERROR_AT(e, 3, 3);
      CHECK(message(e) ==
            std::string("a var cannot be named '") + name + "': that is a job placeholder");
    }
  }
  SECTION("a name that cannot be a placeholder") {
    const ConfigError e = config_error("[vars]\n\"a-b\" = \"x\"\n");
    CHECK_ERROR_AT(e, 2, 1);
  }
}

TEST_CASE("a command-line override replaces a var", "[config]") {
  const std::string text = "[vars]\nopt = \"-O2\"\ncflags = \"{opt} -g\"\nflags = [\"a\"]\n";
  SECTION("a string var, used by another var") {
    const Config config = parse(text, {{"opt", "-O0 -fno-inline"}});
    CHECK(config.vars.at("opt").items == std::vector<std::string>{"-O0 -fno-inline"});
    CHECK_FALSE(config.vars.at("opt").pos.known());
    CHECK(config.vars.at("cflags").items == std::vector<std::string>{"-O0 -fno-inline -g"});
  }
  SECTION("an array var takes the words of the value") {
    const Config config = parse(text, {{"flags", " -x  -y z "}});
    CHECK(config.vars.at("flags").items == std::vector<std::string>{"-x", "-y", "z"});
    CHECK(config.vars.at("flags").is_list);
  }
  SECTION("an override may use vars") {
    const Config config = parse(text, {{"cflags", "{opt} -pg"}});
    CHECK(config.vars.at("cflags").items == std::vector<std::string>{"-O2 -pg"});
  }
  SECTION("an override using a job placeholder") {
    CHECK_THROWS_WITH(parse(text, {{"opt", "{input}"}}),
                      Catch::Contains("vars cannot use job placeholders"));
  }
  SECTION("an override of an undeclared var") {
    try {
      parse(text, {{"cflag", "-O3"}});
      FAIL("no error");
    } catch (const ConfigError&) {
      FAIL("a ConfigError, not a UserError");
    } catch (const UserError& e) {
      CHECK(message(e) == "cannot override 'cflag': Pipeline.toml declares no such var");
      CHECK(e.hint() == "did you mean 'cflags'?");
      CHECK(format_error(e) ==
            "pipeline: error: cannot override 'cflag': Pipeline.toml declares no such var\n"
            "hint: did you mean 'cflags'?");
    }
  }
}

TEST_CASE("env values stay as written", "[config]") {
  const Config config = parse("[env]\nOUT = \"{raw}/x\"\n[tasks.a]\nenv.P = \"{input}\"\n");
  CHECK(config.env[0].second.text == "{raw}/x");
  CHECK(config.env[0].second.pos.line == 2);
  CHECK(config.env[0].second.pos.column == 7);
  CHECK(config.tasks[0].env[0].second.text == "{input}");
}

TEST_CASE("durations parse and format", "[config]") {
  SECTION("parse") {
    CHECK(parse_duration("250ms") == Duration(250));
    CHECK(parse_duration("90s") == Duration(90'000));
    CHECK(parse_duration("10m") == Duration(600'000));
    CHECK(parse_duration("1h30m") == Duration(5'400'000));
    CHECK(parse_duration("2d") == Duration(172'800'000));
    CHECK(parse_duration("1.5s") == Duration(1500));
    CHECK(parse_duration("0s") == Duration(0));
  }
  SECTION("malformed") {
    for (const char* bad : {"", "90", "s", "1x", "-1s", "1 s", "1.s", ".5s", "1h 30m", "5sec",
                            "99999999999999999999d"}) {
      CAPTURE(bad);
      CHECK_FALSE(parse_duration(bad));
    }
  }
  SECTION("format") {
    CHECK(format_duration(Duration(0)) == "0s");
    CHECK(format_duration(Duration(250)) == "250ms");
    CHECK(format_duration(Duration(1500)) == "1.5s");
    CHECK(format_duration(Duration(600'000)) == "10m");
    CHECK(format_duration(Duration(5'400'000)) == "1h30m");
    CHECK(format_duration(Duration(90'000)) == "1m30s");
    CHECK(format_duration(std::chrono::hours(24 * 14)) == "14d");
  }
  SECTION("round trips") {
    for (const std::int64_t ms :
         {0L, 1L, 999L, 1000L, 1001L, 59'999L, 60'000L, 3'723'500L, 86'400'000L, 90'061'001L}) {
      CAPTURE(ms);
      CHECK(parse_duration(format_duration(Duration(ms))) == Duration(ms));
    }
    for (const char* text : {"250ms", "1.5s", "10m", "1h30m", "14d", "1d2h3m4.005s"}) {
      CAPTURE(text);
      CHECK(format_duration(*parse_duration(text)) == text);
    }
  }
}

TEST_CASE("closest_name suggests near names only", "[config]") {
  const std::vector<std::string> keys = {"inputs", "outputs", "deps", "cmd", "cmds"};
  SECTION("one letter off") { CHECK(closest_name("input", keys) == "inputs"); }
  SECTION("a swap") { CHECK(closest_name("ouptuts", keys) == "outputs"); }
  SECTION("a swap of neighbours is one edit") {
    CHECK(closest_name("biuld", {"build", "test"}) == "build");
  }
  SECTION("a tie takes the first") { CHECK(closest_name("cmdx", keys) == "cmd"); }
  SECTION("too far") { CHECK(closest_name("frobnicate", keys).empty()); }
  SECTION("short names allow one edit") {
    CHECK(closest_name("dep", keys) == "deps");
    CHECK(closest_name("xy", keys).empty());
  }
  SECTION("did_you_mean") {
    CHECK(did_you_mean("deeps", keys) == "did you mean 'deps'?");
    CHECK(did_you_mean("zzzzzz", keys).empty());
  }
}

TEST_CASE("format_error shows the line and a caret under the column", "[config]") {
  SECTION("with a hint") {
    const ConfigError e = config_error("[tasks.a]\ncmd = \"x\"\n  input = [\"a\"]\n");
    CHECK(format_error(e) ==
          "Pipeline.toml:3:3: error: unknown key 'input' in task 'a'\n"
          " 3 |   input = [\"a\"]\n"
          "   |   ^\n"
          "hint: did you mean 'inputs'?");
  }
  SECTION("tabs and a wide gutter") {
    std::string text(9, '\n');
    text = "[tasks.a]" + text + "\tretries = \"x\"\n";
    const ConfigError e = config_error(text);
    CHECK(format_error(e) ==
          "Pipeline.toml:10:12: error: 'retries' must be an integer, not a string\n"
          " 10 | \tretries = \"x\"\n"
          "    | \t          ^");
  }
  SECTION("a plain error") {
    CHECK(format_error(UserError("no Pipeline.toml found")) ==
          "pipeline: error: no Pipeline.toml found");
  }
}

TEST_CASE("position_in maps an offset in a value to a column", "[config]") {
  const SourceFile source("P.toml", "a = \"x {y}\"\nb = 'é {y}'\nc = \"\\t{y}\"\n");
  SECTION("a basic string") {
    const SourcePos pos = source.position_in(LocatedString{"x {y}", {1, 5}}, 2);
    CHECK(pos.line == 1);
    CHECK(pos.column == 8);
  }
  SECTION("a literal string with a multi-byte character") {
    const SourcePos pos = source.position_in(LocatedString{"é {y}", {2, 5}}, 3);
    CHECK(pos.column == 8);
  }
  SECTION("an escape falls back to the value") {
    const SourcePos pos = source.position_in(LocatedString{"\t{y}", {3, 5}}, 1);
    CHECK(pos.column == 5);
  }
  SECTION("lines") {
    CHECK(source.line(2) == "b = 'é {y}'");
    CHECK(source.line(5).empty());
  }
}

TEST_CASE("load_config reads a file and reports a missing one", "[config]") {
  SECTION("missing") {
    CHECK_THROWS_WITH(load_config("/nonexistent/Pipeline.toml", "Pipeline.toml"),
                      Catch::StartsWith("cannot read Pipeline.toml"));
  }
}
