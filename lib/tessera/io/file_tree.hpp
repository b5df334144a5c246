// tessera/io/file_tree.hpp: what is inside an HDF5 file: groups, datasets and their attributes.
#pragma once
#include <string>
#include <vector>

#include "tessera/io/hdf5.hpp"

namespace tessera::io {

struct AttributeInfo {
  std::string name;
  std::string dtype;   // dtype_name() of its type
  std::string value;   // rendered: a string verbatim, numbers as "1.5" or "[1, 2, 3]"
};

struct ObjectInfo {
  enum class Kind { group, dataset, other };
  std::string path;    // "/fields/u"
  Kind kind = Kind::other;
  DatasetInfo dataset; // datasets only
  std::vector<AttributeInfo> attributes;
};

// Attributes of the object at `object_path`, by name.
std::vector<AttributeInfo> list_attributes(const File& f, const std::string& object_path);
// `root` (a group or a dataset) and everything below it, depth first, names in increasing order.
// UsageError when `root` does not exist.
std::vector<ObjectInfo> list_objects(const File& f, const std::string& root = "/");

}  // namespace tessera::io
