// io::dataset_stats: exact to about 1e-15 relative, slab by slab, where the data sit on a large
// offset (the case in which a one-pass or per-slab formula loses digits), with NaNs left out.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>

#include "tessera/io/dataset_stats.hpp"
#include "tessera/io/hyperslab.hpp"

using namespace tessera;

namespace {
struct TempFile {
  std::string path = (std::filesystem::temp_directory_path() /
                      ("tessera-stats-" + std::to_string(::getpid()) + ".h5")).string();
  ~TempFile() { std::filesystem::remove(path); }
};

void write_2d(const std::string& path, const std::vector<double>& v, Index ny, Index nx) {
  io::File f = io::File::open_serial(path, io::Mode::create);
  io::Handle ds = io::create_dataset(f, "/a", H5T_NATIVE_DOUBLE, {ny, nx}, {1, nx});
  const Box box = Box::whole({ny, nx});
  io::write_box(f, ds, box, v.data(), io::MemoryLayout::dense(box));
  ds.reset();
  f.close();
}
}  // namespace

TEST(DatasetStats, MeanAndStdOnALargeOffsetAreExact) {
  // integers 3e7 + k, k = i * 7919 mod 1000: the exact mean and variance follow from integer sums of
  // k (the variance does not depend on the offset; n sum k^2 < 2^63 here)
  const Index ny = 500, nx = 400;
  std::vector<double> v(static_cast<size_t>(ny * nx));
  long long s = 0, s2 = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    const long long k = static_cast<long long>((i * 7919) % 1000);
    v[i] = 30'000'000.0 + static_cast<double>(k);
    s += k;
    s2 += k * k;
  }
  const long long count = static_cast<long long>(v.size());
  const long double n = static_cast<long double>(count);
  const long double var_num = static_cast<long double>(count * s2 - s * s);  // exact in 64 bits
  const double want_std = static_cast<double>(std::sqrt(var_num) / n);
  const double want_mean = static_cast<double>(30'000'000.0L + static_cast<long double>(s) / n);
  TempFile t;
  write_2d(t.path, v, ny, nx);
  const io::File f = io::File::open_serial(t.path, io::Mode::read);
  for (Index max_elements : {Index{nx}, Index{7 * nx}, ny * nx}) {  // one row a slab, a few, all at once
    const io::DatasetStats st = io::dataset_stats(f, "/a", max_elements);
    EXPECT_EQ(st.count, ny * nx);
    EXPECT_EQ(st.min, 30'000'000.0);
    EXPECT_EQ(st.max, 30'000'999.0);
    EXPECT_LE(std::fabs(st.mean - want_mean), 1e-15 * want_mean) << st.mean << " vs " << want_mean;
    EXPECT_LE(std::fabs(st.std - want_std), 1e-15 * want_std) << st.std << " vs " << want_std;
  }
  // what the old formula gives here, to show the test can tell: one pass, E[x^2] - E[x]^2 in double
  double a = 0, b = 0;
  for (double x : v) a += x, b += x * x;
  const double naive = std::sqrt(std::fabs(b / static_cast<double>(v.size()) - (a / static_cast<double>(v.size())) *
                                                                                   (a / static_cast<double>(v.size()))));
  EXPECT_GT(std::fabs(naive - want_std), 1e-15 * want_std);
}

TEST(DatasetStats, NaNsAreCountedAndLeftOut) {
  std::vector<double> v{1, 2, NAN, 3, 4, NAN};
  TempFile t;
  write_2d(t.path, v, 2, 3);
  const io::File f = io::File::open_serial(t.path, io::Mode::read);
  const io::DatasetStats st = io::dataset_stats(f, "/a", 3);
  EXPECT_EQ(st.count, 6);
  EXPECT_EQ(st.nan_count, 2);
  EXPECT_EQ(st.mean, 2.5);
  EXPECT_EQ(st.std, std::sqrt(1.25));
  EXPECT_EQ(st.min, 1.0);
  EXPECT_EQ(st.max, 4.0);
}
