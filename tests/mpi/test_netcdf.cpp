// io::nc under MPI: what makes Tessera's files netCDF-4 (docs/file-format.md). Dimension scales on
// every axis with coordinate variables in the variable's group, arrays of other shapes in one group,
// variable-length UTF-8 string attributes and string columns (rank 0 writes them after the
// collective close, in rank order), and work after the close that fails on rank 0 failing every rank.
#include <gtest/gtest.h>
#include <hdf5_hl.h>

#include <filesystem>

#include "tessera/array/dist_array.hpp"
#include "tessera/core/error.hpp"
#include "tessera/core/fs.hpp"
#include "tessera/io/array_io.hpp"
#include "tessera/io/netcdf.hpp"
#include "tessera/io/output_file.hpp"
#include "tessera/io/table.hpp"
#define TESSERA_SCRATCH_WITH_MPI
#include "scratch.hpp"

using namespace tessera;
using array::BlockLayout;
using array::DistArray;

namespace {
std::string scratch(const std::string& name) { return tessera::testing::mpi_scratch(name); }

// The names of the dimension scales attached to each axis of `var` ("" where none is).
std::vector<std::string> dimension_names(const io::File& f, const std::string& var) {
  io::Handle ds = f.open_dataset(var);
  const auto nd = io::dataset_info(ds.get()).shape.size();
  std::vector<std::string> out;
  for (unsigned d = 0; d < nd; ++d) {
    std::string name;
    auto visit = [](hid_t, unsigned, hid_t scale, void* data) -> herr_t {
      char buf[256] = {0};
      H5DSget_scale_name(scale, buf, sizeof buf);
      *static_cast<std::string*>(data) = buf;
      return 1;  // the first scale is the dimension
    };
    if (H5DSget_num_scales(ds, d) > 0) H5DSiterate_scales(ds, d, nullptr, visit, &name);
    out.push_back(name);
  }
  return out;
}

bool variable_utf8_attr(const io::File& f, const std::string& obj, const std::string& name) {
  io::Handle a = io::make_attr_handle(H5Aopen_by_name(f.id(), obj.c_str(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT));
  io::Handle t = io::make_type_handle(H5Aget_type(a));
  return H5Tis_variable_str(t) > 0 && H5Tget_cset(t) == H5T_CSET_UTF8;
}

void fill(DistArray<double>& a) {
  for (Index i = 0; i < a.extent(0); ++i)
    for (Index j = 0; j < a.extent(1); ++j) a.local(i, j, 0) = static_cast<double>(a.box().lo[0] + i);
}
}  // namespace

TEST(NetCDF, ArraysGetDimensionScalesAndCoordinateVariablesInTheirGroup) {
  const mpi::Comm w = mpi::Comm::world();
  const auto path = scratch("dims.h5");
  {
    DistArray<double> a(BlockLayout::make(w, {9, 7}, {3, 7}));
    DistArray<double> b(BlockLayout::make(w, {5, 7}, {5, 7}));
    fill(a);
    fill(b);
    io::OutputFile out(w, path);
    io::ArrayWriteOptions o;
    o.units = "K";
    o.long_name = "temperature";
    io::write_array(out.file(), "/fields/a", a, o);
    io::write_array(out.file(), "/fields/b", b);  // another number of rows: its own y
    io::write_provenance(out.file(), {"test", "test", w.size(), 1, ""});
    out.commit();
  }
  w.collective_check([&] {
    if (w.rank() != 0) return;
    const auto f = io::File::open_serial(path, io::Mode::read);
    EXPECT_EQ(dimension_names(f, "/fields/a"), (std::vector<std::string>{"y", "x"}));
    EXPECT_EQ(dimension_names(f, "/fields/b"), (std::vector<std::string>{"b_y", "x"}));
    EXPECT_EQ(io::read_vector<std::int64_t>(f, "/fields/y").size(), 9u);
    EXPECT_EQ(io::read_vector<std::int64_t>(f, "/fields/b_y").size(), 5u);
    EXPECT_EQ(io::read_vector<std::int64_t>(f, "/fields/x"), (std::vector<std::int64_t>{0, 1, 2, 3, 4, 5, 6}));
    EXPECT_EQ(io::read_attr_string(f, "/fields/x", "axis"), "X");
    EXPECT_EQ(io::read_attr_string(f, "/fields/a", "units"), "K");
    EXPECT_EQ(io::read_attr_string(f, "/fields/b", "units"), "1");  // the default: dimensionless
    EXPECT_EQ(io::read_attr_string(f, "/fields/a", "long_name"), "temperature");
    EXPECT_TRUE(variable_utf8_attr(f, "/fields/a", "units"));
    EXPECT_TRUE(variable_utf8_attr(f, "/", "Conventions"));
    EXPECT_EQ(io::read_attr_string(f, "/", "Conventions"), "CF-1.8");
    EXPECT_EQ(io::read_attr_string(f, "/", "grid"), "none");
    EXPECT_EQ(io::read_attr_string(f, "/", "verified"), "VERIFIED");
  });
}

TEST(NetCDF, GridCoordinatesAndMismatchesAreRefusedOnEveryRank) {
  const mpi::Comm w = mpi::Comm::world();
  const auto path = scratch("grid.h5");
  io::OutputFile out(w, path);
  const auto coords = io::nc::grid_coordinates({"y", "x"}, {4, 3}, {0.5, -1.0}, {0.25, 2.0}, "m");
  ASSERT_EQ(coords.size(), 2u);
  EXPECT_EQ(coords[1].values, (std::vector<double>{-1.0, 1.0, 3.0}));
  EXPECT_EQ(coords[0].axis, "Y");
  io::nc::write_coordinate(out.file(), "/g", coords[0]);
  io::nc::write_coordinate(out.file(), "/g", coords[0]);  // again, same length: kept
  EXPECT_THROW(io::nc::write_coordinate(out.file(), "/g", io::nc::Coordinate::indices("y", 5, "five")), UsageError);
  EXPECT_THROW(io::nc::grid_coordinates({"x"}, {4, 3}, {0, 0}, {1, 1}, "m"), UsageError);
  io::write_vector(out.file(), "/g/v", std::vector<double>{1, 2, 3});
  EXPECT_THROW(io::nc::attach_dimensions(out.file(), "/g/v", {"y"}), UsageError);  // 3 values, y has 4
  EXPECT_THROW(io::nc::attach_dimensions(out.file(), "/g/v", {"y", "x"}), UsageError);  // 1-D
  out.discard();
}

TEST(NetCDF, StringColumnsAreVariableLengthUtf8InRankOrder) {
  const mpi::Comm w = mpi::Comm::world();
  const auto path = scratch("strings.h5");
  std::vector<std::string> mine;
  for (int i = 0; i <= w.rank(); ++i) mine.push_back("r" + std::to_string(w.rank()) + "-\xc3\xa9" + std::string(static_cast<size_t>(i), '+'));
  {
    io::OutputFile out(w, path);
    io::Table t;
    t.add("label", mine);
    t.add("n", std::vector<std::int64_t>(mine.size(), w.rank()));
    io::write_table(out.file(), "/results/t", t, "item");
    out.commit();
  }
  std::vector<std::string> want;
  for (int r = 0; r < w.size(); ++r)
    for (int i = 0; i <= r; ++i) want.push_back("r" + std::to_string(r) + "-\xc3\xa9" + std::string(static_cast<size_t>(i), '+'));
  auto f = io::File::open(w, path, io::Mode::read);
  EXPECT_EQ(io::read_string_column(f, "/results/t/label"), want);
  w.collective_check([&] {
    if (w.rank() != 0) return;
    const auto g = io::File::open_serial(path, io::Mode::read);
    io::Handle ds = g.open_dataset("/results/t/label");
    io::Handle type = io::make_type_handle(H5Dget_type(ds));
    EXPECT_GT(H5Tis_variable_str(type), 0);
    EXPECT_EQ(H5Tget_cset(type), H5T_CSET_UTF8);
    EXPECT_EQ(dimension_names(g, "/results/t/label"), (std::vector<std::string>{"item"}));
    EXPECT_EQ(dimension_names(g, "/results/t/n"), (std::vector<std::string>{"item"}));
    EXPECT_FALSE(io::has_attr(g, "/results/t/label", "units"));  // strings have no units
    EXPECT_EQ(io::read_attr_string(g, "/results/t/n", "units"), "1");
  });
  f.close();
}

TEST(NetCDF, WorkAfterTheCloseThatFailsOnRankZeroFailsEveryRankAndLeavesNoFile) {
  const mpi::Comm w = mpi::Comm::world();
  const auto path = scratch("after_close.h5");
  io::OutputFile out(w, path);
  io::write_vector(out.file(), "/v", std::vector<double>{1, 2});
  out.file().after_close([](const io::File&) { throw IoError("disk on fire"); });
  try {
    out.commit();
    ADD_FAILURE() << "commit succeeded";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("disk on fire"), std::string::npos) << e.what();
  }
  w.barrier();
  EXPECT_FALSE(std::filesystem::exists(path));
}
