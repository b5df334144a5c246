// program_probe: the smallest program on the skeleton (tessera/program/program.hpp), for the tests
// of the skeleton itself (tests/apps/reports.sh). Sums 1..n over the ranks and checks the closed
// form. Test switches: --wrong (the sum off by one: FAILED), --disagree (rank 0 alone judges
// VERIFIED, the others FAILED: the skeleton must make it FAILED everywhere), --no-claim (no check:
// no verdict).
#include <cmath>

#include "tessera/program/program.hpp"

namespace tp = tessera::program;

struct Options {
  long long n = 1000;
  bool wrong = false, disagree = false, no_claim = false;
  double sum = 0;
};

int main(int argc, char** argv) {
  tp::Program<Options> p;
  p.name = "program-probe";
  p.description = "Sums 1..n over the ranks (a test of the program skeleton).";
  p.with_output = false;
  p.options = [](CLI::App& app, Options& o) {
    app.add_option("--n", o.n, "Terms");
    app.add_flag("--wrong", o.wrong, "Off by one");
    app.add_flag("--disagree", o.disagree, "Ranks reach different verdicts");
    app.add_flag("--no-claim", o.no_claim, "Check nothing");
  };
  p.run = [](tp::Context& ctx, Options& o) {
    double part = 0;
    for (long long i = ctx.world().rank() + 1; i <= o.n; i += ctx.world().size()) part += static_cast<double>(i);
    o.sum = ctx.world().sum(part) + (o.wrong ? 1.0 : 0.0);
    ctx.metric("sum", o.sum);
    ctx.summary("sum of 1..{} = {}", o.n, o.sum);
  };
  p.verify = [](tp::Context& ctx, Options& o) {
    tp::Verdict v;
    if (o.no_claim) return v;
    const double want = static_cast<double>(o.n) * static_cast<double>(o.n + 1) / 2;
    v.within("closed_form", std::fabs(o.sum - want), 0.0, "|sum - n (n + 1) / 2|");
    if (o.disagree) v.check("rank_local", ctx.world().rank() == 0, "true on rank 0 only");
    return v;
  };
  return tp::main(argc, argv, p);
}
