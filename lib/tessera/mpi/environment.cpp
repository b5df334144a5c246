#include "tessera/mpi/environment.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <exception>

#include "tessera/core/error.hpp"
#include "tessera/core/log.hpp"
#include "tessera/core/timer.hpp"

#ifdef TESSERA_HAVE_OPENMP
#include <omp.h>
#endif

namespace tessera::mpi {

const char* to_string(ThreadLevel t) {
  switch (t) {
    case ThreadLevel::single: return "MPI_THREAD_SINGLE";
    case ThreadLevel::funneled: return "MPI_THREAD_FUNNELED";
    case ThreadLevel::serialized: return "MPI_THREAD_SERIALIZED";
    case ThreadLevel::multiple: return "MPI_THREAD_MULTIPLE";
  }
  return "?";
}

namespace {
// Known MPI library defects that corrupt results, worked around before MPI_Init (the user's own
// setting always wins: setenv does not overwrite).
void avoid_known_mpi_bugs() {
  // Open MPI 4.1.x (Debian 12 ships 4.1.4): the write data sieving of fbtl/posix overruns its
  // temporary buffer in some collective writes (heap corruption in mca_fbtl_posix_pwritev, seen
  // writing a 2D dataset from 3 ranks). Collective buffering still merges the pieces without it.
  ::setenv("OMPI_MCA_fbtl_posix_write_datasieving", "0", 0);
}

int init_mpi(int& argc, char**& argv, ThreadLevel required) {
  avoid_known_mpi_bugs();
  int initialized = 0;
  MPI_Initialized(&initialized);
  int provided = MPI_THREAD_SINGLE;
  if (initialized) {
    MPI_Query_thread(&provided);
  } else if (MPI_Init_thread(&argc, &argv, static_cast<int>(required), &provided) != MPI_SUCCESS) {
    std::fprintf(stderr, "error: MPI_Init_thread failed (is the program started by mpirun or srun?)\n");
    std::exit(static_cast<int>(ExitCode::usage));
  }
  // Errors come back as return codes and become exceptions (TESSERA_MPI_CHECK).
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  return provided;
}

// Seconds a failing rank waits for the others to fail too before it aborts the job.
double grace_seconds() {
  if (const char* s = std::getenv("TESSERA_ERROR_GRACE")) return std::atof(s);
  return 3.0;
}
}  // namespace

Environment::Environment(int& argc, char**& argv, ThreadLevel required, ThreadLevel wanted)
    : world_(((void)init_mpi(argc, argv, static_cast<int>(wanted) > static_cast<int>(required) ? wanted : required),
              MPI_COMM_WORLD)) {
  int provided = 0;
  MPI_Query_thread(&provided);
  provided_ = static_cast<ThreadLevel>(provided);
  log::set_rank(world_.rank());
  node_ = world_.split_shared();
  errors_ = world_.dup();
  char host[256] = {0};
  ::gethostname(host, sizeof host - 1);
  hostname_ = host;
  const int node_leader = node_.rank() == 0 ? 1 : 0;
  num_nodes_ = world_.sum(node_leader);
  if (provided < static_cast<int>(required))
    throw Error(std::string("the MPI library provides ") + to_string(provided_) + " but Tessera needs " +
                to_string(required));
}

Environment::~Environment() {
  node_ = Comm(MPI_COMM_SELF);
  errors_ = Comm(MPI_COMM_SELF);
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) MPI_Finalize();
}

int Environment::max_threads() {
#ifdef TESSERA_HAVE_OPENMP
  return omp_get_max_threads();
#else
  return 1;
#endif
}

void Environment::fail(const std::string& message, int exit_code) {
  log::error("{}", message);
  // Wait briefly on a private communicator: if every rank fails, all of them get here and
  // the barrier completes, so the job can end cleanly with MPI_Finalize and the exit code.
  MPI_Request req;
  bool everyone = false;
  if (MPI_Ibarrier(errors_.get(), &req) == MPI_SUCCESS) {
    const double deadline = wtime() + grace_seconds();
    int done = 0;
    while (!done && wtime() < deadline) {
      MPI_Test(&req, &done, MPI_STATUS_IGNORE);
      if (!done) ::usleep(1000);
    }
    everyone = done != 0;
  }
  if (everyone) {
    int code = exit_code;
    MPI_Allreduce(&exit_code, &code, 1, MPI_INT, MPI_MAX, errors_.get());
    node_ = Comm(MPI_COMM_SELF);
    errors_ = Comm(MPI_COMM_SELF);
    MPI_Finalize();
    std::exit(code);
  }
  MPI_Abort(MPI_COMM_WORLD, exit_code);
  std::_Exit(exit_code);
}

int Environment::run(int argc, char** argv, const std::function<int(Environment&)>& body,
                     ThreadLevel required, ThreadLevel wanted) {
  std::unique_ptr<Environment> env;
  try {
    env = std::make_unique<Environment>(argc, argv, required, wanted);
  } catch (const std::exception& e) {
    log::error("{}", e.what());
    MPI_Abort(MPI_COMM_WORLD, static_cast<int>(ExitCode::runtime));
    return static_cast<int>(ExitCode::runtime);
  }
  int code = 0;
  try {
    code = body(*env);
  } catch (const Error& e) {
    env->fail(e.what(), e.exit_code());
  } catch (const std::bad_alloc&) {
    env->fail("out of memory", static_cast<int>(ExitCode::runtime));
  } catch (const std::exception& e) {
    env->fail(e.what(), static_cast<int>(ExitCode::runtime));
  }
  std::fflush(stdout);
  // Exit codes agree across ranks: the job's code is the largest any rank returned.
  code = env->world().max(code);
  env.reset();
  return code;
}

}  // namespace tessera::mpi
