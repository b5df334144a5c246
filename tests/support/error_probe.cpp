// error_probe: a test-only MPI program that fails on purpose, to check Environment's error policy
// end to end (tests/apps/errors.sh): one-line messages naming the rank, the right exit code, every
// rank gone, no hang.
//   error_probe --fail-on all|R --code 2|3   (R: a rank number)
#include <string>

#include "tessera/core/cli.hpp"
#include "tessera/core/error.hpp"
#include "tessera/mpi/environment.hpp"

int main(int argc, char** argv) {
  return tessera::mpi::Environment::run(argc, argv, [&](tessera::mpi::Environment& env) {
    CLI::App app{"error probe", "error_probe"};
    std::string fail_on = "none";
    int code = 2;
    app.add_option("--fail-on", fail_on, "all, none or a rank");
    app.add_option("--code", code, "exit code of the failure")->check(CLI::Range(1, 125));
    bool done = false;
    tessera::cli::parse(app, argc, argv, done);
    if (done) return 0;
    const bool fail = fail_on == "all" || fail_on == std::to_string(env.rank());
    if (fail) throw tessera::Error("probe failure with code " + std::to_string(code),
                                   static_cast<tessera::ExitCode>(code));
    // ranks that do not fail wait in a collective, as a real app would
    env.world().barrier();
    return 0;
  });
}
