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
  // Outstanding requests are completed (waited for) on destruction, never leaked.
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

}  // namespace tessera::mpi
