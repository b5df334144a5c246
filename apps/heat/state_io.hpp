// apps/heat/state_io.hpp: what tessera-heat writes and reads: the field, the time series of norms,
// snapshots, and checkpoints (state + step + parameters) that a restart on any rank count reads.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "tessera/array/checksum.hpp"
#include "tessera/heat/solver.hpp"
#include "tessera/io/hdf5.hpp"
#include "tessera/io/netcdf.hpp"
#include "tessera/io/output_file.hpp"
#include "tessera/io/xdmf.hpp"

namespace heat_app {

using tessera::array::DistArray;
using tessera::heat::HeatProblem;
using tessera::heat::HeatSolver;

// Norms sampled during the run: /results/{step,time,l2,max,min}.
struct History {
  std::vector<std::int64_t> step;
  std::vector<double> time, l2, max, min;
  void add(std::int64_t s, double t, const tessera::heat::FieldNorms& n);
  size_t size() const { return step.size(); }
  // Drops samples after `s` (a restart resumes from s).
  void truncate_after(std::int64_t s);
};

// A snapshot: the field at a step, /snapshots/u_<step> (snapshot_path).
struct Snapshot {
  std::int64_t step = 0;
  double time = 0;
};
std::string snapshot_path(std::int64_t step);

// The netCDF dimensions of the field: x, y (z) at the grid points (i + 1) dx, in m.
std::vector<tessera::io::nc::Coordinate> field_coordinates(const HeatProblem& p);

// Collective writes into an open file (docs/file-format.md).
// A field along the coordinates of its group (written there unless present).
void write_field(const tessera::io::File& f, const std::string& path, const DistArray<double>& u, const HeatProblem& p,
                 std::int64_t step, double time);
// /snapshots/time (the coordinate) and /snapshots/step; nothing without snapshots.
void write_snapshot_index(const tessera::io::File& f, const std::vector<Snapshot>& snaps);
// Copies the snapshots from one open file into another, through `scratch` (a field of the run's layout).
void copy_snapshots(const tessera::io::File& from, const tessera::io::File& to, const std::vector<Snapshot>& snaps,
                    DistArray<double>& scratch, const HeatProblem& p);
// /results: time (coordinate), step, l2, max, min.
void write_history(const tessera::io::File& f, const History& h);
History read_history(const tessera::io::File& f);
// The problem's parameters as root attributes (n, dims, alpha, dt, r, init, step, time, checksum).
void write_parameters(const tessera::io::File& f, const HeatProblem& p, std::int64_t step, double time,
                      std::uint64_t checksum);

constexpr const char* checkpoint_prefix = "heat";

// Writes a checkpoint of the solver's current step (temporary name, then rename). Collective.
// Returns its path.
// target_steps: the run's --steps, used by a restart that does not give --steps.
// snaps: the snapshots taken so far, copied from `snapshot_source` (the open output) into the
// checkpoint. The checkpoint's .xmf is written beside it.
std::string write_checkpoint(const std::string& dir, const HeatSolver& s, const History& h,
                             const tessera::io::Provenance& prov, std::int64_t target_steps,
                             const std::vector<Snapshot>& snaps, const tessera::io::File* snapshot_source);

// The XDMF temporal collection of a run's file: the snapshots, then the field at `step` (/fields/u)
// unless it is the last snapshot. `h5_name`: the .h5 as the .xmf names it.
std::vector<tessera::io::XdmfStep> xdmf_series(const std::vector<Snapshot>& snaps, const HeatProblem& p,
                                               std::int64_t step, double time, const std::string& h5_name);

// What a checkpoint says about itself.
struct CheckpointInfo {
  std::string path;
  HeatProblem problem;
  std::int64_t step = 0;
  std::int64_t target_steps = 0;
  std::uint64_t checksum = 0;
  // The checkpoint before this one in its directory ("" when none): named when this one is refused.
  std::string next_older;
};
// `spec` is a checkpoint file or a directory (its newest checkpoint, chosen by rank 0 for every
// rank: on a network file system the ranks' listings may differ). Collective. Anything wrong
// (missing, not HDF5, truncated, another app's file, missing attributes) is a UsageError (exit 2).
CheckpointInfo read_checkpoint_info(const tessera::mpi::Comm& comm, const std::string& spec);
// Loads the field into the solver (any rank count), checks the checksum of every block the writer
// recorded (/checksums) and of the whole field, restores step, history and the list of snapshots,
// whose fields it copies into `snapshot_target` (the new output) when given.
// Collective; UsageError when the checkpoint does not match or is corrupt.
void load_checkpoint(const CheckpointInfo& info, HeatSolver& s, History& h, std::vector<Snapshot>& snaps,
                     const tessera::io::File* snapshot_target);

std::string hex(std::uint64_t v);

}  // namespace heat_app
