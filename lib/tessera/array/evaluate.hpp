// tessera/array/evaluate.hpp: produce -> transform -> reduce, one chunk at a time, in one pass.
//
// evaluate() is the fused, lazy evaluation of `source |> pipeline |> reductions` over a layout:
// every local chunk is streamed row by row in tiles of at most Pipeline::tile elements, and each
// tile goes through the tile kernel (tile_kernel.hpp): produced (a generated source is produced in
// the kernel itself), transformed by the whole pipeline and fed to the chunk's accumulator while it
// is in registers or L1. OpenMP threads share the chunks.
//   - out == nullptr (lazy): nothing is stored; the per-thread scratch tile holds only what a
//     non-generated source provides. The array is never held, so reductions of arrays larger than
//     memory cost no page faults at all.
//   - out != nullptr (materialised): tiles are produced straight into `out`'s storage, which is
//     written exactly once.
// Both modes give bitwise the same reductions (see reduce.hpp), at any rank and thread count.
//
//   const BlockLayout L = BlockLayout::make(comm, {10000, 10000}, {1000, 1000});
//   auto r = evaluate<double>(L, generator_source<double>(Generator::parse("ones"), L.shape()),
//                             Pipeline::parse({"square"}), nullptr, {false, Needs::of({Reduction::sum})});
//   r.total.sum   // 1e8, on every rank
#pragma once
#include <functional>
#include <type_traits>
#include <vector>

#include "tessera/array/generator.hpp"
#include "tessera/array/pipeline.hpp"
#include "tessera/array/reduce.hpp"
#include "tessera/array/tile_kernel.hpp"

namespace tessera::array {

// Where evaluate() gets its input: fills out[0, n) with the values of the row segment that starts
// at global index g (n consecutive elements along the last dimension). Any callable works; sources
// made by generator_source() are recognised, so the values are produced inside the vectorised
// tile kernel instead of through a function call. Must be safe to call from several threads.
template <typename T>
class Source {
 public:
  using Fill = std::function<void(const Extents& g, Index n, T* out)>;
  template <typename F, typename = std::enable_if_t<!std::is_same_v<std::decay_t<F>, Source> &&
                                                    std::is_invocable_v<F&, const Extents&, Index, T*>>>
  Source(F f) : fill_(std::move(f)) {}  // NOLINT: implicit, any callable is a source
  static Source generated(const Generator& gen, std::vector<Index> shape) {
    Source s([gen, shape](const Extents& g, Index n, T* out) { gen.fill(flat_index(shape, g), n, out); });
    s.gen_ = gen;
    s.has_gen_ = true;
    s.shape_ = std::move(shape);
    return s;
  }
  void operator()(const Extents& g, Index n, T* out) const { fill_(g, n, out); }
  const Generator* generator() const { return has_gen_ ? &gen_ : nullptr; }
  const std::vector<Index>& shape() const { return shape_; }

 private:
  Fill fill_;
  Generator gen_;
  bool has_gen_ = false;
  std::vector<Index> shape_;
};

// Source of generated values (ones, arange, random:SEED, ...) for an array of `shape`.
template <typename T>
Source<T> generator_source(const Generator& gen, const std::vector<Index>& shape) {
  return Source<T>::generated(gen, shape);
}

// Source reading from an existing array with the same layout (owned elements only).
template <typename T>
Source<T> array_source(const DistArray<T>& in) {
  return Source<T>([&in](const Extents& g, Index n, T* out) {
    const T* p = &in.global(g);
    std::copy(p, p + n, out);
  });
}

struct EvalOptions {
  bool strict = false;  // stop at the first domain error (log of a negative number, ...)
  Needs needs;          // accumulations to make (default all; Needs::of(reductions) for less work)
};

struct EvalResult {
  Partial total;                  // combined over all ranks (identical on every rank)
  // First domain error on this rank (strict mode only; rank-local: agree on it collectively).
  bool domain_error = false;
  std::string error_op;           // "log"
  double error_value = 0;         // its input
  Extents error_index{0, 0, 0};   // global index of the element
};

// Collective over L.comm(). When `out` is given it must have layout L (ghosts allowed).
template <typename T>
EvalResult evaluate(const BlockLayout& L, const Source<T>& source, const Pipeline& pipeline,
                    DistArray<T>* out = nullptr, const EvalOptions& opt = {}) {
  const auto chunks = local_chunks(L);
  std::vector<Partial> parts(chunks.size());
  struct Err {
    bool found = false;
    int op = 0;
    double value = 0;
    Extents index{};
  };
  std::vector<Err> errs(chunks.size());
  const Generator* gen = source.generator();
#pragma omp parallel
  {
    std::vector<T> scratch(out ? 0 : static_cast<size_t>(Pipeline::tile));
#pragma omp for schedule(dynamic, 1)
    for (std::int64_t c = 0; c < static_cast<std::int64_t>(chunks.size()); ++c) {
      const ChunkRef& r = chunks[static_cast<size_t>(c)];
      ChunkAccumulator acc(opt.needs);
      Err& err = errs[static_cast<size_t>(c)];
      for_each_row(r.box, [&](const Extents& g, Index n) {
        for (Index s = 0; s < n && !err.found; s += Pipeline::tile) {
          const Index m = std::min(Pipeline::tile, n - s);
          Extents gs = g;
          gs[L.ndims() - 1] += s;
          T* t = out ? &out->global(gs) : scratch.data();
          if (!gen) source(gs, m, t);
          const DomainError e = fused_tile(gen, gen ? flat_index(source.shape(), gs) : 0, pipeline, t, m,
                                           /*store=*/out != nullptr, opt.strict, &acc);
          if (e.found()) {
            err = {true, e.op, e.value, gs};
            err.index[L.ndims() - 1] += e.offset;
            return;
          }
        }
      });
      parts[static_cast<size_t>(c)] = acc.finish();
    }
  }
  EvalResult res;
  for (const Err& e : errs)
    if (e.found) {
      res.domain_error = true;
      res.error_op = pipeline.ops()[static_cast<size_t>(e.op)].to_string();
      res.error_value = e.value;
      res.error_index = e.index;
      break;
    }
  res.total = combine_chunks(L, parts);
  return res;
}

// In place, a = pipeline(a), fused and chunk by chunk (map_blocks with the tile kernel); returns the
// reductions of the result, the same bits evaluate() gives. Collective over a.comm().
template <typename T>
Partial transform(DistArray<T>& a, const Pipeline& pipeline, const Needs& needs = {}) {
  const auto chunks = local_chunks(a.layout());
  std::vector<Partial> parts(chunks.size());
  for_each_local_chunk(chunks, [&](const ChunkRef& r) {
    ChunkAccumulator acc(needs);
    detail::view_of<T>(a, r).for_each_row([&](T* row, Index n, const Extents&) {
      for (Index s = 0; s < n; s += Pipeline::tile)
        fused_tile(nullptr, 0, pipeline, row + s, std::min(Pipeline::tile, n - s), /*store=*/true, false, &acc);
    });
    parts[static_cast<size_t>(r.local)] = acc.finish();
  });
  return combine_chunks(a.layout(), parts);
}

}  // namespace tessera::array
