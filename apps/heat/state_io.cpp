#include "state_io.hpp"

#include <cstdio>
#include <filesystem>

#include "tessera/core/error.hpp"
#include "tessera/core/fs.hpp"
#include "tessera/io/array_io.hpp"
#include "tessera/io/checkpoint.hpp"
#include "tessera/io/vector_io.hpp"

namespace heat {
namespace io = tessera::io;
using tessera::Index;
using tessera::UsageError;

std::string hex(std::uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

void History::add(std::int64_t s, double t, const tessera::array::FieldNorms& n) {
  step.push_back(s);
  time.push_back(t);
  l2.push_back(n.l2);
  max.push_back(n.max);
  min.push_back(n.min);
}

void History::truncate_after(std::int64_t s) {
  size_t k = 0;
  while (k < step.size() && step[k] <= s) ++k;
  step.resize(k);
  time.resize(k);
  l2.resize(k);
  max.resize(k);
  min.resize(k);
}

void write_field(const io::File& f, const std::string& path, const DistArray<double>& u, std::int64_t step,
                 double time) {
  // Contiguous (not chunked by the one-cell layout chunks): every rank writes its box collectively.
  io::Handle ds = io::create_dataset(f, path, io::h5type<double>(), u.layout().shape());
  io::write_box(f, ds, u.box(), u.data(), io::memory_layout(u));
  ds.reset();
  io::write_attr(f, path, "units", "1 (temperature, dimensionless)");
  io::write_attr(f, path, "description", "temperature at x_i = (g_i + 1)/(n + 1), zero Dirichlet boundary");
  io::write_attr(f, path, "layout", "row-major, last index fastest");
  io::write_attr(f, path, "step", step);
  io::write_attr(f, path, "time", time);
}

void write_history(const io::File& f, const History& h) {
  io::write_vector(f, "/results/step", h.step);
  io::write_vector(f, "/results/time", h.time);
  io::write_vector(f, "/results/l2", h.l2);
  io::write_vector(f, "/results/max", h.max);
  io::write_vector(f, "/results/min", h.min);
  io::write_attr(f, "/results/l2", "description", "sqrt(dx^dims * sum u^2)");
}

History read_history(const io::File& f) {
  History h;
  h.step = io::read_vector<std::int64_t>(f, "/results/step");
  h.time = io::read_vector<double>(f, "/results/time");
  h.l2 = io::read_vector<double>(f, "/results/l2");
  h.max = io::read_vector<double>(f, "/results/max");
  h.min = io::read_vector<double>(f, "/results/min");
  const size_t n = h.step.size();
  if (h.time.size() != n || h.l2.size() != n || h.max.size() != n || h.min.size() != n)
    throw UsageError("the /results series in '" + f.path() + "' have different lengths");
  return h;
}

void write_parameters(const io::File& f, const HeatProblem& p, std::int64_t step, double time, std::uint64_t checksum) {
  io::write_attr(f, "/", "n", std::int64_t{p.n});
  io::write_attr(f, "/", "dims", std::int64_t{p.dims});
  io::write_attr(f, "/", "alpha", p.alpha);
  io::write_attr(f, "/", "dt", p.dt);
  io::write_attr(f, "/", "r", p.r());
  io::write_attr(f, "/", "init", tessera::array::to_string(p.init));
  io::write_attr(f, "/", "step", step);
  io::write_attr(f, "/", "time", time);
  io::write_attr(f, "/", "checksum", hex(checksum));
}

std::string write_checkpoint(const std::string& dir, const HeatSolver& s, const History& h,
                             const io::Provenance& prov, std::int64_t target_steps) {
  const auto& u = s.field();
  const auto& comm = u.comm();
  const std::string path = io::checkpoint_path(dir, checkpoint_prefix, s.step_count());
  const std::uint64_t sum = tessera::array::bitwise_checksum(u);
  // One checksum per block of the writing layout, so a restart names the damaged part.
  const auto& L = u.layout();
  std::vector<tessera::Box> blocks;
  for (int r = 0; r < comm.size(); ++r) blocks.push_back(L.box_of(r));
  const auto block_sums = tessera::array::bitwise_block_checksums(u, blocks);
  std::vector<std::int64_t> lo, hi;
  for (const auto& b : blocks)
    for (int d = 0; d < b.ndims; ++d) lo.push_back(b.lo[d]), hi.push_back(b.hi[d]);
  io::OutputFile out(comm, path);
  io::write_provenance(out.file(), prov);
  io::write_attr(out.file(), "/", "kind", "checkpoint");
  io::write_attr(out.file(), "/", "steps_target", target_steps);
  write_parameters(out.file(), s.problem(), s.step_count(), s.time(), sum);
  write_field(out.file(), "/fields/u", u, s.step_count(), s.time());
  write_history(out.file(), h);
  io::write_vector(out.file(), "/checksums/block_lo", lo);
  io::write_vector(out.file(), "/checksums/block_hi", hi);
  io::write_vector(out.file(), "/checksums/block_sum", block_sums);
  io::write_attr(out.file(), "/checksums", "description",
                 "per block of the writing layout: lower and upper (exclusive) global index, dims values per "
                 "block; block_sum: sum mod 2^64 of splitmix64(bits(u) ^ splitmix64(linear index)) over the block");
  out.commit();
  return path;
}

namespace {
// The checkpoint `spec` names (a file, or a directory's newest) and the one before it.
std::pair<std::string, std::string> resolve(const std::string& spec) {
  std::error_code ec;
  const bool dir = std::filesystem::is_directory(spec, ec);
  const std::string where = dir ? spec : std::filesystem::path(spec).parent_path().string();
  const auto all = io::list_checkpoints(where, checkpoint_prefix);
  if (dir && all.empty())
    throw UsageError("--restart '" + spec + "': no checkpoint " + checkpoint_prefix + "-<step>.h5 in this directory");
  const std::string path = dir ? all.back().path : spec;
  std::string older;
  for (const auto& c : all)
    if (std::filesystem::equivalent(c.path, path, ec)) break;
    else older = c.path;
  return {path, older};
}

// Runs fn; a tessera::Error thrown on every rank becomes a UsageError naming the checkpoint (and
// the next older one, to restart from instead).
template <typename F>
void as_bad_input(const std::string& path, const std::string& older, F&& fn) {
  const std::string alt = older.empty() ? std::string("; there is no older checkpoint beside it")
                                        : "; the next older checkpoint is '" + older + "'";
  try {
    fn();
  } catch (const UsageError& e) {
    throw UsageError("cannot restart from '" + path + "': " + e.what() + alt);
  } catch (const tessera::Error& e) {
    throw UsageError("cannot restart from '" + path + "' (damaged or truncated?): " + e.what() + alt);
  }
}
}  // namespace

namespace {
// Compares the per-block checksums the writer recorded with those of the field as read.
void check_block_checksums(const io::File& f, const DistArray<double>& u) {
  std::vector<std::int64_t> lo, hi;
  std::vector<std::uint64_t> want;
  const int nd = u.ndims();
  if (!f.exists("/checksums/block_sum")) return;  // older checkpoints: the whole-field checksum still applies
  u.comm().collective_check([&] {
    lo = io::read_vector<std::int64_t>(f, "/checksums/block_lo");
    hi = io::read_vector<std::int64_t>(f, "/checksums/block_hi");
    want = io::read_vector<std::uint64_t>(f, "/checksums/block_sum");
    if (lo.size() != hi.size() || lo.size() != want.size() * static_cast<size_t>(nd))
      throw UsageError("the /checksums datasets have inconsistent lengths");
  });
  std::vector<tessera::Box> blocks;
  for (size_t b = 0; b < want.size(); ++b) {
    tessera::Extents l{0, 0, 0}, h{1, 1, 1};
    for (int d = 0; d < nd; ++d) {
      l[d] = lo[b * static_cast<size_t>(nd) + static_cast<size_t>(d)];
      h[d] = hi[b * static_cast<size_t>(nd) + static_cast<size_t>(d)];
    }
    blocks.emplace_back(nd, l, h);
  }
  const auto got = tessera::array::bitwise_block_checksums(u, blocks);
  for (size_t b = 0; b < want.size(); ++b)
    if (got[b] != want[b])
      throw UsageError("block " + std::to_string(b) + " " + blocks[b].to_string() + " has checksum " + hex(got[b]) +
                       ", the file records " + hex(want[b]) + ": the checkpoint is corrupt");
}
}  // namespace

CheckpointInfo read_checkpoint_info(const tessera::mpi::Comm& comm, const std::string& spec) {
  CheckpointInfo info;
  std::pair<std::string, std::string> chosen;
  comm.collective_check([&] {
    if (comm.rank() == 0) chosen = resolve(spec);
  });
  const std::string path = comm.bcast_string(chosen.first);
  info.path = path;
  info.next_older = comm.bcast_string(chosen.second);
  as_bad_input(path, info.next_older, [&] {
    io::File f = io::File::open(comm, path, io::Mode::read);
    comm.collective_check([&] {
      const std::string app = io::has_attr(f, "/", "app") ? io::read_attr_string(f, "/", "app") : "";
      const std::string kind = io::has_attr(f, "/", "kind") ? io::read_attr_string(f, "/", "kind") : "";
      if (app != "heat" || kind != "checkpoint")
        throw UsageError("not a tessera-heat checkpoint (app '" + app + "', kind '" + kind + "')");
      info.problem.n = io::read_attr_int(f, "/", "n");
      info.problem.dims = static_cast<int>(io::read_attr_int(f, "/", "dims"));
      info.problem.alpha = io::read_attr_double(f, "/", "alpha");
      info.problem.dt = io::read_attr_double(f, "/", "dt");
      info.problem.init = tessera::array::parse_heat_init(io::read_attr_string(f, "/", "init"));
      info.step = io::read_attr_int(f, "/", "step");
      info.target_steps = io::read_attr_int(f, "/", "steps_target");
      info.checksum = std::stoull(io::read_attr_string(f, "/", "checksum"), nullptr, 16);
      if (info.step < 0) throw UsageError("negative step " + std::to_string(info.step));
    });
    f.close();
  });
  return info;
}

void load_checkpoint(const CheckpointInfo& info, HeatSolver& s, History& h) {
  auto& u = s.field();
  const auto& comm = u.comm();
  as_bad_input(info.path, info.next_older, [&] {
    io::File f = io::File::open(comm, info.path, io::Mode::read);
    io::read_array(f, "/fields/u", u);
    History loaded;
    comm.collective_check([&] { loaded = read_history(f); });
    check_block_checksums(f, u);
    f.close();
    const std::uint64_t sum = tessera::array::bitwise_checksum(u);
    if (sum != info.checksum)
      throw UsageError("the field's checksum " + hex(sum) + " differs from the recorded " + hex(info.checksum) +
                       ": the file is corrupt");
    loaded.truncate_after(info.step);
    h = std::move(loaded);
  });
  s.set_step(info.step);
}

}  // namespace heat
