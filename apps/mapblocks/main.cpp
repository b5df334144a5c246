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
#include "tessera/program/program.hpp"
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

// What run() leaves for verify() and finish().
struct State : Options {
  Plan plan;
  mapblocks::Verdict checks{};  // the reductions against their independent reference (verify.hpp)
  bool repeatable = true;
  std::function<void(program::Context&)> write_output;  // holds the array until the verdict
  std::function<void()> discard_output;
  CLI::Option* o_shape = nullptr;
};

// The output file (under its temporary name) and the array, kept from run() to finish().
template <typename T>
struct Kept {
  std::optional<io::OutputFile> file;
  std::optional<DistArray<T>> out;
};

bool same_bits(const array::Partial& a, const array::Partial& b) {
  auto eq = [](double x, double y) { return std::memcmp(&x, &y, sizeof x) == 0; };
  return a.count == b.count && eq(a.sum, b.sum) && eq(a.sumsq, b.sumsq) && eq(a.min, b.min) && eq(a.max, b.max) &&
         a.nan == b.nan;
}

std::string hex(double v) { return fmt::format("{:a}", v); }

template <typename T>
void run_typed(program::Context& ctx, State& st) {
  const Options& o = st;
  const Plan& p = st.plan;
  const mpi::Comm& world = ctx.world();
  const bool materialise = !o.common.output.empty();
  // Created (under its temporary name) before any work, so an unwritable place fails fast; removed
  // again by its destructor unless committed.
  auto keep = std::make_shared<Kept<T>>();  // outlives run(): finish() writes or discards it
  auto& file = keep->file;
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
  auto& out = keep->out;
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
  st.checks = verdict;
  st.repeatable = repeatable;
  in_file.reset();
  input.reset();

  // ---- summary (rank 0) ----
  const int threads = mpi::Environment::max_threads();
  ctx.summary("tessera-mapblocks: {} {} in {} chunks over a {} grid ({} ranks x {} threads), {}",
              shape_to_string(p.shape), o.dtype, shape_to_string(p.chunks), L.grid().to_string(), world.size(), threads,
              materialise ? "materialised" : "lazy (never held in memory)");
  ctx.summary("  init {}, ops {} (fused, {} kernel)", p.from_file ? o.init : p.gen.to_string(), p.pipeline.to_string(),
              array::tile_kernel_isa());
  for (const auto& c : verdict.checks)
    ctx.summary("  {:<4} = {:<24.17g} expected {:.17g} (tolerance {:.3g}){}", c.name, c.got, c.expected, c.tolerance,
                c.ok ? "" : "  <-- MISMATCH");
  ctx.summary("  verification: {}", verdict.method);
  ctx.summary("compute: {:.4f} s median of {} (best {:.4f} s), {:.2f} GB/s of array produced", t_compute, o.repeat,
              t_best, bytes / t_compute / 1e9);
  if (p.from_file) ctx.summary("read:    {:.4f} s, {:.2f} GB/s from {}", t_read, bytes / t_read / 1e9, o.init);

  ctx.parameter("shape", p.shape);
  ctx.parameter("chunks", p.chunks);
  ctx.parameter("grid", L.grid().to_string());
  ctx.parameter("dtype", o.dtype);
  ctx.parameter("init", p.from_file ? o.init : p.gen.to_string());
  ctx.parameter("ops", p.pipeline.to_string());
  ctx.parameter("mode", materialise ? "materialised" : "lazy");
  ctx.parameter("kernel_isa", array::tile_kernel_isa());
  ctx.parameter("repeat", o.repeat);
  ctx.parameter("sync", !o.no_sync);
  for (const auto& c : verdict.checks)
    ctx.report().data()["reductions"][c.name] = {{"value", c.got}, {"hex", hex(c.got)}, {"expected", c.expected},
                                                 {"tolerance", c.tolerance}, {"ok", c.ok}};
  ctx.report().data()["verification"] = verdict.method;
  ctx.metric("elements", n);
  ctx.metric("bytes", bytes);
  ctx.metric("compute_s", t_compute);
  ctx.metric("compute_best_s", t_best);
  ctx.metric("compute_s_all", times);
  ctx.metric("compute_GBps", bytes / t_compute / 1e9);
  if (p.from_file) {
    ctx.metric("read_s", t_read);
    ctx.metric("read_GBps", bytes / t_read / 1e9);
  }

  // ---- output: written in finish(), only for a verified result ----
  if (!materialise) return;
  st.write_output = [keep, t_create, bytes, res, &st](program::Context& c) {
    const Options& oo = st;
    const Plan& pp = st.plan;
    auto& f = *keep->file;
    const auto& arr = *keep->out;
    c.world().barrier();
    Timer t;
    io::ArrayWriteOptions wo;
    wo.deflate = oo.deflate;
    wo.units = oo.units;
    wo.long_name = "init " + (pp.from_file ? oo.init : pp.gen.to_string()) + ", ops " + pp.pipeline.to_string();
    io::write_array(f.file(), oo.dataset, arr, wo);
    for (auto r : pp.reductions)
      io::write_attr(f.file(), oo.dataset, std::string("reduction_") + array::to_string(r), res.total.value(r));
    io::write_provenance(f.file(), c.provenance(arr.layout().grid().to_string()));
    f.commit(/*sync=*/!oo.no_sync);
    const double t_write = t_create + c.world().max(t.elapsed());
    std::string xmf;
    if (pp.shape.size() >= 2 && !oo.no_xdmf) {
      xmf = io::xdmf_path_for(oo.common.output);
      io::XdmfGrid g = io::XdmfGrid::uniform(pp.shape);
      g.fields.push_back(io::XdmfField::of(io::relative_h5_name(xmf, oo.common.output), oo.dataset, pp.shape,
                                           sizeof(T) == 8 ? "float64" : "float32"));
      io::write_xdmf(c.world(), xmf, g);
    }
    c.summary("write:   {:.4f} s, {:.2f} GB/s to {}{}", t_write, bytes / t_write / 1e9, oo.common.output,
              xmf.empty() ? "" : " (+ " + xmf + ")");
    c.metric("write_s", t_write);
    c.metric("write_GBps", bytes / t_write / 1e9);
  };
  st.discard_output = [keep] { keep->file->discard(); };
}

void options(CLI::App& app, State& o) {
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
  o.o_shape = app.get_option("--shape");
}

void validate(program::Context& ctx, State& o) {
  o.common = ctx.common();
  o.shape_given = o.o_shape->count() > 0;
  o.plan = make_plan(o, ctx.world());
}

void run(program::Context& ctx, State& st) {
  if (st.dtype == "float32")
    run_typed<float>(ctx, st);
  else
    run_typed<double>(ctx, st);
}

// Every reduction against its independent reference (closed form or a second pass, verify.hpp),
// and the repetitions agreeing bit for bit.
program::Verdict verify(program::Context&, State& st) {
  program::Verdict v;
  for (const auto& c : st.checks.checks)
    v.check(c.name, c.ok,
            fmt::format("{:.17g}, expected {:.17g} (tolerance {:.3g})", c.got, c.expected, c.tolerance));
  if (st.repeat > 1)
    v.check("repeatable", st.repeatable, fmt::format("the {} repetitions give the same bits", st.repeat));
  return v;
}

void finish(program::Context& ctx, State& st, const program::Verdict& v) {
  if (!st.write_output) return;
  if (v.verified()) {
    st.write_output(ctx);
  } else {
    st.discard_output();  // nothing appears under the output name
    ctx.summary("write:   skipped, the result did not verify");
  }
  st.write_output = nullptr;
  st.discard_output = nullptr;
}

}  // namespace

int main(int argc, char** argv) {
  program::Program<State> p;
  p.name = "mapblocks";
  p.description =
      "Block-distributed arrays: make or read an array, apply fused element-wise operations chunk by chunk, reduce "
      "deterministically, write parallel HDF5.";
  p.footer =
      "Example:\n  mpirun -np 4 tessera-mapblocks --shape 10000x10000 --chunks 1000x1000 --init ones --op square "
      "--reduce sum,max --output out.h5 --report m.json";
  p.options = options;
  p.validate = validate;
  p.run = run;
  p.verify = verify;
  p.finish = finish;
  return program::main(argc, argv, p);
}
