#include "tessera/mpi/comm.hpp"

#include <exception>

#include "tessera/core/error.hpp"

namespace tessera::mpi {

struct Comm::Owner {
  MPI_Comm comm;
  // MPI_Comm_free is collective in the standard: while an exception unwinds this rank the
  // communicator is left to MPI_Finalize (or to the abort that follows) instead.
  ~Owner() {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (!finalized && comm != MPI_COMM_NULL && std::uncaught_exceptions() == 0) MPI_Comm_free(&comm);
  }
};

Comm::Comm(MPI_Comm c) : comm_(c) {
  TESSERA_MPI_CHECK(MPI_Comm_rank(comm_, &rank_));
  TESSERA_MPI_CHECK(MPI_Comm_size(comm_, &size_));
}

Comm Comm::adopt(MPI_Comm c) {
  Comm out(c);
  out.owner_ = std::shared_ptr<Owner>(new Owner{c});  // no temporary Owner: it would free c
  return out;
}

Comm Comm::dup() const {
  MPI_Comm c;
  TESSERA_MPI_CHECK(MPI_Comm_dup(comm_, &c));
  return adopt(c);
}

Comm Comm::split(int color, int key) const {
  MPI_Comm c;
  TESSERA_MPI_CHECK(MPI_Comm_split(comm_, color, key, &c));
  return adopt(c);
}

Comm Comm::split_shared() const {
  MPI_Comm c;
  TESSERA_MPI_CHECK(MPI_Comm_split_type(comm_, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &c));
  return adopt(c);
}

std::string Comm::bcast_string(const std::string& s, int root) const {
  long long n = static_cast<long long>(s.size());
  bcast(&n, 1, root);
  std::string out = rank_ == root ? s : std::string(static_cast<size_t>(n), '\0');
  if (n > 0) TESSERA_MPI_CHECK(MPI_Bcast(out.data(), static_cast<int>(n), MPI_CHAR, root, comm_));
  return out;
}

std::vector<std::string> Comm::gather_strings(const std::string& s, int root) const {
  const int n = static_cast<int>(s.size());
  std::vector<int> counts(rank_ == root ? size_ : 0), displs;
  TESSERA_MPI_CHECK(MPI_Gather(&n, 1, MPI_INT, counts.data(), 1, MPI_INT, root, comm_));
  std::string all;
  if (rank_ == root) {
    displs.resize(size_);
    int total = 0;
    for (int r = 0; r < size_; ++r) {
      displs[r] = total;
      total += counts[r];
    }
    all.resize(static_cast<size_t>(total));
  }
  TESSERA_MPI_CHECK(MPI_Gatherv(s.data(), n, MPI_CHAR, all.data(), counts.data(), displs.data(), MPI_CHAR,
                                root, comm_));
  std::vector<std::string> out;
  if (rank_ == root)
    for (int r = 0; r < size_; ++r) out.push_back(all.substr(displs[r], counts[r]));
  return out;
}

void Comm::agree(bool ok, const std::string& message_if_not, int exit_code) const {
  // Lowest failing rank wins; it broadcasts its message and code.
  const int mine = ok ? size_ : rank_;
  const int first = min(mine);
  if (first == size_) return;
  const std::string msg = bcast_string(message_if_not, first);
  const int code = bcast_value(exit_code, first);
  // Same exception type everywhere, so callers catch what they would have caught locally.
  if (code == static_cast<int>(ExitCode::usage)) throw UsageError(msg);
  throw Error(msg, static_cast<ExitCode>(code));
}

void Comm::collective_check(const std::function<void()>& fn) const {
  bool ok = true;
  std::string msg;
  int code = 3;
  try {
    fn();
  } catch (const Error& e) {
    ok = false;
    msg = e.what();
    code = e.exit_code();
  } catch (const std::exception& e) {
    ok = false;
    msg = e.what();
  }
  agree(ok, msg, code);
}

}  // namespace tessera::mpi
