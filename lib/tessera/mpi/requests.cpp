#include "tessera/mpi/requests.hpp"

namespace tessera::mpi {

Requests::~Requests() {
  if (!reqs_.empty()) {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (!finalized) MPI_Waitall(static_cast<int>(reqs_.size()), reqs_.data(), MPI_STATUSES_IGNORE);
  }
}

MPI_Request* Requests::add() {
  reqs_.push_back(MPI_REQUEST_NULL);
  return &reqs_.back();
}

void Requests::wait_all() {
  if (reqs_.empty()) return;
  TESSERA_MPI_CHECK(MPI_Waitall(static_cast<int>(reqs_.size()), reqs_.data(), MPI_STATUSES_IGNORE));
  reqs_.clear();
}

bool Requests::test_all() {
  if (reqs_.empty()) return true;
  int flag = 0;
  TESSERA_MPI_CHECK(MPI_Testall(static_cast<int>(reqs_.size()), reqs_.data(), &flag, MPI_STATUSES_IGNORE));
  if (flag) reqs_.clear();
  return flag != 0;
}

}  // namespace tessera::mpi
