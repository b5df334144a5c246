#include "tessera/io/hdf5.hpp"

#include <sys/stat.h>

#include "tessera/core/fs.hpp"
#include "tessera/mpi/environment.hpp"

#include <exception>
#include <mutex>
#include <sstream>

namespace tessera::io {

namespace {
herr_t walk_cb(unsigned n, const H5E_error2_t* err, void* data) {
  auto* msg = static_cast<std::string*>(data);
  if (n == 0 && err && err->desc) *msg = err->desc;  // innermost
  return 0;
}
std::string hdf5_message() {
  std::string msg;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, walk_cb, &msg);
  H5Eclear2(H5E_DEFAULT);
  return msg.empty() ? "HDF5 error" : msg;
}
}  // namespace

void silence_hdf5_errors() {
  static std::once_flag once;
  std::call_once(once, [] {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    mpi::Environment::before_finalize([] { H5close(); });
  });
}

hid_t check(hid_t id, const std::string& what) {
  if (id < 0) throw IoError(what + ": " + hdf5_message());
  return id;
}

Handle make_file_handle(hid_t id) { return Handle(id, H5Fclose); }
Handle make_group_handle(hid_t id) { return Handle(id, H5Gclose); }
Handle make_dataset_handle(hid_t id) { return Handle(id, H5Dclose); }
Handle make_space_handle(hid_t id) { return Handle(id, H5Sclose); }
Handle make_type_handle(hid_t id) { return Handle(id, H5Tclose); }
Handle make_plist_handle(hid_t id) { return Handle(id, H5Pclose); }
Handle make_attr_handle(hid_t id) { return Handle(id, H5Aclose); }

std::string dtype_name(hid_t type) {
  const H5T_class_t cls = H5Tget_class(type);
  const size_t size = H5Tget_size(type);
  switch (cls) {
    case H5T_FLOAT: return "float" + std::to_string(size * 8);
    case H5T_INTEGER: return std::string(H5Tget_sign(type) == H5T_SGN_NONE ? "uint" : "int") + std::to_string(size * 8);
    case H5T_STRING: return "string";
    case H5T_COMPOUND: return "compound";
    case H5T_ENUM: return "enum";
    default: return "other";
  }
}

namespace {
void check_readable_hdf5(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw UsageError("cannot open '" + path + "': no such file");
  if (S_ISDIR(st.st_mode)) throw UsageError("cannot open '" + path + "': it is a directory");
  const htri_t is = H5Fis_hdf5(path.c_str());
  if (is <= 0) throw UsageError("'" + path + "' is not an HDF5 file");
}
}  // namespace

File File::open(const mpi::Comm& comm, const std::string& path, Mode mode) {
  silence_hdf5_errors();
  if (mode != Mode::create) comm.collective_check([&] { check_readable_hdf5(path); });
  File f;
  f.path_ = path;
  f.parallel_ = true;
  f.comm_ = comm;
  Handle fapl = make_plist_handle(check(H5Pcreate(H5P_FILE_ACCESS), "H5Pcreate"));
  check(H5Pset_fapl_mpio(fapl, comm.get(), MPI_INFO_NULL), "H5Pset_fapl_mpio");
  check(H5Pset_all_coll_metadata_ops(fapl, true), "H5Pset_all_coll_metadata_ops");
  check(H5Pset_coll_metadata_write(fapl, true), "H5Pset_coll_metadata_write");
  check(H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_LATEST), "H5Pset_libver_bounds");
  hid_t id = H5I_INVALID_HID;
  // Every rank opens; agree on success so one failing rank cannot leave the others hanging.
  std::string err;
  if (mode == Mode::create) id = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
  else id = H5Fopen(path.c_str(), mode == Mode::read ? H5F_ACC_RDONLY : H5F_ACC_RDWR, fapl);
  if (id < 0) err = hdf5_message();
  const bool ok = comm.all(id >= 0);
  if (!ok) {
    if (id >= 0) H5Fclose(id);
    comm.agree(id >= 0, "cannot " + std::string(mode == Mode::create ? "create" : "open") + " '" + path + "': " + err,
               static_cast<int>(ExitCode::runtime));
  }
  f.file_ = make_file_handle(id);
  return f;
}

File File::open_serial(const std::string& path, Mode mode) {
  silence_hdf5_errors();
  if (mode != Mode::create) check_readable_hdf5(path);
  File f;
  f.path_ = path;
  f.parallel_ = false;
  hid_t id;
  if (mode == Mode::create) id = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  else id = H5Fopen(path.c_str(), mode == Mode::read ? H5F_ACC_RDONLY : H5F_ACC_RDWR, H5P_DEFAULT);
  f.file_ = make_file_handle(check(id, "cannot open '" + path + "'"));
  return f;
}

bool File::exists(const std::string& object_path) const {
  if (object_path == "/" || object_path.empty()) return true;
  // check every prefix: H5Lexists fails on a missing intermediate group
  std::string cur;
  std::stringstream ss(object_path);
  std::string part;
  while (std::getline(ss, part, '/')) {
    if (part.empty()) continue;
    cur += "/" + part;
    const htri_t e = H5Lexists(id(), cur.c_str(), H5P_DEFAULT);
    if (e <= 0) {
      H5Eclear2(H5E_DEFAULT);
      return false;
    }
  }
  return H5Oexists_by_name(id(), object_path.c_str(), H5P_DEFAULT) > 0;
}

Handle File::require_group(const std::string& group_path) const {
  std::string cur;
  std::stringstream ss(group_path);
  std::string part;
  while (std::getline(ss, part, '/')) {
    if (part.empty()) continue;
    cur += "/" + part;
    if (H5Lexists(id(), cur.c_str(), H5P_DEFAULT) <= 0) {
      H5Eclear2(H5E_DEFAULT);
      Handle g = make_group_handle(
          check(H5Gcreate2(id(), cur.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), "cannot create group " + cur));
    }
  }
  return make_group_handle(check(H5Gopen2(id(), cur.empty() ? "/" : cur.c_str(), H5P_DEFAULT), "cannot open group " + cur));
}

Handle File::open_dataset(const std::string& dataset_path) const {
  if (!exists(dataset_path)) throw UsageError("no dataset '" + dataset_path + "' in '" + path_ + "'");
  H5O_info_t info;
#if H5_VERSION_GE(1, 12, 0)
  check(H5Oget_info_by_name3(id(), dataset_path.c_str(), &info, H5O_INFO_BASIC, H5P_DEFAULT), "H5Oget_info");
#else
  check(H5Oget_info_by_name2(id(), dataset_path.c_str(), &info, H5O_INFO_BASIC, H5P_DEFAULT), "H5Oget_info");
#endif
  if (info.type != H5O_TYPE_DATASET) throw UsageError("'" + dataset_path + "' in '" + path_ + "' is not a dataset");
  return make_dataset_handle(check(H5Dopen2(id(), dataset_path.c_str(), H5P_DEFAULT), "cannot open " + dataset_path));
}

void File::let_go() noexcept {
  if (parallel_ && std::uncaught_exceptions() > 0) abandon();
  else file_.reset();
}

File::~File() { let_go(); }

File& File::operator=(File&& o) noexcept {
  if (this != &o) {
    let_go();
    file_ = std::move(o.file_);
    path_ = std::move(o.path_);
    parallel_ = o.parallel_;
    comm_ = std::move(o.comm_);
    after_close_ = std::move(o.after_close_);
  }
  return *this;
}

void File::flush() const { check(H5Fflush(id(), H5F_SCOPE_GLOBAL), "cannot flush '" + path_ + "'"); }

void File::close() {
  if (!file_.valid()) return;
  const hid_t id = file_.release();
  std::string err;
  if (H5Fclose(id) < 0) err = "cannot close '" + path_ + "': " + hdf5_message();
  if (!parallel_ || after_close_.empty()) {
    if (!err.empty()) throw IoError(err);
    return;
  }
  auto work = std::move(after_close_);
  after_close_.clear();
  comm_.agree(err.empty(), err.empty() ? "cannot close '" + path_ + "' on another rank" : err,
              static_cast<int>(ExitCode::runtime));
  if (comm_.rank() == 0) {
    try {
      File serial = open_serial(path_, Mode::read_write);
      for (auto& w : work) w(serial);
      serial.close();
      fs::sync_file(path_);
    } catch (const std::exception& e) {
      err = e.what();
    }
  }
  comm_.agree(err.empty(), "cannot write '" + path_ + "': " + err, static_cast<int>(ExitCode::runtime));
}

void File::after_close(std::function<void(const File&)> work) const {
  if (parallel_) after_close_.push_back(std::move(work));
  else work(*this);
}

Handle transfer_plist(const File& f) {
  Handle p = make_plist_handle(check(H5Pcreate(H5P_DATASET_XFER), "H5Pcreate"));
  if (f.parallel()) check(H5Pset_dxpl_mpio(p, H5FD_MPIO_COLLECTIVE), "H5Pset_dxpl_mpio");
  return p;
}

DatasetInfo dataset_info(hid_t ds) {
  DatasetInfo info;
  Handle space = make_space_handle(check(H5Dget_space(ds), "H5Dget_space"));
  const int nd = H5Sget_simple_extent_ndims(space);
  std::vector<hsize_t> dims(static_cast<size_t>(std::max(nd, 0)));
  if (nd > 0) H5Sget_simple_extent_dims(space, dims.data(), nullptr);
  for (auto d : dims) info.shape.push_back(static_cast<std::int64_t>(d));
  Handle type = make_type_handle(check(H5Dget_type(ds), "H5Dget_type"));
  info.dtype = dtype_name(type);
  Handle dcpl = make_plist_handle(check(H5Dget_create_plist(ds), "H5Dget_create_plist"));
  if (H5Pget_layout(dcpl) == H5D_CHUNKED && nd > 0) {
    std::vector<hsize_t> ch(static_cast<size_t>(nd));
    H5Pget_chunk(dcpl, nd, ch.data());
    for (auto c : ch) info.chunks.push_back(static_cast<std::int64_t>(c));
  }
  const int nf = H5Pget_nfilters(dcpl);
  for (int i = 0; i < nf; ++i) {
    unsigned flags = 0, cd[8] = {0};
    size_t ncd = 8;
    char name[64] = {0};
    const H5Z_filter_t fid = H5Pget_filter2(dcpl, static_cast<unsigned>(i), &flags, &ncd, cd, sizeof name, name, nullptr);
    if (fid == H5Z_FILTER_DEFLATE) info.compression = "deflate:" + std::to_string(ncd ? cd[0] : 0);
    else if (info.compression.empty()) info.compression = name;
  }
  return info;
}

DatasetInfo dataset_info(const File& f, const std::string& dataset_path) {
  Handle ds = f.open_dataset(dataset_path);
  return dataset_info(ds.get());
}

namespace {
Handle open_object(const File& f, const std::string& object_path) {
  const std::string p = object_path.empty() ? "/" : object_path;
  if (!f.exists(p)) throw UsageError("no object '" + p + "' in '" + f.path() + "'");
  return Handle(check(H5Oopen(f.id(), p.c_str(), H5P_DEFAULT), "cannot open " + p), H5Oclose);
}
void replace_attr(hid_t obj, const std::string& name) {
  if (H5Aexists(obj, name.c_str()) > 0) check(H5Adelete(obj, name.c_str()), "H5Adelete " + name);
}
template <typename T>
void write_simple_attr(const File& f, const std::string& object_path, const std::string& name, hid_t type,
                       const T* values, hsize_t n, bool scalar) {
  Handle obj = open_object(f, object_path);
  replace_attr(obj, name);
  Handle space = make_space_handle(check(scalar ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &n, nullptr), "H5Screate"));
  Handle attr = make_attr_handle(check(H5Acreate2(obj, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT),
                                       "cannot create attribute " + name));
  check(H5Awrite(attr, type, values), "cannot write attribute " + name);
}
Handle open_attr(const File& f, const std::string& object_path, const std::string& name) {
  Handle obj = open_object(f, object_path);
  if (H5Aexists(obj, name.c_str()) <= 0)
    throw UsageError("no attribute '" + name + "' on '" + object_path + "' in '" + f.path() + "'");
  return make_attr_handle(check(H5Aopen(obj, name.c_str(), H5P_DEFAULT), "cannot open attribute " + name));
}
}  // namespace

void write_attr(const File& f, const std::string& o, const std::string& name, const std::string& value) {
  // Variable-length UTF-8 (netCDF-4 "string"): h5py reads str, not bytes, and there is no padding.
  Handle obj = open_object(f, o);
  replace_attr(obj, name);
  Handle type = make_type_handle(check(H5Tcopy(H5T_C_S1), "H5Tcopy"));
  check(H5Tset_size(type, H5T_VARIABLE), "H5Tset_size");
  check(H5Tset_cset(type, H5T_CSET_UTF8), "H5Tset_cset");
  Handle space = make_space_handle(check(H5Screate(H5S_SCALAR), "H5Screate"));
  Handle attr = make_attr_handle(check(H5Acreate2(obj, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT),
                                       "cannot create attribute " + name));
  const char* text = value.c_str();
  check(H5Awrite(attr, type, &text), "cannot write attribute " + name);
}
void write_attr(const File& f, const std::string& o, const std::string& name, double value) {
  write_simple_attr(f, o, name, H5T_NATIVE_DOUBLE, &value, 1, true);
}
void write_attr(const File& f, const std::string& o, const std::string& name, std::int64_t value) {
  write_simple_attr(f, o, name, H5T_NATIVE_INT64, &value, 1, true);
}
void write_attr(const File& f, const std::string& o, const std::string& name, const std::vector<std::int64_t>& value) {
  write_simple_attr(f, o, name, H5T_NATIVE_INT64, value.data(), value.size(), false);
}

bool has_attr(const File& f, const std::string& object_path, const std::string& name) {
  if (!f.exists(object_path)) return false;
  Handle obj = open_object(f, object_path);
  return H5Aexists(obj, name.c_str()) > 0;
}

std::string read_string_attr(hid_t attr, const std::string& name) {
  Handle type = make_type_handle(check(H5Aget_type(attr), "H5Aget_type"));
  if (H5Tget_class(type) != H5T_STRING) throw UsageError("attribute '" + name + "' is not a string");
  if (H5Tis_variable_str(type) > 0) {
    char* s = nullptr;
    Handle mem = make_type_handle(check(H5Tcopy(H5T_C_S1), "H5Tcopy"));
    H5Tset_size(mem, H5T_VARIABLE);
    H5Tset_cset(mem, H5Tget_cset(type));  // HDF5 converts no strings between ASCII and UTF-8
    check(H5Aread(attr, mem, &s), "H5Aread " + name);
    std::string out = s ? s : "";
    Handle space = make_space_handle(H5Aget_space(attr));
    H5Dvlen_reclaim(mem, space, H5P_DEFAULT, &s);
    return out;
  }
  const size_t n = H5Tget_size(type);
  std::string out(n, '\0');
  check(H5Aread(attr, type, out.data()), "H5Aread " + name);
  while (!out.empty() && out.back() == '\0') out.pop_back();
  return out;
}

std::string read_attr_string(const File& f, const std::string& o, const std::string& name) {
  Handle attr = open_attr(f, o, name);
  return read_string_attr(attr, name);
}
double read_attr_double(const File& f, const std::string& o, const std::string& name) {
  Handle attr = open_attr(f, o, name);
  double v = 0;
  check(H5Aread(attr, H5T_NATIVE_DOUBLE, &v), "H5Aread " + name);
  return v;
}
std::int64_t read_attr_int(const File& f, const std::string& o, const std::string& name) {
  Handle attr = open_attr(f, o, name);
  std::int64_t v = 0;
  check(H5Aread(attr, H5T_NATIVE_INT64, &v), "H5Aread " + name);
  return v;
}
std::vector<std::int64_t> read_attr_ints(const File& f, const std::string& o, const std::string& name) {
  Handle attr = open_attr(f, o, name);
  Handle space = make_space_handle(check(H5Aget_space(attr), "H5Aget_space"));
  const hssize_t n = H5Sget_simple_extent_npoints(space);
  std::vector<std::int64_t> v(static_cast<size_t>(std::max<hssize_t>(n, 0)));
  if (!v.empty()) check(H5Aread(attr, H5T_NATIVE_INT64, v.data()), "H5Aread " + name);
  return v;
}

std::pair<std::string, std::string> split_file_and_path(const std::string& spec, const std::string& what) {
  const auto pos = spec.find(":/");
  if (pos == std::string::npos || pos == 0)
    throw UsageError(what + " '" + spec + "': expected FILE.h5:/path/to/dataset");
  return {spec.substr(0, pos), spec.substr(pos + 1)};
}

}  // namespace tessera::io
