#include "tessera/array/pipeline.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstdlib>

#include "tessera/core/cli.hpp"
#include "tessera/core/error.hpp"

namespace tessera::array {

namespace {
double parse_number(const std::string& text, const std::string& spec) {
  if (text.empty()) throw UsageError("--op '" + spec + "': missing number");
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || errno == ERANGE || !std::isfinite(v))
    throw UsageError("--op '" + spec + "': '" + text + "' is not a finite number");
  return v;
}

std::vector<std::string> split_colons(const std::string& s) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    const auto pos = s.find(':', start);
    parts.push_back(s.substr(start, pos == std::string::npos ? std::string::npos : pos - start));
    if (pos == std::string::npos) break;
    start = pos + 1;
  }
  return parts;
}
}  // namespace

Op parse_op(const std::string& spec) {
  const auto parts = split_colons(spec);
  const std::string& name = parts[0];
  auto want_args = [&](size_t n, const char* form) {
    if (parts.size() != n + 1)
      throw UsageError("--op '" + spec + "': expected " + form);
  };
  if (name == "square" || name == "sqrt" || name == "abs" || name == "exp" || name == "log") {
    want_args(0, name.c_str());
    if (name == "square") return Op::square();
    if (name == "sqrt") return Op::sqrt();
    if (name == "abs") return Op::abs();
    if (name == "exp") return Op::exp();
    return Op::log();
  }
  if (name == "scale") {
    want_args(1, "scale:A");
    return Op::scale(parse_number(parts[1], spec));
  }
  if (name == "add") {
    want_args(1, "add:B");
    return Op::add(parse_number(parts[1], spec));
  }
  if (name == "pow") {
    want_args(1, "pow:P");
    return Op::pow(parse_number(parts[1], spec));
  }
  if (name == "clip") {
    want_args(2, "clip:LO:HI");
    const double lo = parse_number(parts[1], spec), hi = parse_number(parts[2], spec);
    if (lo > hi) throw UsageError("--op '" + spec + "': LO must not exceed HI");
    return Op::clip(lo, hi);
  }
  throw UsageError("unknown --op '" + spec +
                   "' (expected square, sqrt, abs, exp, log, scale:A, add:B, pow:P or clip:LO:HI)");
}

std::string Op::to_string() const {
  switch (kind) {
    case OpKind::square: return "square";
    case OpKind::sqrt: return "sqrt";
    case OpKind::abs: return "abs";
    case OpKind::exp: return "exp";
    case OpKind::log: return "log";
    case OpKind::scale: return fmt::format("scale:{}", a);
    case OpKind::add: return fmt::format("add:{}", a);
    case OpKind::pow: return fmt::format("pow:{}", a);
    case OpKind::clip: return fmt::format("clip:{}:{}", a, b);
  }
  return "?";
}

Pipeline Pipeline::parse(const std::vector<std::string>& specs) {
  Pipeline p;
  for (const auto& s : specs) {
    if (s.empty()) throw UsageError("--op: empty operation");
    for (const auto& piece : cli::split(s, ',')) p.then(parse_op(piece));
  }
  return p;
}

std::string Pipeline::to_string() const {
  if (ops_.empty()) return "identity";
  std::string s;
  for (size_t k = 0; k < ops_.size(); ++k) s += (k ? "," : "") + ops_[k].to_string();
  return s;
}

}  // namespace tessera::array
