/* bench/matmul/pdgemm.c: stock ScaLAPACK PDGEMM (Debian libscalapack-openmpi) on a P x Q BLACS grid,
 * the peer of tessera-matmul in bench/matmul/run.sh. Compiled by run.sh when ScaLAPACK is found
 * (the main build never depends on it):
 *   mpicc -O2 pdgemm.c -o pdgemm -lscalapack-openmpi -lopenblas -lm
 *   mpirun -np 2 ./pdgemm N NB REPS [P Q]       # square N x N float64, block size NB
 * Block-cyclic NB x NB distribution, column-major local storage, C = A B (alpha 1, beta 0), one
 * warm-up then REPS timed calls (barrier before each; a call's time is the slowest rank's); prints
 * one JSON line with the median. A few entries of C per rank are checked against dot products of
 * the generating formulas ("ok"). */
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

extern void Cblacs_pinfo(int* mypnum, int* nprocs);
extern void Cblacs_get(int context, int request, int* value);
extern void Cblacs_gridinit(int* context, const char* order, int nprow, int npcol);
extern void Cblacs_gridinfo(int context, int* nprow, int* npcol, int* myrow, int* mycol);
extern void Cblacs_gridexit(int context);
extern int numroc_(const int* n, const int* nb, const int* iproc, const int* isrcproc, const int* nprocs);
extern void descinit_(int* desc, const int* m, const int* n, const int* mb, const int* nb, const int* irsrc,
                      const int* icsrc, const int* ictxt, const int* lld, int* info);
extern void pdgemm_(const char* transa, const char* transb, const int* m, const int* n, const int* k,
                    const double* alpha, const double* a, const int* ia, const int* ja, const int* desca,
                    const double* b, const int* ib, const int* jb, const int* descb, const double* beta, double* c,
                    const int* ic, const int* jc, const int* descc);

static double a_of(long i, long j) { return (double)((i * 7 + j * 13) % 17) * 0.125 - 1.0; }
static double b_of(long i, long j) { return (double)((i * 5 + j * 3) % 11) * 0.25 - 1.25; }
/* global index of local index l (block-cyclic, source process 0) */
static long global_of(int l, int nb, int p, int nprocs) { return (long)(l / nb) * nb * nprocs + (long)p * nb + l % nb; }

static int cmp(const void* x, const void* y) {
  const double a = *(const double*)x, b = *(const double*)y;
  return (a > b) - (a < b);
}

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank, size;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (argc < 4) {
    if (rank == 0) fprintf(stderr, "usage: %s N NB REPS [P Q]\n", argv[0]);
    MPI_Finalize();
    return 2;
  }
  const int n = atoi(argv[1]), nb = atoi(argv[2]), reps = atoi(argv[3]);
  int P = argc > 5 ? atoi(argv[4]) : size, Q = argc > 5 ? atoi(argv[5]) : 1;
  if (n < 1 || nb < 1 || reps < 1 || P * Q != size) {
    if (rank == 0) fprintf(stderr, "pdgemm: bad arguments (P x Q must equal the %d ranks)\n", size);
    MPI_Finalize();
    return 2;
  }
  int ctxt, myrow, mycol, nprow, npcol, info, zero = 0, one = 1;
  Cblacs_get(-1, 0, &ctxt);
  Cblacs_gridinit(&ctxt, "Row", P, Q);
  Cblacs_gridinfo(ctxt, &nprow, &npcol, &myrow, &mycol);
  const int mloc = numroc_(&n, &nb, &myrow, &zero, &nprow), nloc = numroc_(&n, &nb, &mycol, &zero, &npcol);
  const int lld = mloc > 1 ? mloc : 1;
  int desc[9];
  descinit_(desc, &n, &n, &nb, &nb, &zero, &zero, &ctxt, &lld, &info);
  double* A = malloc(sizeof(double) * (size_t)lld * (nloc > 0 ? nloc : 1));
  double* B = malloc(sizeof(double) * (size_t)lld * (nloc > 0 ? nloc : 1));
  double* C = malloc(sizeof(double) * (size_t)lld * (nloc > 0 ? nloc : 1));
  for (int lj = 0; lj < nloc; ++lj)
    for (int li = 0; li < mloc; ++li) {
      const long i = global_of(li, nb, myrow, nprow), j = global_of(lj, nb, mycol, npcol);
      A[(size_t)lj * lld + li] = a_of(i, j);
      B[(size_t)lj * lld + li] = b_of(i, j);
      C[(size_t)lj * lld + li] = 0.0;
    }
  const double alpha = 1.0, beta = 0.0;
  double* t = malloc(sizeof(double) * (size_t)reps);
  for (int r = -1; r < reps; ++r) {
    MPI_Barrier(MPI_COMM_WORLD);
    const double t0 = MPI_Wtime();
    pdgemm_("N", "N", &n, &n, &n, &alpha, A, &one, &one, desc, B, &one, &one, desc, &beta, C, &one, &one, desc);
    double dt = MPI_Wtime() - t0, worst;
    MPI_Allreduce(&dt, &worst, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    if (r >= 0) t[r] = worst;
  }
  qsort(t, (size_t)reps, sizeof(double), cmp);
  const double med = reps % 2 ? t[reps / 2] : 0.5 * (t[reps / 2 - 1] + t[reps / 2]);
  int bad = 0;
  for (int s = 0; s < 5 && mloc > 0 && nloc > 0; ++s) {
    const int li = (s * 7919) % mloc, lj = (s * 104729) % nloc;
    const long i = global_of(li, nb, myrow, nprow), j = global_of(lj, nb, mycol, npcol);
    double dot = 0;
    for (long p = 0; p < n; ++p) dot += a_of(i, p) * b_of(p, j);
    if (fabs(dot - C[(size_t)lj * lld + li]) > 1e-9 * n * (1.0 + fabs(dot))) ++bad;
  }
  int bad_all = 0;
  MPI_Allreduce(&bad, &bad_all, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  if (rank == 0)
    printf("{\"n\": %d, \"nb\": %d, \"grid\": \"%dx%d\", \"reps\": %d, \"time_s\": %.6f, \"gflops\": %.4f, \"ok\": %s}\n",
           n, nb, P, Q, reps, med, 2.0 * n * (double)n * n / med * 1e-9, bad_all ? "false" : "true");
  free(A), free(B), free(C), free(t);
  Cblacs_gridexit(ctxt);
  MPI_Finalize();
  return bad_all ? 1 : 0;
}
