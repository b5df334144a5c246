// apps/heat/state_io.hpp: what tessera-heat writes and reads: the field, the time series of norms,
// snapshots, and checkpoints (state + step + parameters) that a restart on any rank count reads.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "tessera/array/checksum.hpp"
#include "tessera/heat/solver.hpp"
#include "tessera/io/hdf5.hpp"
#include "tessera/io/output_file.hpp"

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

// Collective writes into an open file.
void write_field(const tessera::io::File& f, const std::string& path, const DistArray<double>& u, std::int64_t step,
                 double time);
void write_history(const tessera::io::File& f, const History& h);
History read_history(const tessera::io::File& f);
// The problem's parameters as root attributes (n, dims, alpha, dt, r, init, step, time, checksum).
void write_parameters(const tessera::io::File& f, const HeatProblem& p, std::int64_t step, double time,
                      std::uint64_t checksum);

constexpr const char* checkpoint_prefix = "heat";

// Writes a checkpoint of the solver's current step (temporary name, then rename). Collective.
// Returns its path.
// target_steps: the run's --steps, used by a restart that does not give --steps.
std::string write_checkpoint(const std::string& dir, const HeatSolver& s, const History& h,
                             const tessera::io::Provenance& prov, std::int64_t target_steps);

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
// recorded (/checksums) and of the whole field, restores step and history.
// Collective; UsageError when the checkpoint does not match or is corrupt.
void load_checkpoint(const CheckpointInfo& info, HeatSolver& s, History& h);

std::string hex(std::uint64_t v);

}  // namespace heat_app
