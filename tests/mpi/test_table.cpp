// io::Table and io::write_rows under MPI: ranks with different numbers of rows (zero too), string
// columns cut at their width, a table with no rows at all, ranks that disagree on the columns, and
// image rows scattered over the ranks in no order.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "tessera/core/error.hpp"
#include "tessera/io/hyperslab.hpp"
#include "tessera/io/output_file.hpp"
#include "tessera/io/row_io.hpp"
#include "tessera/io/table.hpp"
#define TESSERA_SCRATCH_WITH_MPI
#include "scratch.hpp"

using namespace tessera;

namespace {
std::string scratch(const std::string& name) { return tessera::testing::mpi_scratch(name); }
// Rank r holds rows for global indices [r(r-1)/2, r(r+1)/2): rank 0 none, rank 1 one, rank 2 two...
std::int64_t first_row(int r) { return std::int64_t{r} * (r - 1) / 2; }
std::string label(std::int64_t i) { return std::string(static_cast<std::size_t>(i % 5), 'x') + std::to_string(i); }
}  // namespace

TEST(Table, UnevenRowsPerRankReadBackInRankOrder) {
  const mpi::Comm w = mpi::Comm::world();
  const auto path = scratch("uneven.h5");
  const std::int64_t lo = first_row(w.rank()), n = w.rank(), total = first_row(w.size());
  std::vector<std::int64_t> ids;
  std::vector<std::int32_t> small;
  std::vector<double> vals;
  std::vector<std::string> labels;
  for (std::int64_t i = lo; i < lo + n; ++i) {
    ids.push_back(i);
    small.push_back(static_cast<std::int32_t>(-i));
    vals.push_back(0.5 * static_cast<double>(i));
    labels.push_back(label(i));
  }
  {
    io::OutputFile out(w, path);
    io::Table t;
    t.add("id", ids);
    t.add("neg", small);
    io::ColumnInfo units;
    units.units = "s";
    t.add("half", vals, units);
    t.add("label", labels);
    io::write_table(out.file(), "/results/t", t);
    out.commit();
  }
  auto f = io::File::open(w, path, io::Mode::read);
  EXPECT_EQ(io::table_rows(f, "/results/t"), total);
  EXPECT_EQ(io::read_attr_string(f, "/results/t", "columns"), "id,neg,half,label");
  EXPECT_EQ(io::read_attr_string(f, "/results/t/half", "units"), "s");
  const auto id = io::read_int_column(f, "/results/t/id");
  const auto neg = io::read_int_column(f, "/results/t/neg");
  const auto half = io::read_double_column(f, "/results/t/half");
  const auto lab = io::read_string_column(f, "/results/t/label");
  ASSERT_EQ(static_cast<std::int64_t>(id.size()), total);
  for (std::int64_t i = 0; i < total; ++i) {
    const auto k = static_cast<std::size_t>(i);
    EXPECT_EQ(id[k], i);
    EXPECT_EQ(neg[k], -i);
    EXPECT_DOUBLE_EQ(half[k], 0.5 * static_cast<double>(i));
    EXPECT_EQ(lab[k], label(i));
  }
  EXPECT_THROW(io::read_double_column(f, "/results/t/label"), UsageError);
  EXPECT_THROW(io::read_int_column(f, "/results/t/missing"), UsageError);
}

TEST(Table, StringsAreCutAtTheWidthWithoutSplittingCharacters) {
  const mpi::Comm w = mpi::Comm::world();
  const auto path = scratch("strings.h5");
  const std::string e = "\xc3\xa9";  // two bytes
  std::vector<std::string> s = {"abcd" + e + "fgh", "", "short"};
  {
    io::OutputFile out(w, path);
    io::Table t;
    io::ColumnInfo info;
    info.max_width = 5;
    t.add("s", w.is_root() ? s : std::vector<std::string>{}, info);
    io::write_table(out.file(), "/t", t);
    out.commit();
  }
  auto f = io::File::open(w, path, io::Mode::read);
  const auto back = io::read_string_column(f, "/t/s");
  ASSERT_EQ(back.size(), 3u);
  EXPECT_EQ(back[0], "abcd");  // the 5th and 6th bytes are one character: both go
  EXPECT_EQ(back[1], "");
  EXPECT_EQ(back[2], "short");
}

TEST(Table, ATableWithNoRowsAnywhere) {
  const mpi::Comm w = mpi::Comm::world();
  const auto path = scratch("empty.h5");
  {
    io::OutputFile out(w, path);
    io::Table t;
    t.add("id", std::vector<std::int64_t>{});
    t.add("name", std::vector<std::string>{});
    io::write_table(out.file(), "/empty", t);
    out.commit();
  }
  auto f = io::File::open(w, path, io::Mode::read);
  EXPECT_EQ(io::table_rows(f, "/empty"), 0);
  EXPECT_TRUE(io::read_int_column(f, "/empty/id").empty());
  EXPECT_TRUE(io::read_string_column(f, "/empty/name").empty());
}

TEST(Table, ColumnsOfDifferentLengthsOrNamesAreRejected) {
  io::Table t;
  t.add("a", std::vector<std::int64_t>{1, 2});
  EXPECT_THROW(t.add("b", std::vector<double>{1.0}), Error);
  EXPECT_THROW(t.add("a", std::vector<std::int64_t>{1, 2}), Error);
  EXPECT_THROW(t.add("x/y", std::vector<std::int64_t>{1, 2}), Error);
}

TEST(Table, RanksWithDifferentColumnsFailTogether) {
  const mpi::Comm w = mpi::Comm::world();
  if (w.size() < 2) GTEST_SKIP() << "needs 2 ranks whose tables disagree";
  const auto path = scratch("disagree.h5");
  io::OutputFile out(w, path);
  io::Table mine;
  if (w.rank() == 1) mine.add("other", std::vector<std::int64_t>{});
  else mine.add("id", std::vector<std::int64_t>{});
  EXPECT_THROW(io::write_table(out.file(), "/t", mine), UsageError);  // on every rank, no hang
}

TEST(RowIO, ScatteredRowsLandWhereTheyBelong) {
  const mpi::Comm w = mpi::Comm::world();
  const auto path = scratch("rows.h5");
  const Index nrows = 37, ncols = 11;
  // rank r holds rows r, r+P, r+2P... given in reverse order, plus nothing at all on a 5th rank
  std::vector<Index> rows;
  for (Index r = w.rank(); r < nrows; r += w.size()) rows.insert(rows.begin(), r);
  std::vector<std::int32_t> data;
  for (Index r : rows)
    for (Index c = 0; c < ncols; ++c) data.push_back(static_cast<std::int32_t>(r * 100 + c));
  {
    io::OutputFile out(w, path);
    io::Handle ds = io::create_dataset(out.file(), "/fields/img", io::h5type<std::int32_t>(), {nrows, ncols});
    io::write_rows(out.file(), ds, rows, data.data(), ncols);
    ds.reset();
    out.commit();
  }
  auto f = io::File::open(w, path, io::Mode::read);
  io::Handle ds = f.open_dataset("/fields/img");
  std::vector<std::int32_t> all(static_cast<std::size_t>(nrows * ncols), -1);
  const Box whole = Box::whole({nrows, ncols});
  io::read_box(f, ds, whole, all.data(), io::MemoryLayout::dense(whole));
  int bad = 0;
  for (Index r = 0; r < nrows; ++r)
    for (Index c = 0; c < ncols; ++c) bad += all[static_cast<std::size_t>(r * ncols + c)] != r * 100 + c;
  EXPECT_EQ(bad, 0);
}
