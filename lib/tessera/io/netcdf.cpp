#include "tessera/io/netcdf.hpp"

#include <hdf5_hl.h>

#include "tessera/io/hyperslab.hpp"
#include "tessera/io/vector_io.hpp"

namespace tessera::io::nc {

namespace {
std::string child(const std::string& group, const std::string& name) {
  return (group == "/" ? "" : group) + "/" + name;
}
}  // namespace

Coordinate Coordinate::uniform(const std::string& name, Index n, double origin, double spacing,
                               const std::string& units, const std::string& long_name, const std::string& axis) {
  Coordinate c;
  c.name = name;
  c.units = units;
  c.long_name = long_name;
  c.axis = axis;
  c.values.resize(static_cast<size_t>(n));
  for (Index i = 0; i < n; ++i) c.values[static_cast<size_t>(i)] = origin + static_cast<double>(i) * spacing;
  return c;
}

Coordinate Coordinate::indices(const std::string& name, Index n, const std::string& long_name,
                               const std::string& axis) {
  Coordinate c;
  c.name = name;
  c.long_name = long_name;
  c.axis = axis;
  c.index.resize(static_cast<size_t>(n));
  for (Index i = 0; i < n; ++i) c.index[static_cast<size_t>(i)] = i;
  return c;
}

std::vector<std::string> spatial_dims(int ndims) {
  static const char* names[] = {"z", "y", "x"};
  if (ndims < 1 || ndims > 3) throw UsageError("arrays have 1 to 3 dimensions, not " + std::to_string(ndims));
  return std::vector<std::string>(names + (3 - ndims), names + 3);
}

std::string axis_of(const std::string& dim) {
  if (dim == "x") return "X";
  if (dim == "y") return "Y";
  if (dim == "z") return "Z";
  return "";
}

std::string parent_group(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos || slash == 0 ? "/" : path.substr(0, slash);
}

std::vector<Coordinate> grid_coordinates(const std::vector<std::string>& dims, const std::vector<Index>& shape,
                                         const std::vector<double>& origin, const std::vector<double>& spacing,
                                         const std::string& units) {
  if (dims.size() != shape.size() || origin.size() != shape.size() || spacing.size() != shape.size())
    throw UsageError("grid coordinates: " + std::to_string(dims.size()) + " names for " +
                     std::to_string(shape.size()) + " dimensions");
  std::vector<Coordinate> out;
  for (size_t d = 0; d < dims.size(); ++d)
    out.push_back(Coordinate::uniform(dims[d], shape[d], origin[d], spacing[d], units, "position along " + dims[d], axis_of(dims[d])));
  return out;
}

std::vector<Coordinate> index_coordinates(const std::vector<std::string>& dims, const std::vector<Index>& shape) {
  if (dims.size() != shape.size())
    throw UsageError("index coordinates: " + std::to_string(dims.size()) + " names for " +
                     std::to_string(shape.size()) + " dimensions");
  std::vector<Coordinate> out;
  for (size_t d = 0; d < dims.size(); ++d)
    out.push_back(Coordinate::indices(dims[d], shape[d], "index along " + dims[d], axis_of(dims[d])));
  return out;
}

std::vector<Coordinate> index_coordinates_for(const File& f, const std::string& var,
                                              const std::vector<std::string>& dims, const std::vector<Index>& shape) {
  auto out = index_coordinates(dims, shape);
  const std::string group = parent_group(var);
  const std::string name = var.substr(var.find_last_of('/') + 1);
  for (auto& c : out) {
    const std::string path = child(group, c.name);
    if (!f.exists(path)) continue;
    const auto info = dataset_info(f, path);
    if (info.shape.size() == 1 && info.shape[0] == c.size()) continue;
    c.long_name = "index along " + c.name + " of " + name;
    c.name = name + "_" + c.name;
  }
  return out;
}

void write_coordinate(const File& f, const std::string& group, const Coordinate& c) {
  const std::string path = child(group, c.name);
  if (f.exists(path)) {
    const auto info = dataset_info(f, path);
    if (info.shape.size() != 1 || info.shape[0] != c.size())
      throw UsageError("coordinate " + path + " exists with shape " + shape_to_string(info.shape) + ", not [" +
                       std::to_string(c.size()) + "]");
    return;
  }
  f.require_group(group);
  if (c.values.empty()) write_vector(f, path, c.index);
  else write_vector(f, path, c.values);
  {
    Handle ds = f.open_dataset(path);
    // the scale's NAME is the dimension name netCDF and h5netcdf show
    check(H5DSset_scale(ds, c.name.c_str()), "cannot make " + path + " a dimension scale");
  }
  describe(f, path, c.units, c.long_name);
  if (!c.axis.empty()) write_attr(f, path, "axis", c.axis);
  if (!c.standard_name.empty()) write_attr(f, path, "standard_name", c.standard_name);
}

void attach_dimensions(const File& f, const std::string& var, const std::vector<std::string>& dims) {
  Handle ds = f.open_dataset(var);
  const auto info = dataset_info(ds.get());
  if (info.shape.size() != dims.size())
    throw UsageError(var + " has " + std::to_string(info.shape.size()) + " dimensions, " + std::to_string(dims.size()) +
                     " were named");
  const std::string group = parent_group(var);
  for (size_t d = 0; d < dims.size(); ++d) {
    const std::string scale_path = child(group, dims[d]);
    Handle scale = f.open_dataset(scale_path);
    const auto si = dataset_info(scale.get());
    if (si.shape.size() != 1 || si.shape[0] != info.shape[d])
      throw UsageError("dimension '" + dims[d] + "' of " + var + ": " + scale_path + " has shape " +
                       shape_to_string(si.shape) + ", the axis " + std::to_string(info.shape[d]) + " elements");
    check(H5DSattach_scale(ds, scale, static_cast<unsigned>(d)), "cannot attach " + scale_path + " to " + var);
  }
}

void write_dimensions(const File& f, const std::string& var, const std::vector<Coordinate>& coords) {
  const std::string group = parent_group(var);
  std::vector<std::string> names;
  for (const auto& c : coords) {
    write_coordinate(f, group, c);
    names.push_back(c.name);
  }
  attach_dimensions(f, var, names);
}

void describe(const File& f, const std::string& var, const std::string& units, const std::string& long_name) {
  write_attr(f, var, "units", units);
  write_attr(f, var, "long_name", long_name);
}

}  // namespace tessera::io::nc
