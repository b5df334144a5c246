#include "tessera/array/reduce.hpp"

#include <algorithm>

#include "tessera/core/cli.hpp"
#include "tessera/core/error.hpp"
#include "tessera/mpi/check.hpp"
#include "tessera/mpi/count.hpp"

namespace tessera::array {

Reduction parse_reduction(const std::string& name) {
  if (name == "sum") return Reduction::sum;
  if (name == "min") return Reduction::min;
  if (name == "max") return Reduction::max;
  if (name == "mean") return Reduction::mean;
  if (name == "l2" || name == "norm") return Reduction::l2;
  throw UsageError("unknown reduction '" + name + "' (expected sum, min, max, mean or l2)");
}

std::vector<Reduction> parse_reductions(const std::string& list) {
  std::vector<Reduction> out;
  for (const auto& piece : cli::split(list, ',')) {
    const Reduction r = parse_reduction(piece);
    if (std::find(out.begin(), out.end(), r) == out.end()) out.push_back(r);
  }
  return out;
}

const char* to_string(Reduction r) {
  switch (r) {
    case Reduction::sum: return "sum";
    case Reduction::min: return "min";
    case Reduction::max: return "max";
    case Reduction::mean: return "mean";
    case Reduction::l2: return "l2";
  }
  return "?";
}

double Partial::value(Reduction r) const {
  constexpr double qnan = std::numeric_limits<double>::quiet_NaN();
  switch (r) {
    case Reduction::sum: return sum;
    case Reduction::min: return nan ? qnan : min;
    case Reduction::max: return nan ? qnan : max;
    case Reduction::mean: return mean();
    case Reduction::l2: return l2();
  }
  return qnan;
}

Partial Partial::combine(const Partial& a, const Partial& b) {
  Partial r;
  r.count = a.count + b.count;
  r.sum = a.sum + b.sum;
  r.sumsq = a.sumsq + b.sumsq;
  r.min = b.min < a.min ? b.min : a.min;
  r.max = b.max > a.max ? b.max : a.max;
  r.nan = a.nan || b.nan;
  return r;
}

Needs Needs::of(const std::vector<Reduction>& rs) {
  Needs n{false, false, false};
  for (Reduction r : rs) {
    if (r == Reduction::sum || r == Reduction::mean) n.sum = true;
    if (r == Reduction::l2) n.sumsq = true;
    if (r == Reduction::min || r == Reduction::max) n.extrema = true;
  }
  return n;
}

void ChunkAccumulator::reset() {
  for (int l = 0; l < lanes; ++l) s_[l] = q_[l] = 0;
  lo_ = std::numeric_limits<double>::infinity();
  hi_ = -std::numeric_limits<double>::infinity();
  nan_ = false;
  pos_ = 0;
}

Partial ChunkAccumulator::finish() const {
  // lanes pairwise: ((0+1)+(2+3)) + ((4+5)+(6+7))
  double s[lanes], q[lanes];
  for (int l = 0; l < lanes; ++l) s[l] = s_[l], q[l] = q_[l];
  for (int w = 1; w < lanes; w *= 2)
    for (int l = 0; l + w < lanes; l += 2 * w) s[l] += s[l + w], q[l] += q[l + w];
  // what was not asked for keeps its initial value (so it cannot depend on how the chunk was fed)
  Partial p;
  p.count = pos_;
  if (needs_.sum) p.sum = s[0];
  if (needs_.sumsq) p.sumsq = q[0];
  if (needs_.extrema) {
    p.min = lo_;
    p.max = hi_;
    p.nan = nan_;
  }
  return p;
}

Partial combine_in_order(const std::vector<Partial>& parts) {
  if (parts.empty()) return {};
  std::vector<Partial> v = parts;
  // pairwise tree: neighbours first, a fixed shape for a fixed length
  for (size_t w = 1; w < v.size(); w *= 2)
    for (size_t i = 0; i + w < v.size(); i += 2 * w) v[i] = Partial::combine(v[i], v[i + w]);
  return v[0];
}

namespace {
constexpr int kPacked = 6;
void pack(const Partial& p, double* o) {
  o[0] = static_cast<double>(p.count);
  o[1] = p.sum;
  o[2] = p.sumsq;
  o[3] = p.min;
  o[4] = p.max;
  o[5] = p.nan ? 1.0 : 0.0;
}
Partial unpack(const double* o) {
  Partial p;
  p.count = static_cast<Index>(o[0]);
  p.sum = o[1];
  p.sumsq = o[2];
  p.min = o[3];
  p.max = o[4];
  p.nan = o[5] != 0.0;
  return p;
}
}  // namespace

Partial combine_chunks(const BlockLayout& L, const std::vector<Partial>& local) {
  const mpi::Comm& comm = L.comm();
  const int P = comm.size();
  // where each rank's chunks go in the global chunk order
  std::vector<std::vector<Index>> ids(static_cast<size_t>(P));
  std::vector<int> counts(static_cast<size_t>(P)), displs(static_cast<size_t>(P));
  // One Allgatherv of every chunk's packed partial: its total count (the same on every rank, from
  // the layout) must fit MPI's int, else every rank refuses alike.
  mpi::checked_count(static_cast<size_t>(L.total_chunks()) * kPacked, "combine_chunks: the partials of every chunk");
  int total = 0;
  for (int r = 0; r < P; ++r) {
    if (!L.box_of(r).empty())
      for (const auto& c : chunks_of_coords(L, L.grid().coords_of(r))) ids[static_cast<size_t>(r)].push_back(c.id);
    counts[static_cast<size_t>(r)] = static_cast<int>(ids[static_cast<size_t>(r)].size()) * kPacked;
    displs[static_cast<size_t>(r)] = total;
    total += counts[static_cast<size_t>(r)];
  }
  if (local.size() != ids[static_cast<size_t>(comm.rank())].size())
    throw Error("combine_chunks: " + std::to_string(local.size()) + " partials for " +
                std::to_string(ids[static_cast<size_t>(comm.rank())].size()) + " local chunks");
  std::vector<double> mine(local.size() * kPacked), all(static_cast<size_t>(total));
  for (size_t i = 0; i < local.size(); ++i) pack(local[i], &mine[i * kPacked]);
  TESSERA_MPI_CHECK(MPI_Allgatherv(mine.data(), static_cast<int>(mine.size()), MPI_DOUBLE, all.data(), counts.data(),
                                   displs.data(), MPI_DOUBLE, comm.get()));
  std::vector<Partial> global(static_cast<size_t>(L.total_chunks()));
  for (int r = 0; r < P; ++r)
    for (size_t i = 0; i < ids[static_cast<size_t>(r)].size(); ++i)
      global[static_cast<size_t>(ids[static_cast<size_t>(r)][i])] =
          unpack(&all[static_cast<size_t>(displs[static_cast<size_t>(r)]) + i * kPacked]);
  return combine_in_order(global);
}

}  // namespace tessera::array
