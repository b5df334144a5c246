#include "tessera/mpi/requests.hpp"

#include <unistd.h>

#include <atomic>

namespace tessera::mpi {

namespace {
std::atomic<bool> abandoned{false};
}

bool drain_or_abandon(MPI_Request* reqs, int n, double seconds) noexcept {
  if (n <= 0) return true;
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (finalized) return true;
  const double end = MPI_Wtime() + seconds;
  for (;;) {
    int done = 0;
    if (MPI_Testall(n, reqs, &done, MPI_STATUSES_IGNORE) != MPI_SUCCESS) break;
    if (done) return true;
    if (MPI_Wtime() >= end) break;
    ::usleep(200);
  }
  abandoned = true;
  return false;
}

bool requests_abandoned() noexcept { return abandoned; }

Requests::~Requests() {
  if (!reqs_.empty()) drain_or_abandon(reqs_.data(), static_cast<int>(reqs_.size()));
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
