#include "inputs.hpp"

#include "tessera/core/error.hpp"
#include "tessera/io/array_io.hpp"
#include "tessera/linalg/matrix_fill.hpp"

namespace matmul_app {

using tessera::UsageError;

InitSpec parse_init(const std::string& text) {
  InitSpec s;
  s.text = text;
  if (text == "structured") {
    s.kind = InitKind::structured;
    return s;
  }
  if (text == "random") {
    s.text = "random:1";
    return s;
  }
  const std::string prefix = "random:";
  if (text.rfind(prefix, 0) == 0) {
    const std::string num = text.substr(prefix.size());
    if (num.empty() || num.size() > 19 || num.find_first_not_of("0123456789") != std::string::npos)
      throw UsageError("--init '" + text + "': the seed must be a whole number, e.g. random:42");
    s.seed = std::stoull(num);
    return s;
  }
  throw UsageError("--init '" + text + "': choose random:SEED or structured");
}

double structured_weight(Index l) { return static_cast<double>(l % 31 + 1); }

long double structured_weight_sum(Index k) {
  long double s = 0;
  for (Index l = 0; l < k; ++l) s += static_cast<long double>(structured_weight(l)) * structured_weight(l);
  return s;
}

double structured_entry(Which which, Index i, Index j) {
  switch (which) {
    case Which::A: return static_cast<double>(i % 8 + 1) * structured_weight(j);
    case Which::B: return structured_weight(i) * static_cast<double>(j % 8 + 1);
    case Which::C0: return static_cast<double>((i + 2 * j) % 5 - 2);
  }
  return 0;
}

template <typename T>
void generate(tessera::array::DistArray<T>& a, const InitSpec& spec, Which which) {
  if (spec.kind == InitKind::random) {
    tessera::linalg::fill_random(a, spec.seed, static_cast<std::uint64_t>(which));
  } else {
    tessera::linalg::fill_by_index(a, [which](Index i, Index j) { return structured_entry(which, i, j); });
  }
}

FileShapes probe_files(const tessera::mpi::Comm& comm, const std::string& a_spec, const std::string& b_spec) {
  namespace io = tessera::io;
  auto info_of = [&](const std::string& spec, const char* opt) {
    const auto [file, path] = io::split_file_and_path(spec, opt);
    auto f = io::File::open(comm, file, io::Mode::read);
    auto info = io::dataset_info(f, path);
    if (info.shape.size() != 2)
      throw UsageError(std::string(opt) + " '" + spec + "' is not a matrix: it has " + std::to_string(info.shape.size()) +
                       " dimensions");
    if (info.dtype != "float32" && info.dtype != "float64")
      throw UsageError(std::string(opt) + " '" + spec + "' holds " + info.dtype + "; tessera-matmul reads float32 or float64");
    return info;
  };
  const auto a = info_of(a_spec, "--a");
  const auto b = info_of(b_spec, "--b");
  if (a.shape[1] != b.shape[0])
    throw UsageError("--a/--b: A is " + tessera::shape_to_string(a.shape) + " but B is " +
                     tessera::shape_to_string(b.shape) + ": A's columns (" + std::to_string(a.shape[1]) +
                     ") must equal B's rows (" + std::to_string(b.shape[0]) + ")");
  if (a.dtype != b.dtype) throw UsageError("--a/--b: A holds " + a.dtype + " but B holds " + b.dtype);
  return {a.shape[0], a.shape[1], b.shape[1], a.dtype};
}

template <typename T>
void read_matrix(const tessera::mpi::Comm& comm, const std::string& spec, tessera::array::DistArray<T>& a) {
  namespace io = tessera::io;
  const auto [file, path] = io::split_file_and_path(spec, "input");
  auto f = io::File::open(comm, file, io::Mode::read);
  io::read_array(f, path, a);
}

template void generate<float>(tessera::array::DistArray<float>&, const InitSpec&, Which);
template void generate<double>(tessera::array::DistArray<double>&, const InitSpec&, Which);
template void read_matrix<float>(const tessera::mpi::Comm&, const std::string&, tessera::array::DistArray<float>&);
template void read_matrix<double>(const tessera::mpi::Comm&, const std::string&, tessera::array::DistArray<double>&);

}  // namespace matmul_app
