// tessera/io/validate.hpp: checks an HDF5 file against the netCDF-4/CF rules of docs/file-format.md
// and its XDMF sidecar. What `tessera-inspect FILE --validate` runs.
//
//   for (const auto& f : io::validate_file("heat.h5")) std::printf("%s: %s\n", f.where.c_str(), f.what.c_str());
//
// The rules: every dataset of one or more dimensions has a dimension scale on every axis, each a
// coordinate variable (1-D, in the same group, named like its dimension, strictly monotonic, no
// NaN); attributes are variable-length UTF-8 strings, 64-bit integers (or 1-D arrays of them) or
// doubles, except those the HDF5 dimension-scale API and netCDF write themselves; numeric
// variables have units and long_name; x/y/z coordinates have axis X/Y/Z, a T axis has
// standard_name time; names in a `coordinates` attribute exist in the group; string datasets are
// variable-length UTF-8; the root group carries the provenance set with its types and values. The
// .xmf beside the file (same stem): every HDF DataItem names a dataset that exists, with its
// dimensions (a 2D dataset as 1 ny nx) and number type; times of a temporal collection increase;
// every 2D and 3D dataset under /fields and /snapshots appears in it.
#pragma once
#include <string>
#include <vector>

namespace tessera::io {

struct Finding {
  std::string where;  // "/fields/u", "/ (root)", "heat.xmf"
  std::string what;   // one line: what breaks which rule
};

// The findings for the file at `path` and its .xmf; empty when it follows every rule. UsageError
// when the file is missing or not HDF5.
std::vector<Finding> validate_file(const std::string& path);

}  // namespace tessera::io
