#include "gtest_mpi_listener.hpp"

#include <mpi.h>

#include <cstdio>
#include <string>
#include <vector>

#include "tessera/mpi/comm.hpp"

namespace tessera::testing {
namespace {

bool g_any_failed = false;

class MpiListener : public ::testing::EmptyTestEventListener {
 public:
  explicit MpiListener(::testing::TestEventListener* printer) : printer_(printer) {
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
  }
  ~MpiListener() override { delete printer_; }

  void OnTestProgramStart(const ::testing::UnitTest& u) override {
    if (rank_ == 0) printer_->OnTestProgramStart(u);
  }
  void OnTestIterationStart(const ::testing::UnitTest& u, int it) override {
    if (rank_ == 0) {
      std::printf("[   MPI    ] running on %d rank(s)\n", size_);
      printer_->OnTestIterationStart(u, it);
    }
  }
  void OnEnvironmentsSetUpStart(const ::testing::UnitTest& u) override {
    if (rank_ == 0) printer_->OnEnvironmentsSetUpStart(u);
  }
  void OnEnvironmentsSetUpEnd(const ::testing::UnitTest& u) override {
    if (rank_ == 0) printer_->OnEnvironmentsSetUpEnd(u);
  }
  void OnTestSuiteStart(const ::testing::TestSuite& s) override {
    if (rank_ == 0) printer_->OnTestSuiteStart(s);
  }
  void OnTestStart(const ::testing::TestInfo& t) override {
    local_failures_.clear();
    if (rank_ == 0) printer_->OnTestStart(t);
  }
  void OnTestPartResult(const ::testing::TestPartResult& r) override {
    if (r.failed()) {
      local_failures_ += std::string(r.file_name() ? r.file_name() : "?") + ":" +
                         std::to_string(r.line_number()) + ": " + r.summary() + "\n";
    }
    if (rank_ == 0) printer_->OnTestPartResult(r);
  }
  void OnTestEnd(const ::testing::TestInfo& t) override {
    // Collective: every rank gets here for every test, in the same order.
    const auto all = tessera::mpi::Comm::world().gather_strings(local_failures_, 0);
    const int failed_here = local_failures_.empty() ? 0 : 1;
    int failed_anywhere = 0;
    MPI_Allreduce(&failed_here, &failed_anywhere, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    if (failed_anywhere) g_any_failed = true;
    if (rank_ == 0) {
      std::string ranks;
      for (int r = 1; r < size_; ++r) {
        if (all[static_cast<size_t>(r)].empty()) continue;
        ranks += (ranks.empty() ? "" : ",") + std::to_string(r);
        std::printf("[  FAILED  ] %s.%s on rank %d:\n%s", t.test_suite_name(), t.name(), r,
                    all[static_cast<size_t>(r)].c_str());
      }
      if (!ranks.empty()) {
        failed_elsewhere_.push_back(std::string(t.test_suite_name()) + "." + t.name() + " (rank " + ranks + ")");
        std::printf("[  FAILED  ] %s.%s failed on rank(s) %s\n", t.test_suite_name(), t.name(), ranks.c_str());
      }
      printer_->OnTestEnd(t);
      std::fflush(stdout);
    }
  }
  void OnTestSuiteEnd(const ::testing::TestSuite& s) override {
    if (rank_ == 0) printer_->OnTestSuiteEnd(s);
  }
  void OnEnvironmentsTearDownStart(const ::testing::UnitTest& u) override {
    if (rank_ == 0) printer_->OnEnvironmentsTearDownStart(u);
  }
  void OnEnvironmentsTearDownEnd(const ::testing::UnitTest& u) override {
    if (rank_ == 0) printer_->OnEnvironmentsTearDownEnd(u);
  }
  void OnTestIterationEnd(const ::testing::UnitTest& u, int it) override {
    if (rank_ == 0) {
      printer_->OnTestIterationEnd(u, it);
      if (!failed_elsewhere_.empty()) {
        std::printf("[  FAILED  ] %zu test(s) failed on other ranks, listed below:\n", failed_elsewhere_.size());
        for (const auto& f : failed_elsewhere_) std::printf("[  FAILED  ] %s\n", f.c_str());
      }
    }
  }
  void OnTestProgramEnd(const ::testing::UnitTest& u) override {
    if (rank_ == 0) printer_->OnTestProgramEnd(u);
  }

 private:
  ::testing::TestEventListener* printer_;
  int rank_ = 0, size_ = 1;
  std::string local_failures_;
  std::vector<std::string> failed_elsewhere_;
};

}  // namespace

void install_mpi_listener() {
  auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
  auto* printer = listeners.Release(listeners.default_result_printer());
  listeners.Append(new MpiListener(printer));
}

bool any_rank_failed() { return g_any_failed; }

}  // namespace tessera::testing
