#include "xdmf_series.hpp"

#include <filesystem>
#include <sstream>

namespace heat {

std::string xdmf_path_for(const std::string& h5_path) {
  std::filesystem::path p(h5_path);
  p.replace_extension(".xmf");
  return p.string();
}

std::string xdmf_time_series(const std::string& h5_name, const std::vector<std::int64_t>& shape, double dx,
                             const std::vector<XdmfFrame>& frames) {
  const size_t nd = shape.size();
  std::ostringstream dims, origin, spacing;
  for (size_t d = 0; d < nd; ++d) {
    dims << (d ? " " : "") << shape[d];
    origin.precision(17);
    spacing.precision(17);
    origin << (d ? " " : "") << dx;
    spacing << (d ? " " : "") << dx;
  }
  const std::string topo = nd == 3 ? "3DCoRectMesh" : "2DCoRectMesh";
  const std::string geo = nd == 3 ? "ORIGIN_DXDYDZ" : "ORIGIN_DXDY";
  std::ostringstream x;
  x.precision(17);
  x << "<?xml version=\"1.0\" ?>\n"
    << "<!DOCTYPE Xdmf SYSTEM \"Xdmf.dtd\" []>\n"
    << "<Xdmf Version=\"3.0\">\n"
    << "  <Domain>\n"
    << "    <Grid Name=\"heat\" GridType=\"Collection\" CollectionType=\"Temporal\">\n";
  for (const auto& f : frames) {
    x << "      <Grid Name=\"step_" << f.step << "\" GridType=\"Uniform\">\n"
      << "        <Time Value=\"" << f.time << "\"/>\n"
      << "        <Topology TopologyType=\"" << topo << "\" Dimensions=\"" << dims.str() << "\"/>\n"
      << "        <Geometry GeometryType=\"" << geo << "\">\n"
      << "          <DataItem Format=\"XML\" NumberType=\"Float\" Precision=\"8\" Dimensions=\"" << nd << "\">"
      << origin.str() << "</DataItem>\n"
      << "          <DataItem Format=\"XML\" NumberType=\"Float\" Precision=\"8\" Dimensions=\"" << nd << "\">"
      << spacing.str() << "</DataItem>\n"
      << "        </Geometry>\n"
      << "        <Attribute Name=\"u\" AttributeType=\"Scalar\" Center=\"Node\">\n"
      << "          <DataItem Format=\"HDF\" NumberType=\"Float\" Precision=\"8\" Dimensions=\"" << dims.str() << "\">"
      << h5_name << ":" << f.dataset << "</DataItem>\n"
      << "        </Attribute>\n"
      << "      </Grid>\n";
  }
  x << "    </Grid>\n"
    << "  </Domain>\n"
    << "</Xdmf>\n";
  return x.str();
}

}  // namespace heat
