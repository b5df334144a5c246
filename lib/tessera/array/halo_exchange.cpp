#include "tessera/array/halo_exchange.hpp"

#include <string>
#include <utility>

#include "tessera/core/error.hpp"
#include "tessera/mpi/check.hpp"
#include "tessera/mpi/requests.hpp"

namespace tessera::array {

namespace {
bool owns_cells(const BlockLayout& L, int d, int p) { return L.hi(d, p) > L.lo(d, p); }

int last_owning_coord(const BlockLayout& L, int d) {
  for (int p = L.grid_dim(d) - 1; p >= 0; --p)
    if (owns_cells(L, d, p)) return p;
  return -1;
}

// Face neighbours of this rank along d among the ranks that own cells. BlockLayout deals chunks
// to the low coordinates first, so the ranks owning nothing are the high coordinates of a dimension:
// the last owning coordinate is the domain's upper edge.
std::pair<int, int> face_neighbours(const BlockLayout& L, int d) {
  const auto& grid = L.grid();
  const int P = grid.dim(d), me = grid.coord(d);
  int lo = -1, hi = -1;
  if (me > 0) lo = me - 1;
  else if (grid.periodic(d)) lo = last_owning_coord(L, d);
  if (me + 1 < P && owns_cells(L, d, me + 1)) hi = me + 1;
  else if (grid.periodic(d)) hi = 0;
  auto rank_at = [&](int p) {
    if (p < 0) return MPI_PROC_NULL;
    auto c = grid.coords();
    c[static_cast<size_t>(d)] = p;
    return grid.rank_of(c);
  };
  return {rank_at(lo), rank_at(hi)};
}

// Where each dimension is cut among the grid's coordinates: with the grid, the blocks of every rank.
std::vector<std::vector<Index>> splits_of(const BlockLayout& L) {
  std::vector<std::vector<Index>> s(static_cast<size_t>(L.ndims()));
  for (int d = 0; d < L.ndims(); ++d)
    for (int p = 0; p <= L.grid_dim(d); ++p) s[static_cast<size_t>(d)].push_back(L.lo(d, p));
  return s;
}

bool finalized() {
  int f = 0;
  MPI_Finalized(&f);
  return f != 0;
}
}  // namespace

HaloExchange::HaloExchange(const BlockLayout& L, int ghost, int width, MPI_Datatype elem, size_t elem_size,
                           const Extents& alloc)
    : ndims_(L.ndims()), ghost_(ghost), width_(width < 0 ? ghost : width), elem_(elem), elem_size_(elem_size),
      alloc_(alloc), shape_(L.shape()), splits_(splits_of(L)), grid_dims_(L.grid_dims()),
      box_(L.local_box()) {
  for (int d = 0; d < ndims_; ++d) periodic_.push_back(L.grid().periodic(d));
  // Same arguments on every rank, so these checks agree without communication.
  if (ghost_ < 1) throw UsageError("a halo exchange needs an array with ghost layers (ghost width 0)");
  if (width_ < 1 || width_ > ghost_)
    throw UsageError("halo width " + std::to_string(width_) + " must be between 1 and the ghost width " +
                     std::to_string(ghost_));
  const Box& box = L.local_box();
  const bool owns = !box.empty();
  lower_.assign(static_cast<size_t>(ndims_), MPI_PROC_NULL);
  upper_.assign(static_cast<size_t>(ndims_), MPI_PROC_NULL);
  std::string problem;
  if (owns) {
    for (int d = 0; d < ndims_; ++d) {
      const auto nb = face_neighbours(L, d);
      lower_[static_cast<size_t>(d)] = nb.first;
      upper_[static_cast<size_t>(d)] = nb.second;
      if ((nb.first != MPI_PROC_NULL || nb.second != MPI_PROC_NULL) && box.extent(d) < width_ && problem.empty())
        problem = "halo width " + std::to_string(width_) + " is more than the " + std::to_string(box.extent(d)) +
                  " cells this rank owns along dimension " + std::to_string(d) + " (" + L.to_string() +
                  "): use fewer ranks along that dimension or a larger array";
    }
  }
  L.comm().agree(problem.empty(), problem, static_cast<int>(ExitCode::usage));
  comm_ = L.comm().dup();

  int sizes[max_dims], sub[max_dims], start[max_dims];
  for (int d = 0; d < ndims_; ++d) sizes[d] = static_cast<int>(alloc_[d]);
  auto make_type = [&](int d, Index first) {
    for (int e = 0; e < ndims_; ++e) {
      sub[e] = static_cast<int>(box.extent(e));
      start[e] = ghost_;
    }
    sub[d] = width_;
    start[d] = static_cast<int>(first);
    MPI_Datatype t;
    TESSERA_MPI_CHECK(MPI_Type_create_subarray(ndims_, sizes, sub, start, MPI_ORDER_C, elem_, &t));
    TESSERA_MPI_CHECK(MPI_Type_commit(&t));
    return t;
  };
  Index face_cells = 0;
  for (int d = 0; d < ndims_ && owns; ++d) {
    Index cells = width_;
    for (int e = 0; e < ndims_; ++e)
      if (e != d) cells *= box.extent(e);
    const Index n = box.extent(d);
    // Messages moving down (to the lower neighbour) carry tag 2d, moving up 2d+1: with two ranks
    // along a periodic dimension both faces go to the same peer and the tags keep them apart.
    if (lower(d) != MPI_PROC_NULL) {
      Face f;
      f.peer = lower(d);
      f.send_tag = 2 * d;
      f.recv_tag = 2 * d + 1;
      f.send_type = make_type(d, ghost_);           // first owned layers
      f.recv_type = make_type(d, ghost_ - width_);  // ghost layers just below them
      faces_.push_back(f);
      face_cells += cells;
    }
    if (upper(d) != MPI_PROC_NULL) {
      Face f;
      f.peer = upper(d);
      f.send_tag = 2 * d + 1;
      f.recv_tag = 2 * d;
      f.send_type = make_type(d, ghost_ + n - width_);  // last owned layers
      f.recv_type = make_type(d, ghost_ + n);           // ghost layers just above them
      faces_.push_back(f);
      face_cells += cells;
    }
  }
  bytes_sent_ = static_cast<size_t>(face_cells) * elem_size_;
  requests_.reserve(2 * faces_.size());
}

HaloExchange::~HaloExchange() { release(); }

HaloExchange::HaloExchange(HaloExchange&& o) noexcept { *this = std::move(o); }

HaloExchange& HaloExchange::operator=(HaloExchange&& o) noexcept {
  if (this != &o) {
    release();
    comm_ = std::move(o.comm_);
    ndims_ = o.ndims_;
    ghost_ = o.ghost_;
    width_ = o.width_;
    elem_ = o.elem_;
    elem_size_ = o.elem_size_;
    bytes_sent_ = o.bytes_sent_;
    alloc_ = o.alloc_;
    shape_ = std::move(o.shape_);
    splits_ = std::move(o.splits_);
    grid_dims_ = std::move(o.grid_dims_);
    periodic_ = std::move(o.periodic_);
    box_ = o.box_;
    lower_ = std::move(o.lower_);
    upper_ = std::move(o.upper_);
    faces_ = std::move(o.faces_);
    requests_ = std::move(o.requests_);
    in_flight_ = std::exchange(o.in_flight_, false);
    o.faces_.clear();
    o.requests_.clear();
  }
  return *this;
}

void HaloExchange::release() noexcept {
  if (finalized()) {
    faces_.clear();
    return;
  }
  // Never blocks (a destructor may run while another rank is gone): see mpi::drain_or_abandon.
  if (in_flight_ && !requests_.empty() &&
      !mpi::drain_or_abandon(requests_.data(), static_cast<int>(requests_.size()))) {
    in_flight_ = false;
    requests_.clear();
    faces_.clear();  // the datatypes stay with the pending requests
    return;
  }
  in_flight_ = false;
  requests_.clear();
  for (auto& f : faces_) {
    if (f.send_type != MPI_DATATYPE_NULL) MPI_Type_free(&f.send_type);
    if (f.recv_type != MPI_DATATYPE_NULL) MPI_Type_free(&f.recv_type);
  }
  faces_.clear();
}

void HaloExchange::check_compatible(MPI_Datatype elem, size_t elem_size, const Extents& alloc, int ghost,
                                    const BlockLayout& L) const {
  if (ndims_ == 0 || comm_.get() == MPI_COMM_NULL)
    throw Error("HaloExchange: start() on an exchange that was never set up");
  if (elem != elem_ || elem_size != elem_size_)
    throw Error("HaloExchange: start() on an array of another element type than the exchange was built for");
  // Global shape, grid and splits first: they are the same on every rank, so every rank refuses an
  // array of another global layout, also the ranks whose own block happens to be the same size.
  bool same_grid = L.grid_dims() == grid_dims_ && L.ndims() == ndims_;
  for (int d = 0; same_grid && d < ndims_; ++d) same_grid = L.grid().periodic(d) == periodic_[static_cast<size_t>(d)];
  int cmp = MPI_UNEQUAL;
  if (same_grid && L.comm().get() != MPI_COMM_NULL) TESSERA_MPI_CHECK(MPI_Comm_compare(L.comm().get(), comm_.get(), &cmp));
  const bool same_comm = cmp == MPI_IDENT || cmp == MPI_CONGRUENT;
  if (L.shape() != shape_ || !same_grid || !same_comm || splits_of(L) != splits_) {
    std::string grid;
    for (size_t d = 0; d < grid_dims_.size(); ++d) grid += (d ? "x" : "") + std::to_string(grid_dims_[d]);
    throw Error("HaloExchange: start() on an array of layout " + L.to_string() +
                (same_grid && !same_comm ? " on another communicator" : "") + ", but the exchange was built for " +
                shape_to_string(shape_) + " over " + grid +
                (L.shape() == shape_ && same_grid && same_comm ? " cut at other places" : ""));
  }
  // Same global layout and a congruent communicator: the same block on every rank.
  if (!(L.local_box() == box_) || ghost != ghost_ || alloc != alloc_)
    throw Error("HaloExchange: start() on an array of another block or ghost width than the exchange was built for");
}

void HaloExchange::start_raw(void* base) {
  if (in_flight_) throw Error("HaloExchange: start() while an exchange is in flight (call finish() first)");
  requests_.assign(2 * faces_.size(), MPI_REQUEST_NULL);
  // All receives first, so an arriving message finds its buffer posted, then all sends.
  for (size_t i = 0; i < faces_.size(); ++i)
    TESSERA_MPI_CHECK(MPI_Irecv(base, 1, faces_[i].recv_type, faces_[i].peer, faces_[i].recv_tag, comm_.get(),
                                &requests_[i]));
  for (size_t i = 0; i < faces_.size(); ++i)
    TESSERA_MPI_CHECK(MPI_Isend(base, 1, faces_[i].send_type, faces_[i].peer, faces_[i].send_tag, comm_.get(),
                                &requests_[faces_.size() + i]));
  in_flight_ = true;
}

void HaloExchange::finish() {
  if (!in_flight_) return;
  in_flight_ = false;
  if (requests_.empty()) return;
  TESSERA_MPI_CHECK(MPI_Waitall(static_cast<int>(requests_.size()), requests_.data(), MPI_STATUSES_IGNORE));
}

bool HaloExchange::test() {
  if (!in_flight_ || requests_.empty()) return true;
  int done = 0;
  TESSERA_MPI_CHECK(MPI_Testall(static_cast<int>(requests_.size()), requests_.data(), &done, MPI_STATUSES_IGNORE));
  return done != 0;
}

}  // namespace tessera::array
