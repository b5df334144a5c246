// apps/taskfarm/mandelbrot.cpp: one task per image row, escape iteration counts of z -> z^2 + c
// over a window 3 units high (Im c from 1.5 to -1.5) and 3 w/h wide, centred on c = -0.5. Rows through the set cost
// max_iter per pixel, rows outside it a few: very uneven costs, the case for dynamic scheduling.
//
// Checks, independent of the kernel's code: every pixel whose c lies in the main cardioid or the
// period-2 bulb (closed-form tests) must reach max_iter, every pixel with |c| > 2 must escape after
// exactly 1 iteration; 16 rows spread over the image are recomputed with a separate std::complex
// reference and their sums compared with the task table. Beside those: row y and row h-1-y mirror
// each other about the real axis (the pixel centres are placed so that their imaginary parts are
// exactly opposite), and each rank's assembled rows match the row sums in the table. The checksum
// (sum of (row+1) * row sum) does not depend on the schedule or the number of ranks.
#include <fmt/core.h>

#include <algorithm>
#include <complex>
#include <cstdlib>
#include <map>

#include "kernel.hpp"
#include "tessera/io/hyperslab.hpp"
#include "tessera/io/netcdf.hpp"
#include "tessera/io/row_io.hpp"
#include "tessera/mpi/count.hpp"

namespace taskfarm {
namespace {

class Mandelbrot final : public Kernel {
 public:
  explicit Mandelbrot(const MandelbrotParams& p) : p_(p) {
    scale_ = p_.span / static_cast<double>(p_.height);  // pixel size
  }
  std::string describe() const override {
    std::string s = "mandelbrot " + std::to_string(p_.width) + "x" + std::to_string(p_.height) + ", " +
                    std::to_string(p_.max_iter) + " iterations";
    if (!classic()) s += fmt::format(", window {:g}{:+g}i span {:g}", p_.center_re, p_.center_im, p_.span);
    return s + ", one task per row";
  }
  std::int64_t count() const override { return p_.height; }
  std::string input(std::int64_t id) const override { return "row " + std::to_string(id); }

  TaskResult run(std::int64_t row) override {
    std::vector<std::int32_t>& counts = rows_[row];
    counts = compute_row(row);
    if (p_.test_constant) std::fill(counts.begin(), counts.end(), p_.max_iter / 2);
    TaskResult r;
    for (auto c : counts) r.result += c;
    return r;
  }

  Verdict verify(const tessera::mpi::Comm& comm, const std::vector<TaskRecord>& all) override {
    Verdict v;
    // Rows of earlier runs (resumed from a journal) are in no rank's memory: recompute them, spread
    // over the ranks. (Rows another rank ran are not missing.)
    std::vector<int> held(static_cast<std::size_t>(p_.height), 0), any(held.size(), 0);
    for (const auto& kv : rows_) held[static_cast<std::size_t>(kv.first)] = 1;
    TESSERA_MPI_CHECK(MPI_Allreduce(held.data(), any.data(), tessera::mpi::checked_count(held.size(), "the rows held"), MPI_INT, MPI_MAX, comm.get()));
    std::vector<std::int64_t> missing;
    if (comm.is_root())
      for (const auto& rec : all)
        if (!any[static_cast<std::size_t>(rec.id)] && rec.ok()) missing.push_back(rec.id);
    long long nmissing = comm.bcast_value(static_cast<long long>(missing.size()));
    missing.resize(static_cast<std::size_t>(nmissing));
    if (nmissing > 0) comm.bcast_large(missing.data(), static_cast<std::size_t>(nmissing));
    for (std::size_t k = static_cast<std::size_t>(comm.rank()); k < missing.size(); k += static_cast<std::size_t>(comm.size()))
      rows_[missing[k]] = compute_row(missing[k]);

    // Every rank checks its rows against the table's row sums (broadcast from rank 0).
    std::vector<std::int64_t> sums(static_cast<std::size_t>(p_.height), -1);
    if (comm.is_root())
      for (const auto& rec : all)
        if (rec.ok()) sums[static_cast<std::size_t>(rec.id)] = rec.result;
    comm.bcast_large(sums.data(), sums.size());
    std::int64_t bad_rows = 0;
    for (const auto& [row, counts] : rows_) {
      std::int64_t s = 0;
      for (auto c : counts) s += c;
      bad_rows += s != sums[static_cast<std::size_t>(row)];
    }
    bad_rows = comm.sum(bad_rows);
    // Pixels whose count is known in closed form, on the rank that holds their row.
    std::int64_t known[2] = {0, 0}, wrong[2] = {0, 0};  // [0]: inside the cardioid or bulb, [1]: |c| > 2
    for (const auto& [row, counts] : rows_) {
      const double ci = im(row);
      for (std::int64_t x = 0; x < p_.width; ++x) {
        const double cr = re(x);
        const int c = counts[static_cast<std::size_t>(x)];
        if (surely_inside(cr, ci)) ++known[0], wrong[0] += c != p_.max_iter;
        else if (cr * cr + ci * ci > 4.0 * (1 + 1e-12)) ++known[1], wrong[1] += c != 1;
      }
    }
    for (int k = 0; k < 2; ++k) known[k] = comm.sum(known[k]), wrong[k] = comm.sum(wrong[k]);
    if (!comm.is_root()) return v;
    if (bad_rows > 0) v.fail("mandelbrot: " + std::to_string(bad_rows) + " assembled rows differ from their task results");
    if (wrong[0] > 0)
      v.fail("mandelbrot: " + std::to_string(wrong[0]) + " of " + std::to_string(known[0]) +
             " pixels inside the main cardioid or period-2 bulb do not reach max_iter");
    if (wrong[1] > 0)
      v.fail("mandelbrot: " + std::to_string(wrong[1]) + " of " + std::to_string(known[1]) +
             " pixels with |c| > 2 do not escape after 1 iteration");
    v.lines.push_back("closed form " + std::to_string(known[0]) + " pixels in the cardioid/bulb at max_iter, " +
                      std::to_string(known[1]) + " with |c| > 2 at 1 iteration");
    // An independent reference (std::complex, written apart from compute_row) for a spread of rows.
    std::int64_t rechecked = 0;
    const std::int64_t stride = std::max<std::int64_t>(1, p_.height / 16);
    for (std::int64_t y = 0; y < p_.height; y += stride, ++rechecked) {
      const std::int64_t want = reference_row_sum(y), got = sums[static_cast<std::size_t>(y)];
      // chaotic pixels on the boundary may differ by rounding: allow two of them a row
      if (got >= 0 && std::llabs(got - want) > 2 * static_cast<std::int64_t>(p_.max_iter))
        v.fail("mandelbrot: row " + std::to_string(y) + " sums to " + std::to_string(got) + " in the table, " +
               std::to_string(want) + " by the independent reference");
    }
    v.lines.push_back("reference " + std::to_string(rechecked) + " rows recomputed with std::complex on rank 0 agree");
    std::int64_t asym = 0, total = 0, checksum = 0;
    for (std::int64_t y = 0; y < p_.height; ++y) {
      const auto s = sums[static_cast<std::size_t>(y)];
      asym += s != sums[static_cast<std::size_t>(p_.height - 1 - y)];
      total += s;
      checksum += (y + 1) * s;
    }
    v.lines.push_back("checksum  " + std::to_string(checksum) + " (total iterations " + std::to_string(total) + ")");
    if (p_.center_im == 0.0) {
      if (asym > 0) v.fail("mandelbrot: " + std::to_string(asym) + " rows differ from their mirror row");
      v.lines.push_back("symmetry  row y == row h-1-y for all " + std::to_string(p_.height) + " rows");
    }
    v.metrics["mandelbrot_checksum"] = checksum;
    v.metrics["mandelbrot_total_iterations"] = total;
    return v;
  }

  void write_fields(const tessera::io::File& f, const std::vector<TaskRecord>&) override {
    std::vector<tessera::Index> rows;
    std::vector<std::int32_t> data;
    data.reserve(rows_.size() * static_cast<std::size_t>(p_.width));
    for (const auto& [row, counts] : rows_) {
      rows.push_back(row);
      data.insert(data.end(), counts.begin(), counts.end());
    }
    const std::string path = "/fields/mandelbrot";
    {
      tessera::io::Handle ds = tessera::io::create_dataset(f, path, tessera::io::h5type<std::int32_t>(),
                                                           {p_.height, p_.width});
      tessera::io::write_rows(f, ds, rows, data.data(), p_.width);
    }
    namespace nc = tessera::io::nc;
    // x = Re c, y = Im c at the pixel centres (the values the kernel computed with), as netCDF dimensions
    nc::Coordinate x, y;
    x.name = "x";
    x.long_name = "real part of c";
    x.axis = "X";
    y.name = "y";
    y.long_name = "imaginary part of c";
    y.axis = "Y";
    for (std::int64_t i = 0; i < p_.width; ++i) x.values.push_back(re(i));
    for (std::int64_t j = 0; j < p_.height; ++j) y.values.push_back(im(j));
    nc::write_dimensions(f, path, {y, x});
    nc::describe(f, path, "1", "escape iteration count of z -> z^2 + c (max_iter: inside the set)");
    tessera::io::write_attr(f, path, "comment", "row 0 has the smallest Im c; max_iter marks points taken as inside");
    tessera::io::write_attr(f, path, "max_iter", static_cast<std::int64_t>(p_.max_iter));
    // pixel centres of the first and last column and row
    tessera::io::write_attr(f, path, "re_range", fmt::format("{:.17g}:{:.17g}", re(0), re(p_.width - 1)));
    tessera::io::write_attr(f, path, "im_range", fmt::format("{:.17g}:{:.17g}", im(0), im(p_.height - 1)));
  }

  std::vector<tessera::io::XdmfGrid> xdmf_grids(const std::string& h5_name) const override {
    tessera::io::XdmfGrid g = tessera::io::XdmfGrid::uniform({p_.height, p_.width});
    g.name = "mandelbrot";
    g.origin = {im(0), re(0)};
    g.spacing = {scale_, scale_};
    g.fields.push_back(tessera::io::XdmfField::of(h5_name, "/fields/mandelbrot", {p_.height, p_.width}, "int32"));
    return {g};
  }

 private:
  bool classic() const { return p_.center_re == -0.5 && p_.center_im == 0.0 && p_.span == 3.0; }
  double re(std::int64_t x) const {
    return p_.center_re + static_cast<double>(2 * x + 1 - p_.width) * (scale_ / 2);
  }
  // Row 0 has the smallest Im c (y up, as ParaView and tessera-inspect --png draw it). With
  // center_im == 0, exactly antisymmetric in the row: im(h-1-y) == -im(y).
  double im(std::int64_t y) const {
    return p_.center_im + static_cast<double>(2 * y + 1 - p_.height) * (scale_ / 2);
  }

  // Closed-form membership: the main cardioid and the period-2 bulb (with a margin for rounding).
  static bool surely_inside(double cr, double ci) {
    const double x = cr - 0.25, q = x * x + ci * ci;
    if (q * (q + x) < 0.25 * ci * ci * (1 - 1e-9) - 1e-12) return true;
    return (cr + 1) * (cr + 1) + ci * ci < 0.0625 * (1 - 1e-9);
  }
  std::int64_t reference_row_sum(std::int64_t y) const {
    const double ci = im(y);
    std::int64_t sum = 0;
    for (std::int64_t x = 0; x < p_.width; ++x) {
      const std::complex<double> c(re(x), ci);
      std::complex<double> z = 0;
      int n = 0;
      while (n < p_.max_iter && std::norm(z) <= 4.0) {
        z = z * z + c;
        ++n;
      }
      sum += n;
    }
    return sum;
  }

  std::vector<std::int32_t> compute_row(std::int64_t y) const {
    std::vector<std::int32_t> counts(static_cast<std::size_t>(p_.width));
    const double ci = im(y);
    for (std::int64_t x = 0; x < p_.width; ++x) {
      const double cr = re(x);
      double zr = 0, zi = 0;
      int it = 0;
      for (; it < p_.max_iter; ++it) {
        const double zr2 = zr * zr, zi2 = zi * zi;
        if (zr2 + zi2 > 4.0) break;
        zi = 2.0 * zr * zi + ci;
        zr = zr2 - zi2 + cr;
      }
      counts[static_cast<std::size_t>(x)] = it;
    }
    return counts;
  }

  MandelbrotParams p_;
  double scale_ = 0;
  std::map<std::int64_t, std::vector<std::int32_t>> rows_;
};
}  // namespace

std::unique_ptr<Kernel> make_mandelbrot(const MandelbrotParams& p) {
  return std::make_unique<Mandelbrot>(p);
}

std::int64_t mandelbrot_bytes(const MandelbrotParams& p) {
  // the image as int32, plus the packed copy made for the write
  const double bytes = 2.0 * static_cast<double>(p.width) * static_cast<double>(p.height) * 4.0;
  return bytes > 9e18 ? std::int64_t{9'000'000'000'000'000'000} : static_cast<std::int64_t>(bytes);
}

}  // namespace taskfarm
