// Stop signals: a signal reaching one rank makes every rank agree to stop; handlers are restored.
#include <gtest/gtest.h>

#include <csignal>

#include "tessera/core/error.hpp"
#include "tessera/core/signals.hpp"
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
