// io::validate_file: a file written by the rules passes with no finding; each rule broken on its
// own gives the finding that names it (docs/file-format.md), so --validate can say FAILED.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>

#include "tessera/io/hyperslab.hpp"
#include "tessera/io/netcdf.hpp"
#include "tessera/io/output_file.hpp"
#include "tessera/io/validate.hpp"
#include "tessera/io/xdmf.hpp"

using namespace tessera;
namespace stdfs = std::filesystem;

namespace {
struct Dir {
  stdfs::path path = stdfs::temp_directory_path() / ("tessera-validate-" + std::to_string(::getpid()));
  Dir() { stdfs::create_directories(path); }
  ~Dir() { stdfs::remove_all(path); }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

using Mutation = std::function<void(const io::File&)>;

// A small file by the rules: /fields/u(y, x) in m with a snapshot series of two steps, /results
// along time, the provenance, and its .xmf (a temporal collection of the two snapshots and u).
// `mutate` runs before the file is closed; `times` are the .xmf's frame times.
std::string write_good(const Dir& d, const Mutation& mutate = {}, std::vector<double> times = {0.0, 0.5, 1.0},
                       bool xmf = true) {
  const std::string path = d.file("f.h5");
  stdfs::remove(path);
  {
    io::File f = io::File::open_serial(path, io::Mode::create);
    io::Provenance p{"heat", "tessera-heat --n 4", 1, 1, "1x1"};
    io::write_provenance(f, p);
    const std::vector<double> u(12, 0.5);
    const auto coords = io::nc::grid_coordinates({"y", "x"}, {3, 4}, {0.25, 0.2}, {0.25, 0.2}, "m");
    for (const std::string ds : {"/fields/u", "/snapshots/u_000000", "/snapshots/u_000001"}) {
      io::Handle h = io::create_dataset(f, ds, H5T_NATIVE_DOUBLE, {3, 4});
      const Box b = Box::whole({3, 4});
      io::write_box(f, h, b, u.data(), io::MemoryLayout::dense(b));
      h.reset();
      io::nc::write_dimensions(f, ds, coords);
      io::nc::describe(f, ds, "1", "temperature");
    }
    io::write_attr(f, "/fields/u", "step", std::int64_t{2});
    io::nc::Coordinate t;
    t.name = "time";
    t.values = {0.0, 0.5, 1.0};
    t.units = "s";
    t.long_name = "time";
    t.axis = "T";
    t.standard_name = "time";
    io::nc::write_coordinate(f, "/results", t);
    io::nc::write_series(f, "/results/step", std::vector<std::int64_t>{0, 1, 2}, "time", "1", "step");
    io::nc::write_series(f, "/results/l2", std::vector<double>{1, 0.9, 0.8}, "time", "1", "L2 norm");
    io::write_attr(f, "/results/l2", "coordinates", "step");
    if (mutate) mutate(f);
    f.close();
  }
  const std::string x = d.file("f.xmf");
  stdfs::remove(x);
  if (xmf) {
    std::vector<io::XdmfStep> steps;
    const char* names[] = {"/snapshots/u_000000", "/snapshots/u_000001", "/fields/u"};
    for (size_t i = 0; i < times.size(); ++i) {
      io::XdmfGrid g = io::XdmfGrid::uniform({3, 4});
      g.fields.push_back(io::XdmfField::of("f.h5", names[i % 3], {3, 4}));
      steps.push_back({times[i], g});
    }
    io::write_xdmf_series(x, steps);
  }
  return path;
}

// The findings' text, one per line (for the failure messages).
std::string text(const std::vector<io::Finding>& fs) {
  std::string s;
  for (const auto& f : fs) s += f.where + ": " + f.what + "\n";
  return s;
}

// Exactly one finding, at `where`, that says `what`.
void expect_one(const std::vector<io::Finding>& fs, const std::string& where, const std::string& what) {
  ASSERT_EQ(fs.size(), 1u) << text(fs);
  EXPECT_EQ(fs[0].where, where) << text(fs);
  EXPECT_NE(fs[0].what.find(what), std::string::npos) << text(fs);
}

void raw_attr(const io::File& f, const std::string& obj, const std::string& name, hid_t type, const void* value) {
  io::Handle o(H5Oopen(f.id(), obj.c_str(), H5P_DEFAULT), H5Oclose);
  if (H5Aexists(o, name.c_str()) > 0) H5Adelete(o, name.c_str());
  io::Handle sp = io::make_space_handle(H5Screate(H5S_SCALAR));
  io::Handle a = io::make_attr_handle(H5Acreate2(o, name.c_str(), type, sp, H5P_DEFAULT, H5P_DEFAULT));
  H5Awrite(a, type, value);
}
}  // namespace

TEST(Validate, AFileByTheRulesHasNoFinding) {
  Dir d;
  const auto fs = io::validate_file(write_good(d));
  EXPECT_TRUE(fs.empty()) << text(fs);
}

TEST(Validate, AnAxisWithoutDimensionScale) {
  Dir d;
  const auto path = write_good(d, [](const io::File& f) {
    io::Handle h = io::create_dataset(f, "/results/bare", H5T_NATIVE_DOUBLE, {3});
    const std::vector<double> v{1, 2, 3};
    const Box b = Box::whole({3});
    io::write_box(f, h, b, v.data(), io::MemoryLayout::dense(b));
    h.reset();
    io::nc::describe(f, "/results/bare", "1", "no dimension");
  });
  expect_one(io::validate_file(path), "/results/bare", "axis 0 has no dimension scale");
}

TEST(Validate, AFixedLengthStringAttribute) {
  Dir d;
  const auto path = write_good(d, [](const io::File& f) {
    io::Handle t = io::make_type_handle(H5Tcopy(H5T_C_S1));
    H5Tset_size(t, 5);
    raw_attr(f, "/fields/u", "comment", t, "hello");
  });
  expect_one(io::validate_file(path), "/fields/u", "attribute 'comment' is a fixed-length string");
}

TEST(Validate, AnInt32Attribute) {
  Dir d;
  const std::int32_t v = 7;
  const auto path = write_good(d, [&](const io::File& f) { raw_attr(f, "/fields/u", "max_iter", H5T_NATIVE_INT32, &v); });
  expect_one(io::validate_file(path), "/fields/u", "attribute 'max_iter' is int32 (expected int64)");
}

TEST(Validate, MissingUnits) {
  Dir d;
  const auto path = write_good(d, [](const io::File& f) {
    io::Handle o(H5Oopen(f.id(), "/results/l2", H5P_DEFAULT), H5Oclose);
    H5Adelete(o, "units");
  });
  expect_one(io::validate_file(path), "/results/l2", "no units");
}

TEST(Validate, ACoordinateThatIsNotMonotonic) {
  Dir d;
  const auto path = write_good(d, [](const io::File& f) {
    io::Handle h = f.open_dataset("/results/time");
    const double v[3] = {0.0, 1.0, 0.5};
    H5Dwrite(h, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
  });
  expect_one(io::validate_file(path), "/results/time", "not strictly monotonic");
}

TEST(Validate, ACoordinatesAttributeNamingNothing) {
  Dir d;
  const auto path = write_good(d, [](const io::File& f) { io::write_attr(f, "/results/l2", "coordinates", "stp"); });
  expect_one(io::validate_file(path), "/results/l2", "names 'stp'");
}

TEST(Validate, AProvenanceValueOutsideItsList) {
  Dir d;
  const auto path = write_good(d, [](const io::File& f) { io::write_attr(f, "/", "kind", "snapshot"); });
  expect_one(io::validate_file(path), "/ (root)", "kind is 'snapshot'");
}

TEST(Validate, AMissingProvenanceAttribute) {
  Dir d;
  const auto path = write_good(d, [](const io::File& f) {
    io::Handle o(H5Oopen(f.id(), "/", H5P_DEFAULT), H5Oclose);
    H5Adelete(o, "git_hash");
  });
  expect_one(io::validate_file(path), "/ (root)", "no provenance attribute 'git_hash'");
}

TEST(Validate, TimesThatDoNotIncrease) {
  Dir d;
  expect_one(io::validate_file(write_good(d, {}, {0.0, 1.0, 0.5})), "f.xmf", "time 0.5 does not follow 1");
}

TEST(Validate, AnXmfThatNamesAMissingDatasetOrTheWrongShape) {
  Dir d;
  const auto path = write_good(d);
  const std::string x = d.file("f.xmf");
  std::ifstream in(x);
  std::string doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  in.close();
  auto rewrite = [&](const std::string& from, const std::string& to) {
    std::string changed = doc;
    changed.replace(changed.find(from), from.size(), to);
    std::ofstream(x) << changed;
  };
  rewrite("f.h5:/fields/u", "f.h5:/fields/v");
  const auto fs = io::validate_file(path);
  ASSERT_EQ(fs.size(), 2u) << text(fs);  // the DataItem, and /fields/u now described nowhere
  EXPECT_NE(fs[0].what.find("'f.h5:/fields/v' names a dataset that does not exist"), std::string::npos) << text(fs);
  EXPECT_NE(fs[1].what.find("does not describe /fields/u"), std::string::npos) << text(fs);
  rewrite("Dimensions=\"1 3 4\" NumberType", "Dimensions=\"1 4 3\" NumberType");
  const auto fs2 = io::validate_file(path);
  ASSERT_FALSE(fs2.empty());
  EXPECT_NE(fs2[0].what.find("has Dimensions \"1 4 3\", the dataset 3x4"), std::string::npos) << text(fs2);
}

TEST(Validate, FieldsWithoutAnXmf) {
  Dir d;
  expect_one(io::validate_file(write_good(d, {}, {}, false)), "f.xmf", "missing");
}

TEST(Validate, NotAFileIsBadInput) {
  Dir d;
  EXPECT_THROW(io::validate_file(d.file("none.h5")), UsageError);
}
