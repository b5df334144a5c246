#include "tessera/mpi/environment.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <vector>

#include "tessera/core/error.hpp"
#include "tessera/core/fs.hpp"
#include "tessera/core/log.hpp"
#include "tessera/mpi/requests.hpp"

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
  // Open MPI 4.1's own MPI-IO (ompio) loses write errors in collective writes: on a full file
  // system MPI_File_write_at_all returns MPI_SUCCESS on every rank after the aggregator's pwritev
  // failed with ENOSPC (the data are silently missing). ROMIO, the other implementation Open MPI
  // ships, returns the error to every rank of the collective, so it is the default here.
  ::setenv("OMPI_MCA_io", "romio321", 0);
}

// MPI-IO errors on an open file (ENOSPC, EDQUOT, EIO, a file system turned read-only) end the
// job at once: the rank that sees one prints one line naming the output and the error, removes
// the temporaries it holds and aborts. Returning the error instead would leave the ranks in
// different places inside HDF5 (one flushing metadata, another closing the file), which hangs.
// Errors opening a file (no such file, no permission) come back as return codes, so the callers
// can agree on them collectively.
MPI_Comm g_fault_comm = MPI_COMM_NULL;  // private to fatal_file_error (set by Environment)

// True when every rank of `comm` calls this within `seconds` (a non-blocking barrier, tested
// without blocking): the error paths use it to tell a failure of all ranks from one of some.
bool all_arrive_within(MPI_Comm comm, double seconds) {
  MPI_Request req;
  if (MPI_Ibarrier(comm, &req) != MPI_SUCCESS) return false;
  const double deadline = MPI_Wtime() + seconds;
  int done = 0;
  while (!done && MPI_Wtime() < deadline) {
    MPI_Test(&req, &done, MPI_STATUS_IGNORE);
    if (!done) ::usleep(1000);
  }
  return done != 0;
}

void fatal_file_error(MPI_File* file, int* code, ...) {
  const int saved_errno = errno;
  if (file == nullptr || *file == MPI_FILE_NULL) return;
  char text[MPI_MAX_ERROR_STRING] = {0};
  int len = 0;
  MPI_Error_string(*code, text, &len);
  std::string what = text;
  switch (saved_errno) {
    case ENOSPC: case EDQUOT: case EIO: case EROFS: case EFBIG: case ENXIO: case ESTALE:
      what = std::string(std::strerror(saved_errno)) + " (" + text + ")";
      break;
    default: break;
  }
  std::string names;
  for (const auto& n : fs::registered_outputs()) names += (names.empty() ? "'" : ", '") + n + "'";
  fs::remove_registered_temporaries();
  // ROMIO returns the error to every rank of the collective: when all ranks get here within a
  // second, rank 0 alone reports and aborts (one message, one abort); a lone rank does both.
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  const bool everyone = g_fault_comm != MPI_COMM_NULL && all_arrive_within(g_fault_comm, 1.0);
  if (!everyone || rank == 0)
    log::error("I/O error on {}: {}", names.empty() ? std::string("an MPI-IO file") : names, what);
  std::fflush(stdout);
  if (everyone && rank != 0) {
    // rank 0 aborts the job; wait for that (bounded, in case it cannot)
    for (int i = 0; i < 30000; ++i) ::usleep(1000);
    std::_Exit(static_cast<int>(ExitCode::runtime));
  }
  MPI_Abort(MPI_COMM_WORLD, static_cast<int>(ExitCode::runtime));
  std::_Exit(static_cast<int>(ExitCode::runtime));
}

void install_file_error_handler() {
  MPI_Errhandler handler;
  if (MPI_File_create_errhandler(fatal_file_error, &handler) == MPI_SUCCESS) {
    MPI_File_set_errhandler(MPI_FILE_NULL, handler);  // inherited by every file opened later
    MPI_Errhandler_free(&handler);
  }
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
  install_file_error_handler();
  return provided;
}

std::vector<void (*)()>& finalize_hooks() {
  static std::vector<void (*)()> hooks;
  return hooks;
}
void finalize_mpi() {
  for (auto fn : finalize_hooks()) fn();
  MPI_Finalize();
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
  if (g_fault_comm == MPI_COMM_NULL) MPI_Comm_dup(MPI_COMM_WORLD, &g_fault_comm);
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
  if (!finalized) finalize_mpi();
}

void Environment::before_finalize(void (*fn)()) {
  auto& h = finalize_hooks();
  if (std::find(h.begin(), h.end(), fn) == h.end()) h.push_back(fn);
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
  // Requests left pending by a destructor may still receive into freed memory: no grace then.
  const bool everyone = !requests_abandoned() && all_arrive_within(errors_.get(), grace_seconds());
  if (everyone) {
    int code = exit_code;
    MPI_Allreduce(&exit_code, &code, 1, MPI_INT, MPI_MAX, errors_.get());
    node_ = Comm(MPI_COMM_SELF);
    errors_ = Comm(MPI_COMM_SELF);
    finalize_mpi();
    std::exit(code);
  }
  fs::remove_registered_temporaries();
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
