#include "tessera/core/cli.hpp"

#include <cstdio>
#include <sstream>

#include "tessera/core/error.hpp"
#include "tessera/core/version.hpp"

namespace tessera::cli {

void add_common(CLI::App& app, CommonOptions& opts, bool with_output) {
  opts.with_output = with_output;
  if (with_output) app.add_option("--output,-o", opts.output, "Write results to this HDF5 file");
  app.add_option("--report", opts.report, "Write machine-readable metrics to this JSON file");
  auto* v = app.add_flag("--verbose,-v", opts.verbose, "Say more (every rank may speak)");
  auto* q = app.add_flag("--quiet,-q", opts.quiet, "Print only errors and the verdict");
  v->excludes(q);
  app.set_version_flag("--version", version_line());
}

void apply(const CommonOptions& opts) {
  if (opts.quiet) log::set_level(log::Level::quiet);
  else if (opts.verbose) log::set_level(log::Level::verbose);
  else log::set_level(log::Level::normal);
}

int parse(CLI::App& app, int argc, char** argv, bool& done) {
  done = false;
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    if (log::rank() <= 0) std::fputs(app.help().c_str(), stdout);
    done = true;
    return 0;
  } catch (const CLI::CallForAllHelp&) {
    if (log::rank() <= 0) std::fputs(app.help("", CLI::AppFormatMode::All).c_str(), stdout);
    done = true;
    return 0;
  } catch (const CLI::CallForVersion&) {
    if (log::rank() <= 0) std::printf("%s\n", version_line().c_str());
    done = true;
    return 0;
  } catch (const CLI::ParseError& e) {
    std::string msg = e.what();
    for (auto& c : msg)
      if (c == '\n') c = ' ';
    throw UsageError(msg + " (see " + app.get_name() + " --help)");
  }
  return 0;
}

namespace {
std::int64_t parse_positive(const std::string& piece, const std::string& what, const std::string& whole) {
  if (piece.empty() || piece.find_first_not_of("0123456789") != std::string::npos)
    throw UsageError(what + " '" + whole + "': '" + piece + "' is not a positive whole number");
  std::int64_t v = 0;
  try {
    v = std::stoll(piece);
  } catch (const std::exception&) {
    throw UsageError(what + " '" + whole + "': '" + piece + "' is out of range");
  }
  if (v <= 0) throw UsageError(what + " '" + whole + "': sizes must be positive, got " + piece);
  return v;
}
}  // namespace

std::vector<std::int64_t> parse_extents(const std::string& text, const std::string& what, int min_dims,
                                        int max_dims) {
  std::vector<std::int64_t> out;
  std::stringstream ss(text);
  std::string part;
  if (text.empty()) throw UsageError(what + ": empty value");
  while (std::getline(ss, part, 'x')) out.push_back(parse_positive(part, what, text));
  if (!text.empty() && text.back() == 'x') throw UsageError(what + " '" + text + "': trailing 'x'");
  const int n = static_cast<int>(out.size());
  if (n < min_dims || n > max_dims)
    throw UsageError(what + " '" + text + "' has " + std::to_string(n) + " dimensions; expected " +
                     (min_dims == max_dims ? std::to_string(min_dims)
                                           : std::to_string(min_dims) + " to " + std::to_string(max_dims)));
  return out;
}

std::pair<std::int64_t, std::int64_t> parse_range(const std::string& text, const std::string& what) {
  const auto colon = text.find(':');
  if (colon == std::string::npos) throw UsageError(what + " '" + text + "': expected A:B");
  auto num = [&](const std::string& s) -> std::int64_t {
    if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos)
      throw UsageError(what + " '" + text + "': '" + s + "' is not a whole number");
    try {
      return std::stoll(s);
    } catch (const std::exception&) {
      throw UsageError(what + " '" + text + "': '" + s + "' is out of range");
    }
  };
  const auto a = num(text.substr(0, colon)), b = num(text.substr(colon + 1));
  if (a > b) throw UsageError(what + " '" + text + "' is reversed: " + std::to_string(a) + " > " + std::to_string(b));
  return {a, b};
}

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  std::string part;
  while (std::getline(ss, part, sep))
    if (!part.empty()) out.push_back(part);
  return out;
}

std::string command_line(int argc, char** argv) {
  std::string out;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    const bool plain = !a.empty() && a.find_first_of(" \t\n'\"\\$`*?;&|<>()") == std::string::npos;
    if (i) out += ' ';
    if (plain) {
      out += a;
    } else {
      out += '\'';
      for (char c : a) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
      out += '\'';
    }
  }
  return out;
}

}  // namespace tessera::cli
