#include <gtest/gtest.h>

#include "tessera/core/error.hpp"
#include "tessera/mpi/comm.hpp"
#include "tessera/mpi/process_grid.hpp"
#include "tessera/mpi/requests.hpp"
#include "tessera/mpi/version.hpp"

using tessera::mpi::Comm;
using tessera::mpi::ProcessGrid;

TEST(MpiVersion, BuildInfoNamesTheLibraryAndStandard) {
  const auto b = tessera::mpi::build_info();
  EXPECT_FALSE(b.at("mpi_library").get<std::string>().empty());
  EXPECT_EQ(b.at("mpi_standard").get<std::string>(), std::to_string(MPI_VERSION) + "." + std::to_string(MPI_SUBVERSION));
  EXPECT_FALSE(b.at("version").get<std::string>().empty());  // core's part is there too
}

TEST(Comm, TypedReductions) {
  const Comm w = Comm::world();
  const int n = w.size();
  EXPECT_EQ(w.sum(w.rank() + 1), n * (n + 1) / 2);
  EXPECT_EQ(w.max(w.rank()), n - 1);
  EXPECT_EQ(w.min(static_cast<double>(w.rank())), 0.0);
  EXPECT_TRUE(w.all(true));
  EXPECT_EQ(w.any(w.rank() == n - 1), true);
  EXPECT_EQ(w.all(w.rank() == 0), n == 1);
}

TEST(Comm, BroadcastAndGatherStrings) {
  const Comm w = Comm::world();
  EXPECT_EQ(w.bcast_string(w.rank() == 0 ? "hello" : ""), "hello");
  const auto got = w.gather_strings("r" + std::to_string(w.rank()));
  if (w.rank() == 0) {
    ASSERT_EQ(static_cast<int>(got.size()), w.size());
    for (int r = 0; r < w.size(); ++r) EXPECT_EQ(got[static_cast<size_t>(r)], "r" + std::to_string(r));
  } else {
    EXPECT_TRUE(got.empty());
  }
}

// The pieces MPI's int counts force on large messages, with a small limit so that a few bytes
// take many pieces: every byte arrives once, in place (an offset error shows as a wrong string).
TEST(Comm, LongStringsTravelInPieces) {
  const Comm w = Comm::world();
  std::string text;
  for (int i = 0; i < 100; ++i) text += static_cast<char>('a' + (i * 7) % 26);
  for (std::size_t chunk : {std::size_t{1}, std::size_t{3}, std::size_t{99}, std::size_t{100}, std::size_t{1000}}) {
    const int root = w.size() - 1;
    EXPECT_EQ(w.bcast_string(w.rank() == root ? text : "", root, chunk), text) << "chunk " << chunk;
  }
  // rank r sends r * 5 + (r % 2 ? 0 : 13) bytes (rank 1: none); rounds of limit / size bytes each
  auto mine = [&](int r) { return text.substr(static_cast<std::size_t>(r), static_cast<std::size_t>(r * 5 + (r % 2 ? 0 : 13))); };
  for (std::size_t limit : {std::size_t{1}, std::size_t{2} * w.size(), std::size_t{7} * w.size() + 1, tessera::mpi::max_count}) {
    const auto got = w.gather_strings(mine(w.rank()), 0, limit);
    if (w.rank() == 0) {
      EXPECT_EQ(static_cast<int>(got.size()), w.size());
      for (int r = 0; r < w.size() && r < static_cast<int>(got.size()); ++r)
        EXPECT_EQ(got[static_cast<size_t>(r)], mine(r)) << "rank " << r << " limit " << limit;
    } else {
      EXPECT_TRUE(got.empty());
    }
  }
  // the same ids, broadcast in pieces of 4
  std::vector<std::int64_t> ids(23);
  for (std::size_t i = 0; i < ids.size(); ++i) ids[i] = w.rank() == 0 ? static_cast<std::int64_t>(i * i) : -1;
  w.bcast_large(ids.data(), ids.size(), 0, 4);
  for (std::size_t i = 0; i < ids.size(); ++i) EXPECT_EQ(ids[i], static_cast<std::int64_t>(i * i));
}

TEST(Comm, CollectiveCheckTurnsALocalFailureIntoAGlobalOne) {
  const Comm w = Comm::world();
  const int bad = w.size() - 1;
  try {
    w.collective_check([&] {
      if (w.rank() == bad) throw tessera::UsageError("bad input on rank " + std::to_string(bad));
    });
    // ADD_FAILURE, not FAIL: a rank returning here would leave the others alone in the next
    // collective_check (a hang until ctest's timeout instead of a failure)
    ADD_FAILURE() << "every rank must throw";
  } catch (const tessera::Error& e) {
    EXPECT_EQ(e.exit_code(), 2);
    EXPECT_EQ(std::string(e.what()), "bad input on rank " + std::to_string(bad));
  }
  EXPECT_NO_THROW(w.collective_check([] {}));
}

TEST(Comm, SplitSharedCoversTheNode) {
  const Comm w = Comm::world();
  const Comm node = w.split_shared();
  EXPECT_GE(node.size(), 1);
  EXPECT_LE(node.size(), w.size());
  EXPECT_EQ(w.sum(node.rank() == 0 ? node.size() : 0), w.size());
}

TEST(ProcessGrid, BalancedTwoDimensionalGridHasConsistentNeighbours) {
  const Comm w = Comm::world();
  ProcessGrid g = ProcessGrid::balanced(w, 2, {false, true});
  EXPECT_EQ(g.dim(0) * g.dim(1), w.size());
  EXPECT_EQ(g.rank_of(g.coords()), g.rank());
  // non-periodic edge
  if (g.coord(0) == 0) {
    EXPECT_EQ(g.lower(0), MPI_PROC_NULL);
  }
  if (g.coord(0) == g.dim(0) - 1) {
    EXPECT_EQ(g.upper(0), MPI_PROC_NULL);
  }
  // periodic dimension always has neighbours, and they agree with coordinates
  auto up = g.coords();
  up[1] = (up[1] + 1) % g.dim(1);
  EXPECT_EQ(g.upper(1), g.rank_of(up));
  // my upper neighbour's lower neighbour is me: exchange and check
  int from_lower = -1;
  const int me = g.rank();
  MPI_Sendrecv(&me, 1, MPI_INT, g.upper(1), 0, &from_lower, 1, MPI_INT, g.lower(1), 0, g.comm(), MPI_STATUS_IGNORE);
  EXPECT_EQ(from_lower, g.lower(1));
}

TEST(ProcessGrid, ThreeDimensionalAndSubCommunicators) {
  const Comm w = Comm::world();
  ProcessGrid g = ProcessGrid::balanced(w, 3);
  EXPECT_EQ(g.dim(0) * g.dim(1) * g.dim(2), w.size());
  const Comm row = g.sub(1);
  EXPECT_EQ(row.size(), g.dim(1));
  EXPECT_EQ(row.rank(), g.coord(1));
}

TEST(ProcessGrid, ParseDimsValidatesAgainstRankCount) {
  EXPECT_EQ(ProcessGrid::parse_dims("2x2", 2, 4), (std::vector<int>{2, 2}));
  EXPECT_EQ(ProcessGrid::parse_dims("0x2", 2, 4), (std::vector<int>{0, 2}));
  EXPECT_THROW(ProcessGrid::parse_dims("2x3", 2, 4), tessera::UsageError);
  EXPECT_THROW(ProcessGrid::parse_dims("2", 2, 2), tessera::UsageError);
  EXPECT_THROW(ProcessGrid::parse_dims("axb", 2, 4), tessera::UsageError);
}

TEST(Requests, RingExchangeCompletes) {
  const Comm w = Comm::world();
  const int right = (w.rank() + 1) % w.size(), left = (w.rank() + w.size() - 1) % w.size();
  int out = w.rank() * 10, in = -1;
  tessera::mpi::Requests reqs;
  MPI_Irecv(&in, 1, MPI_INT, left, 7, w.get(), reqs.add());
  MPI_Isend(&out, 1, MPI_INT, right, 7, w.get(), reqs.add());
  EXPECT_EQ(reqs.size(), 2u);
  reqs.wait_all();
  EXPECT_TRUE(reqs.empty());
  EXPECT_EQ(in, left * 10);
}

TEST(MpiCheck, ErrorsBecomeExceptions) {
  const Comm w = Comm::world();
  int x = 0;
  // an invalid rank: MPI_ERRORS_RETURN is set by Environment, so this throws instead of aborting
  EXPECT_THROW(TESSERA_MPI_CHECK(MPI_Send(&x, 1, MPI_INT, w.size() + 5, 0, w.get())), tessera::Error);
}
