#include "tessera/io/file_tree.hpp"

#include <fmt/format.h>

namespace tessera::io {

namespace {
std::string render_attr(hid_t attr, const std::string& dtype) {
  Handle type = make_type_handle(check(H5Aget_type(attr), "H5Aget_type"));
  Handle space = make_space_handle(check(H5Aget_space(attr), "H5Aget_space"));
  const hssize_t n = H5Sget_simple_extent_npoints(space);
  const H5T_class_t cls = H5Tget_class(type);
  if (cls == H5T_STRING && n == 1) return read_string_attr(attr, "");
  if ((cls == H5T_INTEGER || cls == H5T_FLOAT) && n >= 1) {
    std::string out;
    if (cls == H5T_INTEGER) {
      std::vector<long long> v(static_cast<size_t>(n));
      check(H5Aread(attr, H5T_NATIVE_LLONG, v.data()), "H5Aread");
      for (size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + std::to_string(v[i]);
    } else {
      std::vector<double> v(static_cast<size_t>(n));
      check(H5Aread(attr, H5T_NATIVE_DOUBLE, v.data()), "H5Aread");
      for (size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + fmt::format("{}", v[i]);
    }
    const bool scalar = H5Sget_simple_extent_ndims(space) == 0;
    return scalar ? out : "[" + out + "]";
  }
  return "<" + dtype + ", " + std::to_string(n) + " values>";
}

herr_t collect_attr_name(hid_t, const char* name, const H5A_info_t*, void* data) {
  static_cast<std::vector<std::string>*>(data)->push_back(name);
  return 0;
}

std::vector<AttributeInfo> attributes_of(hid_t obj) {
  std::vector<std::string> names;
  hsize_t idx = 0;
  check(H5Aiterate2(obj, H5_INDEX_NAME, H5_ITER_INC, &idx, collect_attr_name, &names), "H5Aiterate2");
  std::vector<AttributeInfo> out;
  for (const auto& name : names) {
    Handle attr = make_attr_handle(check(H5Aopen(obj, name.c_str(), H5P_DEFAULT), "H5Aopen " + name));
    Handle type = make_type_handle(check(H5Aget_type(attr), "H5Aget_type"));
    AttributeInfo a;
    a.name = name;
    a.dtype = dtype_name(type);
    a.value = render_attr(attr, a.dtype);
    out.push_back(std::move(a));
  }
  return out;
}

std::string child_path(const std::string& parent, const std::string& name) {
  return parent == "/" ? "/" + name : parent + "/" + name;
}

void visit(const File& f, const std::string& path, std::vector<ObjectInfo>& out) {
  ObjectInfo info;
  info.path = path;
  const hid_t raw = H5Oopen(f.id(), path.c_str(), H5P_DEFAULT);
  if (raw < 0) {  // e.g. a dangling soft link
    H5Eclear2(H5E_DEFAULT);
    out.push_back(info);
    return;
  }
  Handle obj(raw, H5Oclose);
  const H5I_type_t t = H5Iget_type(obj);
  info.attributes = attributes_of(obj);
  if (t == H5I_DATASET) {
    info.kind = ObjectInfo::Kind::dataset;
    info.dataset = dataset_info(obj.get());
    out.push_back(std::move(info));
    return;
  }
  if (t != H5I_GROUP) {
    out.push_back(std::move(info));
    return;
  }
  info.kind = ObjectInfo::Kind::group;
  out.push_back(std::move(info));
  H5G_info_t gi;
  check(H5Gget_info(obj, &gi), "H5Gget_info " + path);
  std::vector<std::string> names;
  for (hsize_t i = 0; i < gi.nlinks; ++i) {
    const ssize_t len = H5Lget_name_by_idx(obj, ".", H5_INDEX_NAME, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
    if (len < 0) continue;
    std::string name(static_cast<size_t>(len) + 1, '\0');
    H5Lget_name_by_idx(obj, ".", H5_INDEX_NAME, H5_ITER_INC, i, name.data(), name.size(), H5P_DEFAULT);
    name.resize(static_cast<size_t>(len));
    names.push_back(name);
  }
  for (const auto& n : names) visit(f, child_path(path, n), out);
}
}  // namespace

std::vector<AttributeInfo> list_attributes(const File& f, const std::string& object_path) {
  const std::string p = object_path.empty() ? "/" : object_path;
  if (!f.exists(p)) throw UsageError("no object '" + p + "' in '" + f.path() + "'");
  Handle obj(check(H5Oopen(f.id(), p.c_str(), H5P_DEFAULT), "cannot open " + p), H5Oclose);
  return attributes_of(obj);
}

std::vector<ObjectInfo> list_objects(const File& f, const std::string& root) {
  std::string p = root.empty() ? "/" : root;
  if (p.front() != '/') p = "/" + p;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  if (!f.exists(p)) throw UsageError("no object '" + p + "' in '" + f.path() + "'");
  std::vector<ObjectInfo> out;
  visit(f, p, out);
  return out;
}

}  // namespace tessera::io
