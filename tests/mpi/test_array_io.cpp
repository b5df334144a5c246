// Collective HDF5 I/O of DistArrays: round trips, a file written at all ranks read back on fewer
// ranks, ranks that own nothing, ghosted arrays, and the bad-input errors.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <limits>

#include <hdf5.h>

#include "tessera/array/checksum.hpp"
#include "tessera/array/dist_array.hpp"
#include "tessera/io/checkpoint.hpp"
#include "tessera/io/vector_io.hpp"
#include "tessera/core/fs.hpp"
#include "tessera/io/array_io.hpp"
#include "tessera/io/output_file.hpp"
#define TESSERA_SCRATCH_WITH_MPI
#include "scratch.hpp"

using namespace tessera;
using array::BlockLayout;
using array::DistArray;

namespace {
std::string scratch(const std::string& name) { return tessera::testing::mpi_scratch(name); }

double value_at(const Extents& g) { return 1000.0 * static_cast<double>(g[0]) + 10.0 * g[1] + 0.5 * g[2]; }

template <typename T>
void fill_pattern(DistArray<T>& a) {
  a.for_each_owned([](T& v, const Extents& g) { v = static_cast<T>(value_at(g)); });
}

template <typename T>
int count_mismatches(DistArray<T>& a) {
  int bad = 0;
  a.for_each_owned([&](T& v, const Extents& g) { bad += v != static_cast<T>(value_at(g)); });
  return bad;
}
// Writes one value of a 2D double dataset with plain serial HDF5, behind Tessera's back (damage
// for the checksum tests). Call on one rank. True when the write succeeded.
bool poke(const std::string& path, const char* dataset, hsize_t i, hsize_t j, double v) {
  const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  const hid_t ds = H5Dopen2(f, dataset, H5P_DEFAULT);
  const hid_t space = H5Dget_space(ds);
  const hsize_t at[2] = {i, j}, one[2] = {1, 1};
  H5Sselect_hyperslab(space, H5S_SELECT_SET, at, nullptr, one, nullptr);
  const hid_t mem = H5Screate_simple(2, one, nullptr);
  const bool ok = H5Dwrite(ds, H5T_NATIVE_DOUBLE, mem, space, H5P_DEFAULT, &v) >= 0;
  H5Sclose(mem);
  H5Sclose(space);
  H5Dclose(ds);
  H5Fclose(f);
  return ok;
}
}  // namespace

TEST(ArrayIO, RoundTripTwoDimensionalDoubles) {
  const mpi::Comm w = mpi::Comm::world();
  const auto path = scratch("rt2d.h5");
  auto L = BlockLayout::make(w, {37, 23}, {8, 5});
  DistArray<double> a(L, 1);
  fill_pattern(a);
  {
    io::OutputFile out(w, path);
    io::ArrayWriteOptions opt;
    opt.units = "K";
    opt.long_name = "pattern";
    io::write_array(out.file(), "/fields/x", a, opt);
    io::write_provenance(out.file(), {"test", "test --x", w.size(), 1, L.grid().to_string()});
    out.commit();
  }
  EXPECT_TRUE(fs::exists(path));
  EXPECT_TRUE(fs::temporaries_of(path).empty());
  DistArray<double> b(L, 2);
  auto f = io::File::open(w, path, io::Mode::read);
  io::read_array(f, "/fields/x", b);
  EXPECT_EQ(w.sum(count_mismatches(b)), 0);
  const auto info = io::dataset_info(f, "/fields/x");
  EXPECT_EQ(info.chunks, (std::vector<std::int64_t>{8, 5}));
  EXPECT_EQ(io::read_attr_string(f, "/fields/x", "units"), "K");
  EXPECT_EQ(io::read_attr_string(f, "/", "app"), "test");
  EXPECT_EQ(io::read_attr_int(f, "/", "ranks"), w.size());
}

TEST(ArrayIO, WrittenAtAllRanksReadOnFewerAndOtherChunks) {
  const mpi::Comm w = mpi::Comm::world();
  const auto path = scratch("many_to_few.h5");
  {
    DistArray<float> a(BlockLayout::make(w, {9, 10, 11}, {2, 3, 4}));
    fill_pattern(a);
    io::OutputFile out(w, path);
    io::ArrayWriteOptions opt;
    opt.deflate = 4;
    io::write_array(out.file(), "/a", a, opt);
    out.commit();
  }
  for (int nread : {1, 2}) {
    const mpi::Comm sub = w.split(w.rank() < nread ? 0 : 1, w.rank());
    if (w.rank() < nread) {
      DistArray<float> b(BlockLayout::make(sub, {9, 10, 11}, {9, 1, 11}));
      auto f = io::File::open(sub, path, io::Mode::read);
      io::read_array(f, "/a", b);
      EXPECT_EQ(count_mismatches(b), 0) << "read at " << nread;
      EXPECT_EQ(io::dataset_info(f, "/a").compression, "deflate:4");
    }
    w.barrier();
  }
}

TEST(ArrayIO, RanksThatOwnNothingStillTakePart) {
  const mpi::Comm w = mpi::Comm::world();
  const auto path = scratch("empty_ranks.h5");
  // one chunk only: with 2 or 4 ranks, all but one own nothing
  auto L = BlockLayout::make(w, {6, 4}, {6, 4});
  DistArray<std::int64_t> a(L);
  EXPECT_EQ(w.sum<int>(a.empty() ? 1 : 0), w.size() - 1);
  fill_pattern(a);
  io::OutputFile out(w, path);
  io::write_array(out.file(), "/i", a);
  out.commit();
  DistArray<std::int64_t> b(L);
  auto f = io::File::open(w, path, io::Mode::read);
  io::read_array(f, "/i", b);
  EXPECT_EQ(w.sum(count_mismatches(b)), 0);
}

TEST(ArrayIO, OneDimensionalInt32) {
  const mpi::Comm w = mpi::Comm::world();
  const auto path = scratch("oned.h5");
  auto L = BlockLayout::make(w, {101}, {7});
  DistArray<std::int32_t> a(L, 3);
  fill_pattern(a);
  io::OutputFile out(w, path);
  io::write_array(out.file(), "/v", a);
  out.commit();
  DistArray<std::int32_t> b(BlockLayout::make(w, {101}, {50}));
  auto f = io::File::open(w, path, io::Mode::read);
  io::read_array(f, "/v", b);
  EXPECT_EQ(w.sum(count_mismatches(b)), 0);
}

TEST(ArrayIO, BadInputIsAUsageErrorOnEveryRank) {
  const mpi::Comm w = mpi::Comm::world();
  const auto path = scratch("bad.h5");
  {
    DistArray<double> a(BlockLayout::make(w, {8, 8}, {4, 4}));
    io::OutputFile out(w, path);
    io::write_array(out.file(), "/d", a);
    out.commit();
  }
  auto f = io::File::open(w, path, io::Mode::read);
  DistArray<float> wrong_type(BlockLayout::make(w, {8, 8}, {4, 4}));
  EXPECT_THROW(io::read_array(f, "/d", wrong_type), UsageError);
  DistArray<double> wrong_shape(BlockLayout::make(w, {8, 9}, {4, 4}));
  EXPECT_THROW(io::read_array(f, "/d", wrong_shape), UsageError);
  DistArray<double> wrong_rank(BlockLayout::make(w, {64}, {4}));
  EXPECT_THROW(io::read_array(f, "/d", wrong_rank), UsageError);
  DistArray<double> ok(BlockLayout::make(w, {8, 8}, {4, 4}));
  EXPECT_THROW(io::read_array(f, "/missing", ok), UsageError);
  EXPECT_THROW(io::File::open(w, scratch("nope.h5"), io::Mode::read), UsageError);
  // a text file is not HDF5
  const auto txt = scratch("text.h5");
  if (w.rank() == 0) fs::write_text_atomically(txt, "not hdf5\n");
  w.barrier();
  EXPECT_THROW(io::File::open(w, txt, io::Mode::read), UsageError);
  EXPECT_THROW(io::OutputFile(w, "/nonexistent-dir-xyz/out.h5"), UsageError);
}

TEST(ArrayIO, UncommittedOutputLeavesNothing) {
  const mpi::Comm w = mpi::Comm::world();
  const auto path = scratch("aborted.h5");
  {
    io::OutputFile out(w, path);
    DistArray<double> a(BlockLayout::make(w, {4, 4}, {2, 2}));
    io::write_array(out.file(), "/d", a);
    // no commit: as if an error came
  }
  w.barrier();
  EXPECT_FALSE(fs::exists(path));
  EXPECT_TRUE(fs::temporaries_of(path).empty());
}

// io::CheckpointWriter / CheckpointReader: a set of arrays written by one layout, read back on
// another; one changed value is named by its block; a file that is not a checkpoint is refused.
TEST(Checkpoint, ArraysComeBackOnAnotherLayoutAndDamageIsNamed) {
  const mpi::Comm w = mpi::Comm::world();
  const auto path = scratch("ckpt.h5");
  const mpi::ProcessGrid rows(w, {w.size(), 1}), cols(w, {1, w.size()});
  DistArray<double> u(BlockLayout({37, 23}, {1, 1}, rows), 1);
  DistArray<double> v(BlockLayout::make(w, {9, 7, 5}, {2, 7, 5}));
  fill_pattern(u);
  v.for_each_owned([](double& x, const Extents& g) { x = -0.25 * static_cast<double>(g[0] * 35 + g[1] * 5 + g[2]); });
  const auto su = array::bitwise_checksum(u), sv = array::bitwise_checksum(v);
  {
    io::CheckpointWriter cw(w, path, {"test", "test --checkpoint", w.size(), 1, rows.to_string()});
    EXPECT_EQ(cw.add("u", u), su);
    EXPECT_EQ(cw.add("v", v), sv);
    io::write_attr(cw.file(), "/", "step", std::int64_t{42});
    cw.commit();
  }
  EXPECT_TRUE(fs::temporaries_of(path).empty());

  DistArray<double> u2(BlockLayout({37, 23}, {1, 1}, cols), 2);  // another grid and ghost width
  DistArray<double> v2(BlockLayout::make(w, {9, 7, 5}, {9, 1, 1}));
  {
    io::CheckpointReader r(w, path);
    EXPECT_EQ(io::read_attr_int(r.file(), "/", "step"), 42);
    EXPECT_EQ(r.read("u", u2), su);
    EXPECT_EQ(r.read("v", v2), sv);
    EXPECT_THROW(r.read("missing", u2), UsageError);
    r.close();
  }
  EXPECT_EQ(w.sum(count_mismatches(u2)), 0);
  EXPECT_EQ(array::bitwise_checksum(v2), sv);

  // Change one value of u behind the checksums (rank 0, plain HDF5), then read on every rank.
  if (w.rank() == 0) {
    EXPECT_TRUE(poke(path, "/fields/u", 36, 22, 1.5));
  }
  w.barrier();
  {
    io::CheckpointReader r(w, path);
    std::string msg;
    try {
      r.read("u", u2);
    } catch (const UsageError& e) {
      msg = e.what();
    }
    // the last block of the writer's row layout holds row 36
    EXPECT_NE(msg.find("/fields/u: block " + std::to_string(w.size() - 1) + " "), std::string::npos) << msg;
    EXPECT_NE(msg.find("the checkpoint is corrupt"), std::string::npos) << msg;
    EXPECT_EQ(r.read("v", v2), sv);  // the other array is intact
    r.close();
  }

  // A field file that is no checkpoint.
  const auto plain = scratch("plain.h5");
  {
    io::OutputFile out(w, plain);
    io::write_array(out.file(), "/fields/u", u, {});
    out.commit();
  }
  EXPECT_THROW(io::CheckpointReader(w, plain), UsageError);
}

// A block whose ghosted size does not fit a 64-bit count (elements, or bytes) is refused with the
// reason before anything is allocated, on every rank count.
TEST(DistArraySize, AGhostedBlockBeyondSixtyFourBitsIsRefused) {
  const mpi::Comm w = mpi::Comm::world();
  const Index rows = std::numeric_limits<Index>::max() / 2;  // rows x 2 fits int64: the layout is valid
  const BlockLayout L({rows, 2}, {1, 1}, mpi::ProcessGrid(w, {w.size(), 1}));
  EXPECT_EQ(L.global_size(), rows * 2);
  std::string msg;
  try {
    DistArray<double> a(L, 1);  // + 2 ghost cells per dimension: elements or bytes overflow
  } catch (const Error& e) {
    msg = e.what();
  }
  EXPECT_NE(msg.find("DistArray: the "), std::string::npos) << msg;
  EXPECT_NE(msg.find("of the ghosted block"), std::string::npos) << msg;
  EXPECT_NE(msg.find("overflows a 64-bit count"), std::string::npos) << msg;
}

// A checkpoint of the first format (tessera-heat before io::CheckpointWriter: one field, its block
// checksums at /checksums/block_*, no checksum attribute) still restarts, and damage is still named.
TEST(Checkpoint, TheFirstFormatIsStillReadAndChecked) {
  const mpi::Comm w = mpi::Comm::world();
  const auto path = scratch("ckpt_v1.h5");
  const mpi::ProcessGrid rows(w, {w.size(), 1});
  DistArray<double> u(BlockLayout({29, 17}, {1, 1}, rows), 1);
  fill_pattern(u);
  {
    io::OutputFile out(w, path);
    io::write_provenance(out.file(), {"heat", "tessera-heat", w.size(), 1, rows.to_string()});
    io::write_attr(out.file(), "/", "kind", "checkpoint");
    io::write_array(out.file(), "/fields/u", u, {});
    std::vector<Box> blocks;
    std::vector<std::int64_t> lo, hi;
    for (int r = 0; r < w.size(); ++r) {
      blocks.push_back(u.layout().box_of(r));
      for (int d = 0; d < 2; ++d) lo.push_back(blocks.back().lo[d]), hi.push_back(blocks.back().hi[d]);
    }
    io::write_vector(out.file(), "/checksums/block_lo", lo);
    io::write_vector(out.file(), "/checksums/block_hi", hi);
    io::write_vector(out.file(), "/checksums/block_sum", array::bitwise_block_checksums(u, blocks));
    out.commit();
  }
  DistArray<double> back(BlockLayout::make(w, {29, 17}, {29, 3}));
  {
    io::CheckpointReader r(w, path);
    EXPECT_EQ(r.read("u", back), array::bitwise_checksum(u));
    r.close();
  }
  EXPECT_EQ(w.sum(count_mismatches(back)), 0);
  if (w.rank() == 0) {  // one value changed behind the checksums
    EXPECT_TRUE(poke(path, "/fields/u", 0, 0, -7.0));
  }
  w.barrier();
  io::CheckpointReader r(w, path);
  std::string msg;
  try {
    r.read("u", back);
  } catch (const UsageError& e) {
    msg = e.what();
  }
  EXPECT_NE(msg.find("/fields/u: block 0 "), std::string::npos) << msg;
  r.close();
}
