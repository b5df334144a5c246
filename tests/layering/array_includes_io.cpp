// Must not compile: array sits below io.
#include "tessera/io/hdf5.hpp"
int probe() { return 0; }
