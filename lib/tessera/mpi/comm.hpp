// tessera/mpi/comm.hpp: a communicator with typed collectives and collective error agreement.
#pragma once
#include <mpi.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tessera/mpi/check.hpp"
#include "tessera/mpi/count.hpp"
#include "tessera/mpi/datatype.hpp"

namespace tessera::mpi {

class Comm {
 public:
  // Non-owning view of an existing communicator (e.g. MPI_COMM_WORLD).
  // A null communicator (no MPI call is made; assign a real one before use).
  Comm() = default;
  explicit Comm(MPI_Comm c);
  // Takes ownership: MPI_Comm_free when the last copy goes.
  static Comm adopt(MPI_Comm c);
  static Comm world() { return Comm(MPI_COMM_WORLD); }

  MPI_Comm get() const { return comm_; }
  operator MPI_Comm() const { return comm_; }
  int rank() const { return rank_; }
  int size() const { return size_; }
  bool is_root() const { return rank_ == 0; }

  Comm dup() const;
  Comm split(int color, int key) const;
  // Ranks sharing memory with this one (one node): MPI_Comm_split_type(SHARED).
  Comm split_shared() const;

  void barrier() const { TESSERA_MPI_CHECK(MPI_Barrier(comm_)); }

  template <typename T>
  T allreduce(T value, MPI_Op op) const {
    T out{};
    TESSERA_MPI_CHECK(MPI_Allreduce(&value, &out, 1, mpi_type<T>(), op, comm_));
    return out;
  }
  template <typename T>
  T sum(T v) const { return allreduce(v, MPI_SUM); }
  template <typename T>
  T min(T v) const { return allreduce(v, MPI_MIN); }
  template <typename T>
  T max(T v) const { return allreduce(v, MPI_MAX); }
  bool all(bool v) const { return allreduce<int>(v ? 1 : 0, MPI_MIN) == 1; }
  bool any(bool v) const { return allreduce<int>(v ? 1 : 0, MPI_MAX) == 1; }

  template <typename T>
  void bcast(T* data, int count, int root = 0) const {
    TESSERA_MPI_CHECK(MPI_Bcast(data, count, mpi_type<T>(), root, comm_));
  }
  template <typename T>
  T bcast_value(T v, int root = 0) const {
    bcast(&v, 1, root);
    return v;
  }
  // Any number of elements (every rank passes the same count): in pieces of at most `chunk`
  // elements, since MPI's counts are int (see tessera/mpi/count.hpp).
  template <typename T>
  void bcast_large(T* data, std::size_t count, int root = 0, std::size_t chunk = max_count) const {
    for (const auto& p : count_chunks(count, chunk)) bcast(data + p.offset, p.count, root);
  }
  // Strings of any length (in pieces of at most `chunk` bytes).
  std::string bcast_string(const std::string& s, int root = 0, std::size_t chunk = max_count) const;

  template <typename T>
  std::vector<T> allgather(const T& v) const {
    std::vector<T> out(static_cast<size_t>(size_));
    TESSERA_MPI_CHECK(MPI_Allgather(&v, 1, mpi_type<T>(), out.data(), 1, mpi_type<T>(), comm_));
    return out;
  }
  // Gathers one string per rank to `root` (others get an empty vector). Strings of any length: in
  // rounds of at most `limit` bytes received by the root (each rank sends limit / size() bytes
  // per round), so no count or displacement exceeds MPI's int.
  std::vector<std::string> gather_strings(const std::string& s, int root = 0, std::size_t limit = max_count) const;

  // Runs `fn` on every rank. If it throws on any rank, every rank throws the same tessera::Error
  // (message and exit code of the lowest failing rank): a local failure becomes a collective one,
  // so apps exit together instead of hanging in the next collective.
  void collective_check(const std::function<void()>& fn) const;
  // Same for a plain condition: throws everywhere if any rank has !ok (message of the lowest one).
  void agree(bool ok, const std::string& message_if_not, int exit_code = 2) const;

 private:
  struct Owner;
  MPI_Comm comm_ = MPI_COMM_NULL;
  int rank_ = 0, size_ = 1;
  std::shared_ptr<Owner> owner_;
};

}  // namespace tessera::mpi
