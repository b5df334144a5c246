// tessera/io/netcdf.hpp: what makes a Tessera HDF5 file a netCDF-4 file with CF conventions.
//
// netCDF-4 is HDF5 plus dimension scales: a variable's axis is a named dimension when an HDF5
// dimension scale is attached to it, and the scale is the coordinate variable (same name as the
// dimension, 1-D, monotonic). CF adds attributes: units (udunits syntax), long_name, axis,
// standard_name, coordinates. The rules Tessera follows are in docs/file-format.md.
//
//   io::nc::write_coordinate(f, "/fields", io::nc::Coordinate::uniform("x", nx, dx, dx, "m", "x", "X"));
//   io::nc::write_coordinate(f, "/fields", io::nc::Coordinate::uniform("y", ny, dx, dx, "m", "y", "Y"));
//   ... write /fields/u(ny, nx) ...
//   io::nc::attach_dimensions(f, "/fields/u", {"y", "x"});
//   io::nc::describe(f, "/fields/u", "1", "temperature");
//
// Every call is collective on a parallel file (every rank, the same arguments; the values of a
// coordinate are rank 0's).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "tessera/core/box.hpp"
#include "tessera/io/hdf5.hpp"
#include "tessera/io/vector_io.hpp"

namespace tessera::io::nc {

// A dimension and its coordinate variable.
struct Coordinate {
  std::string name;                 // "x": the dimension's and the coordinate variable's name
  std::vector<double> values;       // the coordinate (float64) ...
  std::vector<std::int64_t> index;  // ... or integers (used when `values` is empty)
  std::string units = "1";
  std::string long_name;
  std::string axis;            // "X", "Y", "Z", "T" or empty
  std::string standard_name;   // CF standard name, or empty
  Index size() const { return static_cast<Index>(values.empty() ? index.size() : values.size()); }

  // n points origin + i * spacing.
  static Coordinate uniform(const std::string& name, Index n, double origin, double spacing, const std::string& units,
                            const std::string& long_name, const std::string& axis = "");
  // 0, 1, ..., n-1 (units "1").
  static Coordinate indices(const std::string& name, Index n, const std::string& long_name,
                            const std::string& axis = "");
};

// The spatial dimension names of an array of `ndims` dimensions, slowest first: x; y, x; z, y, x.
std::vector<std::string> spatial_dims(int ndims);
// The CF axis of a spatial dimension name ("x" -> "X"), empty for others.
std::string axis_of(const std::string& dim);

// The coordinates of a uniform grid of `shape` (slowest first) along `dims`: origin[d] + i spacing[d].
std::vector<Coordinate> grid_coordinates(const std::vector<std::string>& dims, const std::vector<Index>& shape,
                                         const std::vector<double>& origin, const std::vector<double>& spacing,
                                         const std::string& units);
// Index coordinates 0 .. shape[d]-1 along `dims` (units "1").
std::vector<Coordinate> index_coordinates(const std::vector<std::string>& dims, const std::vector<Index>& shape);

// Index coordinates for the variable `var` of `shape`: along `dims` where the group has no such
// coordinate yet or one of the same length, along "<name of var>_<dim>" where the group's is of
// another length (arrays of different shapes in one group, each with dimensions of its own).
std::vector<Coordinate> index_coordinates_for(const File& f, const std::string& var,
                                              const std::vector<std::string>& dims, const std::vector<Index>& shape);

// Creates `group`/c.name as a 1-D coordinate variable and dimension scale (group created if
// missing). A coordinate already there with the same length is kept (several variables of a group
// share it); one of another length is a UsageError.
void write_coordinate(const File& f, const std::string& group, const Coordinate& c);
// write_coordinate for each of `coords` in the group of `var`, then attach_dimensions.
void write_dimensions(const File& f, const std::string& var, const std::vector<Coordinate>& coords);
// Attaches the coordinate variables `dims` (names in the variable's own group, slowest first) to
// the axes of the dataset `var`. UsageError when the count or a length does not match.
void attach_dimensions(const File& f, const std::string& var, const std::vector<std::string>& dims);
// The CF attributes every variable carries: units and long_name.
void describe(const File& f, const std::string& var, const std::string& units, const std::string& long_name);

// A 1-D variable along the dimension `dim` (a coordinate already in its group), with units and long_name.
template <typename T>
void write_series(const File& f, const std::string& path, const std::vector<T>& values, const std::string& dim,
                  const std::string& units, const std::string& long_name) {
  write_vector(f, path, values);
  attach_dimensions(f, path, {dim});
  describe(f, path, units, long_name);
}

// The group part of a dataset path: "/fields/u" -> "/fields", "/u" -> "/".
std::string parent_group(const std::string& path);

}  // namespace tessera::io::nc
