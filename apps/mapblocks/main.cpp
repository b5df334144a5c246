// tessera-mapblocks: dask's map_blocks at cluster scale.
//
// The dask original is
//     da.ones((1000, 1000), chunks=(100, 100)).map_blocks(square).sum().compute()
// Here the array is block-distributed over MPI ranks by whole chunks, each rank's chunks are shared
// by OpenMP threads, element-wise operations are fused into one pass per chunk, the reductions are
// deterministic (the same bits at any rank and thread count), and the result can be written to
// parallel HDF5 (chunking aligned with the array's chunks) with an XDMF sidecar.
//
// Usage:
//   mpirun -np 4 tessera-mapblocks --shape 10000x10000 --chunks 1000x1000 --init ones --op square
//       --reduce sum,max --output out.h5 --report m.json
//
// Without --output nothing is materialised: every chunk is generated, transformed and reduced tile by
// tile in a per-thread scratch buffer (lazy, like dask), so the array is never held in memory.
// --init FILE.h5:/path reads an array written by any app at any rank count.
// The reductions are verified (closed form where one exists, an independent second pass otherwise:
// see verify.hpp) and the program prints VERIFIED or FAILED.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>
#include <vector>

#include "tessera/array/evaluate.hpp"
#include "tessera/array/map_blocks.hpp"
#include "tessera/core/cli.hpp"
#include "tessera/core/fs.hpp"
#include "tessera/core/report.hpp"
#include "tessera/core/timer.hpp"
#include "tessera/io/array_io.hpp"
#include "tessera/io/output_file.hpp"
#include "tessera/io/xdmf.hpp"
#include "tessera/mpi/environment.hpp"
#include "verify.hpp"

using namespace tessera;
using array::BlockLayout;
using array::DistArray;

namespace {

struct Options {
  std::string shape = "4000x4000";
  std::string chunks;  // default: see default_chunks()
  std::string init = "arange";
  std::vector<std::string> ops{};
  std::string reduce = "sum,min,max,mean,l2";
  std::string dtype = "float64";
  std::string grid;
  std::string dataset = "/fields/array";
  std::string units = "1";
  int deflate = 0;
  int repeat = 1;
  bool strict = false;
  bool no_xdmf = false;
  bool no_sync = false;
  bool drop_chunk = false;  // test hook: the fast path loses one chunk's elements
  bool shape_given = false;
  cli::CommonOptions common;
};

// About a million elements per chunk, never more than the shape.
std::vector<Index> default_chunks(const std::vector<Index>& shape) {
  const Index side = shape.size() == 1 ? Index{1} << 20 : shape.size() == 2 ? 1000 : 100;
  std::vector<Index> c;
  for (Index s : shape) c.push_back(std::min(s, side));
  return c;
}

// Everything decided from the command line (and the input file), identical on every rank.
struct Plan {
  std::vector<Index> shape, chunks;
  std::vector<int> grid;
  bool from_file = false;
  array::Generator gen;
  std::string in_file, in_dataset;
  array::Pipeline pipeline;
  std::vector<array::Reduction> reductions;
};

Plan make_plan(const Options& o, const mpi::Comm& world) {
  Plan p;
  p.pipeline = array::Pipeline::parse(o.ops);
  p.reductions = array::parse_reductions(o.reduce);
  if (p.reductions.empty()) throw UsageError("--reduce: give at least one of sum, min, max, mean, l2");
  if (o.dtype != "float64" && o.dtype != "float32")
    throw UsageError("--dtype '" + o.dtype + "': expected float64 or float32");
  if (o.repeat < 1) throw UsageError("--repeat must be at least 1");
  if (o.deflate < 0 || o.deflate > 9) throw UsageError("--deflate must be 0 (none) to 9");
  if (o.dataset.size() < 2 || o.dataset.front() != '/' || o.dataset.back() == '/')
    throw UsageError("--dataset '" + o.dataset + "': expected an absolute path such as /fields/array");
  if (array::Generator::is_generator(o.init)) {
    p.gen = array::Generator::parse(o.init);
    p.shape = cli::parse_extents(o.shape, "--shape");
  } else {
    p.from_file = true;
    std::tie(p.in_file, p.in_dataset) = io::split_file_and_path(o.init, "--init");
    // shape and dtype come from the file; a given --shape must agree
    io::DatasetInfo info;
    world.collective_check([&] {
      if (world.rank() == 0) {
        auto f = io::File::open_serial(p.in_file, io::Mode::read);
        info = io::dataset_info(f, p.in_dataset);
      }
    });
    const std::string text = world.bcast_string(shape_to_string(info.shape) + "|" + info.dtype);
    const auto bar = text.find('|');
    const std::string dtype = text.substr(bar + 1), shape_text = text.substr(0, bar);
    if (shape_text.empty()) throw UsageError("--init '" + o.init + "': the dataset is a scalar, not an array");
    p.shape = cli::parse_extents(shape_text, "dataset " + p.in_dataset, 1, 3);
    if (o.shape_given) {
      const auto want = cli::parse_extents(o.shape, "--shape");
      if (want != p.shape)
        throw UsageError("--shape " + shape_to_string(want) + " does not match the shape " + shape_to_string(p.shape) +
                         " of " + o.init);
    }
    if (dtype != o.dtype)
      throw UsageError("--init '" + o.init + "': dataset holds " + dtype + " but --dtype is " + o.dtype +
                       " (pass --dtype " + dtype + ")");
  }
  p.chunks = o.chunks.empty() ? default_chunks(p.shape) : cli::parse_extents(o.chunks, "--chunks");
  if (p.chunks.size() != p.shape.size())
    throw UsageError("--chunks " + shape_to_string(p.chunks) + " has " + std::to_string(p.chunks.size()) +
                     " dimensions but the shape " + shape_to_string(p.shape) + " has " + std::to_string(p.shape.size()));
  BlockLayout::validate(p.shape, p.chunks);
  Index nchunks = 1;
  for (size_t d = 0; d < p.shape.size(); ++d) nchunks *= (p.shape[d] + p.chunks[d] - 1) / p.chunks[d];
  if (nchunks > (Index{1} << 24))
    throw UsageError("--chunks " + shape_to_string(p.chunks) + " cut the array into " + std::to_string(nchunks) +
                     " chunks; use larger chunks (at most 16777216 of them)");
  if (!o.grid.empty()) {
    p.grid = mpi::ProcessGrid::parse_dims(o.grid, static_cast<int>(p.shape.size()), world.size());
    if (std::count(p.grid.begin(), p.grid.end(), 0) > 0) {
      std::vector<Index> nch;
      for (size_t d = 0; d < p.shape.size(); ++d) nch.push_back((p.shape[d] + p.chunks[d] - 1) / p.chunks[d]);
      p.grid = BlockLayout::choose_grid(nch, world.size());
    }
  } else {
    std::vector<Index> nch;
    for (size_t d = 0; d < p.shape.size(); ++d) nch.push_back((p.shape[d] + p.chunks[d] - 1) / p.chunks[d]);
    p.grid = BlockLayout::choose_grid(nch, world.size());
  }
  return p;
}

bool same_bits(const array::Partial& a, const array::Partial& b) {
  auto eq = [](double x, double y) { return std::memcmp(&x, &y, sizeof x) == 0; };
  return a.count == b.count && eq(a.sum, b.sum) && eq(a.sumsq, b.sumsq) && eq(a.min, b.min) && eq(a.max, b.max) &&
         a.nan == b.nan;
}

std::string hex(double v) { return fmt::format("{:a}", v); }

template <typename T>
int run(mpi::Environment& env, const Options& o, const Plan& p, int argc, char** argv) {
  const mpi::Comm& world = env.world();
  const bool materialise = !o.common.output.empty();
  // Created (under its temporary name) before any work, so an unwritable place fails fast; removed
  // again by its destructor unless committed.
  std::optional<io::OutputFile> file;
  double t_create = 0;  // part of the write time
  if (materialise) {
    world.barrier();
    Timer t;
    file.emplace(world, o.common.output);
    t_create = world.max(t.elapsed());
  }

  const BlockLayout L(p.shape, p.chunks, mpi::ProcessGrid(world, p.grid));
  const Index n = L.global_size();
  const double bytes = static_cast<double>(n) * sizeof(T);
  Index max_chunk = 1;
  for (int d = 0; d < L.ndims(); ++d) max_chunk *= L.chunk(d);

  // ---- input ----
  std::optional<io::File> in_file;
  std::optional<DistArray<T>> input;
  double t_read = 0;
  if (p.from_file) {
    world.barrier();
    Timer t;
    in_file = io::File::open(world, p.in_file, io::Mode::read);
    input.emplace(L);
    io::read_array(*in_file, p.in_dataset, *input);
    t_read = world.max(t.elapsed());
  }
  const array::Source<T> source =
      p.from_file ? array::array_source(*input) : array::generator_source<T>(p.gen, p.shape);
  std::optional<DistArray<T>> out;
  if (materialise) out.emplace(L);  // first touch by the threads that will fill it

  // ---- compute: produce -> pipeline -> reduce, fused, one chunk at a time ----
  array::EvalOptions eo;
  eo.strict = o.strict;
  eo.needs = array::Needs::of(p.reductions);
  std::vector<double> times;
  array::EvalResult res;
  bool repeatable = true;
  for (int r = 0; r < o.repeat; ++r) {
    world.barrier();
    Timer t;
    array::EvalResult cur = array::evaluate<T>(L, source, p.pipeline, materialise ? &*out : nullptr, eo);
    times.push_back(world.max(t.elapsed()));
    world.agree(!cur.domain_error,
                fmt::format("--strict-math: {} of {} at index ({}) is outside its domain", cur.error_op,
                            cur.error_value,
                            [&] {
                              std::string s;
                              for (int d = 0; d < L.ndims(); ++d)
                                s += (d ? ", " : "") + std::to_string(cur.error_index[d]);
                              return s;
                            }()));
    if (r > 0) repeatable = repeatable && same_bits(cur.total, res.total);
    res = cur;
  }
  if (o.drop_chunk) {  // as if one chunk had been skipped: its elements are missing from every reduction
    res.total.count -= std::min<Index>(res.total.count, max_chunk);
  }
  const double t_compute = median(times), t_best = *std::min_element(times.begin(), times.end());

  // ---- verification ----
  mapblocks::Input vin;
  vin.from_file = p.from_file;
  vin.gen = p.gen;
  vin.file = in_file ? &*in_file : nullptr;
  vin.dataset = p.in_dataset;
  const auto verdict =
      mapblocks::verify<T>(world, p.shape, max_chunk, L.total_chunks(), vin, p.pipeline, p.reductions, res.total);
  const bool verified = verdict.ok && repeatable;
  in_file.reset();
  input.reset();
  if (!verified && file) {  // nothing appears under the output name
    file->discard();
    file.reset();
  }

  // ---- output (only for a verified result) ----
  double t_write = 0;
  std::string xmf;
  if (materialise && verified) {
    world.barrier();
    Timer t;
    io::ArrayWriteOptions wo;
    wo.deflate = o.deflate;
    wo.units = o.units;
    wo.description = "init " + (p.from_file ? o.init : p.gen.to_string()) + ", ops " + p.pipeline.to_string();
    io::write_array(file->file(), o.dataset, *out, wo);
    for (auto r : p.reductions)
      io::write_attr(file->file(), o.dataset, std::string("reduction_") + array::to_string(r), res.total.value(r));
    io::write_provenance(file->file(), {"mapblocks", cli::command_line(argc, argv), world.size(),
                                        mpi::Environment::max_threads(), L.grid().to_string()});
    file->commit(/*sync=*/!o.no_sync);
    t_write = t_create + world.max(t.elapsed());
    if (L.ndims() >= 2 && !o.no_xdmf) {
      xmf = io::xdmf_path_for(o.common.output);
      io::XdmfGrid g = io::XdmfGrid::uniform(p.shape);
      g.fields.push_back(io::XdmfField::of(io::relative_h5_name(xmf, o.common.output), o.dataset, p.shape,
                                           sizeof(T) == 8 ? "float64" : "float32"));
      io::write_xdmf(world, xmf, g);
    }
  }

  // ---- summary (rank 0) ----
  const int threads = mpi::Environment::max_threads();
  log::info("tessera-mapblocks: {} {} in {} chunks over a {} grid ({} ranks x {} threads), {}", shape_to_string(p.shape),
            o.dtype, shape_to_string(p.chunks), L.grid().to_string(), world.size(), threads,
            materialise ? "materialised" : "lazy (never held in memory)");
  log::info("  init {}, ops {} (fused, {} kernel)", p.from_file ? o.init : p.gen.to_string(), p.pipeline.to_string(),
            array::tile_kernel_isa());
  for (const auto& c : verdict.checks)
    log::info("  {:<4} = {:<24.17g} expected {:.17g} (tolerance {:.3g}){}", c.name, c.got, c.expected, c.tolerance,
              c.ok ? "" : "  <-- MISMATCH");
  log::info("  verification: {}", verdict.method);
  if (!repeatable) log::info("  the {} repetitions did not give the same bits", o.repeat);
  log::info("compute: {:.4f} s median of {} (best {:.4f} s), {:.2f} GB/s of array produced", t_compute, o.repeat,
            t_best, bytes / t_compute / 1e9);
  if (p.from_file) log::info("read:    {:.4f} s, {:.2f} GB/s from {}", t_read, bytes / t_read / 1e9, o.init);
  if (materialise && verified)
    log::info("write:   {:.4f} s, {:.2f} GB/s to {}{}", t_write, bytes / t_write / 1e9, o.common.output,
              xmf.empty() ? "" : " (+ " + xmf + ")");
  if (materialise && !verified) log::info("write:   skipped, the result did not verify");
  if (world.rank() == 0) std::printf("%s\n", verified ? "VERIFIED" : "FAILED");

  if (!o.common.report.empty()) {
    Report rep("mapblocks");
    rep.parameter("shape", p.shape);
    rep.parameter("chunks", p.chunks);
    rep.parameter("grid", L.grid().to_string());
    rep.parameter("dtype", o.dtype);
    rep.parameter("init", p.from_file ? o.init : p.gen.to_string());
    rep.parameter("ops", p.pipeline.to_string());
    rep.parameter("mode", materialise ? "materialised" : "lazy");
    rep.parameter("kernel_isa", array::tile_kernel_isa());
    rep.parameter("repeat", o.repeat);
    rep.parameter("output", o.common.output);
    rep.parameter("sync", !o.no_sync);
    rep.set_run({{"ranks", world.size()}, {"threads", threads}, {"nodes", env.num_nodes()}});
    for (const auto& c : verdict.checks) {
      rep.data()["reductions"][c.name] = {{"value", c.got}, {"hex", hex(c.got)}, {"expected", c.expected},
                                          {"tolerance", c.tolerance}, {"ok", c.ok}};
    }
    rep.data()["verification"] = verdict.method;
    rep.metric("elements", n);
    rep.metric("bytes", bytes);
    rep.metric("compute_s", t_compute);
    rep.metric("compute_best_s", t_best);
    rep.metric("compute_s_all", times);
    rep.metric("compute_GBps", bytes / t_compute / 1e9);
    if (p.from_file) {
      rep.metric("read_s", t_read);
      rep.metric("read_GBps", bytes / t_read / 1e9);
    }
    if (materialise && verified) {
      rep.metric("write_s", t_write);
      rep.metric("write_GBps", bytes / t_write / 1e9);
    }
    rep.set_verified(verified);
    if (world.rank() == 0) rep.write(o.common.report);
  }
  return verified ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  return mpi::Environment::run(argc, argv, [&](mpi::Environment& env) {
    Options o;
    CLI::App app{"Block-distributed arrays: make or read an array, apply fused element-wise operations chunk by "
                 "chunk, reduce deterministically, write parallel HDF5.\n\nExample:\n  mpirun -np 4 tessera-mapblocks "
                 "--shape 10000x10000 --chunks 1000x1000 --init ones --op square --reduce sum,max --output out.h5 "
                 "--report m.json",
                 "tessera-mapblocks"};
    app.add_option("--shape", o.shape, "Array shape, 1 to 3 dimensions: N, NxM or NxMxK")->capture_default_str();
    app.add_option("--chunks", o.chunks, "Chunk shape (edge chunks may be smaller); default about 1M elements");
    app.add_option("--init", o.init, "ones, zeros, arange, random:SEED or FILE.h5:/path")->capture_default_str();
    app.add_option("--op", o.ops,
                   "Element-wise operation, repeatable, applied in order: square, sqrt, abs, exp, log, scale:A, add:B, "
                   "pow:P, clip:LO:HI");
    app.add_option("--reduce", o.reduce, "Reductions: a list of sum, min, max, mean, l2")->capture_default_str();
    app.add_option("--dtype", o.dtype, "float64 or float32")->capture_default_str();
    app.add_option("--grid", o.grid, "Process grid, e.g. 2x2 (0 = any); default: spread the chunks best");
    app.add_option("--dataset", o.dataset, "Dataset path in the output file")->capture_default_str();
    app.add_option("--units", o.units, "Units attribute of the output dataset")->capture_default_str();
    app.add_option("--deflate", o.deflate, "gzip level of the output, 0 (none) to 9")->capture_default_str();
    app.add_option("--repeat", o.repeat, "Timed repetitions of the compute (median reported)")->capture_default_str();
    app.add_flag("--strict-math", o.strict, "Stop with an error at log/sqrt/pow outside their domain");
    app.add_flag("--test-drop-chunk", o.drop_chunk, "Test hook: count one chunk fewer in the fast path")->group("");
    app.add_flag("--no-xdmf", o.no_xdmf, "Do not write the .xmf sidecar next to a 2D/3D output");
    app.add_flag("--no-sync", o.no_sync,
                 "Rename the output into place without waiting for the disk (fsync) first: faster, not crash-safe");
    cli::add_common(app, o.common);
    bool done = false;
    cli::parse(app, argc, argv, done);
    if (done) return 0;
    cli::apply(o.common);
    o.shape_given = app.count("--shape") > 0;
    const Plan p = make_plan(o, env.world());
    if (!o.common.report.empty()) env.world().collective_check([&] { fs::check_writable(o.common.report); });
    return o.dtype == "float32" ? run<float>(env, o, p, argc, argv) : run<double>(env, o, p, argc, argv);
  });
}
