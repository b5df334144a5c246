#include "state_io.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <filesystem>

#include "tessera/core/error.hpp"
#include "tessera/core/fs.hpp"
#include "tessera/io/array_io.hpp"
#include "tessera/io/checkpoint.hpp"
#include "tessera/io/netcdf.hpp"
#include "tessera/io/vector_io.hpp"
#include "tessera/io/xdmf.hpp"

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

std::vector<io::nc::Coordinate> field_coordinates(const HeatProblem& p) {
  // grid points x_i = (i + 1) dx of the unit square or cube (the boundary, at 0 and 1, is not stored)
  const std::vector<Index> shape(static_cast<size_t>(p.dims), p.n);
  const std::vector<double> at(shape.size(), p.dx());
  return io::nc::grid_coordinates(io::nc::spatial_dims(p.dims), shape, at, at, "m");
}

namespace {
// What a field (/fields/u, a snapshot) says of itself, in the file and in checkpoints alike.
void annotate_field(const io::File& f, const std::string& path, std::int64_t step, double time) {
  io::nc::describe(f, path, "1", "temperature");
  io::write_attr(f, path, "comment",
                 "dimensionless temperature at the grid points (i + 1) dx, zero Dirichlet boundary at 0 and 1");
  io::write_attr(f, path, "step", step);
  io::write_attr(f, path, "time", time);
}
}  // namespace

void write_field(const io::File& f, const std::string& path, const DistArray<double>& u, const HeatProblem& p,
                 std::int64_t step, double time) {
  // Contiguous (not chunked by the one-cell layout chunks): every rank writes its box collectively.
  io::Handle ds = io::create_dataset(f, path, io::h5type<double>(), u.layout().shape());
  io::write_box(f, ds, u.box(), u.data(), io::memory_layout(u));
  ds.reset();
  io::nc::write_dimensions(f, path, field_coordinates(p));
  annotate_field(f, path, step, time);
}

std::string snapshot_path(std::int64_t step) { return fmt::format("/snapshots/u_{:06d}", step); }

void write_snapshot_index(const io::File& f, const std::vector<Snapshot>& snaps) {
  if (snaps.empty()) return;
  std::vector<std::int64_t> step;
  std::vector<double> time;
  for (const auto& s : snaps) {
    step.push_back(s.step);
    time.push_back(s.time);
  }
  io::nc::Coordinate t;
  t.name = "time";
  t.values = time;
  t.units = "s";
  t.long_name = "time of the snapshot";
  t.axis = "T";
  t.standard_name = "time";
  io::nc::write_coordinate(f, "/snapshots", t);
  io::nc::write_series(f, "/snapshots/step", step, "time", "1", "time step of the snapshot");
}

void copy_snapshots(const io::File& from, const io::File& to, const std::vector<Snapshot>& snaps,
                    DistArray<double>& scratch, const HeatProblem& p) {
  for (const auto& s : snaps) {
    io::read_array(from, snapshot_path(s.step), scratch);
    write_field(to, snapshot_path(s.step), scratch, p, s.step, s.time);
  }
}

void write_history(const io::File& f, const History& h) {
  // time is the coordinate (CF: axis T), step an auxiliary coordinate along it
  io::nc::Coordinate t;
  t.name = "time";
  t.values = h.time;
  t.units = "s";
  t.long_name = "time";
  t.axis = "T";
  t.standard_name = "time";
  io::nc::write_coordinate(f, "/results", t);
  io::nc::write_series(f, "/results/step", h.step, "time", "1", "time step");
  io::nc::write_series(f, "/results/l2", h.l2, "time", "1", "L2 norm of u, sqrt(dx^dims sum u^2)");
  io::nc::write_series(f, "/results/max", h.max, "time", "1", "maximum of u");
  io::nc::write_series(f, "/results/min", h.min, "time", "1", "minimum of u");
  for (const char* v : {"/results/l2", "/results/max", "/results/min"}) io::write_attr(f, v, "coordinates", "step");
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
  io::write_attr(f, "/", "alpha_units", "m2 s-1");
  io::write_attr(f, "/", "dt", p.dt);
  io::write_attr(f, "/", "dt_units", "s");
  io::write_attr(f, "/", "r", p.r());
  io::write_attr(f, "/", "init", tessera::heat::to_string(p.init));
  io::write_attr(f, "/", "step", step);
  io::write_attr(f, "/", "time", time);
  io::write_attr(f, "/", "checksum", hex(checksum));
}

std::string write_checkpoint(const std::string& dir, const HeatSolver& s, const History& h,
                             const io::Provenance& prov, std::int64_t target_steps, const std::vector<Snapshot>& snaps,
                             const io::File* snapshot_source) {
  const auto& u = s.field();
  const HeatProblem& p = s.problem();
  io::CheckpointWriter w(u.comm(), io::checkpoint_path(dir, checkpoint_prefix, s.step_count()), prov);
  const std::uint64_t sum = w.add("u", u, field_coordinates(p));
  annotate_field(w.file(), "/fields/u", s.step_count(), s.time());
  io::write_attr(w.file(), "/", "steps_target", target_steps);
  write_parameters(w.file(), p, s.step_count(), s.time(), sum);
  write_history(w.file(), h);
  // the snapshots taken so far, so that a restart's output holds the whole series
  if (!snaps.empty() && snapshot_source) {
    DistArray<double> scratch = u.clone();
    copy_snapshots(*snapshot_source, w.file(), snaps, scratch, p);
    write_snapshot_index(w.file(), snaps);
  }
  w.commit();
  // its own .xmf: the snapshots and the field at the checkpoint's step
  const std::string xmf = io::xdmf_path_for(w.path());
  io::write_xdmf_series(u.comm(), xmf, xdmf_series(snaps, p, s.step_count(), s.time(), io::relative_h5_name(xmf, w.path())),
                        "heat");
  return w.path();
}

std::vector<io::XdmfStep> xdmf_series(const std::vector<Snapshot>& snaps, const HeatProblem& p, std::int64_t step,
                                      double time, const std::string& h5_name) {
  const std::vector<Index> shape(static_cast<size_t>(p.dims), p.n);
  auto frame = [&](const std::string& dataset, std::int64_t at, double t) {
    io::XdmfGrid g = io::XdmfGrid::uniform(shape);
    g.name = "step_" + std::to_string(at);
    g.origin.assign(shape.size(), p.dx());
    g.spacing.assign(shape.size(), p.dx());
    auto field = io::XdmfField::of(h5_name, dataset, shape, "float64");
    field.name = "u";
    g.fields.push_back(field);
    return io::XdmfStep{t, g};
  };
  std::vector<io::XdmfStep> series;
  for (const auto& sn : snaps) series.push_back(frame(snapshot_path(sn.step), sn.step, sn.time));
  // the final field, unless it is the last snapshot
  if (snaps.empty() || snaps.back().step != step) series.push_back(frame("/fields/u", step, time));
  return series;
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

void load_checkpoint(const CheckpointInfo& info, HeatSolver& s, History& h, std::vector<Snapshot>& snaps,
                     const io::File* snapshot_target) {
  auto& u = s.field();
  const auto& comm = u.comm();
  as_bad_input(info.path, info.next_older, [&] {
    io::CheckpointReader r(comm, info.path);
    // The snapshots it carries (none in checkpoints before the netCDF-4 format), copied into the
    // new output through the solver's field, which the checkpoint's own field then overwrites.
    snaps.clear();
    comm.collective_check([&] {
      if (!r.file().exists("/snapshots/step")) return;
      const auto step = io::read_vector<std::int64_t>(r.file(), "/snapshots/step");
      const auto time = io::read_vector<double>(r.file(), "/snapshots/time");
      if (step.size() != time.size()) throw UsageError("/snapshots/step and /snapshots/time differ in length");
      for (size_t i = 0; i < step.size(); ++i)
        if (step[i] <= info.step) snaps.push_back({step[i], time[i]});
    });
    if (snapshot_target) copy_snapshots(r.file(), *snapshot_target, snaps, u, s.problem());
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
