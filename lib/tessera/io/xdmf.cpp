#include "tessera/io/xdmf.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <map>

#include "tessera/core/error.hpp"
#include "tessera/core/fs.hpp"

namespace tessera::io {
namespace stdfs = std::filesystem;

namespace {
std::string join(const std::vector<Index>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? " " : "") + std::to_string(v[i]);
  return s;
}
std::string join(const std::vector<double>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? " " : "") + fmt::format("{}", v[i]);
  return s;
}
std::string xml_escape(const std::string& in) {
  std::string out;
  for (char c : in) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}
void validate(const XdmfGrid& g) {
  const size_t nd = g.points.size();
  if (nd != 2 && nd != 3) throw UsageError("XDMF grids have 2 or 3 dimensions, not " + std::to_string(nd));
  if (!g.origin.empty() && g.origin.size() != nd) throw UsageError("XDMF: origin has the wrong number of values");
  if (!g.spacing.empty() && g.spacing.size() != nd) throw UsageError("XDMF: spacing has the wrong number of values");
  for (const auto& f : g.fields) {
    if (f.shape.size() != nd)
      throw UsageError("XDMF: field '" + f.name + "' has " + std::to_string(f.shape.size()) +
                       " dimensions, the grid " + std::to_string(nd));
    for (size_t d = 0; d < nd; ++d) {
      const Index want = f.center == "Cell" ? g.points[d] - 1 : g.points[d];
      if (f.shape[d] != want)
        throw UsageError("XDMF: field '" + f.name + "' of shape " + shape_to_string(f.shape) + " does not fit " +
                         f.center + "s of a grid of " + shape_to_string(g.points) + " points");
    }
    if (f.center != "Node" && f.center != "Cell") throw UsageError("XDMF: center must be Node or Cell");
    (void)xdmf_number_type(f.dtype);
  }
}

// The <Grid> element of one uniform grid, indented by `ind` spaces, optionally with a <Time>.
// A 2D grid of ny x nx points is written as a 3D one of 1 x ny x nx (origin 0 y0 x0, spacing
// 1 dy dx, DataItems of 1 ny nx): ParaView's XDMF readers then put it in the X-Y plane, x to the
// right and y up (a 2DCoRectMesh lands in the Y-Z plane at x = 0).
std::string grid_xml(const XdmfGrid& g, int ind, const double* time) {
  validate(g);
  const std::string p(static_cast<size_t>(ind), ' ');
  const size_t nd = g.points.size();
  std::vector<double> origin = g.origin.empty() ? std::vector<double>(nd, 0.0) : g.origin;
  std::vector<double> spacing = g.spacing.empty() ? std::vector<double>(nd, 1.0) : g.spacing;
  std::vector<Index> points = g.points;
  const auto as_3d = [](std::vector<Index> shape) {
    if (shape.size() == 2) shape.insert(shape.begin(), 1);
    return shape;
  };
  if (nd == 2) {
    points = as_3d(points);
    origin.insert(origin.begin(), 0.0);
    spacing.insert(spacing.begin(), 1.0);
  }
  std::string s;
  s += p + "<Grid Name=\"" + xml_escape(g.name) + "\" GridType=\"Uniform\">\n";
  if (time) s += p + fmt::format("  <Time Value=\"{}\"/>\n", *time);
  s += p + "  <Topology TopologyType=\"3DCoRectMesh\" Dimensions=\"" + join(points) + "\"/>\n";
  s += p + "  <Geometry GeometryType=\"ORIGIN_DXDYDZ\">\n";
  s += p + "    <DataItem Name=\"Origin\" Dimensions=\"3\" NumberType=\"Float\" Precision=\"8\" Format=\"XML\">" +
       join(origin) + "</DataItem>\n";
  s += p + "    <DataItem Name=\"Spacing\" Dimensions=\"3\" NumberType=\"Float\" Precision=\"8\" Format=\"XML\">" +
       join(spacing) + "</DataItem>\n";
  s += p + "  </Geometry>\n";
  for (const auto& f : g.fields) {
    const auto [type, prec] = xdmf_number_type(f.dtype);
    s += p + "  <Attribute Name=\"" + xml_escape(f.name) + "\" AttributeType=\"Scalar\" Center=\"" + f.center + "\">\n";
    s += p + "    <DataItem Dimensions=\"" + join(as_3d(f.shape)) + "\" NumberType=\"" + type + "\" Precision=\"" +
         std::to_string(prec) + "\" Format=\"HDF\">" + xml_escape(f.h5_file + ":" + f.dataset) + "</DataItem>\n";
    s += p + "  </Attribute>\n";
  }
  s += p + "</Grid>\n";
  return s;
}

const char* kHeader =
    "<?xml version=\"1.0\" ?>\n"
    "<!DOCTYPE Xdmf SYSTEM \"Xdmf.dtd\" []>\n"
    "<Xdmf Version=\"3.0\">\n"
    "  <Domain>\n";
const char* kFooter =
    "  </Domain>\n"
    "</Xdmf>\n";

void rank0_writes(const mpi::Comm& comm, const std::function<void()>& write) {
  comm.collective_check([&] {
    if (comm.rank() == 0) write();
  });
}
}  // namespace

std::pair<std::string, int> xdmf_number_type(const std::string& dtype) {
  static const std::map<std::string, std::pair<std::string, int>> types = {
      {"float64", {"Float", 8}}, {"float32", {"Float", 4}}, {"int64", {"Int", 8}},   {"int32", {"Int", 4}},
      {"int16", {"Short", 2}},   {"int8", {"Char", 1}},     {"uint64", {"UInt", 8}}, {"uint32", {"UInt", 4}},
      {"uint16", {"UShort", 2}}, {"uint8", {"UChar", 1}}};
  const auto it = types.find(dtype);
  if (it == types.end()) throw UsageError("XDMF: unsupported dtype '" + dtype + "'");
  return it->second;
}

XdmfField XdmfField::of(const std::string& h5_file, const std::string& dataset, const std::vector<Index>& shape,
                        const std::string& dtype) {
  XdmfField f;
  const auto slash = dataset.find_last_of('/');
  f.name = slash == std::string::npos ? dataset : dataset.substr(slash + 1);
  f.h5_file = h5_file;
  f.dataset = dataset;
  f.shape = shape;
  f.dtype = dtype;
  return f;
}

XdmfGrid XdmfGrid::uniform(const std::vector<Index>& shape) {
  XdmfGrid g;
  g.points = shape;
  return g;
}

std::string xdmf_path_for(const std::string& h5_path) {
  stdfs::path p(h5_path);
  p.replace_extension(".xmf");
  return p.string();
}

std::string relative_h5_name(const std::string& xmf_path, const std::string& h5_path) {
  stdfs::path dir = stdfs::path(xmf_path).parent_path();
  if (dir.empty()) dir = ".";
  std::error_code ec;
  const auto rel = stdfs::proximate(h5_path, dir, ec);
  return ec ? stdfs::path(h5_path).filename().string() : rel.string();
}

std::string xdmf_document(const XdmfGrid& grid) { return kHeader + grid_xml(grid, 4, nullptr) + kFooter; }

std::string xdmf_document(const std::vector<XdmfGrid>& grids) {
  if (grids.empty()) throw UsageError("XDMF: a document needs at least one grid");
  std::string s = kHeader;
  for (const auto& g : grids) s += grid_xml(g, 4, nullptr);
  return s + kFooter;
}

std::string xdmf_series_document(const std::vector<XdmfStep>& steps, const std::string& name) {
  std::string s = kHeader;
  s += "    <Grid Name=\"" + xml_escape(name) + "\" GridType=\"Collection\" CollectionType=\"Temporal\">\n";
  for (const auto& st : steps) s += grid_xml(st.grid, 6, &st.time);
  s += "    </Grid>\n";
  return s + kFooter;
}

void write_xdmf(const std::string& xmf_path, const XdmfGrid& grid) {
  fs::write_text_atomically(xmf_path, xdmf_document(grid));
}

void write_xdmf(const std::string& xmf_path, const std::vector<XdmfGrid>& grids) {
  fs::write_text_atomically(xmf_path, xdmf_document(grids));
}

void write_xdmf_series(const std::string& xmf_path, const std::vector<XdmfStep>& steps, const std::string& name) {
  fs::write_text_atomically(xmf_path, xdmf_series_document(steps, name));
}

void write_xdmf(const mpi::Comm& comm, const std::string& xmf_path, const XdmfGrid& grid) {
  rank0_writes(comm, [&] { write_xdmf(xmf_path, grid); });
}

void write_xdmf(const mpi::Comm& comm, const std::string& xmf_path, const std::vector<XdmfGrid>& grids) {
  rank0_writes(comm, [&] { write_xdmf(xmf_path, grids); });
}

void write_xdmf_series(const mpi::Comm& comm, const std::string& xmf_path, const std::vector<XdmfStep>& steps,
                       const std::string& name) {
  rank0_writes(comm, [&] { write_xdmf_series(xmf_path, steps, name); });
}

}  // namespace tessera::io
