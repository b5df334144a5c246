// tessera/array/halo_exchange.hpp: split-phase exchange of the ghost layers of a DistArray.
//
//   HaloExchange halo(u);          // collective: neighbours found, MPI datatypes committed once
//   halo.start(u);                 // MPI_Irecv + MPI_Isend for every face, all posted at once
//   ... update the cells that need no ghosts ...
//   halo.finish();                 // MPI_Waitall: the ghost layers of u are now valid
//   ... update the cells next to the faces ...
//
// What is exchanged: the `width` layers of every face (2 per real dimension), in 1, 2 and 3
// dimensions, by one code path. Each face is one MPI_Type_create_subarray over the ghosted
// allocation (committed at construction), sent and received in place: no packing copies in Tessera.
// Faces only: the ghost cells of edges and corners (outside the owned range of more than one
// dimension) are NOT exchanged, which is what 5-point (2D) and 7-point (3D) stencils need.
//
// Boundaries come from the layout's process grid: along a periodic dimension the first and last
// coordinates are neighbours (a grid of one rank along it exchanges with itself); along a
// non-periodic one the ghosts at the domain's edge are left alone (physical boundary: the caller
// keeps the boundary values there, e.g. zero for homogeneous Dirichlet).
//
// Ranks owning nothing (more process coordinates than chunks) post nothing, and their neighbours
// skip them: the exchange happens between the ranks that own cells. Every rank owning cells must
// own at least `width` cells along each dimension it exchanges (else UsageError, on every rank).
//
// start() and finish() may be given any array with the same layout and ghost width as the one the
// exchange was built for (the two buffers of a time stepper, say): the same global shape, process
// grid (dimensions, periodicity, a congruent communicator) and split of every dimension among the
// grid's coordinates, hence the same block on every rank. Anything else is an Error from start(),
// on every rank alike: what is compared is global (the same on every rank by construction), and a
// congruent communicator with the same grid and splits gives every rank the same block, so no rank
// can accept what another refuses (no communication needed). One exchange in flight at a time.
// Messages travel on a private duplicate of the layout's communicator, so they never match other
// traffic. finish() must be called by the thread that called start() (MPI_THREAD_FUNNELED).
#pragma once
#include <mpi.h>

#include <cstddef>
#include <vector>

#include "tessera/array/dist_array.hpp"
#include "tessera/mpi/comm.hpp"
#include "tessera/mpi/datatype.hpp"

namespace tessera::array {

class HaloExchange {
 public:
  HaloExchange() = default;
  // Collective over a.comm(). width: ghost layers to exchange, 1..a.ghost(); -1 means a.ghost().
  template <typename T>
  explicit HaloExchange(const DistArray<T>& a, int width = -1)
      : HaloExchange(a.layout(), a.ghost(), width, mpi::mpi_type<T>(), sizeof(T), alloc_of(a)) {}
  ~HaloExchange();
  HaloExchange(HaloExchange&& o) noexcept;
  HaloExchange& operator=(HaloExchange&& o) noexcept;
  HaloExchange(const HaloExchange&) = delete;
  HaloExchange& operator=(const HaloExchange&) = delete;

  // Posts every receive, then every send (non-blocking) on a's storage. Local, not collective.
  template <typename T>
  void start(DistArray<T>& a) {
    check_compatible(mpi::mpi_type<T>(), sizeof(T), alloc_of(a), a.ghost(), a.layout());
    start_raw(a.data());
  }
  // Waits for every message of the exchange in flight; no-op when none.
  void finish();
  // Drives the MPI library's progress (MPI_Testall); true when the exchange is complete (then
  // finish() returns at once). Call it now and then during long compute to help rendezvous
  // messages along when the MPI library has no progress thread.
  bool test();
  // start() then finish().
  template <typename T>
  void exchange(DistArray<T>& a) {
    start(a);
    finish();
  }

  bool in_flight() const { return in_flight_; }
  int width() const { return width_; }
  int ndims() const { return ndims_; }
  // Face neighbour of this rank along d (MPI_PROC_NULL at a physical boundary, or when this rank
  // or the neighbour owns nothing). May be this rank itself (periodic, one coordinate).
  int lower(int d) const { return lower_[static_cast<size_t>(d)]; }
  int upper(int d) const { return upper_[static_cast<size_t>(d)]; }
  bool has_lower(int d) const { return lower(d) != MPI_PROC_NULL; }
  bool has_upper(int d) const { return upper(d) != MPI_PROC_NULL; }
  // Messages posted per start() (receives + sends) and bytes this rank sends per start().
  size_t messages_per_exchange() const { return 2 * faces_.size(); }
  size_t bytes_sent_per_exchange() const { return bytes_sent_; }

 private:
  struct Face {
    int peer = MPI_PROC_NULL;
    int send_tag = 0, recv_tag = 0;
    MPI_Datatype send_type = MPI_DATATYPE_NULL;  // owned slab next to the face
    MPI_Datatype recv_type = MPI_DATATYPE_NULL;  // ghost slab beyond the face
  };

  HaloExchange(const BlockLayout& layout, int ghost, int width, MPI_Datatype elem, size_t elem_size,
               const Extents& alloc);
  template <typename T>
  static Extents alloc_of(const DistArray<T>& a) {
    return {a.alloc_extent(0), a.alloc_extent(1), a.alloc_extent(2)};
  }
  void check_compatible(MPI_Datatype elem, size_t elem_size, const Extents& alloc, int ghost,
                        const BlockLayout& layout) const;
  void start_raw(void* base);
  void release() noexcept;

  mpi::Comm comm_;
  int ndims_ = 0, ghost_ = 0, width_ = 0;
  MPI_Datatype elem_ = MPI_DATATYPE_NULL;
  size_t elem_size_ = 0, bytes_sent_ = 0;
  Extents alloc_{0, 1, 1};
  // What the exchange was built from (checked by start()): the global layout and this rank's block.
  std::vector<Index> shape_;
  std::vector<std::vector<Index>> splits_;  // per dimension: lo(d, p) for p = 0..grid_dim(d)
  std::vector<int> grid_dims_;
  std::vector<bool> periodic_;
  Box box_;
  std::vector<int> lower_, upper_;
  std::vector<Face> faces_;
  std::vector<MPI_Request> requests_;
  bool in_flight_ = false;
};

}  // namespace tessera::array
