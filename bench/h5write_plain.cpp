// bench-h5write_plain: the peer for Tessera's HDF5 write bandwidth. A minimal parallel-HDF5 writer
// in plain C API calls: one contiguous 2D float64 dataset, each rank writes its band of whole rows
// with one collective H5Dwrite. No Tessera code on the I/O path (MPI and HDF5 directly, on purpose).
//
//   mpirun -np 2 bench-h5write_plain ROWS COLS FILE.h5 [REPEATS] [sync]
// prints one line per repetition: "seconds GB/s" (create -> close, slowest rank). With "sync" the
// file is flushed (H5Fflush: MPI_File_sync, i.e. fsync) before it is closed, the durability that
// Tessera's OutputFile::commit gives before its rename.
#include <hdf5.h>
#include <mpi.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (argc < 4) {
    if (rank == 0) std::fprintf(stderr, "usage: bench-h5write_plain ROWS COLS FILE.h5 [REPEATS] [sync]\n");
    MPI_Finalize();
    return 2;
  }
  const hsize_t rows = std::strtoull(argv[1], nullptr, 10), cols = std::strtoull(argv[2], nullptr, 10);
  const char* path = argv[3];
  const int repeats = argc > 4 ? std::atoi(argv[4]) : 1;
  const bool sync = argc > 5 && std::string(argv[5]) == "sync";
  const hsize_t r0 = rows * rank / size, r1 = rows * (rank + 1) / size;
  std::vector<double> band((r1 - r0) * cols);
  for (size_t i = 0; i < band.size(); ++i) band[i] = 1.0;  // ones, squared
  for (int rep = 0; rep < repeats; ++rep) {
    MPI_Barrier(MPI_COMM_WORLD);
    const double t0 = MPI_Wtime();
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_fapl_mpio(fapl, MPI_COMM_WORLD, MPI_INFO_NULL);
    hid_t file = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    hsize_t dims[2] = {rows, cols};
    hid_t fspace = H5Screate_simple(2, dims, nullptr);
    hid_t ds = H5Dcreate2(file, "/x", H5T_NATIVE_DOUBLE, fspace, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    hsize_t start[2] = {r0, 0}, count[2] = {r1 - r0, cols};
    hid_t mspace = H5Screate_simple(2, count, nullptr);
    if (r1 > r0) H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, nullptr, count, nullptr);
    else H5Sselect_none(fspace), H5Sselect_none(mspace);
    hid_t dxpl = H5Pcreate(H5P_DATASET_XFER);
    H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE);
    const herr_t st = H5Dwrite(ds, H5T_NATIVE_DOUBLE, mspace, fspace, dxpl, band.data());
    H5Pclose(dxpl);
    H5Sclose(mspace);
    H5Sclose(fspace);
    H5Dclose(ds);
    if (sync) H5Fflush(file, H5F_SCOPE_GLOBAL);
    H5Fclose(file);
    H5Pclose(fapl);
    double dt = MPI_Wtime() - t0, worst = 0;
    MPI_Allreduce(&dt, &worst, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    if (st < 0) {
      if (rank == 0) std::fprintf(stderr, "H5Dwrite failed\n");
      MPI_Abort(MPI_COMM_WORLD, 3);
    }
    if (rank == 0) std::printf("%.6f %.4f\n", worst, static_cast<double>(rows * cols * 8) / worst / 1e9);
  }
  MPI_Finalize();
  return 0;
}
