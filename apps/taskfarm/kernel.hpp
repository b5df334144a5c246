// apps/taskfarm/kernel.hpp: what a workload gives the farm: a task list, a task function, its own
// verification and its fields in the output file.
#pragma once
#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tessera/io/hdf5.hpp"
#include "tessera/io/xdmf.hpp"
#include "tessera/mpi/comm.hpp"
#include "tessera/tasks/task_farm.hpp"

namespace taskfarm {

using tessera::tasks::TaskRecord;
using tessera::tasks::TaskResult;

// The outcome of a kernel's own checks (meaningful on rank 0).
struct Verdict {
  bool ok = true;
  std::string why;                  // first failed check
  std::vector<std::string> lines;   // summary lines ("checksum 1234")
  nlohmann::json metrics = nlohmann::json::object();
  void fail(const std::string& reason) {
    if (ok) why = reason;
    ok = false;
  }
};

class Kernel {
 public:
  virtual ~Kernel() = default;
  virtual std::string describe() const = 0;         // "mandelbrot 1024x1024, 500 iterations"
  virtual std::int64_t count() const = 0;           // number of tasks
  virtual std::string input(std::int64_t id) const = 0;
  virtual TaskResult run(std::int64_t id) = 0;
  // The farm calls this one; a kernel that cares which attempt it is (commands) overrides it.
  virtual TaskResult run_attempt(const tessera::tasks::TaskContext& c) { return run(c.id); }
  // Collective, after the farm: `all` is every record sorted by id on rank 0, empty elsewhere.
  virtual Verdict verify(const tessera::mpi::Comm& comm, const std::vector<TaskRecord>& all) = 0;
  // Collective: the kernel's outputs under /fields (nothing by default).
  virtual void write_fields(const tessera::io::File& f, const std::vector<TaskRecord>& all) {}
  // The XDMF grids of the 2D/3D fields write_fields wrote (`h5_name`: the file as the .xmf names it).
  virtual std::vector<tessera::io::XdmfGrid> xdmf_grids(const std::string& h5_name) const { return {}; }
};

struct FactorialParams { std::int64_t first = 1, last = 2000; };
struct MandelbrotParams {
  std::int64_t width = 1024, height = 1024;
  int max_iter = 500;
  double center_re = -0.5, center_im = 0.0;  // centre of the window
  double span = 3.0;                          // height of the window (its width: span * width / height)
  bool test_constant = false;                 // test hook: a broken kernel that returns max_iter / 2 everywhere
};
struct PrimesParams { std::int64_t first = 1, last = 20'000'000, block = 200'000; };
struct CommandParams {
  std::vector<std::string> commands;
  std::string origin;          // "jobs.txt", or "template 'X' over params.tsv"
  std::string node;            // this rank's host
  std::string cpus;            // the CPUs this rank may use ("0-3")
  double timeout = 0;
  std::string log_dir;
  std::size_t capture = 256;
  int rank = 0;
};

std::unique_ptr<Kernel> make_factorial(const FactorialParams& p);
std::unique_ptr<Kernel> make_mandelbrot(const MandelbrotParams& p);
std::unique_ptr<Kernel> make_primes(const PrimesParams& p);
std::unique_ptr<Kernel> make_noop(std::int64_t count);
std::unique_ptr<Kernel> make_commands(CommandParams p);

// Bytes the kernel needs at most on one node (checked against MemAvailable before the run).
std::int64_t factorial_bytes(const FactorialParams& p, int ranks_per_node);
std::int64_t mandelbrot_bytes(const MandelbrotParams& p);
std::int64_t primes_bytes(const PrimesParams& p, int ranks_per_node);

// The non-blank lines of a command file that are not # comments. UsageError when the file is
// missing, unreadable or holds no command.
std::vector<std::string> read_command_file(const std::string& path);

}  // namespace taskfarm
