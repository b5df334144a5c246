// XDMF sidecars: the XML of one grid and of a temporal collection, their validation, file names.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tessera/core/error.hpp"
#include "tessera/core/fs.hpp"
#include "tessera/io/xdmf.hpp"

using namespace tessera;

namespace {
int count(const std::string& s, const std::string& what) {
  int n = 0;
  for (size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}
}  // namespace

TEST(Xdmf, TwoDimensionalGridReferencesTheDataset) {
  io::XdmfGrid g = io::XdmfGrid::uniform({300, 200});
  g.fields.push_back(io::XdmfField::of("out.h5", "/fields/u", {300, 200}, "float32"));
  const std::string x = io::xdmf_document(g);
  EXPECT_NE(x.find("<Xdmf Version=\"3.0\">"), std::string::npos);
  // written as 1 x ny x nx, so that ParaView puts it in the X-Y plane (a 2DCoRectMesh lands in Y-Z)
  EXPECT_EQ(x.find("2DCoRectMesh"), std::string::npos);
  EXPECT_NE(x.find("TopologyType=\"3DCoRectMesh\" Dimensions=\"1 300 200\""), std::string::npos);
  EXPECT_NE(x.find("GeometryType=\"ORIGIN_DXDYDZ\""), std::string::npos);
  EXPECT_NE(x.find("Name=\"Origin\" Dimensions=\"3\" NumberType=\"Float\" Precision=\"8\" Format=\"XML\">0 0 0<"),
            std::string::npos);
  EXPECT_NE(x.find("<Attribute Name=\"u\" AttributeType=\"Scalar\" Center=\"Node\">"), std::string::npos);
  EXPECT_NE(x.find("<DataItem Dimensions=\"1 300 200\" NumberType=\"Float\" Precision=\"4\" "
                   "Format=\"HDF\">out.h5:/fields/u</DataItem>"),
            std::string::npos);
  EXPECT_EQ(count(x, "<Grid"), count(x, "</Grid>"));
  EXPECT_EQ(count(x, "<DataItem"), count(x, "</DataItem>"));
}

TEST(Xdmf, TwoDimensionalOriginAndSpacingGainAUnitZ) {
  io::XdmfGrid g = io::XdmfGrid::uniform({3, 4});
  g.origin = {-1.5, 0.25};  // y, x
  g.spacing = {0.5, 0.125};
  g.fields.push_back(io::XdmfField::of("a.h5", "/f", {3, 4}, "int32"));
  const std::string x = io::xdmf_document(g);
  EXPECT_NE(x.find(">0 -1.5 0.25</DataItem>"), std::string::npos);
  EXPECT_NE(x.find(">1 0.5 0.125</DataItem>"), std::string::npos);
}

TEST(Xdmf, SeveralGridsInOneDomain) {
  std::vector<io::XdmfGrid> grids;
  for (const char* name : {"C", "A"}) {
    io::XdmfGrid g = io::XdmfGrid::uniform({4, 6});
    g.name = name;
    g.fields.push_back(io::XdmfField::of("c.h5", std::string("/fields/") + name, {4, 6}));
    grids.push_back(g);
  }
  const std::string x = io::xdmf_document(grids);
  EXPECT_EQ(count(x, "<Grid Name="), 2);
  EXPECT_NE(x.find("c.h5:/fields/A"), std::string::npos);
  EXPECT_EQ(count(x, "Collection"), 0);
  EXPECT_THROW(io::xdmf_document(std::vector<io::XdmfGrid>{}), UsageError);
}

TEST(Xdmf, ThreeDimensionalCellFieldsAndGeometry) {
  io::XdmfGrid g;
  g.points = {11, 21, 31};
  g.origin = {0, -1, 2.5};
  g.spacing = {0.1, 0.1, 0.2};
  io::XdmfField f = io::XdmfField::of("a.h5", "/fields/rho", {10, 20, 30}, "int64");
  f.center = "Cell";
  g.fields.push_back(f);
  const std::string x = io::xdmf_document(g);
  EXPECT_NE(x.find("3DCoRectMesh\" Dimensions=\"11 21 31\""), std::string::npos);
  EXPECT_NE(x.find(">0 -1 2.5</DataItem>"), std::string::npos);
  EXPECT_NE(x.find(">0.1 0.1 0.2</DataItem>"), std::string::npos);
  EXPECT_NE(x.find("Center=\"Cell\""), std::string::npos);
  EXPECT_NE(x.find("NumberType=\"Int\" Precision=\"8\""), std::string::npos);
}

TEST(Xdmf, RejectsWhatViewersCannotRead) {
  EXPECT_THROW(io::xdmf_document(io::XdmfGrid::uniform({100})), UsageError);
  io::XdmfGrid g = io::XdmfGrid::uniform({4, 5});
  g.fields.push_back(io::XdmfField::of("a.h5", "/x", {5, 4}));
  EXPECT_THROW(io::xdmf_document(g), UsageError);  // transposed shape
  g.fields[0].shape = {4, 5};
  g.fields[0].dtype = "compound";
  EXPECT_THROW(io::xdmf_document(g), UsageError);
  g.fields[0].dtype = "float64";
  g.origin = {0};
  EXPECT_THROW(io::xdmf_document(g), UsageError);
}

TEST(Xdmf, TemporalSeriesHasOneGridPerStepWithItsTime) {
  std::vector<io::XdmfStep> steps;
  for (int s = 0; s < 3; ++s) {
    io::XdmfGrid g = io::XdmfGrid::uniform({8, 8});
    g.name = "step" + std::to_string(s);
    g.fields.push_back(io::XdmfField::of("heat_" + std::to_string(s) + ".h5", "/fields/T", {8, 8}));
    steps.push_back({0.5 * s, g});
  }
  const std::string x = io::xdmf_series_document(steps, "heat");
  EXPECT_NE(x.find("<Grid Name=\"heat\" GridType=\"Collection\" CollectionType=\"Temporal\">"), std::string::npos);
  EXPECT_EQ(count(x, "<Time Value="), 3);
  EXPECT_NE(x.find("<Time Value=\"1\"/>"), std::string::npos);
  EXPECT_NE(x.find("heat_2.h5:/fields/T"), std::string::npos);
  EXPECT_EQ(count(x, "<Grid"), 4);
  EXPECT_EQ(count(x, "</Grid>"), 4);
}

TEST(Xdmf, PathsAndAtomicWrite) {
  EXPECT_EQ(io::xdmf_path_for("out/run.h5"), "out/run.xmf");
  EXPECT_EQ(io::xdmf_path_for("run.h5"), "run.xmf");
  EXPECT_EQ(io::relative_h5_name("out/run.xmf", "out/run.h5"), "run.h5");
  EXPECT_EQ(io::relative_h5_name("out/view/run.xmf", "out/data/run.h5"), "../data/run.h5");
  const auto dir = std::filesystem::temp_directory_path() / ("tessera-xdmf-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "a.xmf").string();
  io::XdmfGrid g = io::XdmfGrid::uniform({3, 4, 5});
  g.fields.push_back(io::XdmfField::of("a.h5", "/f", {3, 4, 5}));
  io::write_xdmf(path, g);
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_EQ(ss.str(), io::xdmf_document(g));
  EXPECT_TRUE(fs::temporaries_of(path).empty());
  EXPECT_THROW(io::write_xdmf("/nonexistent-dir-xyz/a.xmf", g), UsageError);
}
