// Stop signals: a signal reaching one rank makes every rank agree to stop; handlers are restored.
#include <gtest/gtest.h>

#include <csignal>

#include "tessera/core/error.hpp"
#include "tessera/mpi/stop_vote.hpp"
#include "tessera/mpi/comm.hpp"

using namespace tessera;

TEST(Signals, ASignalAtOneRankStopsEveryRank) {
  const mpi::Comm w = mpi::Comm::world();
  signals::clear();
  {
    signals::StopHandlers guard;
    EXPECT_FALSE(signals::stop_agreed(w));
    if (w.rank() == w.size() - 1) std::raise(SIGUSR1);  // handled: the process lives on
    EXPECT_EQ(signals::stop_requested(), w.rank() == w.size() - 1);
    EXPECT_TRUE(signals::stop_agreed(w));
    EXPECT_EQ(signals::agreed_signal(w), SIGUSR1);
    if (w.rank() == 0) std::raise(SIGTERM);  // the first signal is remembered
    if (w.rank() == w.size() - 1) {
      EXPECT_EQ(signals::stop_signal(), SIGUSR1);
    }
    signals::clear();
    EXPECT_FALSE(signals::stop_agreed(w));
    EXPECT_EQ(signals::agreed_signal(w), 0);
    EXPECT_THROW(signals::StopHandlers again, Error);
  }
  // the previous (default) disposition is back
  struct sigaction now {};
  sigaction(SIGUSR1, nullptr, &now);
  EXPECT_EQ(now.sa_handler, SIG_DFL);
  signals::request_stop(SIGUSR1);
  EXPECT_TRUE(signals::stop_requested());
  signals::clear();
  EXPECT_EQ(signals::signal_name(SIGUSR1), "SIGUSR1");
  EXPECT_EQ(signals::signal_name(SIGTERM), "SIGTERM");
}

TEST(Signals, TheNonBlockingVoteStopsEveryRankAtTheSameStep) {
  const mpi::Comm w = mpi::Comm::world();
  signals::clear();
  signals::StopHandlers guard;
  signals::StopVote vote(w);
  int stopped_at = -1;
  for (int step = 0; step < 20 && stopped_at < 0; ++step) {
    if (step == 7 && w.rank() == w.size() - 1) std::raise(SIGUSR1);
    if (vote.poll()) stopped_at = step;
  }
  // the vote posted after step 7 is read after step 8, on every rank
  EXPECT_EQ(stopped_at, 8);
  EXPECT_EQ(w.min(stopped_at), w.max(stopped_at));
  EXPECT_EQ(vote.signal(), SIGUSR1);
  signals::clear();
}
