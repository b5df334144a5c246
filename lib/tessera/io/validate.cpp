#include "tessera/io/validate.hpp"

#include <fmt/format.h>
#include <hdf5_hl.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <pugixml.hpp>
#include <set>
#include <sstream>

#include "tessera/io/dataset_stats.hpp"
#include "tessera/io/file_tree.hpp"
#include "tessera/io/hdf5.hpp"
#include "tessera/io/netcdf.hpp"
#include "tessera/io/output_file.hpp"
#include "tessera/io/vector_io.hpp"
#include "tessera/io/xdmf.hpp"

namespace tessera::io {
namespace stdfs = std::filesystem;

namespace {

// Written by HDF5's dimension-scale API and by the netCDF library themselves, of their own types.
const std::set<std::string> kSystemAttributes = {"CLASS",         "NAME",          "DIMENSION_LIST",
                                                 "REFERENCE_LIST", "_Netcdf4Dimid", "_Netcdf4Coordinates",
                                                 "_nc3_strict",   "_NCProperties", "_FillValue"};

std::string last_component(const std::string& path) { return path.substr(path.find_last_of('/') + 1); }

std::vector<Index> parse_dims(const std::string& text) {
  std::istringstream in(text);
  std::vector<Index> out;
  long long v = 0;
  while (in >> v) out.push_back(v);
  return out;
}

class Checker {
 public:
  explicit Checker(const std::string& path) : path_(path), f_(File::open_serial(path, Mode::read)) {}

  std::vector<Finding> run() {
    const auto objects = list_objects(f_, "/");
    for (const auto& o : objects) {
      if (o.kind == ObjectInfo::Kind::other) continue;
      attributes(o.path);
      if (o.kind == ObjectInfo::Kind::dataset) dataset(o);
    }
    provenance();
    xdmf(objects);
    return std::move(findings_);
  }

 private:
  void add(const std::string& where, const std::string& what) { findings_.push_back({where, what}); }

  Handle open_object(const std::string& p) {
    return Handle(check(H5Oopen(f_.id(), p.c_str(), H5P_DEFAULT), "cannot open " + p), H5Oclose);
  }

  // Rule 2: every attribute a VL UTF-8 string, an int64 or a double (scalars or 1-D).
  void attributes(const std::string& obj_path) {
    Handle obj = open_object(obj_path);
    struct Ctx {
      Checker* self;
      std::string where;
    } ctx{this, obj_path};
    auto visit = [](hid_t loc, const char* name, const H5A_info_t*, void* data) -> herr_t {
      auto* c = static_cast<Ctx*>(data);
      if (kSystemAttributes.count(name)) return 0;
      Handle a = make_attr_handle(H5Aopen(loc, name, H5P_DEFAULT));
      Handle t = make_type_handle(H5Aget_type(a));
      Handle s = make_space_handle(H5Aget_space(a));
      const int rank = H5Sget_simple_extent_ndims(s);
      const std::string at = std::string("attribute '") + name + "'";
      switch (H5Tget_class(t)) {
        case H5T_STRING:
          if (H5Tis_variable_str(t) <= 0) c->self->add(c->where, at + " is a fixed-length string (expected variable-length UTF-8)");
          else if (H5Tget_cset(t) != H5T_CSET_UTF8) c->self->add(c->where, at + " is an ASCII string (expected UTF-8)");
          if (rank != 0) c->self->add(c->where, at + " is an array of strings (expected one string)");
          break;
        case H5T_INTEGER:
          if (H5Tget_size(t) != 8 || H5Tget_sign(t) != H5T_SGN_2)
            c->self->add(c->where, at + " is " + dtype_name(t) + " (expected int64)");
          if (rank > 1) c->self->add(c->where, at + " has " + std::to_string(rank) + " dimensions");
          break;
        case H5T_FLOAT:
          if (H5Tget_size(t) != 8) c->self->add(c->where, at + " is " + dtype_name(t) + " (expected float64)");
          if (rank > 1) c->self->add(c->where, at + " has " + std::to_string(rank) + " dimensions");
          break;
        default:
          c->self->add(c->where, at + " is " + dtype_name(t) + " (expected a string, int64 or float64)");
      }
      return 0;
    };
    H5Aiterate2(obj, H5_INDEX_NAME, H5_ITER_INC, nullptr, visit, &ctx);
  }

  bool string_attr(const std::string& obj, const std::string& name, std::string& value) {
    if (!has_attr(f_, obj, name)) return false;
    try {
      value = read_attr_string(f_, obj, name);
      return true;
    } catch (const Error&) {
      return false;
    }
  }

  // Rules 1, 3, 4, 5 for one dataset.
  void dataset(const ObjectInfo& o) {
    const auto& info = o.dataset;
    const std::string group = nc::parent_group(o.path);
    Handle ds = f_.open_dataset(o.path);
    if (info.dtype == "string") {
      Handle t = make_type_handle(check(H5Dget_type(ds), "H5Dget_type"));
      if (H5Tis_variable_str(t) <= 0 || H5Tget_cset(t) != H5T_CSET_UTF8)
        add(o.path, "a string variable of fixed-length or ASCII strings (expected variable-length UTF-8)");
    }
    const bool numeric = is_numeric_dtype(info.dtype);
    if (numeric) {
      std::string v;
      if (!string_attr(o.path, "units", v)) add(o.path, "no units (udunits syntax, \"1\" when dimensionless)");
      if (!string_attr(o.path, "long_name", v)) add(o.path, "no long_name");
    }
    if (info.shape.empty()) return;  // scalars have no dimensions
    const std::string name = last_component(o.path);
    if (H5DSis_scale(ds) > 0) {
      coordinate(o, ds, name);
      return;
    }
    for (unsigned d = 0; d < info.shape.size(); ++d) {
      const std::string axis = "axis " + std::to_string(d);
      if (H5DSget_num_scales(ds, d) <= 0) {
        add(o.path, axis + " has no dimension scale (netCDF sees a phony dimension)");
        continue;
      }
      struct Scale {
        std::string path;
        Index length = -1;
      } first;
      auto visit = [](hid_t, unsigned, hid_t scale, void* data) -> herr_t {
        auto* s = static_cast<Scale*>(data);
        char buf[1024] = {0};
        H5Iget_name(scale, buf, sizeof buf);
        s->path = buf;
        const auto si = dataset_info(scale);
        s->length = si.shape.size() == 1 ? si.shape[0] : -1;
        return 1;  // the first scale is the dimension
      };
      H5DSiterate_scales(ds, d, nullptr, visit, &first);
      if (nc::parent_group(first.path) != group)
        add(o.path, axis + ": its dimension " + first.path + " is in another group (xarray opens one group at a time)");
      if (first.length != info.shape[d])
        add(o.path, axis + " has " + std::to_string(info.shape[d]) + " elements, its dimension " + first.path + " " +
                        std::to_string(first.length));
    }
    std::string coords;
    if (string_attr(o.path, "coordinates", coords)) {
      std::istringstream in(coords);
      for (std::string c; in >> c;)
        if (!f_.exists((group == "/" ? "" : group) + "/" + c))
          add(o.path, "its coordinates attribute names '" + c + "', which is not in " + group);
    }
  }

  void coordinate(const ObjectInfo& o, hid_t ds, const std::string& name) {
    char buf[256] = {0};
    H5DSget_scale_name(ds, buf, sizeof buf);
    if (buf != name) add(o.path, std::string("a dimension scale named '") + buf + "': netCDF names its dimension so, not '" + name + "'");
    if (o.dataset.shape.size() != 1) {
      add(o.path, "a dimension scale of " + std::to_string(o.dataset.shape.size()) + " dimensions (expected 1)");
      return;
    }
    if (is_numeric_dtype(o.dataset.dtype)) {
      const auto v = read_vector<double>(f_, o.path);
      bool nan = false, up = true, down = true;
      for (size_t i = 0; i < v.size(); ++i) {
        nan = nan || std::isnan(v[i]);
        if (i > 0) up = up && v[i] > v[i - 1], down = down && v[i] < v[i - 1];
      }
      if (nan) add(o.path, "a coordinate variable with NaN");
      else if (!up && !down) add(o.path, "a coordinate variable that is not strictly monotonic");
    }
    std::string axis, standard;
    const bool has_axis = string_attr(o.path, "axis", axis);
    const std::string want = nc::axis_of(name);
    if (!want.empty() && axis != want)
      add(o.path, "coordinate '" + name + "' has axis '" + (has_axis ? axis : "") + "' (expected " + want + ")");
    if (axis == "T" && (!string_attr(o.path, "standard_name", standard) || standard != "time"))
      add(o.path, "a time coordinate (axis T) without standard_name = \"time\"");
  }

  // Rule 6.
  void provenance() {
    const std::string where = "/ (root)";
    for (const auto& [name, is_string] : provenance_attributes()) {
      if (!has_attr(f_, "/", name)) {
        add(where, "no provenance attribute '" + name + "'");
        continue;
      }
      Handle a = make_attr_handle(check(H5Aopen(f_.id(), name.c_str(), H5P_DEFAULT), "H5Aopen " + name));
      Handle t = make_type_handle(H5Aget_type(a));
      const H5T_class_t cls = H5Tget_class(t);
      if (is_string ? cls != H5T_STRING : cls != H5T_INTEGER)
        add(where, "provenance attribute '" + name + "' is " + dtype_name(t) + " (expected " +
                       (is_string ? "a string" : "int64") + ")");
    }
    auto value = [&](const char* name) {
      std::string v;
      return string_attr("/", name, v) ? v : std::string("(missing)");
    };
    if (value("Conventions") != "CF-1.8") add(where, "Conventions is '" + value("Conventions") + "' (expected CF-1.8)");
    const std::string kind = value("kind"), verdict = value("verified");
    if (kind != "result" && kind != "checkpoint") add(where, "kind is '" + kind + "' (expected result or checkpoint)");
    if (verdict != "VERIFIED" && verdict != "FAILED" && verdict != "unverified")
      add(where, "verified is '" + verdict + "' (expected VERIFIED, FAILED or unverified)");
    if (has_attr(f_, "/", "tessera_format")) {
      try {
        const auto fmt = read_attr_int(f_, "/", "tessera_format");
        if (fmt != file_format)
          add(where, "tessera_format is " + std::to_string(fmt) + " (expected " + std::to_string(file_format) + ")");
      } catch (const Error&) {
      }
    }
  }

  // Rule 7.
  void xdmf(const std::vector<ObjectInfo>& objects) {
    std::vector<std::string> fields;  // 2D and 3D datasets under /fields and /snapshots
    for (const auto& o : objects)
      if (o.kind == ObjectInfo::Kind::dataset && (o.dataset.shape.size() == 2 || o.dataset.shape.size() == 3) &&
          (o.path.rfind("/fields/", 0) == 0 || o.path.rfind("/snapshots/", 0) == 0))
        fields.push_back(o.path);
    const std::string xmf = xdmf_path_for(path_);
    const std::string where = stdfs::path(xmf).filename().string();
    std::error_code ec;
    if (!stdfs::exists(xmf, ec)) {
      if (!fields.empty())
        add(where, "missing: ParaView has no description of the " + std::to_string(fields.size()) +
                       " 2D/3D field(s) (first: " + fields[0] + ")");
      return;
    }
    pugi::xml_document doc;
    const pugi::xml_parse_result parsed = doc.load_file(xmf.c_str());
    if (!parsed) {
      add(where, std::string("not well-formed XML: ") + parsed.description());
      return;
    }
    const stdfs::path dir = stdfs::path(xmf).parent_path();
    const std::string self = stdfs::weakly_canonical(path_, ec).string();
    std::set<std::string> covered;
    std::map<std::string, File> others;
    for (const auto& x : doc.select_nodes("//DataItem[@Format='HDF']")) {
      const pugi::xml_node item = x.node();
      const std::string ref = item.text().as_string();
      std::string text = ref;
      text.erase(0, text.find_first_not_of(" \t\r\n"));
      text.erase(text.find_last_not_of(" \t\r\n") + 1);
      const auto colon = text.find(":/");
      if (colon == std::string::npos) {
        add(where, "DataItem '" + text + "' is not FILE:/path");
        continue;
      }
      const std::string h5 = (dir / text.substr(0, colon)).string(), ds = text.substr(colon + 1);
      const std::string key = stdfs::weakly_canonical(h5, ec).string();
      const File* file = &f_;
      if (key != self) {
        auto it = others.find(key);
        if (it == others.end()) {
          try {
            it = others.emplace(key, File::open_serial(h5, Mode::read)).first;
          } catch (const Error& e) {
            add(where, "DataItem '" + text + "': " + e.what());
            continue;
          }
        }
        file = &it->second;
      }
      if (!file->exists(ds)) {
        add(where, "DataItem '" + text + "' names a dataset that does not exist");
        continue;
      }
      const DatasetInfo info = dataset_info(*file, ds);
      const auto dims = parse_dims(item.attribute("Dimensions").as_string());
      auto as_3d = info.shape;
      if (as_3d.size() == 2) as_3d.insert(as_3d.begin(), 1);
      if (dims != info.shape && dims != as_3d)
        add(where, "DataItem '" + text + "' has Dimensions \"" + item.attribute("Dimensions").as_string() +
                       "\", the dataset " + shape_to_string(info.shape));
      std::pair<std::string, int> want{"", 0};  // none: a dtype XDMF cannot describe
      try {
        want = xdmf_number_type(info.dtype);
      } catch (const UsageError&) {
      }
      const std::string got_type = item.attribute("NumberType").as_string("Float");
      const std::string got_precision = item.attribute("Precision").as_string("4");
      if (want.first.empty() || got_type != want.first || got_precision != std::to_string(want.second))
        add(where, "DataItem '" + text + "' says " + got_type + " " + got_precision + " bytes, the dataset holds " +
                       info.dtype);
      if (key == self) covered.insert(ds);
    }
    for (const auto& x : doc.select_nodes("//Grid[@CollectionType='Temporal']")) {
      bool first = true;
      double last = 0;
      for (const auto& g : x.node().children("Grid")) {
        const pugi::xml_node t = g.child("Time");
        if (!t) {
          add(where, std::string("a step of the temporal collection '") + x.node().attribute("Name").as_string() +
                         "' has no Time");
          continue;
        }
        const double v = t.attribute("Value").as_double(NAN);
        if (std::isnan(v) || (!first && !(v > last)))
          add(where, std::string("temporal collection '") + x.node().attribute("Name").as_string() + "': time " +
                         t.attribute("Value").as_string() + " does not follow " + fmt::format("{}", last));
        first = false;
        last = v;
      }
    }
    // A field the .xmf names under another dataset of the same step and shape (tessera-heat's final
    // field when the last snapshot is at the final step: one frame per time) counts as described.
    auto step_of = [&](const std::string& ds) {
      return has_attr(f_, ds, "step") ? std::to_string(read_attr_int(f_, ds, "step")) + " " +
                                            shape_to_string(dataset_info(f_, ds).shape)
                                      : std::string();
    };
    std::set<std::string> covered_steps;
    for (const auto& ds : covered)
      if (const auto k = step_of(ds); !k.empty()) covered_steps.insert(k);
    for (const auto& ds : fields)
      if (!covered.count(ds) && !covered_steps.count(step_of(ds))) add(where, "does not describe " + ds);
  }

  std::string path_;
  File f_;
  std::vector<Finding> findings_;
};

}  // namespace

std::vector<Finding> validate_file(const std::string& path) { return Checker(path).run(); }

}  // namespace tessera::io
