// Uses the installed library: a block-distributed array, written and read back with parallel HDF5.
#include <tessera/array/dist_array.hpp>
#include <tessera/core/version.hpp>
#include <tessera/io/array_io.hpp>
#include <tessera/io/output_file.hpp>
#include <tessera/mpi/environment.hpp>

#include <cstdio>

int main(int argc, char** argv) {
  return tessera::mpi::Environment::run(argc, argv, [&](tessera::mpi::Environment& env) {
    using namespace tessera;
    auto layout = array::BlockLayout::make(env.world(), {64, 48}, {16, 16});
    array::DistArray<double> a(layout);
    a.for_each_owned([](double& v, const Extents& g) { v = static_cast<double>(g[0] * 48 + g[1]); });
    const std::string path = argc > 1 ? argv[1] : "consumer.h5";
    {
      io::OutputFile out(env.world(), path);
      io::write_array(out.file(), "/fields/a", a);
      out.commit();
    }
    array::DistArray<double> b(array::BlockLayout::make(env.world(), {64, 48}, {64, 8}));
    auto f = io::File::open(env.world(), path, io::Mode::read);
    io::read_array(f, "/fields/a", b);
    long bad = 0;
    b.for_each_owned([&](double& v, const Extents& g) { bad += v != static_cast<double>(g[0] * 48 + g[1]); });
    bad = env.world().sum(bad);
    if (env.rank() == 0) std::printf("consumer of %s: %s\n", version_line().c_str(), bad == 0 ? "VERIFIED" : "FAILED");
    return bad == 0 ? 0 : 1;
  });
}
