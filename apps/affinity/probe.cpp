#include "probe.hpp"

#include <algorithm>
#include <cstdlib>
#include <mutex>

#include "tessera/core/affinity.hpp"
#include "tessera/core/error.hpp"
#include "tessera/core/timer.hpp"
#include "tessera/mpi/environment.hpp"

#ifdef TESSERA_HAVE_OPENMP
#include <omp.h>
#endif

namespace affinity_app {

using tessera::placement::ThreadPlacement;
namespace aff = tessera::affinity;

namespace {
// Keeps a CPU busy until `deadline`, so the pinning shows in top/htop.
void spin_until(double deadline) {
  volatile double sink = 0;
  while (tessera::wtime() < deadline)
    for (int i = 0; i < 100000; ++i) sink = sink + 1e-9 * i;
}

int thread_num() {
#ifdef TESSERA_HAVE_OPENMP
  return omp_get_thread_num();
#else
  return 0;
#endif
}
}  // namespace

std::vector<ThreadPlacement> probe_threads(const RankIdentity& who, double hold_seconds,
                                          const tessera::topology::Topology& node) {
  const int expected = tessera::mpi::Environment::max_threads();
  const aff::CpuSet host_cpus = node.cpus();
  const double deadline = tessera::wtime() + hold_seconds;
  std::vector<ThreadPlacement> out;
  std::string error;
  std::mutex lock;

  auto sample = [&]() {
    ThreadPlacement p;
    p.host = who.host;
    p.rank = who.rank;
    p.local_rank = who.local_rank;
    p.thread = thread_num();
    p.num_threads = expected;
    p.host_cpus = host_cpus;
    p.gpu = who.gpu;
    p.gpu_name = who.gpu_name;
    p.gpu_bus_id = who.gpu_bus_id;
    try {  // no exception may leave an OpenMP region
      p.mask = aff::current_affinity();
      p.cores = node.cores_of(p.mask);
      p.cpu = aff::current_cpu();
    } catch (const std::exception& e) {
      std::lock_guard<std::mutex> g(lock);
      error = e.what();
    }
    std::lock_guard<std::mutex> g(lock);
    out.push_back(std::move(p));
  };

#ifdef TESSERA_HAVE_OPENMP
#pragma omp parallel
  {
    if (hold_seconds > 0) spin_until(deadline);
#pragma omp barrier
    sample();
  }
#else
  if (hold_seconds > 0) spin_until(deadline);
  sample();
#endif
  if (!error.empty()) throw tessera::Error(error);
  std::sort(out.begin(), out.end(),
            [](const ThreadPlacement& a, const ThreadPlacement& b) { return a.thread < b.thread; });
  return out;
}

nlohmann::json openmp_settings() {
  nlohmann::json j;
  for (const char* name : {"OMP_NUM_THREADS", "OMP_PLACES", "OMP_PROC_BIND"}) {
    const char* v = std::getenv(name);
    j[name] = v ? std::string(v) : std::string("(unset)");
  }
#ifdef TESSERA_HAVE_OPENMP
  switch (omp_get_proc_bind()) {
    case omp_proc_bind_false: j["proc_bind"] = "false"; break;
    case omp_proc_bind_true: j["proc_bind"] = "true"; break;
    case omp_proc_bind_master: j["proc_bind"] = "primary"; break;
    case omp_proc_bind_close: j["proc_bind"] = "close"; break;
    case omp_proc_bind_spread: j["proc_bind"] = "spread"; break;
    default: j["proc_bind"] = "other"; break;
  }
  j["num_places"] = omp_get_num_places();
#else
  j["proc_bind"] = "(no OpenMP)";
  j["num_places"] = 0;
#endif
  return j;
}

}  // namespace affinity_app
