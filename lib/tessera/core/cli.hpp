// tessera/core/cli.hpp: the CLI11 pieces every app shares. Apps own their command lines; the
// library only offers these helpers and never parses argv by itself.
#pragma once
#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "tessera/core/log.hpp"

namespace tessera::cli {

struct CommonOptions {
  std::string output;   // --output FILE.h5
  std::string report;   // --report FILE.json
  bool verbose = false;
  bool quiet = false;
  bool with_output = true;
};

// Adds --output (when `with_output`), --report, --verbose/-v, --quiet/-q and --version.
void add_common(CLI::App& app, CommonOptions& opts, bool with_output = true);
// Applies --verbose/--quiet to the logger.
void apply(const CommonOptions& opts);

// Parses argv. --help/--version print on rank 0 and return 0 (`done` set); a parse error throws
// tessera::UsageError with a one-line message ("--n: Value abc not in range..." + "; see --help").
// Every rank calls it with the same argv, so every rank agrees and exits together.
int parse(CLI::App& app, int argc, char** argv, bool& done);

// "4096x4096", "100" -> {4096, 4096} / {100}. Throws UsageError naming `what` for anything else:
// zero, negative, non-numeric, or a number of dimensions outside [min_dims, max_dims].
std::vector<std::int64_t> parse_extents(const std::string& text, const std::string& what, int min_dims = 1,
                                        int max_dims = 3);
// "1:20000" -> {1, 20000}; "A:B" must have A <= B.
std::pair<std::int64_t, std::int64_t> parse_range(const std::string& text, const std::string& what);
// Splits "a,b,c" on commas, dropping empty pieces.
std::vector<std::string> split(const std::string& text, char sep = ',');
// The whole command line as one shell-quoted string (provenance).
std::string command_line(int argc, char** argv);

}  // namespace tessera::cli
