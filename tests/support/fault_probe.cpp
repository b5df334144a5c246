// fault_probe: a test-only MPI program in which exactly one rank fails in the middle of a
// collective operation, while the other ranks are inside it (tests/faults/rank_throws.sh). The
// job must end within the error grace period with that rank's exit code, and nothing may be left
// under the output's name or as a temporary. The failure is a hook of this test binary, never an
// option of the programs.
//   fault_probe --output F.h5 --in write|halo|vote --rank R [--shape N]
//   write: every rank but R enters the collective H5Dwrite of a 2D field; R throws instead.
//   halo:  every rank posts a halo exchange; R throws before finish() (its requests are pending).
//   vote:  every rank but R completes a stop vote; R throws with its vote in flight.
#include <string>

#include "tessera/array/dist_array.hpp"
#include "tessera/array/halo_exchange.hpp"
#include "tessera/core/cli.hpp"
#include "tessera/core/error.hpp"
#include "tessera/mpi/stop_vote.hpp"
#include "tessera/io/array_io.hpp"
#include "tessera/io/output_file.hpp"
#include "tessera/mpi/environment.hpp"
#include "tessera/mpi/process_grid.hpp"

int main(int argc, char** argv) {
  using namespace tessera;
  return mpi::Environment::run(argc, argv, [&](mpi::Environment& env) {
    CLI::App app{"fault probe", "fault_probe"};
    std::string output, in = "write";
    int rank = 1;
    Index n = 2000;
    app.add_option("--output", output)->required();
    app.add_option("--in", in)->check(CLI::IsMember({"write", "halo", "vote"}));
    app.add_option("--rank", rank);
    app.add_option("--shape", n);
    bool done = false;
    cli::parse(app, argc, argv, done);
    if (done) return 0;
    const mpi::Comm& w = env.world();
    const bool me = w.rank() == rank;
    array::BlockLayout L({n, n}, {(n + w.size() - 1) / w.size(), n}, mpi::ProcessGrid(w, {w.size(), 1}));
    array::DistArray<double> u(L, 1);
    u.for_each_owned([](double& v, const Extents& g) { v = static_cast<double>(g[0] + g[1]); });
    io::OutputFile out(w, output);
    if (in == "write") {
      io::Handle ds = io::create_dataset(out.file(), "/fields/u", io::h5type<double>(), L.shape());
      if (me) throw IoError("fault_probe: rank " + std::to_string(rank) + " fails inside the collective write");
      io::write_box(out.file(), ds, u.box(), u.data(), io::memory_layout(u));
    } else if (in == "halo") {
      array::HaloExchange h(u);
      h.start(u);
      if (me) throw IoError("fault_probe: rank " + std::to_string(rank) + " fails with its halo exchange in flight");
      w.barrier();  // the others wait here (their receives from rank R may have completed)
      h.finish();
    } else {
      signals::StopVote vote(w);
      if (!me) vote.poll();
      if (me) {
        vote.poll();
        throw IoError("fault_probe: rank " + std::to_string(rank) + " fails with its stop vote in flight");
      }
      vote.poll();  // the others complete the first vote (rank R took part) and wait in the second
      vote.finish();
    }
    out.commit();
    return 0;
  });
}
