#include "tessera/array/generator.hpp"

#include "tessera/core/error.hpp"

namespace tessera::array {

bool Generator::is_generator(const std::string& spec) {
  return spec == "zeros" || spec == "ones" || spec == "arange" || spec.rfind("random", 0) == 0;
}

Generator Generator::parse(const std::string& spec) {
  if (spec == "zeros") return Generator(Kind::zeros);
  if (spec == "ones") return Generator(Kind::ones);
  if (spec == "arange") return Generator(Kind::arange);
  if (spec == "random") throw UsageError("--init random needs a seed: random:SEED, e.g. random:42");
  if (spec.rfind("random:", 0) == 0) {
    const std::string s = spec.substr(7);
    if (s.empty() || s.size() > 20 || s.find_first_not_of("0123456789") != std::string::npos)
      throw UsageError("--init '" + spec + "': the seed must be a non-negative whole number");
    try {
      return Generator(Kind::random, std::stoull(s));
    } catch (const std::exception&) {
      throw UsageError("--init '" + spec + "': the seed is out of range");
    }
  }
  throw UsageError("unknown --init '" + spec + "' (expected ones, zeros, arange, random:SEED or FILE.h5:/path)");
}

std::string Generator::to_string() const {
  switch (kind_) {
    case Kind::zeros: return "zeros";
    case Kind::ones: return "ones";
    case Kind::arange: return "arange";
    case Kind::random: return "random:" + std::to_string(seed_);
  }
  return "?";
}

}  // namespace tessera::array
