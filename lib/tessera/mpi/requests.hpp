// tessera/mpi/requests.hpp: a set of non-blocking requests, completed together.
#pragma once
#include <mpi.h>

#include <vector>

#include "tessera/mpi/check.hpp"

namespace tessera::mpi {

class Requests {
 public:
  Requests() = default;
  Requests(const Requests&) = delete;
  Requests& operator=(const Requests&) = delete;
  Requests(Requests&&) = default;
  Requests& operator=(Requests&&) = default;
  // Never blocks: outstanding requests are completed if they complete within a second (the peer
  // is there), and abandoned otherwise (see drain_or_abandon). Call wait_all() on the normal path.
  ~Requests();

  // A slot to pass to MPI_Isend/MPI_Irecv/MPI_Ibcast...: MPI_Isend(..., reqs.add());
  MPI_Request* add();
  void wait_all();
  // True when every request has completed (MPI_Testall); progresses the library.
  bool test_all();
  size_t size() const { return reqs_.size(); }
  bool empty() const { return reqs_.empty(); }

 private:
  std::vector<MPI_Request> reqs_;
};

// For destructors and error paths, which must never block on a peer that may be gone: tests the
// requests (MPI_Testall, no waiting) for up to `seconds`; true when all completed. Otherwise they
// are left pending and requests_abandoned() becomes true, so mpi::Environment's error policy aborts
// at once (their buffers may be freed while a late message could still land in them).
bool drain_or_abandon(MPI_Request* reqs, int n, double seconds = 1.0) noexcept;
bool requests_abandoned() noexcept;

}  // namespace tessera::mpi
