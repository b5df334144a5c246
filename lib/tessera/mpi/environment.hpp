// tessera/mpi/environment.hpp: RAII MPI_Init_thread / MPI_Finalize, and the error policy of every app.
//
//   int main(int argc, char** argv) {
//     return tessera::mpi::Environment::run(argc, argv, [&](tessera::mpi::Environment& env) {
//       ... return 0;   // exit code
//     });
//   }
//
// An exception escaping the body on any rank becomes one line on stderr naming the rank. If every
// rank fails (bad input, detected collectively) they all finalize and exit with the code; if only
// some do, MPI_Abort ends the job with that code after a short grace period, so nothing hangs.
#pragma once
#include <functional>
#include <string>

#include "tessera/mpi/comm.hpp"

namespace tessera::mpi {

enum class ThreadLevel : int {
  single = MPI_THREAD_SINGLE,
  funneled = MPI_THREAD_FUNNELED,
  serialized = MPI_THREAD_SERIALIZED,
  multiple = MPI_THREAD_MULTIPLE,
};
const char* to_string(ThreadLevel t);

class Environment {
 public:
  // Asks MPI for max(required, wanted); fails unless at least `required` is provided. A program
  // that can use more but works with less (the task farm's coordinator thread) says so by `wanted`
  // and checks thread_level().
  Environment(int& argc, char**& argv, ThreadLevel required = ThreadLevel::funneled,
              ThreadLevel wanted = ThreadLevel::single);
  ~Environment();
  Environment(const Environment&) = delete;
  Environment& operator=(const Environment&) = delete;

  const Comm& world() const { return world_; }
  int rank() const { return world_.rank(); }
  int size() const { return world_.size(); }
  // Ranks on this node and this rank's index among them (device choice, affinity).
  const Comm& node() const { return node_; }
  int local_rank() const { return node_.rank(); }
  int local_size() const { return node_.size(); }
  // Number of distinct hosts in the job.
  int num_nodes() const { return num_nodes_; }
  ThreadLevel thread_level() const { return provided_; }
  const std::string& hostname() const { return hostname_; }
  // Threads each rank will use for OpenMP regions (omp_get_max_threads, or 1 without OpenMP).
  static int max_threads();

  // The shared skeleton of every app: init, run body, map exceptions to exit codes, finalize.
  static int run(int argc, char** argv, const std::function<int(Environment&)>& body,
                 ThreadLevel required = ThreadLevel::funneled, ThreadLevel wanted = ThreadLevel::single);

  // Runs `fn` (once per registration) just before MPI_Finalize, on the normal path and on the
  // every-rank-failed path. io registers HDF5's shutdown here: files abandoned while unwinding a
  // collective error are closed while MPI-IO still works (MPI would otherwise tear ROMIO down
  // before HDF5's own finalize hook closes them).
  static void before_finalize(void (*fn)());

  // Ends the job after an error on this rank (see the header comment). Never returns.
  [[noreturn]] void fail(const std::string& message, int exit_code);

 private:
  Comm world_, node_, errors_;
  ThreadLevel provided_ = ThreadLevel::single;
  std::string hostname_;
  int num_nodes_ = 1;
};

}  // namespace tessera::mpi
