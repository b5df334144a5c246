// Must not compile: core uses no MPI, so it does not even see <mpi.h>.
#include <mpi.h>
int probe() { return MPI_VERSION; }
