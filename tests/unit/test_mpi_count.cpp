// MPI's counts are int: checked_count refuses what does not fit with a clear error, count_chunks
// cuts any count into pieces that do (both with MPI's limit and with the small ones tests inject).
#include <gtest/gtest.h>

#include "error_text.hpp"

#include <climits>
#include <cstddef>
#include <functional>
#include <string>

#include "tessera/core/error.hpp"
#include "tessera/mpi/count.hpp"

using tessera::Error;
namespace mpi = tessera::mpi;

namespace {
using tessera::testing::error_text;
}  // namespace

TEST(MpiCount, CheckedCountRefusesWhatIntCannotHold) {
  EXPECT_EQ(mpi::checked_count(0, "x"), 0);
  EXPECT_EQ(mpi::checked_count(std::size_t{INT_MAX}, "x"), INT_MAX);
  const std::size_t over = std::size_t{INT_MAX} + 1;
  EXPECT_THROW(mpi::checked_count(over, "bcast of the ids"), Error);
  EXPECT_EQ(error_text([&] { mpi::checked_count(over, "bcast of the ids"); }),
            "bcast of the ids: 2147483648 elements exceed MPI's int count limit (2147483647)");
  EXPECT_THROW(mpi::checked_count(std::size_t{1} << 40, "x"), Error);
  // a smaller limit (what the tests inject)
  EXPECT_EQ(mpi::checked_count(5, "x", 5), 5);
  EXPECT_THROW(mpi::checked_count(6, "x", 5), Error);
  EXPECT_THROW(mpi::checked_count(1, "x", 0), Error);
  EXPECT_THROW(mpi::checked_count(1, "x", over), Error);
}

TEST(MpiCount, ChunksCoverEveryElementOnceWithinTheLimit) {
  EXPECT_TRUE(mpi::count_chunks(0).empty());
  EXPECT_TRUE(mpi::count_chunks(0, 3).empty());
  for (std::size_t limit : {1, 2, 3, 7}) {
    for (std::size_t n = 0; n < 30; ++n) {
      std::size_t next = 0;
      for (const auto& p : mpi::count_chunks(n, limit)) {
        EXPECT_EQ(p.offset, next);
        EXPECT_GE(p.count, 1);
        EXPECT_LE(static_cast<std::size_t>(p.count), limit);
        next += static_cast<std::size_t>(p.count);
      }
      EXPECT_EQ(next, n) << "n " << n << " limit " << limit;
      EXPECT_EQ(mpi::count_chunks(n, limit).size(), (n + limit - 1) / limit);
    }
  }
  // 2^32 + 5 elements at MPI's own limit: two full pieces and the rest, none truncated
  const std::size_t n = (std::size_t{1} << 32) + 5;
  const auto pieces = mpi::count_chunks(n);
  ASSERT_EQ(pieces.size(), 3u);
  EXPECT_EQ(pieces[0].count, INT_MAX);
  EXPECT_EQ(pieces[1].offset, std::size_t{INT_MAX});
  EXPECT_EQ(pieces[2].offset, 2 * std::size_t{INT_MAX});
  EXPECT_EQ(static_cast<std::size_t>(pieces[2].count), n - 2 * std::size_t{INT_MAX});
  EXPECT_THROW(mpi::count_chunks(10, 0), Error);
}
