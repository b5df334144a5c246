// Must not compile: io sits below linalg.
#include "tessera/linalg/summa.hpp"
int probe() { return 0; }
