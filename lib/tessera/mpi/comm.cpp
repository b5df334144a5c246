#include "tessera/mpi/comm.hpp"

#include <algorithm>
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

std::string Comm::bcast_string(const std::string& s, int root, std::size_t chunk) const {
  long long n = static_cast<long long>(s.size());
  bcast(&n, 1, root);
  std::string out = rank_ == root ? s : std::string(static_cast<size_t>(n), '\0');
  bcast_large(out.data(), static_cast<size_t>(n), root, chunk);
  return out;
}

std::vector<std::string> Comm::gather_strings(const std::string& s, int root, std::size_t limit) const {
  checked_count(0, "gather_strings", limit);  // a valid limit
  // Every rank learns every length (64-bit), so all agree on the rounds without more messages.
  const long long n = static_cast<long long>(s.size());
  std::vector<long long> sizes(static_cast<size_t>(size_));
  TESSERA_MPI_CHECK(MPI_Allgather(&n, 1, MPI_LONG_LONG, sizes.data(), 1, MPI_LONG_LONG, comm_));
  const size_t longest = static_cast<size_t>(*std::max_element(sizes.begin(), sizes.end()));
  // per round each rank sends at most `quota` bytes: the root receives at most limit in all
  const size_t quota = std::max<size_t>(1, limit / static_cast<size_t>(size_));
  std::vector<std::string> out(rank_ == root ? static_cast<size_t>(size_) : 0);
  std::vector<int> counts(out.size()), displs(out.size());
  std::string buf;
  auto piece = [quota](long long len, size_t off) {
    const size_t l = static_cast<size_t>(len);
    return static_cast<int>(std::min(quota, l - std::min(off, l)));
  };
  // one round when every string is empty, so the gather happens at all (same as the rounds below)
  const size_t rounds = std::max<size_t>(1, (longest + quota - 1) / quota);
  for (size_t k = 0; k < rounds; ++k) {
    const size_t off = k * quota;
    if (rank_ == root) {
      int total = 0;
      for (int r = 0; r < size_; ++r) {
        counts[static_cast<size_t>(r)] = piece(sizes[static_cast<size_t>(r)], off);
        displs[static_cast<size_t>(r)] = total;
        total += counts[static_cast<size_t>(r)];
      }
      buf.resize(static_cast<size_t>(total));
    }
    const int mine = piece(n, off);
    TESSERA_MPI_CHECK(MPI_Gatherv(s.data() + std::min(off, s.size()), mine, MPI_CHAR, buf.data(), counts.data(),
                                  displs.data(), MPI_CHAR, root, comm_));
    if (rank_ == root)
      for (int r = 0; r < size_; ++r)
        out[static_cast<size_t>(r)].append(buf, static_cast<size_t>(displs[static_cast<size_t>(r)]),
                                           static_cast<size_t>(counts[static_cast<size_t>(r)]));
  }
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
