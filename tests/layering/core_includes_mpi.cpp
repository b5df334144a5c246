// Must not compile: core sits below mpi, so tessera_core does not see mpi's headers.
#include "tessera/mpi/comm.hpp"
int probe() { return 0; }
