#include "state_io.hpp"

#include <cstdio>
#include <filesystem>

#include "tessera/core/error.hpp"
#include "tessera/core/fs.hpp"
#include "tessera/io/array_io.hpp"
#include "tessera/io/checkpoint.hpp"
#include "tessera/io/vector_io.hpp"

namespace heat_app {
namespace io = tessera::io;
using tessera::Index;
using tessera::UsageError;

std::string hex(std::uint64_t v) { return io::hex64(v); }

void History::add(std::int64_t s, double t, const tessera::heat::FieldNorms& n) {
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

namespace {
// What /fields/u says of itself (the field file and checkpoints alike).
void annotate_field(const io::File& f, const std::string& path, std::int64_t step, double time) {
  io::write_attr(f, path, "units", "1 (temperature, dimensionless)");
  io::write_attr(f, path, "description", "temperature at x_i = (g_i + 1)/(n + 1), zero Dirichlet boundary");
  io::write_attr(f, path, "layout", "row-major, last index fastest");
  io::write_attr(f, path, "step", step);
  io::write_attr(f, path, "time", time);
}
}  // namespace

void write_field(const io::File& f, const std::string& path, const DistArray<double>& u, std::int64_t step,
                 double time) {
  // Contiguous (not chunked by the one-cell layout chunks): every rank writes its box collectively.
  io::Handle ds = io::create_dataset(f, path, io::h5type<double>(), u.layout().shape());
  io::write_box(f, ds, u.box(), u.data(), io::memory_layout(u));
  ds.reset();
  annotate_field(f, path, step, time);
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
  io::write_attr(f, "/", "init", tessera::heat::to_string(p.init));
  io::write_attr(f, "/", "step", step);
  io::write_attr(f, "/", "time", time);
  io::write_attr(f, "/", "checksum", hex(checksum));
}

std::string write_checkpoint(const std::string& dir, const HeatSolver& s, const History& h,
                             const io::Provenance& prov, std::int64_t target_steps) {
  const auto& u = s.field();
  io::CheckpointWriter w(u.comm(), io::checkpoint_path(dir, checkpoint_prefix, s.step_count()), prov);
  const std::uint64_t sum = w.add("u", u);
  annotate_field(w.file(), "/fields/u", s.step_count(), s.time());
  io::write_attr(w.file(), "/", "steps_target", target_steps);
  write_parameters(w.file(), s.problem(), s.step_count(), s.time(), sum);
  write_history(w.file(), h);
  w.commit();
  return w.path();
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
      info.problem.init = tessera::heat::parse_heat_init(io::read_attr_string(f, "/", "init"));
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
    io::CheckpointReader r(comm, info.path);
    const std::uint64_t sum = r.read("u", u);  // every block the writer recorded, on this layout
    History loaded;
    comm.collective_check([&] { loaded = read_history(r.file()); });
    r.close();
    if (sum != info.checksum)
      throw UsageError("the field's checksum " + hex(sum) + " differs from the recorded " + hex(info.checksum) +
                       ": the file is corrupt");
    loaded.truncate_after(info.step);
    h = std::move(loaded);
  });
  s.set_step(info.step);
}

}  // namespace heat_app
