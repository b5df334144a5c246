// map_blocks, the fused lazy/materialised evaluation and the deterministic reductions under MPI:
// every element visited once with its global offset; lazy == materialised == reduce(array); and
// the reductions bitwise equal at the job's rank count, on sub-communicators of other sizes (1 rank
// included) and at 1 vs 2 OpenMP threads. Also the slab statistics and file tree of a written file.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

#include "tessera/array/evaluate.hpp"
#include "tessera/array/map_blocks.hpp"
#include "tessera/core/fs.hpp"
#include "tessera/io/array_io.hpp"
#include "tessera/io/dataset_stats.hpp"
#include "tessera/io/file_tree.hpp"
#include "tessera/io/output_file.hpp"
#include "tessera/io/xdmf.hpp"
#define TESSERA_SCRATCH_WITH_MPI
#include "scratch.hpp"

#ifdef TESSERA_HAVE_OPENMP
#include <omp.h>
#endif

using namespace tessera;
using array::BlockLayout;
using array::DistArray;
using array::Partial;
using array::Pipeline;

namespace {
std::string scratch(const std::string& name) { return tessera::testing::mpi_scratch(name); }

bool same(const Partial& a, const Partial& b) {
  auto eq = [](double x, double y) { return std::memcmp(&x, &y, sizeof x) == 0; };
  return a.count == b.count && eq(a.sum, b.sum) && eq(a.sumsq, b.sumsq) && eq(a.min, b.min) && eq(a.max, b.max) &&
         a.nan == b.nan;
}

// rank 0's partial, on every rank of w
Partial from_root(const mpi::Comm& w, Partial p) {
  double v[5] = {p.sum, p.sumsq, p.min, p.max, p.nan ? 1.0 : 0.0};
  w.bcast(v, 5);
  long long c = p.count;
  w.bcast(&c, 1);
  Partial r;
  r.sum = v[0], r.sumsq = v[1], r.min = v[2], r.max = v[3], r.nan = v[4] != 0, r.count = c;
  return r;
}

void set_threads(int n) {
#ifdef TESSERA_HAVE_OPENMP
  omp_set_num_threads(n);
#else
  (void)n;
#endif
}

struct Case {
  std::vector<Index> shape, chunks;
};
const std::vector<Case> kCases = {
    {{97, 61}, {16, 10}},       // uneven edges
    {{1000}, {37}},             // 1D
    {{13, 11, 9}, {4, 3, 5}},   // 3D
    {{30, 20}, {30, 20}},       // one chunk: at 2 and 4 ranks most ranks own nothing
};

template <typename T>
Partial lazy_reduce(const mpi::Comm& c, const Case& k, const std::string& init, const Pipeline& p) {
  const BlockLayout L = BlockLayout::make(c, k.shape, k.chunks);
  return array::evaluate<T>(L, array::generator_source<T>(array::Generator::parse(init), k.shape), p).total;
}
}  // namespace

TEST(MapBlocks, VisitsEveryOwnedElementOnceWithItsGlobalOffset) {
  const mpi::Comm w = mpi::Comm::world();
  for (const auto& k : kCases) {
    DistArray<std::int64_t> a(BlockLayout::make(w, k.shape, k.chunks), 1);
    a.fill(-1);  // ghosts must stay -1
    array::map_blocks(a, [&](array::ChunkView<std::int64_t> c) {
      for (Index i = 0; i < c.extent(0); ++i)
        for (Index j = 0; j < c.extent(1); ++j)
          for (Index l = 0; l < c.extent(2); ++l) {
            const Extents g{c.offset()[0] + i, c.offset()[1] + (c.ndims() > 1 ? j : 0),
                            c.offset()[2] + (c.ndims() > 2 ? l : 0)};
            c(i, j, l) += 1 + array::flat_index(k.shape, g);  // += : a second visit would show
          }
    });
    int bad = 0;
    a.for_each_owned([&](std::int64_t& v, const Extents& g) { bad += v != array::flat_index(k.shape, g); });
    EXPECT_EQ(w.sum(bad), 0) << shape_to_string(k.shape);
    // ghosts untouched: the corner of the allocation
    if (!a.empty()) {
      EXPECT_EQ(a.data()[0], -1);
    }
    // rows seen by for_each_row cover the chunk in row-major order
    Index rows_total = 0;
    const DistArray<std::int64_t>& ca = a;
    array::map_blocks(ca, [&](array::ChunkView<const std::int64_t> c) {
      Index expect = array::flat_index(k.shape, c.offset());
      bool ok = true;
      Index n = 0, first = -1;
      c.for_each_row([&](const std::int64_t* row, Index len, const Extents& g) {
        if (n == 0) first = row[0];
        ok = ok && row[0] == array::flat_index(k.shape, g) && row[len - 1] == row[0] + len - 1;
        n += len;
      });
      EXPECT_EQ(first, expect) << "the first row seen starts at the chunk's offset";
      EXPECT_TRUE(ok);
      EXPECT_EQ(n, c.size());
#pragma omp atomic
      rows_total += n;
    });
    EXPECT_EQ(w.sum(rows_total), a.layout().global_size());
  }
}

TEST(Evaluate, LazyMaterialisedAndReduceAgreeBitwise) {
  const mpi::Comm w = mpi::Comm::world();
  const Pipeline p = Pipeline::parse({"scale:3", "add:-1", "square", "sqrt"});
  for (const auto& k : kCases) {
    const BlockLayout L = BlockLayout::make(w, k.shape, k.chunks);
    const auto gen = array::Generator::parse("random:11");
    const auto src = array::generator_source<double>(gen, k.shape);
    const Partial lazy = array::evaluate<double>(L, src, p).total;
    DistArray<double> out(L, 2);
    const Partial mat = array::evaluate<double>(L, src, p, &out).total;
    EXPECT_TRUE(same(lazy, mat)) << shape_to_string(k.shape);
    EXPECT_TRUE(same(lazy, array::reduce(out))) << shape_to_string(k.shape);
    int bad = 0;
    out.for_each_owned([&](double& v, const Extents& g) {
      const double want = p.apply_one(gen.value<double>(array::flat_index(k.shape, g)));
      bad += std::memcmp(&v, &want, sizeof v) != 0;
    });
    EXPECT_EQ(w.sum(bad), 0);
    EXPECT_EQ(lazy.count, L.global_size());
    // an array source reproduces the same reduction again
    const Partial again = array::evaluate<double>(L, array::array_source(out), Pipeline()).total;
    EXPECT_TRUE(same(again, lazy));
    // in place: generate the input, then transform it
    DistArray<double> inplace(L, 1);
    array::evaluate<double>(L, src, Pipeline(), &inplace);
    EXPECT_TRUE(same(array::transform(inplace, p), lazy));
    int diff = 0;
    out.for_each_owned([&](double& v, const Extents& g) { diff += std::memcmp(&v, &inplace.global(g), sizeof v) != 0; });
    EXPECT_EQ(w.sum(diff), 0);
  }
}

TEST(Evaluate, ReductionsAreBitwiseEqualAtAnyRankCount) {
  const mpi::Comm w = mpi::Comm::world();
  const Pipeline p = Pipeline::parse({"exp", "scale:0.37", "add:-0.1"});
  for (const auto& k : kCases) {
    const Partial all = lazy_reduce<double>(w, k, "random:5", p);
    const Partial allf = lazy_reduce<float>(w, k, "random:5", p);
    // rank 0 alone, and the others together (1 and size-1 ranks)
    const mpi::Comm sub = w.split(w.rank() == 0 ? 0 : 1, w.rank());
    const Partial part = lazy_reduce<double>(sub, k, "random:5", p);
    const Partial partf = lazy_reduce<float>(sub, k, "random:5", p);
    EXPECT_TRUE(same(all, part)) << shape_to_string(k.shape) << " at " << sub.size() << " vs " << w.size() << " ranks";
    EXPECT_TRUE(same(allf, partf)) << shape_to_string(k.shape);
    // and rank 0's single-rank result equals everyone's
    EXPECT_TRUE(same(all, from_root(w, part))) << shape_to_string(k.shape);
    // a different process grid of the same ranks, too
    const BlockLayout L2(k.shape, k.chunks,
                         mpi::ProcessGrid(w, [&] {
                           std::vector<int> d(k.shape.size(), 1);
                           d.back() = w.size();
                           return d;
                         }()));
    const Partial other = array::evaluate<double>(
        L2, array::generator_source<double>(array::Generator::parse("random:5"), k.shape), p).total;
    EXPECT_TRUE(same(all, other)) << shape_to_string(k.shape);
  }
}

TEST(Evaluate, ReductionsAreBitwiseEqualAtOneAndTwoThreads) {
  const mpi::Comm w = mpi::Comm::world();
  const Pipeline p = Pipeline::parse({"square", "log"});
  for (const auto& k : kCases) {
    set_threads(1);
    const Partial one = lazy_reduce<double>(w, k, "arange", p);
    set_threads(2);
    const Partial two = lazy_reduce<double>(w, k, "arange", p);
    DistArray<double> out(BlockLayout::make(w, k.shape, k.chunks));
    const Partial two_mat = array::evaluate<double>(
        out.layout(), array::generator_source<double>(array::Generator::parse("arange"), k.shape), p, &out).total;
    set_threads(1);
    EXPECT_TRUE(same(one, two)) << shape_to_string(k.shape);
    EXPECT_TRUE(same(one, two_mat)) << shape_to_string(k.shape);
    EXPECT_TRUE(std::isinf(one.min));  // log(0) at index 0
  }
}

TEST(Evaluate, StrictMathReportsTheGlobalIndex) {
  const mpi::Comm w = mpi::Comm::world();
  const std::vector<Index> shape{40, 30};
  const BlockLayout L = BlockLayout::make(w, shape, {8, 7});
  array::EvalOptions opt;
  opt.strict = true;
  // arange - 1000.5 is negative below flat index 1001: (33, 11) is the last negative one; every
  // owner of a negative element reports its first, and the lowest one is at (0, 0)
  const auto r = array::evaluate<double>(
      L, array::generator_source<double>(array::Generator::parse("arange"), shape), Pipeline::parse({"add:-1000.5", "sqrt"}), nullptr, opt);
  const bool owns_negative = !L.local_box().empty() && array::flat_index(shape, L.local_box().lo) <= 1000;
  EXPECT_EQ(r.domain_error, owns_negative);
  if (r.domain_error) {
    EXPECT_EQ(r.error_op, "sqrt");
    EXPECT_LT(r.error_value, 0);
    EXPECT_LE(array::flat_index(shape, r.error_index), 1000);
  }
  EXPECT_TRUE(w.any(r.domain_error));
  // without strict: NaN, no report
  const auto lax = array::evaluate<double>(
      L, array::generator_source<double>(array::Generator::parse("arange"), shape), Pipeline::parse({"add:-1000.5", "sqrt"}));
  EXPECT_FALSE(w.any(lax.domain_error));
  EXPECT_TRUE(lax.total.nan);
}

TEST(DatasetStats, SlabByslabStatisticsMatchTheDistributedReduction) {
  const mpi::Comm w = mpi::Comm::world();
  const auto path = scratch("stats.h5");
  const std::vector<Index> shape{57, 43};
  DistArray<float> a(BlockLayout::make(w, shape, {10, 9}));
  const Partial ref = array::evaluate<float>(
      a.layout(), array::generator_source<float>(array::Generator::parse("random:3"), shape), Pipeline::parse({"scale:10"}), &a).total;
  {
    io::OutputFile out(w, path);
    io::write_array(out.file(), "/fields/a", a);
    io::write_attr(out.file(), "/fields", "note", "group attribute");
    out.commit();
  }
  io::write_xdmf(w, io::xdmf_path_for(path),
                 [&] {
                   auto g = io::XdmfGrid::uniform(shape);
                   g.fields.push_back(io::XdmfField::of("stats.h5", "/fields/a", shape, "float32"));
                   return g;
                 }());
  EXPECT_TRUE(fs::exists(io::xdmf_path_for(path)));
  w.collective_check([&] {
    if (w.rank() != 0) return;
    const auto f = io::File::open_serial(path, io::Mode::read);
    for (Index max_elems : {Index{1}, Index{100}, Index{1} << 20}) {  // one row per slab, a few, all
      const io::DatasetStats st = io::dataset_stats(f, "/fields/a", max_elems);
      EXPECT_EQ(st.count, 57 * 43);
      EXPECT_EQ(st.nan_count, 0);
      EXPECT_EQ(st.min, ref.min);
      EXPECT_EQ(st.max, ref.max);
      EXPECT_NEAR(st.mean, ref.mean(), 1e-12 * 10);
      const double var = ref.sumsq / static_cast<double>(ref.count) - ref.mean() * ref.mean();
      EXPECT_NEAR(st.std, std::sqrt(var), 1e-9);
    }
    const auto objs = io::list_objects(f);
    ASSERT_EQ(objs.size(), 5u);  // /, /fields, /fields/a and its dimensions /fields/x, /fields/y
    EXPECT_EQ(objs[0].path, "/");
    EXPECT_EQ(objs[1].path, "/fields");
    EXPECT_EQ(objs[1].kind, io::ObjectInfo::Kind::group);
    ASSERT_EQ(objs[1].attributes.size(), 1u);
    EXPECT_EQ(objs[1].attributes[0].value, "group attribute");
    EXPECT_EQ(objs[3].path, "/fields/x");
    EXPECT_EQ(objs[4].path, "/fields/y");
    EXPECT_EQ(objs[2].path, "/fields/a");
    EXPECT_EQ(objs[2].kind, io::ObjectInfo::Kind::dataset);
    EXPECT_EQ(objs[2].dataset.dtype, "float32");
    EXPECT_EQ(objs[2].dataset.chunks, (std::vector<std::int64_t>{10, 9}));
    bool has_chunks_attr = false;
    for (const auto& at : objs[2].attributes) has_chunks_attr |= at.name == "chunks" && at.value == "[10, 9]";
    EXPECT_TRUE(has_chunks_attr);
    EXPECT_THROW(io::list_objects(f, "/missing"), UsageError);
  });
}

TEST(Reduce, IntegerArraysReduceExactly) {
  const mpi::Comm w = mpi::Comm::world();
  const std::vector<Index> shape{33, 47};
  DistArray<std::int32_t> a(BlockLayout::make(w, shape, {8, 10}), 1);
  DistArray<std::int64_t> b(a.layout());
  array::map_blocks(a, [&](array::ChunkView<std::int32_t> c) {
    c.for_each_row([&](std::int32_t* row, Index n, const Extents& g) {
      for (Index k = 0; k < n; ++k) row[k] = static_cast<std::int32_t>(array::flat_index(shape, g) + k) - 700;
    });
  });
  b.for_each_owned([&](std::int64_t& v, const Extents& g) { v = 3 * array::flat_index(shape, g); });
  const Index n = 33 * 47;
  const Partial pa = array::reduce(a), pb = array::reduce(b);
  EXPECT_EQ(pa.count, n);
  EXPECT_EQ(pa.sum, static_cast<double>(n * (n - 1) / 2 - 700 * n));
  EXPECT_EQ(pa.min, -700);
  EXPECT_EQ(pa.max, n - 1 - 700);
  EXPECT_EQ(pb.sum, static_cast<double>(3 * n * (n - 1) / 2));
  EXPECT_EQ(pb.max, 3.0 * (n - 1));
  // the same on one rank
  const mpi::Comm sub = w.split(w.rank() == 0 ? 0 : 1, w.rank());
  DistArray<std::int64_t> c(BlockLayout::make(sub, shape, {8, 10}));
  c.for_each_owned([&](std::int64_t& v, const Extents& g) { v = 3 * array::flat_index(shape, g); });
  EXPECT_TRUE(same(array::reduce(c), pb));
}
