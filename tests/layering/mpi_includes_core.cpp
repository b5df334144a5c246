// Must compile (the control: the probes above fail for their include, not for the set-up).
#include "tessera/core/error.hpp"
#include "tessera/mpi/comm.hpp"
int probe() { return tessera::mpi::Comm::world().size(); }
