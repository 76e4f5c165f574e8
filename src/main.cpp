// The pipeline binary: everything is in the core library (src/cli.cpp onwards).
#include "pipeline/cli.hpp"

int main(int argc, char** argv) { return pipeline::run_cli(argc, argv); }
