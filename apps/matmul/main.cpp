// tessera-matmul: distributed matrix multiply C = alpha A B + beta C (the GPU pattern). The seed
// multiplies two random 10000 x 10000 float32 matrices on one GPU with torch; this does the same
// across ranks and GPUs, and on CPUs, with SUMMA over a 2D process grid (tessera/linalg/summa.hpp).
//
// Usage:
//   mpirun -np 2 tessera-matmul                                   # 2048^3 float64, blas, seconds
//   mpirun -np 4 tessera-matmul --m 8192 --n 8192 --k 8192 --dtype float64 --backend blas --output c.h5
//   mpirun -np 2 tessera-matmul --n 10000 --m 10000 --k 10000 --dtype float32 --backend cublas
//   mpirun -np 2 tessera-matmul --init structured --alpha 2 --beta 0.5 --grid 1x2 --panel 64
//   mpirun -np 2 tessera-matmul --m 500 --n 300 --k 400 --write-inputs --output ab.h5
//   mpirun -np 4 tessera-matmul --a ab.h5:/fields/A --b ab.h5:/fields/B --output c.h5
//
// Inputs: --init random:SEED (default random:1): entry (i, j) of A, B and C0 is a counter-based
// hash of (seed, matrix, i, j) mapped to [-1, 1), the same at any decomposition; --init structured:
// A(i, l) = (i % 8 + 1) w_l, B(l, j) = w_l (j % 8 + 1) with w_l = l % 31 + 1 varying along k,
// C0(i, j) = (i + 2 j) % 5 - 2 (closed-form product, see inputs.hpp); or A and B from HDF5 with --a FILE.h5:/path --b FILE.h5:/path (sizes and dtype then
// come from the files; C0, needed when beta != 0, still comes from --init).
// Output (--output FILE.h5): C as /fields/C (row-major, chunked like the blocks, attributes alpha,
// beta, init, backend), with --write-inputs also /fields/A and /fields/B, provenance on /. Written
// only when the result is VERIFIED (never a half-written or wrong file).
// Verification: Freivalds' check in distributed form (tessera/linalg/freivalds.hpp: relative
// residual, tolerance 2 (k + 2) eps(dtype)); with --init structured also every element against the
// closed form (verify.hpp). Prints VERIFIED, or FAILED and exits 1.
// Timing: --warmup runs, then --reps timed runs (each starts after a barrier; a run's time is the
// slowest rank's); the median is reported as total and per-rank GFLOP/s (2 m n k flops), with the
// breakdown of that run averaged over ranks: local GEMM, communication wait, host-device staging,
// packing, and the overlap achieved (summa.hpp). GPU backends keep A, B and C on the device for all
// runs (uploaded once, C downloaded once; those copies are timed separately).
// Panels: --panel W, by default 512 for blas (fewer passes over C than 256; measurably faster with
// two ranks sharing a node's memory) and 1024 for the GPU backends; on a 1 x 1 grid one GEMM.
// Memory: estimated before anything is allocated (A, B, C blocks, panel buffers; device memory for
// GPU backends) and checked against MemAvailable and the device's free memory: exit 2 if too much.
// Exit codes: 0 VERIFIED, 1 FAILED, 2 bad usage or input, 3 runtime or I/O error.
#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <type_traits>
#include <vector>

#include "inputs.hpp"
#include "memory.hpp"
#include "tessera/core/cli.hpp"
#include "tessera/core/error.hpp"
#include "tessera/core/fs.hpp"
#include "tessera/core/log.hpp"
#include "tessera/core/meminfo.hpp"
#include "tessera/core/report.hpp"
#include "tessera/core/timer.hpp"
#include "tessera/core/version.hpp"
#include "tessera/gpu/device.hpp"
#include "tessera/io/array_io.hpp"
#include "tessera/io/output_file.hpp"
#include "tessera/io/xdmf.hpp"
#include "tessera/linalg/freivalds.hpp"
#include "tessera/linalg/summa.hpp"
#include "tessera/mpi/environment.hpp"
#include "tessera/program/program.hpp"
#include "verify.hpp"

namespace linalg = tessera::linalg;
namespace gpu = tessera::gpu;
using tessera::Index;
using tessera::array::DistArray;
using tessera::mpi::Environment;
using namespace matmul_app;

namespace {

struct Options {
  tessera::cli::CommonOptions common;
  std::string m_text = "2048", n_text = "2048", k_text = "2048";  // parsed with cli::parse_extents
  Index m = 0, n = 0, k = 0;
  std::string dtype = "float64";
  std::string backend = "blas";
  std::string grid;
  Index panel = 0;
  double alpha = 1.0, beta = 0.0;
  std::string init = "random:1";
  std::string a_file, b_file;
  bool write_inputs = false;
  std::string gpu_aware = "auto";
  int reps = 3, warmup = 1;
  bool corrupt_c = false;
  // which sizes / dtype the user gave (files decide the others)
  bool m_given = false, n_given = false, k_given = false, dtype_given = false;
  CLI::Option *o_m = nullptr, *o_n = nullptr, *o_k = nullptr, *o_d = nullptr;
};

// Everything decided before the matrices exist.
struct Setup {
  InitSpec init;
  tessera::mpi::ProcessGrid grid;
  linalg::SummaLayouts layouts;
  linalg::SummaOptions summa;
  MemoryPlan memory;
  int device = -1;
  std::string device_name;
  Index m = 0, n = 0, k = 0;
  std::string dtype;
  bool from_files = false;
};

// The figures of the reported run, averaged over ranks.
struct Breakdown {
  double gemm = 0, wait = 0, comm = 0, staging = 0, pack = 0, overlap = 0, received = 0;
};

Breakdown average(const tessera::mpi::Comm& world, const linalg::SummaStats& s) {
  const double p = world.size();
  return {world.sum(s.gemm_s) / p, world.sum(s.wait_s) / p,    world.sum(s.comm_s) / p,
          world.sum(s.staging_s) / p, world.sum(s.pack_s) / p, world.sum(s.overlap()) / p,
          world.sum(s.bytes_received)};
}

// Results of the timed runs.
struct Timing {
  std::vector<double> times;  // per timed run: the slowest rank's multiply time
  linalg::SummaStats median_run;
  double upload = 0, download = 0;
};

// The multiply, warm-up and timed runs. Host arrays for blas; device-resident blocks otherwise.
template <typename T>
Timing run_multiplies(const tessera::mpi::Comm& world, const Options& opt, linalg::Summa<T>& plan, T alpha,
                      const DistArray<T>& A, const DistArray<T>& B, T beta, DistArray<T>& C, const DistArray<T>& C0) {
  Timing out;
  std::vector<linalg::SummaStats> runs;
  const bool device = linalg::on_device(plan.options().backend);
  const auto um = static_cast<std::size_t>(plan.local_rows()), un = static_cast<std::size_t>(plan.local_cols());
  const auto uka = static_cast<std::size_t>(plan.a_local_cols()), ukb = static_cast<std::size_t>(plan.b_local_rows());
  auto host_block = [](const DistArray<T>& a) { return a.empty() ? nullptr : a.data() + a.offset(0, 0); };
  auto ld = [](const DistArray<T>& a) { return static_cast<std::size_t>(a.stride(0)); };

  gpu::DeviceBuffer<T> dA, dB, dC;
  std::unique_ptr<gpu::Stream> stream;
  if (device) {
    const tessera::Timer t;
    stream = std::make_unique<gpu::Stream>();
    dA = gpu::DeviceBuffer<T>(um * uka);
    dB = gpu::DeviceBuffer<T>(ukb * un);
    dC = gpu::DeviceBuffer<T>(um * un);
    if (!A.empty()) gpu::copy_matrix_to_device_async(dA.data(), uka, host_block(A), ld(A), um, uka, *stream);
    if (!B.empty()) gpu::copy_matrix_to_device_async(dB.data(), un, host_block(B), ld(B), ukb, un, *stream);
    stream->synchronize();
    out.upload = world.max(t.elapsed());
  }
  for (int r = 0; r < opt.warmup + opt.reps; ++r) {
    if (beta != T(0)) {  // every run starts from C0
      if (device) {
        if (!C0.empty()) gpu::copy_matrix_to_device_async(dC.data(), un, host_block(C0), ld(C0), um, un, *stream);
        stream->synchronize();
      } else {
        std::copy(C0.data(), C0.data() + C0.alloc_size(), C.data());
      }
    }
    world.barrier();
    const auto st = device ? plan.multiply_device(alpha, dA.data(), dB.data(), beta, dC.data())
                           : plan.multiply(alpha, A, B, beta, C);
    if (r < opt.warmup) continue;
    out.times.push_back(world.max(st.total_s));
    runs.push_back(st);
    tessera::log::debug("run {}: {:.4f} s", r - opt.warmup + 1, out.times.back());
  }
  if (device) {
    const tessera::Timer t;
    if (!C.empty()) gpu::copy_matrix_to_host_async(C.data() + C.offset(0, 0), ld(C), dC.data(), un, um, un, *stream);
    stream->synchronize();
    out.download = world.max(t.elapsed());
  }
  // the run whose time is the median (the lower middle one for an even count); same on every rank
  std::vector<std::size_t> order(out.times.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return out.times[a] < out.times[b]; });
  out.median_run = runs[order[(order.size() - 1) / 2]];
  return out;
}

// What run() leaves for verify() and finish().
struct Results {
  linalg::ProductCheck freivalds;
  bool structured = false;
  StructuredResult structured_result;
  std::function<void(tessera::program::Context&)> write_output;  // holds the arrays until the verdict
};

struct State : Options {
  Setup setup;
  Results results;
};

template <typename T>
void run_typed(tessera::program::Context& ctx, State& st) {
  const Options& opt = st;
  Setup& s = st.setup;
  Environment& env = ctx.env();
  const auto& world = env.world();
  const auto& L = s.layouts;
  const T alpha = static_cast<T>(opt.alpha), beta = static_cast<T>(opt.beta);

  // Inputs.
  const tessera::Timer t_in;
  DistArray<T> A(L.a), B(L.b), C(L.c), C0;
  if (s.from_files) {
    read_matrix(world, opt.a_file, A);
    read_matrix(world, opt.b_file, B);
  } else {
    generate(A, s.init, Which::A);
    generate(B, s.init, Which::B);
  }
  if (beta != T(0)) {
    C0 = DistArray<T>(L.c);
    generate(C0, s.init, Which::C0);
  }
  linalg::FreivaldsCheck<T> freivalds(s.n, s.init.seed + 0x5EED);
  if (beta != T(0)) freivalds.record_initial(C0);
  const double input_s = world.max(t_in.elapsed());

  linalg::Summa<T> plan(L.a, L.b, L.c, s.summa);
  const Timing timing = run_multiplies(world, opt, plan, alpha, A, B, beta, C, C0);
  const double t_med = tessera::median(timing.times);
  const double t_min = *std::min_element(timing.times.begin(), timing.times.end());
  const Breakdown bd = average(world, timing.median_run);

  if (opt.corrupt_c) {  // test hook: one wrong element, far beyond rounding
    const tessera::Extents where{s.m / 2, s.n / 2, 0};
    if (C.box().contains(where))
      C.global(where) += static_cast<T>(1000.0 * static_cast<double>(s.k) * std::max(1.0, std::fabs(opt.alpha)));
  }

  // Verification: the checks' figures here, the verdict in verify().
  const tessera::Timer t_check;
  Results& res = st.results;
  res.freivalds = freivalds.check(alpha, A, B, beta, C);
  res.structured = s.init.kind == InitKind::structured && !s.from_files;
  if (res.structured) res.structured_result = check_structured(world, C, alpha, beta, s.k, plan.panels().size());
  const double check_s = world.max(t_check.elapsed());

  // Output, written in finish() only for a verified result. The arrays move into the closure.
  if (!opt.common.output.empty()) {
    auto keep = std::make_shared<std::tuple<DistArray<T>, DistArray<T>, DistArray<T>>>(std::move(A), std::move(B),
                                                                                       std::move(C));
    res.write_output = [keep, &st](tessera::program::Context& c) {
      namespace io = tessera::io;
      const Options& o = st;
      const Setup& su = st.setup;
      const auto& [a, b, cc] = *keep;
      const tessera::Timer t_out;
      io::OutputFile out(c.world(), o.common.output);
      // C(i, j), A(i, k), B(k, j): index coordinates shared within /fields, as netCDF dimensions.
      auto matrix = [](const std::string& row, const std::string& col, const DistArray<T>& x,
                       const std::string& long_name) {
        io::ArrayWriteOptions w;
        w.long_name = long_name;
        w.coordinates = io::nc::index_coordinates({row, col}, x.layout().shape());
        return w;
      };
      io::write_array(out.file(), "/fields/C", cc, matrix("i", "j", cc, "C = alpha A B + beta C0"));
      io::write_attr(out.file(), "/fields/C", "alpha", o.alpha);
      io::write_attr(out.file(), "/fields/C", "beta", o.beta);
      io::write_attr(out.file(), "/fields/C", "init", su.from_files ? o.a_file + " " + o.b_file : su.init.text);
      io::write_attr(out.file(), "/fields/C", "backend", o.backend);
      if (o.write_inputs) {
        io::write_array(out.file(), "/fields/A", a, matrix("i", "k", a, "A (m x k)"));
        io::write_array(out.file(), "/fields/B", b, matrix("k", "j", b, "B (k x n)"));
      }
      io::write_provenance(out.file(), c.provenance(su.grid.to_string()));
      out.commit();
      // One XDMF grid per matrix (rows along y, columns along x), for ParaView.
      const std::string xmf = io::xdmf_path_for(o.common.output);
      const std::string h5 = io::relative_h5_name(xmf, o.common.output);
      const std::string dtype = std::is_same_v<T, float> ? "float32" : "float64";
      std::vector<io::XdmfGrid> grids;
      auto grid_of = [&](const std::string& name, const DistArray<T>& x) {
        io::XdmfGrid g = io::XdmfGrid::uniform(x.layout().shape());
        g.name = name;
        g.fields.push_back(io::XdmfField::of(h5, "/fields/" + name, x.layout().shape(), dtype));
        grids.push_back(g);
      };
      grid_of("C", cc);
      if (o.write_inputs) {
        grid_of("A", a);
        grid_of("B", b);
      }
      io::write_xdmf(c.world(), xmf, grids);
      const double output_s = c.world().max(t_out.elapsed());
      c.metric("output_s", output_s);
      c.summary("output: {} ({:.3f} s)", o.common.output, output_s);
    };
  }

  // Summary.
  const double flops = 2.0 * static_cast<double>(s.m) * static_cast<double>(s.n) * static_cast<double>(s.k);
  const double gflops = flops / t_med * 1e-9;
  const bool dev = linalg::on_device(s.summa.backend);
  ctx.summary("tessera-matmul: C = {} A B + {} C, ({}x{}) ({}x{}), {}, {} backend, {} rank{} on a {} grid", opt.alpha,
              opt.beta, s.m, s.k, s.k, s.n, s.dtype, opt.backend, world.size(), world.size() == 1 ? "" : "s",
              s.grid.to_string());
  ctx.summary("panels: {} of width <= {}{}", plan.panels().size(), s.summa.panel,
              dev ? fmt::format(", panels {} (GPU {} on rank 0: {})",
                                plan.device_direct() ? "from device memory (CUDA-aware MPI)"
                                                     : "staged through pinned host memory",
                                s.device, s.device_name)
                  : "");
  ctx.summary("inputs: {} ({:.3f} s); memory per rank: {} host{}", s.from_files ? opt.a_file + ", " + opt.b_file : s.init.text,
              input_s, tessera::meminfo::format_bytes(s.memory.host),
              dev ? ", " + tessera::meminfo::format_bytes(s.memory.device) + " device" : "");
  ctx.summary("time: {:.4f} s (median of {}, min {:.4f} s){}", t_med, timing.times.size(), t_min,
              dev ? fmt::format("; upload {:.3f} s, download {:.3f} s", timing.upload, timing.download) : "");
  ctx.summary("rate: {:.2f} GFLOP/s total, {:.2f} GFLOP/s per rank", gflops, gflops / world.size());
  ctx.summary("breakdown (mean over ranks): local GEMM {:.4f} s, communication wait {:.4f} s (in flight {:.4f} s), "
              "staging {:.4f} s, packing {:.4f} s; overlap {:.0f}%",
              bd.gemm, bd.wait, bd.comm, bd.staging, bd.pack, 100.0 * bd.overlap);
  if (opt.corrupt_c) ctx.summary("[--corrupt-c: one element of C was changed before the check]");

  ctx.parameter("m", s.m);
  ctx.parameter("n", s.n);
  ctx.parameter("k", s.k);
  ctx.parameter("dtype", s.dtype);
  ctx.parameter("backend", opt.backend);
  ctx.parameter("grid", s.grid.to_string());
  ctx.parameter("panel", s.summa.panel);
  ctx.parameter("alpha", opt.alpha);
  ctx.parameter("beta", opt.beta);
  ctx.parameter("init", s.init.text);
  ctx.parameter("a", opt.a_file);
  ctx.parameter("b", opt.b_file);
  ctx.parameter("gpu_aware", opt.gpu_aware);
  ctx.parameter("reps", opt.reps);
  ctx.parameter("warmup", opt.warmup);
  ctx.parameter("corrupt_c", opt.corrupt_c);
  ctx.run_info("device", s.device);
  ctx.run_info("device_name", s.device_name);
  ctx.run_info("device_direct", plan.device_direct());
  ctx.metric("gflops", gflops);
  ctx.metric("gflops_per_rank", gflops / world.size());
  ctx.metric("time_s", t_med);
  ctx.metric("time_min_s", t_min);
  ctx.metric("times_s", timing.times);
  ctx.metric("panels", plan.panels().size());
  ctx.metric("gemm_s", bd.gemm);
  ctx.metric("wait_s", bd.wait);
  ctx.metric("comm_s", bd.comm);
  ctx.metric("staging_s", bd.staging);
  ctx.metric("pack_s", bd.pack);
  ctx.metric("overlap", bd.overlap);
  ctx.metric("bytes_broadcast_received", bd.received);
  ctx.metric("upload_s", timing.upload);
  ctx.metric("download_s", timing.download);
  ctx.metric("input_s", input_s);
  ctx.metric("check_s", check_s);
  ctx.metric("output_s", 0.0);
  ctx.metric("memory_host_bytes_per_rank", s.memory.host);
  ctx.metric("memory_device_bytes_per_rank", s.memory.device);
}

// The verdict: Freivalds' residual against its bound; with structured input also every element
// against the closed form.
tessera::program::Verdict verify(tessera::program::Context& ctx, State& st) {
  const Results& r = st.results;
  tessera::program::Verdict v;
  v.within("freivalds", r.freivalds.residual, r.freivalds.tolerance, "relative residual of C - (alpha A B + beta C0)");
  ctx.metric("freivalds_residual", r.freivalds.residual);
  ctx.metric("freivalds_tolerance", r.freivalds.tolerance);
  if (r.structured) {
    const auto& sr = r.structured_result;
    v.within("closed_form", sr.max_rel_error, sr.tolerance,
             fmt::format("max relative error over every element, {} wrong", sr.wrong));
    ctx.metric("structured_max_rel_error", sr.max_rel_error);
    ctx.metric("structured_tolerance", sr.tolerance);
    ctx.metric("structured_wrong", sr.wrong);
  }
  return v;
}

// The output appears only for a verified result (never a half-written or wrong file).
void finish(tessera::program::Context& ctx, State& st, const tessera::program::Verdict& v) {
  if (!st.results.write_output) return;
  if (v.verified())
    st.results.write_output(ctx);
  else
    ctx.summary("output: not written (verification failed)");
  st.results.write_output = nullptr;  // the arrays go now
}

void options(CLI::App& app, State& opt) {
  app.option_defaults()->always_capture_default();
  opt.o_m = app.add_option("--m", opt.m_text, "Rows of A and C");
  opt.o_n = app.add_option("--n", opt.n_text, "Columns of B and C");
  opt.o_k = app.add_option("--k", opt.k_text, "Columns of A, rows of B");
  opt.o_d = app.add_option("--dtype", opt.dtype, "float32 | float64")->check(CLI::IsMember({"float32", "float64"}));
  app.add_option("--backend", opt.backend, "Local GEMM: blas | cuda (own kernel) | cublas")
      ->check(CLI::IsMember({"blas", "cuda", "cublas"}));
  app.add_option("--grid", opt.grid, "Process grid PxQ (default: as square as the ranks allow)");
  app.add_option("--panel", opt.panel, "Panel width W (0: 512 for blas, 1024 for GPU backends)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--alpha", opt.alpha, "alpha in C = alpha A B + beta C");
  app.add_option("--beta", opt.beta, "beta (C starts as C0 from --init when beta != 0)");
  app.add_option("--init", opt.init, "random:SEED | structured");
  app.add_option("--a", opt.a_file, "Read A from FILE.h5:/path (with --b)");
  app.add_option("--b", opt.b_file, "Read B from FILE.h5:/path (with --a)");
  app.add_flag("--write-inputs", opt.write_inputs, "Also write A and B to --output (/fields/A, /fields/B)");
  app.add_option("--gpu-aware", opt.gpu_aware, "GPU panels from device memory: auto | on | off (stage via host)")
      ->check(CLI::IsMember({"auto", "on", "off"}));
  app.add_option("--reps", opt.reps, "Timed runs (the median is reported)")->check(CLI::Range(1, 1000));
  app.add_option("--warmup", opt.warmup, "Untimed runs first")->check(CLI::Range(0, 100));
  app.add_flag("--corrupt-c", opt.corrupt_c, "Test hook: change one element of C before the check")->group("");
}

void validate(tessera::program::Context& ctx, State& opt) {
  Environment& env = ctx.env();
  opt.common = ctx.common();
  opt.m_given = opt.o_m->count() > 0;
  opt.n_given = opt.o_n->count() > 0;
  opt.k_given = opt.o_k->count() > 0;
  opt.dtype_given = opt.o_d->count() > 0;

  // Validation: pure functions of the command line, so every rank decides alike.
  const auto& world = env.world();
  opt.m = tessera::cli::parse_extents(opt.m_text, "--m", 1, 1)[0];
  opt.n = tessera::cli::parse_extents(opt.n_text, "--n", 1, 1)[0];
  opt.k = tessera::cli::parse_extents(opt.k_text, "--k", 1, 1)[0];
  Setup& s = opt.setup;
  s.init = parse_init(opt.init);
  s.summa.backend = linalg::parse_backend(opt.backend);
  s.summa.gpu_aware = linalg::parse_gpu_aware(opt.gpu_aware);
  s.summa.panel = opt.panel > 0 ? opt.panel : (linalg::on_device(s.summa.backend) ? 1024 : 512);
  tessera::require(opt.a_file.empty() == opt.b_file.empty(), "--a and --b go together: give both or neither");
  tessera::require(!opt.write_inputs || !opt.common.output.empty(), "--write-inputs needs --output FILE.h5");
  tessera::require(std::isfinite(opt.alpha) && std::isfinite(opt.beta), "--alpha and --beta must be finite numbers");
  const std::vector<int> dims =
      opt.grid.empty() ? std::vector<int>{0, 0} : tessera::mpi::ProcessGrid::parse_dims(opt.grid, 2, world.size());
  world.collective_check([&] {
    if (linalg::on_device(s.summa.backend)) gpu::require_device("--backend " + opt.backend);
  });

  // Sizes and type: from the options, or from the files (options, if given, must agree).
  s.m = opt.m, s.n = opt.n, s.k = opt.k, s.dtype = opt.dtype;
  s.from_files = !opt.a_file.empty();
  if (s.from_files) {
    const auto f = probe_files(world, opt.a_file, opt.b_file);
    auto agree = [](bool given, Index want, Index got, const char* opt_name, const char* what) {
      if (given && want != got)
        throw tessera::UsageError(fmt::format("{} {} disagrees with the input files: {} is {}", opt_name, want, what, got));
    };
    agree(opt.m_given, opt.m, f.m, "--m", "A's row count");
    agree(opt.k_given, opt.k, f.k, "--k", "A's column count");
    agree(opt.n_given, opt.n, f.n, "--n", "B's column count");
    if (opt.dtype_given && opt.dtype != f.dtype)
      throw tessera::UsageError("--dtype " + opt.dtype + " disagrees with the input files, which hold " + f.dtype);
    s.m = f.m, s.n = f.n, s.k = f.k, s.dtype = f.dtype;
  }

  s.grid = tessera::mpi::ProcessGrid(world, dims);
  s.layouts = linalg::make_summa_layouts(s.grid, s.m, s.n, s.k);
  if (linalg::on_device(s.summa.backend)) {
    world.collective_check([&] {
      s.device = gpu::select_device_for_local_rank(env.local_rank());
      s.device_name = gpu::device_name(s.device);
    });
  }
  const bool direct = linalg::on_device(s.summa.backend) && s.summa.gpu_aware != linalg::GpuAware::off &&
                      gpu::cuda_aware_mpi();
  const std::size_t es = s.dtype == "float32" ? sizeof(float) : sizeof(double);
  s.memory = plan_memory(s.layouts, es, s.summa, direct, opt.beta != 0.0);
  check_memory(env, s.memory, s.device);

}

void run(tessera::program::Context& ctx, State& st) {
  if (st.setup.dtype == "float32")
    run_typed<float>(ctx, st);
  else
    run_typed<double>(ctx, st);
}

}  // namespace

int main(int argc, char** argv) {
  tessera::program::Program<State> p;
  p.name = "matmul";
  p.description =
      "Distributed matrix multiply C = alpha A B + beta C (SUMMA) on CPUs (BLAS) or GPUs (CUDA kernel, cuBLAS), "
      "verified, HDF5 in and out.";
  p.footer =
      "Examples:\n"
      "  mpirun -np 2 tessera-matmul --report matmul.json --output c.h5\n"
      "  mpirun -np 4 tessera-matmul --m 8192 --n 8192 --k 8192 --dtype float64 --backend blas --output c.h5\n"
      "  mpirun -np 2 tessera-matmul --m 10000 --n 10000 --k 10000 --dtype float32 --backend cublas\n"
      "  mpirun -np 4 tessera-matmul --a ab.h5:/fields/A --b ab.h5:/fields/B --output c.h5";
  p.options = options;
  p.validate = validate;
  p.run = run;
  p.verify = verify;
  p.finish = finish;
  return tessera::program::main(argc, argv, p);
}
