// tessera-inspect: look into any Tessera HDF5 file (or any HDF5 file at all).
//
// Usage:
//   tessera-inspect FILE [PATH]                      tree of groups and datasets with shape, dtype,
//                                                    chunking, compression and attributes
//   tessera-inspect FILE [PATH] --stats              + min, max, mean, std per dataset, read slab by
//                                                    slab (files larger than memory work)
//   tessera-inspect FILE --validate                  the file and its .xmf against the netCDF-4/CF rules
//                                                    of docs/file-format.md: each finding, then the verdict
//   tessera-inspect FILE [PATH] --png OUT.png [--slice AXIS=INDEX] [--colormap viridis|gray|coolwarm]
//                                                    a picture of a 2D field (or a slice of a 3D one)
//                                                    with a colorbar and its value range, y up (row 0
//                                                    at the bottom, as ParaView shows the .xmf)
//
// A tool, but a proper MPI program: under mpirun, rank 0 does the reading (a serial open) and the
// other ranks wait for its verdict, so every rank exits with the same code.
// Verification: --stats recomputes every statistic in an independent second pass (its own
// hyperslab reads along axis 0, Kahan-compensated long double, two passes for the standard
// deviation) and compares: count, NaNs, min and max exactly, mean and std to 1e-13 relative; it also compares with the
// reductions the writer recorded (mapblocks' reduction_min/max/mean attributes) when present. --png
// reads the picture back and checks its size, its colorbar, every field pixel against the colour of
// the data it stands for, and a sample of the block means against a fresh read of their blocks.
// Prints VERIFIED or FAILED; a plain listing checks nothing and prints no verdict.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "tessera/core/cli.hpp"
#include "tessera/core/fs.hpp"
#include "tessera/core/report.hpp"
#include "tessera/io/dataset_stats.hpp"
#include "tessera/io/file_tree.hpp"
#include "tessera/io/hdf5.hpp"
#include "tessera/io/png_image.hpp"
#include "tessera/io/validate.hpp"
#include "tessera/mpi/environment.hpp"
#include "tessera/program/program.hpp"

using namespace tessera;

namespace {

struct Options {
  std::string file, path = "/";
  bool stats = false;
  bool validate = false;
  std::string png, slice, colormap = "viridis", range;
  int max_size = 1024;
  bool test_wrong_pixel = false;  // test hook (hidden)
  cli::CommonOptions common;
};

struct Slice {
  int axis = -1;  // -1: none (a 2D dataset)
  Index index = 0;
};

std::string describe(const io::DatasetInfo& d) {
  std::string s = d.dtype + " [" + shape_to_string(d.shape) + "]";
  s += d.chunks.empty() ? " contiguous" : " chunks " + shape_to_string(d.chunks);
  if (!d.compression.empty()) s += " " + d.compression;
  return s;
}

double parse_double(const std::string& text, const std::string& what) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(v))
    throw UsageError(what + ": '" + text + "' is not a finite number");
  return v;
}

Slice parse_slice(const std::string& text, const std::vector<Index>& shape, const std::string& path) {
  Slice s;
  if (shape.size() == 2) {
    if (!text.empty()) throw UsageError("--slice applies to 3D datasets; '" + path + "' is 2D");
    return s;
  }
  if (shape.size() != 3)
    throw UsageError("--png needs a 2D or 3D dataset; '" + path + "' has " + std::to_string(shape.size()) +
                     " dimensions");
  if (text.empty()) return {0, shape[0] / 2};  // the middle plane across the first axis
  const auto eq = text.find('=');
  if (eq == std::string::npos) throw UsageError("--slice '" + text + "': expected AXIS=INDEX, e.g. 0=10");
  const std::string a = text.substr(0, eq), i = text.substr(eq + 1);
  if (a.size() != 1 || a[0] < '0' || a[0] > '2') throw UsageError("--slice '" + text + "': AXIS must be 0, 1 or 2");
  if (i.empty() || i.find_first_not_of("0123456789") != std::string::npos)
    throw UsageError("--slice '" + text + "': INDEX must be a whole number");
  s.axis = a[0] - '0';
  s.index = std::stoll(i);
  if (s.index >= shape[static_cast<size_t>(s.axis)])
    throw UsageError("--slice '" + text + "': index out of range [0, " + std::to_string(shape[static_cast<size_t>(s.axis)]) +
                     ")");
  return s;
}

struct Outcome {
  bool ok = true;
  std::vector<std::string> notes;  // what was checked
  bool checked = false;            // something was checked (--stats, --png): a verdict is printed
  nlohmann::json json;
};

// Statistics of one dataset, cross-checked against what its writer recorded.
// The second, independent pass of --stats: slabs along axis 0 read as double, long double sums.
struct Recount {
  Index count = 0, nan = 0;
  double min = INFINITY, max = -INFINITY;
  long double mean = 0, std = 0;
};
Recount recount(const io::File& f, const std::string& path, const std::vector<Index>& shape) {
  Recount r;
  io::Handle ds = f.open_dataset(path);
  io::Handle fspace = io::make_space_handle(io::check(H5Dget_space(ds), "H5Dget_space"));
  const int nd = static_cast<int>(shape.size());
  Index row = 1;
  for (int d = 1; d < nd; ++d) row *= shape[static_cast<size_t>(d)];
  const Index rows_per = std::max<Index>(1, (Index{1} << 22) / std::max<Index>(row, 1));
  std::vector<double> buf;
  // Kahan-compensated long double sums (dataset_stats uses Neumaier's; both are exact far below 1e-13)
  struct Kahan {
    long double s = 0, c = 0;
    void add(long double v) {
      const long double y = v - c, t = s + y;
      c = (t - s) - y;
      s = t;
    }
  } sum, ss;
  auto pass = [&](auto&& each) {
    for (Index r0 = 0; r0 < shape[0]; r0 += rows_per) {
      const Index nr = std::min(rows_per, shape[0] - r0);
      std::vector<hsize_t> start(static_cast<size_t>(nd), 0), count(shape.begin(), shape.end());
      start[0] = static_cast<hsize_t>(r0);
      count[0] = static_cast<hsize_t>(nr);
      io::check(H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr), "select");
      const hsize_t n = static_cast<hsize_t>(nr * row);
      io::Handle mspace = io::make_space_handle(io::check(H5Screate_simple(1, &n, nullptr), "H5Screate"));
      buf.resize(static_cast<size_t>(n));
      io::check(H5Dread(ds, H5T_NATIVE_DOUBLE, mspace, fspace, H5P_DEFAULT, buf.data()), "cannot read " + path);
      for (double v : buf) each(v);
    }
  };
  pass([&](double v) {
    ++r.count;
    if (std::isnan(v)) return ++r.nan, void();
    r.min = std::min(r.min, v);
    r.max = std::max(r.max, v);
    sum.add(v);
  });
  const Index finite = r.count - r.nan;
  r.mean = finite > 0 ? sum.s / finite : 0;
  pass([&](double v) {
    if (!std::isnan(v)) ss.add((v - r.mean) * (v - r.mean));
  });
  r.std = finite > 0 ? std::sqrt(ss.s / finite) : 0;
  return r;
}

void stats_of(const io::File& f, const io::ObjectInfo& obj, Outcome& out) {
  if (!io::is_numeric_dtype(obj.dataset.dtype) || obj.dataset.shape.empty()) {
    std::printf("    stats: n/a (%s)\n", obj.dataset.shape.empty() ? "scalar" : obj.dataset.dtype.c_str());
    return;
  }
  const io::DatasetStats st = io::dataset_stats(f, obj.path);
  std::printf("    stats: min %.10g  max %.10g  mean %.10g  std %.10g  (%lld values%s)\n", st.min, st.max, st.mean, st.std,
              static_cast<long long>(st.count),
              st.nan_count ? (", " + std::to_string(st.nan_count) + " NaN").c_str() : "");
  Index expect_count = 1;
  for (auto s : obj.dataset.shape) expect_count *= s;
  bool ok = st.count == expect_count;
  if (st.count > st.nan_count)
    ok = ok && st.min <= st.max && st.std >= 0 && st.mean >= st.min - 1e-12 * std::fabs(st.min) &&
         st.mean <= st.max + 1e-12 * std::fabs(st.max);
  std::string note = obj.path + (ok ? ": count and min <= mean <= max" : ": count or min <= mean <= max WRONG");
  {
    const Recount rc = recount(f, obj.path, obj.dataset.shape);
    // both passes are compensated: they agree to 1e-13 of the data's scale
    auto near = [](long double a, double b, long double scale) { return std::fabs(a - b) <= 1e-13L * scale + 1e-300L; };
    const long double scale = std::fabs(rc.mean) + rc.std;
    const bool same = rc.count == st.count && rc.nan == st.nan_count &&
                      (rc.count == rc.nan || (rc.min == st.min && rc.max == st.max && near(rc.mean, st.mean, scale) &&
                                              near(rc.std, st.std, scale)));
    ok = ok && same;
    note += same ? ", an independent second pass agrees" : ", the independent second pass DISAGREES";
  }
  // the writer's own reductions (mapblocks records them as attributes)
  auto recorded = [&](const char* name, double& v) {
    for (const auto& a : obj.attributes)
      if (a.name == name) {
        v = std::strtod(a.value.c_str(), nullptr);
        return true;
      }
    return false;
  };
  double rmin, rmax, rmean;
  if (st.nan_count == 0) {
    auto compare = [&](bool same, const char* what) {
      ok = ok && same;
      note += fmt::format(same ? ", {} = recorded" : ", {} DIFFERS from the recorded", what);
    };
    if (recorded("reduction_min", rmin)) compare(rmin == st.min, "min");
    if (recorded("reduction_max", rmax)) compare(rmax == st.max, "max");
    if (recorded("reduction_mean", rmean))
      compare(std::fabs(rmean - st.mean) <= 1e-9 * (std::fabs(st.mean) + st.std) + 1e-300, "mean");
  }
  if (!ok) std::printf("    stats: MISMATCH (%s)\n", note.c_str());
  out.ok = out.ok && ok;
  out.notes.push_back(note);
  out.json["stats"][obj.path] = {{"min", st.min}, {"max", st.max},   {"mean", st.mean},
                                 {"std", st.std}, {"count", st.count}, {"nan_count", st.nan_count}};
}

void picture(const io::File& f, const io::ObjectInfo& obj, const Options& o, Outcome& out) {
  const auto& shape = obj.dataset.shape;
  if (!io::is_numeric_dtype(obj.dataset.dtype))
    throw UsageError("--png: '" + obj.path + "' holds " + obj.dataset.dtype + ", not numbers");
  const Slice sl = parse_slice(o.slice, shape, obj.path);
  Box box = Box::whole(shape);
  if (sl.axis >= 0) box.lo[sl.axis] = sl.index, box.hi[sl.axis] = sl.index + 1;
  std::vector<int> dims;  // the two axes of the picture: y then x
  for (int d = 0; d < box.ndims; ++d)
    if (d != sl.axis) dims.push_back(d);
  const Index ny = box.extent(dims[0]), nx = box.extent(dims[1]);
  io::BlockMeans bm(ny, nx, o.max_size);
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  io::read_box_in_slabs(f, obj.path, box, Index{1} << 22, [&](const Box& slab, const double* v) {
    const Index rows = slab.extent(dims[0]);
    for (Index i = 0; i < rows * nx; ++i)
      if (std::isfinite(v[i])) lo = std::min(lo, v[i]), hi = std::max(hi, v[i]);
    bm.add_rows(slab.lo[dims[0]] - box.lo[dims[0]], rows, v);
  });
  io::RenderOptions ro;
  ro.map = io::parse_colormap(o.colormap);
  ro.max_size = o.max_size;
  if (!o.range.empty()) {
    const auto colon = o.range.find(':');
    if (colon == std::string::npos) throw UsageError("--range '" + o.range + "': expected LO:HI");
    ro.lo = parse_double(o.range.substr(0, colon), "--range");
    ro.hi = parse_double(o.range.substr(colon + 1), "--range");
    if (!(ro.lo < ro.hi)) throw UsageError("--range '" + o.range + "': LO must be below HI");
  } else if (lo <= hi) {
    ro.lo = lo, ro.hi = hi;
  }
  io::RenderInfo info;
  const io::Image img = io::render_field(bm.result(), bm.ny(), bm.nx(), ro, &info);
  io::Image png = img;
  if (o.test_wrong_pixel)  // test hook: one field pixel of another colour, as a rendering bug would give
    png.fill_rect(info.field_x, info.field_y, 1, 1,
                  png.at(info.field_x, info.field_y) == io::colormap(ro.map, 0.0) ? io::colormap(ro.map, 1.0)
                                                                                 : io::colormap(ro.map, 0.0));
  io::write_png(o.png, png);
  // Read it back and check what it claims. Size and colorbar ends; every field pixel's colour
  // against the colour of the block mean it stands for; and a sample of those block means against a
  // fresh read of their block from the file (independent of the slab pass that made the picture).
  const io::Image back = io::read_png(o.png);
  const auto means = bm.result();
  const double span = info.hi > info.lo ? info.hi - info.lo : 1.0;
  auto colour_of = [&](double m) {
    return io::colormap(ro.map, info.hi > info.lo ? (m - info.lo) / span : (std::isnan(m) ? m : 0.5));
  };
  const bool same_size = back.width == img.width && back.height == img.height;
  const bool bar = same_size && back.at(info.bar_x + info.bar_w / 2, info.field_y) == io::colormap(ro.map, 1.0) &&
                   back.at(info.bar_x + info.bar_w / 2, info.field_y + info.field_h - 1) == io::colormap(ro.map, 0.0);
  const Index up = info.field_w / bm.nx();
  Index wrong_pixels = 0;
  for (int py = 0; same_size && py < info.field_h; ++py)
    for (int px = 0; px < info.field_w; ++px) {
      // y up: image row py shows field row ny - 1 - py / up
      const double m = means[static_cast<size_t>((bm.ny() - 1 - py / up) * bm.nx() + px / up)];
      wrong_pixels += back.at(info.field_x + px, info.field_y + py) == colour_of(m) ? 0 : 1;
    }
  Index wrong_means = 0, sampled = 0;
  const Index f_ = bm.factor(), cells = bm.ny() * bm.nx(), stride = std::max<Index>(1, cells / 64);
  for (Index c = 0; c < cells; c += stride, ++sampled) {
    const Index by = c / bm.nx(), bx = c % bm.nx();
    Box blk = box;
    blk.lo[dims[0]] = box.lo[dims[0]] + by * f_;
    blk.hi[dims[0]] = std::min(box.hi[dims[0]], blk.lo[dims[0]] + f_);
    blk.lo[dims[1]] = box.lo[dims[1]] + bx * f_;
    blk.hi[dims[1]] = std::min(box.hi[dims[1]], blk.lo[dims[1]] + f_);
    long double sum = 0;
    Index n = 0;
    io::read_box_in_slabs(f, obj.path, blk, Index{1} << 20, [&](const Box& sb, const double* v) {
      for (Index i = 0; i < sb.size(); ++i)
        if (!std::isnan(v[i])) sum += v[i], ++n;
    });
    const double want = n > 0 ? static_cast<double>(sum / n) : std::nan("");
    const double got = means[static_cast<size_t>(c)];
    const bool same = (std::isnan(want) && std::isnan(got)) ||
                      std::fabs(got - want) <= 1e-12 * std::max(1.0, std::fabs(want));
    wrong_means += same ? 0 : 1;
  }
  // the range shown is the data's (the slab pass's min and max) or the one asked for
  const bool range = o.range.empty() ? (lo <= hi ? info.lo == lo && info.hi == hi : true)
                                     : info.lo == ro.lo && info.hi == ro.hi;
  const bool ok = same_size && bar && range && wrong_pixels == 0 && wrong_means == 0;
  if (!range) std::printf("%s: the colour range [%.17g, %.17g] is not the data's [%.17g, %.17g]\n", o.png.c_str(),
                          info.lo, info.hi, lo, hi);
  if (!ok) fs::remove_quietly(o.png);  // a picture that does not show the data is not left behind
  if (wrong_pixels > 0) std::printf("%s: %lld field pixels differ from the data's colours\n", o.png.c_str(),
                                    static_cast<long long>(wrong_pixels));
  std::printf("wrote %s: %dx%d pixels, %s%s as %lldx%lld%s, colormap %s, range [%.6g, %.6g]\n", o.png.c_str(),
              img.width, img.height, obj.path.c_str(),
              sl.axis >= 0 ? (" slice " + std::to_string(sl.axis) + "=" + std::to_string(sl.index)).c_str() : "",
              static_cast<long long>(bm.ny()), static_cast<long long>(bm.nx()),
              bm.factor() > 1 ? (" (block means of " + std::to_string(bm.factor()) + "x" + std::to_string(bm.factor()) + ")").c_str()
                              : "",
              o.colormap.c_str(), info.lo, info.hi);
  out.ok = out.ok && ok;
  out.notes.push_back(fmt::format("{} read back: size, colorbar, colour range, all {} field pixels against the data, {} "
                                  "block means re-read from the file{}",
                                  o.png, static_cast<long long>(info.field_w) * info.field_h, sampled,
                                  ok ? "" : " (FAILED: the picture was removed)"));
  out.json["png"] = {{"path", o.png},      {"dataset", obj.path}, {"width", img.width}, {"height", img.height},
                     {"lo", info.lo},      {"hi", info.hi},       {"colormap", o.colormap},
                     {"slice_axis", sl.axis}, {"slice_index", sl.index}};
}

// --validate: the file and its .xmf against docs/file-format.md (io/validate).
void check_format(const Options& o, Outcome& out) {
  const auto findings = io::validate_file(o.file);
  nlohmann::json list = nlohmann::json::array();
  for (const auto& f : findings) {
    std::printf("    validate: %s: %s\n", f.where.c_str(), f.what.c_str());
    list.push_back({{"where", f.where}, {"what", f.what}});
  }
  out.ok = out.ok && findings.empty();
  out.notes.push_back(findings.empty() ? o.file + " and its .xmf follow the netCDF-4/CF rules of docs/file-format.md"
                                       : std::to_string(findings.size()) + " finding(s) against docs/file-format.md");
  out.json["validate"] = {{"findings", list}, {"ok", findings.empty()}};
}

Outcome inspect(const Options& o) {
  Outcome out;
  const io::File f = io::File::open_serial(o.file, io::Mode::read);
  const auto objects = io::list_objects(f, o.path);
  int groups = 0, datasets = 0;
  for (const auto& obj : objects) (obj.kind == io::ObjectInfo::Kind::group ? groups : datasets) += 1;
  std::printf("%s: HDF5, %d group%s, %d dataset%s under %s\n", o.file.c_str(), groups, groups == 1 ? "" : "s", datasets,
              datasets == 1 ? "" : "s", o.path.c_str());
  const io::ObjectInfo* to_draw = nullptr;
  for (const auto& obj : objects) {
    if (obj.kind == io::ObjectInfo::Kind::group) std::printf("%s  (group)\n", obj.path.c_str());
    else if (obj.kind == io::ObjectInfo::Kind::dataset)
      std::printf("%s  %s\n", obj.path.c_str(), describe(obj.dataset).c_str());
    else std::printf("%s  (other)\n", obj.path.c_str());
    for (const auto& a : obj.attributes) std::printf("    @%s = %s\n", a.name.c_str(), a.value.c_str());
    if (obj.kind != io::ObjectInfo::Kind::dataset) continue;
    out.json["datasets"][obj.path] = {{"shape", obj.dataset.shape},
                                      {"dtype", obj.dataset.dtype},
                                      {"chunks", obj.dataset.chunks},
                                      {"compression", obj.dataset.compression}};
    if (o.stats) stats_of(f, obj, out);
    if (!to_draw && (obj.dataset.shape.size() == 2 || obj.dataset.shape.size() == 3)) to_draw = &obj;
  }
  if (!o.png.empty()) {
    if (!objects.empty() && objects[0].kind == io::ObjectInfo::Kind::dataset) to_draw = &objects[0];
    if (!to_draw) throw UsageError("--png: no 2D or 3D dataset under '" + o.path + "' in '" + o.file + "'");
    picture(f, *to_draw, o, out);
  }
  if (o.validate) check_format(o, out);
  out.checked = !out.notes.empty();  // a plain listing checks nothing: no verdict
  out.json["objects"] = objects.size();
  return out;
}

struct State : Options {
  Outcome outcome;
  bool ok = true;
};

void options(CLI::App& app, State& o) {
  app.add_option("file", o.file, "HDF5 file")->required();
  app.add_option("path", o.path, "Group or dataset inside the file")->capture_default_str();
  app.add_flag("--stats", o.stats, "Min, max, mean and std of every dataset (read slab by slab)");
  app.add_flag("--validate", o.validate,
               "Check the file and its .xmf against Tessera's netCDF-4/CF rules (docs/file-format.md); prints each finding");
  app.add_option("--png", o.png, "Write a picture of a 2D dataset (or a slice of a 3D one) to this PNG");
  app.add_option("--slice", o.slice, "For 3D datasets: AXIS=INDEX (default: the middle plane across axis 0)");
  app.add_option("--colormap", o.colormap, "viridis, gray or coolwarm")->capture_default_str();
  app.add_option("--range", o.range, "Value range of the colormap LO:HI (default: the data's min and max)");
  app.add_option("--max-size", o.max_size, "Longest side of the field in pixels (block means beyond)")
      ->capture_default_str()
      ->check(CLI::Range(16, 8192));
  app.add_flag("--test-wrong-pixel", o.test_wrong_pixel, "Test hook: one wrong pixel in the PNG")->group("");
}

// Rank 0 reads; any error there becomes everyone's error (same message, same exit code).
void run(program::Context& ctx, State& o) {
  const mpi::Comm& world = ctx.world();
  world.collective_check([&] {
    if (world.rank() == 0) o.outcome = inspect(o);
  });
  o.ok = world.bcast_value<int>(o.outcome.ok ? 1 : 0) == 1;
  o.outcome.checked = world.bcast_value<int>(o.outcome.checked ? 1 : 0) == 1;
  ctx.parameter("file", o.file);
  ctx.parameter("path", o.path);
  ctx.report().data()["result"] = o.outcome.json;
}

// --stats and --png each check what they print (see the top of this file); a plain listing claims
// nothing and gets no verdict.
program::Verdict verify(program::Context&, State& o) {
  program::Verdict v;
  if (!o.outcome.checked) return v;
  std::string what;
  for (const auto& n : o.outcome.notes) what += (what.empty() ? "" : "; ") + n;
  std::string name;
  for (const auto& [on, part] : {std::pair<bool, const char*>{o.stats, "stats"}, {!o.png.empty(), "png"},
                                 {o.validate, "validate"}})
    if (on) name += (name.empty() ? "" : "_and_") + std::string(part);
  v.check(name, o.ok, what);
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  program::Program<State> p;
  p.name = "inspect";
  p.description =
      "Look into an HDF5 file: the tree with shapes, types, chunking, compression and attributes; statistics per "
      "dataset; a PNG picture of a 2D field.";
  p.footer =
      "Examples:\n  tessera-inspect out.h5\n  tessera-inspect out.h5 /fields/array --stats\n"
      "  tessera-inspect out.h5 /fields/array --png out.png --colormap viridis";
  p.with_output = false;
  p.options = options;
  p.run = run;
  p.verify = verify;
  return program::main(argc, argv, p);
}
