#pragma once
// cli: the command line of SPEC §2 (CLI11): finds the Pipeline.toml, loads and
// plans it, and runs the targets or the mode asked for. Returns the exit code;
// every user error is printed here, once.

namespace pipeline {

int run_cli(int argc, char** argv);

}  // namespace pipeline
