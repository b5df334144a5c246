// tessera/io/xdmf.hpp: XDMF sidecars, so ParaView and VisIt open Tessera's HDF5 fields.
//
// An XDMF file (.xmf) is a small XML description of a grid whose heavy data stay in the .h5; it
// refers to datasets as "FILE.h5:/path", with FILE relative to the .xmf (keep them side by side).
// Fields of 2 or 3 dimensions on a uniform grid are supported; both are written as a 3DCoRectMesh
// (a 2D one as 1 x ny x nx, so that ParaView puts it in the X-Y plane, y up: docs/file-format.md).
//
//   One snapshot, next to out.h5:
//     io::XdmfGrid g = io::XdmfGrid::uniform({ny, nx});
//     g.fields.push_back(io::XdmfField::of("out.h5", "/fields/u", {ny, nx}, "float64"));
//     io::write_xdmf(comm, io::xdmf_path_for("out.h5"), g);     // rank 0 writes, atomically
//
//   A time series (e.g. the heat app's snapshots, one .h5 per step or several datasets in one):
//     std::vector<io::XdmfStep> steps;            // grows as snapshots are committed
//     steps.push_back({t, grid_of_step});
//     io::write_xdmf_series(comm, "out/heat.xmf", steps);       // rewrites the whole .xmf each time
//
// Write the sidecar after the .h5 it points to has been committed, so it never names a missing file.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "tessera/core/box.hpp"
#include "tessera/mpi/comm.hpp"

namespace tessera::io {

// One scalar field: a dataset in an HDF5 file.
struct XdmfField {
  std::string name;            // attribute name shown by ParaView ("u")
  std::string h5_file;         // HDF5 file name as written in the .xmf (relative to the .xmf)
  std::string dataset;         // "/fields/u"
  std::vector<Index> shape;    // dataset shape, slowest dimension first (2 or 3 dimensions)
  std::string dtype = "float64";  // float64, float32, int32, int64 (io::dtype_name)
  std::string center = "Node";    // "Node" (one value per grid point) or "Cell"
  // Name defaults to the last component of the dataset path.
  static XdmfField of(const std::string& h5_file, const std::string& dataset, const std::vector<Index>& shape,
                      const std::string& dtype = "float64");
};

// A uniform (co-rectilinear) grid and the fields on it.
struct XdmfGrid {
  std::string name = "grid";
  std::vector<Index> points;     // grid points per dimension, slowest first (2 or 3 of them)
  std::vector<double> origin;    // per dimension, slowest first; empty = all 0
  std::vector<double> spacing;   // per dimension, slowest first; empty = all 1
  std::vector<XdmfField> fields;
  // A grid whose points are the elements of an array of `shape` (Node-centred fields of that shape).
  static XdmfGrid uniform(const std::vector<Index>& shape);
};

// One snapshot of a temporal collection.
struct XdmfStep {
  double time = 0;
  XdmfGrid grid;
};

// The XDMF NumberType and Precision (bytes) of a dtype (io::dtype_name): ("Float", 8) for float64.
// UsageError for a type XDMF has no name for.
std::pair<std::string, int> xdmf_number_type(const std::string& dtype);

// The .xmf path that goes with an .h5 path: "dir/out.h5" -> "dir/out.xmf".
std::string xdmf_path_for(const std::string& h5_path);
// `h5_path` as seen from the directory of `xmf_path` (what goes into XdmfField::h5_file).
std::string relative_h5_name(const std::string& xmf_path, const std::string& h5_path);

// The XML text (validated: throws UsageError for a grid of the wrong rank or inconsistent shapes).
std::string xdmf_document(const XdmfGrid& grid);
std::string xdmf_document(const std::vector<XdmfGrid>& grids);  // several grids in one domain
std::string xdmf_series_document(const std::vector<XdmfStep>& steps, const std::string& name = "series");

// Write on this process, atomically (temporary name, then rename); throws IoError on failure.
void write_xdmf(const std::string& xmf_path, const XdmfGrid& grid);
void write_xdmf(const std::string& xmf_path, const std::vector<XdmfGrid>& grids);
void write_xdmf_series(const std::string& xmf_path, const std::vector<XdmfStep>& steps,
                       const std::string& name = "series");
// Collective versions: rank 0 of `comm` writes, every rank returns or throws together.
void write_xdmf(const mpi::Comm& comm, const std::string& xmf_path, const XdmfGrid& grid);
void write_xdmf(const mpi::Comm& comm, const std::string& xmf_path, const std::vector<XdmfGrid>& grids);
void write_xdmf_series(const mpi::Comm& comm, const std::string& xmf_path, const std::vector<XdmfStep>& steps,
                       const std::string& name = "series");

}  // namespace tessera::io
