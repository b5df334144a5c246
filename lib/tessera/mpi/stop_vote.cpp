#include "tessera/mpi/stop_vote.hpp"

#include "tessera/mpi/requests.hpp"

namespace tessera::signals {

bool stop_agreed(const mpi::Comm& comm) { return comm.any(stop_requested()); }
int agreed_signal(const mpi::Comm& comm) { return comm.max(stop_signal()); }

struct StopVote::Impl {
  mpi::Comm comm;
  MPI_Request req = MPI_REQUEST_NULL;
  int mine = 0, result = 0;
};

StopVote::StopVote(const mpi::Comm& comm) : impl_(new Impl) { impl_->comm = comm.dup(); }

StopVote::~StopVote() {
  // Never blocks: a vote the other ranks never joined (this rank is unwinding an error) is
  // abandoned with its buffers, which are then never freed.
  if (impl_->req != MPI_REQUEST_NULL && !mpi::drain_or_abandon(&impl_->req, 1)) return;
  delete impl_;
}

void StopVote::finish() {
  if (impl_->req != MPI_REQUEST_NULL) TESSERA_MPI_CHECK(MPI_Wait(&impl_->req, MPI_STATUS_IGNORE));
}

bool StopVote::poll() {
  Impl& v = *impl_;
  if (v.req != MPI_REQUEST_NULL) {
    TESSERA_MPI_CHECK(MPI_Wait(&v.req, MPI_STATUS_IGNORE));
    if (v.result != 0) {
      agreed_ = v.result;
      return true;
    }
  }
  v.mine = stop_signal();
  TESSERA_MPI_CHECK(MPI_Iallreduce(&v.mine, &v.result, 1, MPI_INT, MPI_MAX, v.comm.get(), &v.req));
  return false;
}

}  // namespace tessera::signals
