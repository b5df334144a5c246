// apps/taskfarm/noop.cpp: tasks that do nothing (result = id), to measure what the farm itself
// costs per task: dispatch, timing, record keeping.
#include "kernel.hpp"

namespace taskfarm {
namespace {
class Noop final : public Kernel {
 public:
  explicit Noop(std::int64_t n) : n_(n) {}
  std::string describe() const override { return "noop x " + std::to_string(n_) + " (dispatch overhead)"; }
  std::int64_t count() const override { return n_; }
  std::string input(std::int64_t) const override { return {}; }
  TaskResult run(std::int64_t id) override {
    TaskResult r;
    r.result = id;
    return r;
  }
  Verdict verify(const tessera::mpi::Comm& comm, const std::vector<TaskRecord>& all) override {
    Verdict v;
    for (const auto& rec : all)
      if (rec.ok() && rec.result != rec.id) {
        v.fail("noop: task " + std::to_string(rec.id) + " returned " + std::to_string(rec.result));
        break;
      }
    return v;
  }

 private:
  std::int64_t n_;
};
}  // namespace

std::unique_ptr<Kernel> make_noop(std::int64_t count) { return std::make_unique<Noop>(count); }

}  // namespace taskfarm
