// io::validate_file: a file written by the rules passes with no finding; each rule broken on its
// own gives the finding that names it (docs/file-format.md), so --validate can say FAILED.
#include <gtest/gtest.h>
#include <hdf5_hl.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include "tessera/io/hdf5.hpp"
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

// The same rules on files built with the HDF5 C API and H5DS directly and .xmf text written by
// hand from docs/file-format.md, independent of Tessera's writers (io/netcdf, io/xdmf, the
// provenance): a misreading of the spec shared by a writer and the validator shows here.
namespace {

// The handle of a call that must succeed (a negative id fails the test).
io::Handle own(hid_t id, io::Handle::Closer close) {
  EXPECT_GE(id, 0);
  return io::Handle(id, close);
}

hid_t vl_string_type(H5T_cset_t cset = H5T_CSET_UTF8) {
  const hid_t t = H5Tcopy(H5T_C_S1);
  H5Tset_size(t, H5T_VARIABLE);
  H5Tset_cset(t, cset);
  return t;
}

void drop_attr(hid_t obj, const char* name) {
  if (H5Aexists(obj, name) > 0) {
    EXPECT_GE(H5Adelete(obj, name), 0) << name;
  }
}

void attr(hid_t obj, const char* name, hid_t type, const std::vector<hsize_t>& dims, const void* value) {
  drop_attr(obj, name);
  const int rank = static_cast<int>(dims.size());
  const io::Handle space =
      own(rank == 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(rank, dims.data(), nullptr), H5Sclose);
  const io::Handle a = own(H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  EXPECT_GE(H5Awrite(a, type, value), 0) << name;
}
void str(hid_t obj, const char* name, const std::string& v) {
  const io::Handle t = own(vl_string_type(), H5Tclose);
  const char* p = v.c_str();
  attr(obj, name, t, {}, &p);
}
void i64(hid_t obj, const char* name, std::int64_t v) { attr(obj, name, H5T_NATIVE_INT64, {}, &v); }
void f64(hid_t obj, const char* name, double v) { attr(obj, name, H5T_NATIVE_DOUBLE, {}, &v); }

// An object of the file by path (group or dataset).
io::Handle object(hid_t file, const std::string& path) {
  return own(H5Oopen(file, path.c_str(), H5P_DEFAULT), H5Oclose);
}

// A dataset of `type` and shape `dims` at `path`, its parents created, filled from `data`.
void dataset(hid_t file, const std::string& path, hid_t type, const std::vector<hsize_t>& dims, const void* data) {
  const io::Handle lcpl = own(H5Pcreate(H5P_LINK_CREATE), H5Pclose);
  H5Pset_create_intermediate_group(lcpl, 1);
  const io::Handle space = own(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose);
  const io::Handle ds = own(H5Dcreate2(file, path.c_str(), type, space, lcpl, H5P_DEFAULT, H5P_DEFAULT), H5Dclose);
  EXPECT_GE(H5Dwrite(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), 0) << path;
}

void describe(hid_t file, const std::string& path, const std::string& units, const std::string& long_name) {
  const io::Handle o = object(file, path);
  str(o, "units", units);
  str(o, "long_name", long_name);
}

// A float64 coordinate variable: a dimension scale named like the dataset, with its CF attributes.
void coordinate(hid_t file, const std::string& path, const std::vector<double>& v, const std::string& units,
                const std::string& axis, const std::string& standard_name = "") {
  dataset(file, path, H5T_NATIVE_DOUBLE, {v.size()}, v.data());
  const std::string name = path.substr(path.rfind('/') + 1);
  const io::Handle o = object(file, path);
  EXPECT_GE(H5DSset_scale(o, name.c_str()), 0);
  str(o, "units", units);
  str(o, "long_name", name);
  if (!axis.empty()) str(o, "axis", axis);
  if (!standard_name.empty()) str(o, "standard_name", standard_name);
}

// Attaches the scales `dims` (paths, slowest axis first) to the axes of `var`.
void attach(hid_t file, const std::string& var, const std::vector<std::string>& dims) {
  const io::Handle ds = own(H5Dopen2(file, var.c_str(), H5P_DEFAULT), H5Dclose);
  for (unsigned d = 0; d < dims.size(); ++d) {
    const io::Handle scale = own(H5Dopen2(file, dims[d].c_str(), H5P_DEFAULT), H5Dclose);
    EXPECT_GE(H5DSattach_scale(ds, scale, d), 0) << var << " " << dims[d];
  }
}

// A 3 x 4 temperature field on the group's own x and y (created with the group, by its first field).
void field(hid_t file, const std::string& group, const std::string& name, double value) {
  if (H5Lexists(file, group.c_str(), H5P_DEFAULT) <= 0) {
    coordinate(file, group + "/x", {0.2, 0.4, 0.6, 0.8}, "m", "X");
    coordinate(file, group + "/y", {0.25, 0.5, 0.75}, "m", "Y");
  }
  const std::vector<double> u(12, value);
  dataset(file, group + "/" + name, H5T_NATIVE_DOUBLE, {3, 4}, u.data());
  attach(file, group + "/" + name, {group + "/y", group + "/x"});
  describe(file, group + "/" + name, "1", "temperature");
}

// The provenance of docs/file-format.md's table, literally.
void provenance(hid_t file) {
  const io::Handle root = object(file, "/");
  for (const auto& [name, value] : std::vector<std::pair<const char*, const char*>>{
           {"Conventions", "CF-1.8"},
           {"title", "tessera-heat result"},
           {"source", "Tessera 0.2.0 (git 1a2b3c4), tessera-heat"},
           {"history", "2026-12-03T08:00:00Z: mpirun -np 1 tessera-heat --n 4"},
           {"program", "tessera-heat"},
           {"app", "heat"},
           {"version", "0.2.0"},
           {"git_hash", "1a2b3c4"},
           {"grid", "1x1"},
           {"command_line", "tessera-heat --n 4"},
           {"created_utc", "2026-12-03T08:00:00Z"},
           {"kind", "result"},
           {"verified", "VERIFIED"},
           {"mpi_library", "Open MPI v4.1"},
           {"hdf5_version", "1.10.10"}})
    str(root, name, value);
  i64(root, "ranks", 1);
  i64(root, "threads", 1);
  i64(root, "tessera_format", 2);
}

// The .xmf: a temporal collection of the two snapshots and the final field. The snapshots' items
// have the 2D form "1 ny nx", the final field's its plain shape "ny nx" (both allowed).
std::string good_xmf() {
  std::ostringstream x;
  x << "<?xml version=\"1.0\" ?>\n<Xdmf Version=\"3.0\">\n  <Domain>\n"
       "    <Grid Name=\"u\" GridType=\"Collection\" CollectionType=\"Temporal\">\n";
  const char* items[][3] = {{"0", "/snapshots/u_000000", "1 3 4"},
                            {"0.5", "/snapshots/u_000001", "1 3 4"},
                            {"1", "/fields/u", "3 4"}};
  for (const auto& [t, ds, dims] : items)
    x << "      <Grid Name=\"u\" GridType=\"Uniform\">\n        <Time Value=\"" << t << "\"/>\n"
      << "        <Topology TopologyType=\"3DCoRectMesh\" Dimensions=\"1 3 4\"/>\n"
      << "        <Geometry GeometryType=\"ORIGIN_DXDYDZ\">\n"
      << "          <DataItem Name=\"Origin\" Dimensions=\"3\" NumberType=\"Float\" Precision=\"8\" "
         "Format=\"XML\">0 0.25 0.2</DataItem>\n"
      << "          <DataItem Name=\"Spacing\" Dimensions=\"3\" NumberType=\"Float\" Precision=\"8\" "
         "Format=\"XML\">1 0.25 0.2</DataItem>\n        </Geometry>\n"
      << "        <Attribute Name=\"u\" AttributeType=\"Scalar\" Center=\"Node\">\n"
      << "          <DataItem Dimensions=\"" << dims << "\" NumberType=\"Float\" Precision=\"8\" Format=\"HDF\">"
      << "f.h5:" << ds << "</DataItem>\n        </Attribute>\n      </Grid>\n";
  x << "    </Grid>\n  </Domain>\n</Xdmf>\n";
  return x.str();
}

using RawMutation = std::function<void(hid_t file)>;
using XmfEdit = std::function<std::string(std::string)>;

// The good file f.h5 (and f.xmf unless `xmf` is false), `mutate` applied before the file is closed,
// `edit` to the .xmf's text. Returns the path of the .h5.
std::string write_raw(const Dir& d, const RawMutation& mutate = {}, const XmfEdit& edit = {}, bool xmf = true) {
  const std::string path = d.file("f.h5");
  stdfs::remove(path);
  {
    const io::Handle file = own(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose);
    provenance(file);
    field(file, "/fields", "u", 1.0);
    {
      const io::Handle u = object(file, "/fields/u");
      i64(u, "step", 2);
      f64(u, "time", 1.0);
      const std::int64_t shape[2] = {3, 4};
      attr(u, "block_shape", H5T_NATIVE_INT64, {2}, shape);  // a 1-D int64 array: allowed
    }
    field(file, "/snapshots", "u_000000", 0.0);
    field(file, "/snapshots", "u_000001", 0.5);
    coordinate(file, "/snapshots/time", {0.0, 0.5}, "s", "T", "time");
    const std::int64_t snap_steps[2] = {0, 1};
    dataset(file, "/snapshots/step", H5T_NATIVE_INT64, {2}, snap_steps);
    attach(file, "/snapshots/step", {"/snapshots/time"});
    describe(file, "/snapshots/step", "1", "step");
    coordinate(file, "/results/time", {0.0, 0.5, 1.0}, "s", "T", "time");
    const std::int64_t steps[3] = {0, 1, 2};
    dataset(file, "/results/step", H5T_NATIVE_INT64, {3}, steps);
    const double l2[3] = {1.0, 0.9, 0.8};
    dataset(file, "/results/l2", H5T_NATIVE_DOUBLE, {3}, l2);
    {
      const io::Handle t = own(vl_string_type(), H5Tclose);
      const char* status[3] = {"ok", "ok", "fertig \xc3\xbc"};  // a string column, UTF-8
      dataset(file, "/results/status", t, {3}, status);
    }
    for (const char* v : {"/results/step", "/results/l2", "/results/status"}) attach(file, v, {"/results/time"});
    describe(file, "/results/step", "1", "step");
    describe(file, "/results/l2", "1", "L2 norm");
    {
      const io::Handle o = object(file, "/results/l2");
      str(o, "coordinates", "step");
    }
    if (mutate) mutate(file);
  }
  const std::string x = d.file("f.xmf");
  stdfs::remove(x);
  if (xmf) std::ofstream(x) << (edit ? edit(good_xmf()) : good_xmf());
  return path;
}

std::string replace(std::string s, const std::string& from, const std::string& to) {
  const auto p = s.find(from);
  EXPECT_NE(p, std::string::npos) << from;
  if (p != std::string::npos) s.replace(p, from.size(), to);
  return s;
}

}  // namespace

TEST(ValidateRaw, AFileByTheSpecHasNoFinding) {
  Dir d;
  // the .xmf names "f.h5" relative to itself: the working directory is elsewhere
  ASSERT_NE(stdfs::current_path(), d.path);
  const auto fs = io::validate_file(write_raw(d));
  EXPECT_TRUE(fs.empty()) << text(fs);
  // H5DS wrote its own attributes (CLASS, NAME fixed-length; REFERENCE_LIST compound; DIMENSION_LIST
  // of references): there, and ignored
  const std::string path = d.file("f.h5");
  const io::Handle file = own(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  EXPECT_GT(H5Aexists_by_name(file, "/fields/x", "CLASS", H5P_DEFAULT), 0);
  EXPECT_GT(H5Aexists_by_name(file, "/fields/x", "REFERENCE_LIST", H5P_DEFAULT), 0);
  EXPECT_GT(H5Aexists_by_name(file, "/fields/u", "DIMENSION_LIST", H5P_DEFAULT), 0);
}

// Rule 1: dimensions and coordinate variables.
TEST(ValidateRaw, AnAxisWithoutDimensionScale) {
  Dir d;
  const auto path = write_raw(d, [](hid_t f) {
    const double v[3] = {1, 2, 3};
    dataset(f, "/results/bare", H5T_NATIVE_DOUBLE, {3}, v);
    describe(f, "/results/bare", "1", "no dimension");
  });
  expect_one(io::validate_file(path), "/results/bare", "axis 0 has no dimension scale");
}

TEST(ValidateRaw, OneAxisOfTwoWithoutScale) {
  Dir d;
  const auto path = write_raw(d, [](hid_t f) {
    const std::vector<double> v(12, 0.0);
    dataset(f, "/fields/w", H5T_NATIVE_DOUBLE, {3, 4}, v.data());
    attach(f, "/fields/w", {"/fields/y"});  // axis 1 left bare
    describe(f, "/fields/w", "1", "w");
  });
  // /fields/w is 2D and not in the .xmf either: two findings, each named
  const auto fs = io::validate_file(path);
  ASSERT_EQ(fs.size(), 2u) << text(fs);
  EXPECT_EQ(fs[0].where, "/fields/w");
  EXPECT_NE(fs[0].what.find("axis 1 has no dimension scale"), std::string::npos) << text(fs);
  EXPECT_NE(fs[1].what.find("does not describe /fields/w"), std::string::npos) << text(fs);
}

TEST(ValidateRaw, AScaleInAnotherGroup) {
  Dir d;
  const auto path = write_raw(d, [](hid_t f) {
    const double v[3] = {1, 2, 3};
    dataset(f, "/fields/w", H5T_NATIVE_DOUBLE, {3}, v);
    attach(f, "/fields/w", {"/results/time"});
    describe(f, "/fields/w", "1", "w");
  });
  expect_one(io::validate_file(path), "/fields/w", "is in another group");
}

TEST(ValidateRaw, AScaleOfAnotherLength) {
  Dir d;
  const auto path = write_raw(d, [](hid_t f) {
    const double v[5] = {1, 2, 3, 4, 5};
    dataset(f, "/fields/w", H5T_NATIVE_DOUBLE, {5}, v);
    attach(f, "/fields/w", {"/fields/x"});
    describe(f, "/fields/w", "1", "w");
  });
  expect_one(io::validate_file(path), "/fields/w", "axis 0 has 5 elements, its dimension /fields/x 4");
}

TEST(ValidateRaw, AScaleNamedUnlikeItsVariable) {
  Dir d;
  const auto path = write_raw(d, [](hid_t f) {
    const io::Handle x = object(f, "/fields/x");
    EXPECT_GE(H5DSset_scale(x, "lon"), 0);  // rewrites NAME
  });
  expect_one(io::validate_file(path), "/fields/x", "a dimension scale named 'lon'");
}

TEST(ValidateRaw, ACoordinateThatIsNotMonotonic) {
  Dir d;
  const auto path = write_raw(d, [](hid_t f) {
    const io::Handle ds = own(H5Dopen2(f, "/results/time", H5P_DEFAULT), H5Dclose);
    const double v[3] = {0.0, 1.0, 0.5};
    EXPECT_GE(H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v), 0);
  });
  expect_one(io::validate_file(path), "/results/time", "not strictly monotonic");
}

TEST(ValidateRaw, ACoordinateWithARepeatedValue) {
  Dir d;
  const auto path = write_raw(d, [](hid_t f) {
    const io::Handle ds = own(H5Dopen2(f, "/fields/x", H5P_DEFAULT), H5Dclose);
    const double v[4] = {0.2, 0.4, 0.4, 0.8};  // monotonic, not strictly
    EXPECT_GE(H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v), 0);
  });
  expect_one(io::validate_file(path), "/fields/x", "not strictly monotonic");
}

TEST(ValidateRaw, ADecreasingCoordinateIsFine) {
  Dir d;
  const auto path = write_raw(d, [](hid_t f) {
    const io::Handle ds = own(H5Dopen2(f, "/fields/y", H5P_DEFAULT), H5Dclose);
    const double v[3] = {0.75, 0.5, 0.25};
    EXPECT_GE(H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v), 0);
  });
  const auto fs = io::validate_file(path);
  EXPECT_TRUE(fs.empty()) << text(fs);
}

TEST(ValidateRaw, ACoordinateWithNaN) {
  Dir d;
  const auto path = write_raw(d, [](hid_t f) {
    const io::Handle ds = own(H5Dopen2(f, "/fields/x", H5P_DEFAULT), H5Dclose);
    const double v[4] = {0.2, NAN, 0.6, 0.8};
    EXPECT_GE(H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v), 0);
  });
  expect_one(io::validate_file(path), "/fields/x", "NaN");
}

// Rule 2: attribute types.
TEST(ValidateRaw, AFixedLengthStringAttribute) {
  Dir d;
  const auto path = write_raw(d, [](hid_t f) {
    const io::Handle t = own(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(t, 5);
    const io::Handle o = object(f, "/fields/u");
    attr(o, "comment", t, {}, "hello");
  });
  expect_one(io::validate_file(path), "/fields/u", "attribute 'comment' is a fixed-length string");
}

TEST(ValidateRaw, AnAsciiStringAttribute) {
  Dir d;
  const auto path = write_raw(d, [](hid_t f) {
    const io::Handle t = own(vl_string_type(H5T_CSET_ASCII), H5Tclose);
    const char* p = "hello";
    const io::Handle o = object(f, "/results/l2");
    attr(o, "comment", t, {}, &p);
  });
  expect_one(io::validate_file(path), "/results/l2", "attribute 'comment' is an ASCII string");
}

TEST(ValidateRaw, AFloat32Attribute) {
  Dir d;
  const auto path = write_raw(d, [](hid_t f) {
    const float v = 0.5f;
    const io::Handle o = object(f, "/fields/u");
    attr(o, "time", H5T_NATIVE_FLOAT, {}, &v);
  });
  expect_one(io::validate_file(path), "/fields/u", "attribute 'time' is float32 (expected float64)");
}

TEST(ValidateRaw, ATwoDimensionalIntegerAttribute) {
  Dir d;
  const auto path = write_raw(d, [](hid_t f) {
    const std::int64_t v[4] = {1, 2, 3, 4};
    const io::Handle o = object(f, "/fields/u");
    attr(o, "block_shape", H5T_NATIVE_INT64, {2, 2}, v);
  });
  expect_one(io::validate_file(path), "/fields/u", "attribute 'block_shape' has 2 dimensions");
}

// Rule 3: units, long_name, axis, standard_name.
TEST(ValidateRaw, MissingUnits) {
  Dir d;
  const auto path = write_raw(d, [](hid_t f) {
    const io::Handle o = object(f, "/results/l2");
    drop_attr(o, "units");
  });
  expect_one(io::validate_file(path), "/results/l2", "no units");
}

TEST(ValidateRaw, ACoordinateWithoutUnits) {
  Dir d;
  const auto path = write_raw(d, [](hid_t f) {
    const io::Handle o = object(f, "/snapshots/x");
    drop_attr(o, "units");
  });
  expect_one(io::validate_file(path), "/snapshots/x", "no units");
}

TEST(ValidateRaw, MissingLongName) {
  Dir d;
  const auto path = write_raw(d, [](hid_t f) {
    const io::Handle o = object(f, "/fields/u");
    drop_attr(o, "long_name");
  });
  expect_one(io::validate_file(path), "/fields/u", "no long_name");
}

TEST(ValidateRaw, AnXCoordinateOnTheWrongAxis) {
  Dir d;
  const auto path = write_raw(d, [](hid_t f) {
    const io::Handle o = object(f, "/fields/x");
    str(o, "axis", "Y");
  });
  expect_one(io::validate_file(path), "/fields/x", "has axis 'Y' (expected X)");
}

TEST(ValidateRaw, AYCoordinateWithoutAxis) {
  Dir d;
  const auto path = write_raw(d, [](hid_t f) {
    const io::Handle o = object(f, "/snapshots/y");
    drop_attr(o, "axis");
  });
  expect_one(io::validate_file(path), "/snapshots/y", "(expected Y)");
}

TEST(ValidateRaw, ATimeAxisWithoutStandardName) {
  Dir d;
  const auto path = write_raw(d, [](hid_t f) {
    const io::Handle o = object(f, "/snapshots/time");
    drop_attr(o, "standard_name");
  });
  expect_one(io::validate_file(path), "/snapshots/time", "standard_name");
}

// Rule 4: auxiliary coordinates.
TEST(ValidateRaw, ACoordinatesAttributeNamingNothing) {
  Dir d;
  const auto path = write_raw(d, [](hid_t f) {
    const io::Handle o = object(f, "/results/l2");
    str(o, "coordinates", "step iteration");
  });
  expect_one(io::validate_file(path), "/results/l2", "names 'iteration'");
}

TEST(ValidateRaw, ACoordinatesAttributeNamingAnotherGroupsVariable) {
  Dir d;
  const auto path = write_raw(d, [](hid_t f) {
    const io::Handle o = object(f, "/snapshots/u_000000");
    str(o, "coordinates", "l2");  // in /results, not in /snapshots
  });
  expect_one(io::validate_file(path), "/snapshots/u_000000", "names 'l2'");
}

// Rule 5: string columns.
TEST(ValidateRaw, AFixedLengthStringColumn) {
  Dir d;
  const auto path = write_raw(d, [](hid_t f) {
    const io::Handle t = own(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(t, 4);
    const char v[3][4] = {{'a', 'b', 0, 0}, {'c', 0, 0, 0}, {'d', 'e', 'f', 0}};
    dataset(f, "/results/node", t, {3}, v);
    attach(f, "/results/node", {"/results/time"});
  });
  expect_one(io::validate_file(path), "/results/node", "fixed-length");
}

// Rule 6: provenance.
TEST(ValidateRaw, AKindOutsideItsList) {
  Dir d;
  const auto path = write_raw(d, [](hid_t f) {
    const io::Handle r = object(f, "/");
    str(r, "kind", "snapshot");
  });
  expect_one(io::validate_file(path), "/ (root)", "kind is 'snapshot'");
}

TEST(ValidateRaw, AVerdictOutsideItsList) {
  Dir d;
  const auto path = write_raw(d, [](hid_t f) {
    const io::Handle r = object(f, "/");
    str(r, "verified", "PASSED");
  });
  expect_one(io::validate_file(path), "/ (root)", "verified is 'PASSED'");
}

TEST(ValidateRaw, AnotherConvention) {
  Dir d;
  const auto path = write_raw(d, [](hid_t f) {
    const io::Handle r = object(f, "/");
    str(r, "Conventions", "CF-1.7");
  });
  expect_one(io::validate_file(path), "/ (root)", "Conventions is 'CF-1.7'");
}

TEST(ValidateRaw, TheFirstFormat) {
  Dir d;
  const auto path = write_raw(d, [](hid_t f) {
    const io::Handle r = object(f, "/");
    i64(r, "tessera_format", 1);
  });
  expect_one(io::validate_file(path), "/ (root)", "tessera_format is 1");
}

TEST(ValidateRaw, RanksAsAString) {
  Dir d;
  const auto path = write_raw(d, [](hid_t f) {
    const io::Handle r = object(f, "/");
    str(r, "ranks", "4");
  });
  expect_one(io::validate_file(path), "/ (root)", "'ranks' is string (expected int64)");
}

TEST(ValidateRaw, NoHistory) {
  Dir d;
  const auto path = write_raw(d, [](hid_t f) {
    const io::Handle r = object(f, "/");
    drop_attr(r, "history");
  });
  expect_one(io::validate_file(path), "/ (root)", "no provenance attribute 'history'");
}

// Rule 7: the .xmf.
TEST(ValidateRaw, AnXmfNamingAMissingDataset) {
  Dir d;
  // a second attribute on the final frame, of a dataset not in the file
  const auto path = write_raw(d, {}, [](std::string x) {
    return replace(x, "f.h5:/fields/u</DataItem>\n        </Attribute>\n",
                   "f.h5:/fields/u</DataItem>\n        </Attribute>\n"
                   "        <Attribute Name=\"v\" AttributeType=\"Scalar\" Center=\"Node\">\n"
                   "          <DataItem Dimensions=\"3 4\" NumberType=\"Float\" Precision=\"8\" "
                   "Format=\"HDF\">f.h5:/fields/v</DataItem>\n        </Attribute>\n");
  });
  expect_one(io::validate_file(path), "f.xmf", "'f.h5:/fields/v' names a dataset that does not exist");
}

TEST(ValidateRaw, AnXmfNamingAnotherFile) {
  Dir d;
  const auto path = write_raw(d, {}, [](std::string x) { return replace(x, "f.h5:/fields/u<", "g.h5:/fields/u<"); });
  // the item cannot be opened, and /fields/u is then described nowhere
  const auto fs = io::validate_file(path);
  ASSERT_EQ(fs.size(), 2u) << text(fs);
  EXPECT_NE(fs[0].what.find("g.h5:/fields/u"), std::string::npos) << text(fs);
  EXPECT_NE(fs[1].what.find("does not describe /fields/u"), std::string::npos) << text(fs);
}

TEST(ValidateRaw, AnXmfWithTheWrongDimensions) {
  Dir d;
  const auto path = write_raw(d, {}, [](std::string x) {
    const std::string item = "NumberType=\"Float\" Precision=\"8\" Format=\"HDF\">f.h5:/snapshots/u_000001";
    return replace(x, "Dimensions=\"1 3 4\" " + item, "Dimensions=\"1 4 3\" " + item);
  });
  expect_one(io::validate_file(path), "f.xmf", "has Dimensions \"1 4 3\", the dataset 3x4");
}

TEST(ValidateRaw, AnXmfWithFourDimensionsForA2DField) {
  Dir d;
  // "ny nx" or "1 ny nx", nothing else
  const auto path = write_raw(d, {}, [](std::string x) {
    return replace(x, "Dimensions=\"3 4\" NumberType", "Dimensions=\"1 1 3 4\" NumberType");
  });
  expect_one(io::validate_file(path), "f.xmf", "has Dimensions \"1 1 3 4\"");
}

TEST(ValidateRaw, AnXmfWithTheWrongPrecision) {
  Dir d;
  const auto path = write_raw(d, {}, [](std::string x) {
    return replace(x, "Precision=\"8\" Format=\"HDF\">f.h5:/fields/u<",
                   "Precision=\"4\" Format=\"HDF\">f.h5:/fields/u<");
  });
  expect_one(io::validate_file(path), "f.xmf", "says Float 4 bytes, the dataset holds float64");
}

TEST(ValidateRaw, AnXmfWithTheWrongNumberType) {
  Dir d;
  const auto path = write_raw(d, {}, [](std::string x) {
    return replace(x, "NumberType=\"Float\" Precision=\"8\" Format=\"HDF\">f.h5:/snapshots/u_000000",
                   "NumberType=\"Int\" Precision=\"8\" Format=\"HDF\">f.h5:/snapshots/u_000000");
  });
  expect_one(io::validate_file(path), "f.xmf", "says Int 8 bytes, the dataset holds float64");
}

TEST(ValidateRaw, TimesThatDecrease) {
  Dir d;
  const auto path =
      write_raw(d, {}, [](std::string x) { return replace(x, "<Time Value=\"1\"/>", "<Time Value=\"0.25\"/>"); });
  expect_one(io::validate_file(path), "f.xmf", "time 0.25 does not follow 0.5");
}

TEST(ValidateRaw, ARepeatedTime) {
  Dir d;
  const auto path =
      write_raw(d, {}, [](std::string x) { return replace(x, "<Time Value=\"0.5\"/>", "<Time Value=\"0\"/>"); });
  expect_one(io::validate_file(path), "f.xmf", "does not follow 0");
}

TEST(ValidateRaw, AFieldTheXmfDoesNotDescribe) {
  Dir d;
  const auto path = write_raw(d, [](hid_t f) { field(f, "/fields", "v", 2.0); });
  expect_one(io::validate_file(path), "f.xmf", "does not describe /fields/v");
}

TEST(ValidateRaw, NoXmfBesideAFileWithFields) {
  Dir d;
  expect_one(io::validate_file(write_raw(d, {}, {}, false)), "f.xmf", "missing");
}

TEST(ValidateRaw, NoXmfIsFineWithoutFields) {
  Dir d;
  const auto path = write_raw(d, [](hid_t f) {
    for (const char* g : {"/fields", "/snapshots"}) EXPECT_GE(H5Ldelete(f, g, H5P_DEFAULT), 0);
  }, {}, false);
  const auto fs = io::validate_file(path);
  EXPECT_TRUE(fs.empty()) << text(fs);
}

TEST(ValidateRaw, AnXmfThatIsNotXml) {
  Dir d;
  const auto path = write_raw(d, {}, [](std::string x) { return x.substr(0, x.size() / 2); });
  expect_one(io::validate_file(path), "f.xmf", "not well-formed XML");
}
