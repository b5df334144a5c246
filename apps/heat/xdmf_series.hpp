// apps/heat/xdmf_series.hpp: an XDMF 3 temporal collection over the snapshots of an HDF5 file, so
// ParaView/VisIt open "heat.xmf" and animate the run. Heat-specific for now (a uniform grid of
// n^dims nodes at x_i = (i+1)/(n+1)); to be folded into the library's io/xdmf later.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace heat {

struct XdmfFrame {
  std::string dataset;  // "/snapshots/u_000100"
  std::int64_t step = 0;
  double time = 0;
};

// The .xmf text. h5_name: the HDF5 file as the .xmf refers to it (its base name: the two sit
// side by side). shape: n per dimension (row-major, last fastest); spacing dx, origin dx.
std::string xdmf_time_series(const std::string& h5_name, const std::vector<std::int64_t>& shape, double dx,
                             const std::vector<XdmfFrame>& frames);
// "out/heat.h5" -> "out/heat.xmf"
std::string xdmf_path_for(const std::string& h5_path);

}  // namespace heat
