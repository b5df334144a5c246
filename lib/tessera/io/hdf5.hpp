// tessera/io/hdf5.hpp: RAII handles over the HDF5 C API, typed attributes, and errors as exceptions.
//
// HDF5's own error stack printing is switched off; a failing call throws tessera::IoError (exit 3)
// with the innermost HDF5 message. Opening a file that is missing or not HDF5, or a dataset that is
// not there, throws UsageError (exit 2): that is bad input, not an I/O failure.
#pragma once
#include <hdf5.h>

#include <cstdint>
#include <functional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "tessera/core/error.hpp"
#include "tessera/mpi/comm.hpp"

namespace tessera::io {

// Owns one hid_t and closes it with the matching H5*close.
class Handle {
 public:
  using Closer = herr_t (*)(hid_t);
  Handle() = default;
  Handle(hid_t id, Closer closer) : id_(id), close_(closer) {}
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle(Handle&& o) noexcept : id_(std::exchange(o.id_, H5I_INVALID_HID)), close_(o.close_) {}
  Handle& operator=(Handle&& o) noexcept {
    if (this != &o) {
      reset();
      id_ = std::exchange(o.id_, H5I_INVALID_HID);
      close_ = o.close_;
    }
    return *this;
  }
  ~Handle() { reset(); }
  void reset() {
    if (id_ >= 0 && close_) close_(id_);
    id_ = H5I_INVALID_HID;
  }
  // Gives the id up without closing it (a parallel file abandoned on an error path: closing it
  // would be a collective call the other ranks may never make).
  hid_t release() noexcept { return std::exchange(id_, H5I_INVALID_HID); }
  hid_t get() const { return id_; }
  operator hid_t() const { return id_; }
  bool valid() const { return id_ >= 0; }

 private:
  hid_t id_ = H5I_INVALID_HID;
  Closer close_ = nullptr;
};

// Throws IoError("<what>: <HDF5 message>") when id/status is negative; returns it otherwise.
hid_t check(hid_t id, const std::string& what);
// Switches off HDF5's automatic error printing for this process (idempotent).
void silence_hdf5_errors();

Handle make_file_handle(hid_t id);
Handle make_group_handle(hid_t id);
Handle make_dataset_handle(hid_t id);
Handle make_space_handle(hid_t id);
Handle make_type_handle(hid_t id);
Handle make_plist_handle(hid_t id);
Handle make_attr_handle(hid_t id);

// HDF5 native type of T.
template <typename T>
hid_t h5type() {
  if constexpr (std::is_same_v<T, float>) return H5T_NATIVE_FLOAT;
  else if constexpr (std::is_same_v<T, double>) return H5T_NATIVE_DOUBLE;
  else if constexpr (std::is_same_v<T, std::int8_t>) return H5T_NATIVE_INT8;
  else if constexpr (std::is_same_v<T, std::uint8_t>) return H5T_NATIVE_UINT8;
  else if constexpr (std::is_same_v<T, std::int32_t>) return H5T_NATIVE_INT32;
  else if constexpr (std::is_same_v<T, std::uint32_t>) return H5T_NATIVE_UINT32;
  else if constexpr (std::is_same_v<T, std::int64_t>) return H5T_NATIVE_INT64;
  else if constexpr (std::is_same_v<T, std::uint64_t>) return H5T_NATIVE_UINT64;
  else static_assert(sizeof(T) == 0, "no HDF5 type for T");
}
// "float64", "float32", "int32", "int64", "uint8", ... or "string", "compound", "other".
std::string dtype_name(hid_t type);

enum class Mode { read, read_write, create };

// An HDF5 file. Parallel (MPI-IO, collective metadata) when given a communicator; serial otherwise.
//
// Closing a parallel file is collective: call close() on every rank. The destructor closes a file
// that is still open only outside of stack unwinding; while an exception is in flight it abandons
// the file instead (no collective call: the other ranks may be elsewhere, and the error policy of
// mpi::Environment ends the job).
class File {
 public:
  File() = default;
  ~File();
  File(File&&) noexcept = default;
  File& operator=(File&&) noexcept;
  // Parallel open/create over `comm`: collective, every rank of comm must call.
  static File open(const mpi::Comm& comm, const std::string& path, Mode mode);
  // Serial open by one process (inspection tools, tests).
  static File open_serial(const std::string& path, Mode mode);

  hid_t id() const { return file_.get(); }
  const std::string& path() const { return path_; }
  bool parallel() const { return parallel_; }
  const mpi::Comm& comm() const { return comm_; }
  bool exists(const std::string& object_path) const;  // dataset or group at that path
  // Creates the group and its parents if missing; returns it open.
  Handle require_group(const std::string& group_path) const;
  Handle open_dataset(const std::string& dataset_path) const;  // UsageError when missing
  bool is_open() const { return file_.valid(); }
  // H5Fflush (collective for parallel files); IoError naming the file on failure.
  void flush() const;
  // H5Fclose (collective for parallel files); IoError naming the file on failure. No-op if closed.
  // Then, for a parallel file, the work left to after_close() (every rank fails together).
  void close();
  // Work that parallel HDF5 cannot do (variable-length data, e.g. string columns): done by rank 0
  // on a serial open of the file, once close() has closed it on every rank, then synced to disk.
  // Every rank registers the same work (the data need only be on rank 0). A serial file runs it at once.
  void after_close(std::function<void(const File&)> work) const;
  // Forgets the work left to after_close() (a file about to be thrown away).
  void cancel_after_close() const { after_close_.clear(); }
  // Forgets the file without closing it (see the class comment). Not collective.
  void abandon() noexcept { file_.release(); }

 private:
  // What the destructor and move-assignment do with a file still open (see the class comment).
  void let_go() noexcept;
  Handle file_;
  std::string path_;
  bool parallel_ = false;
  mpi::Comm comm_;
  mutable std::vector<std::function<void(const File&)>> after_close_;  // registered through const writers
};

// Dataset transfer property list: collective MPI-IO for parallel files, default otherwise.
Handle transfer_plist(const File& f);

// Shape and element type of a dataset.
struct DatasetInfo {
  std::vector<std::int64_t> shape;
  std::string dtype;             // dtype_name()
  std::vector<std::int64_t> chunks;  // empty if contiguous
  std::string compression;      // "" or "deflate:N"
};
DatasetInfo dataset_info(const File& f, const std::string& dataset_path);
DatasetInfo dataset_info(hid_t dataset);

// Attributes on a group or dataset (object given by path, "/" for the root). Writing replaces.
void write_attr(const File& f, const std::string& object_path, const std::string& name, const std::string& value);
void write_attr(const File& f, const std::string& object_path, const std::string& name, double value);
void write_attr(const File& f, const std::string& object_path, const std::string& name, std::int64_t value);
void write_attr(const File& f, const std::string& object_path, const std::string& name,
                const std::vector<std::int64_t>& value);
inline void write_attr(const File& f, const std::string& o, const std::string& n, const char* v) {
  write_attr(f, o, n, std::string(v));
}
inline void write_attr(const File& f, const std::string& o, const std::string& n, int v) {
  write_attr(f, o, n, static_cast<std::int64_t>(v));
}
bool has_attr(const File& f, const std::string& object_path, const std::string& name);
// Strings: variable-length or fixed-length, ASCII or UTF-8 (a UsageError for other types).
std::string read_attr_string(const File& f, const std::string& object_path, const std::string& name);
std::string read_string_attr(hid_t attr, const std::string& name);  // an open scalar attribute
double read_attr_double(const File& f, const std::string& object_path, const std::string& name);
std::int64_t read_attr_int(const File& f, const std::string& object_path, const std::string& name);
std::vector<std::int64_t> read_attr_ints(const File& f, const std::string& object_path, const std::string& name);

// Splits "FILE.h5:/path/in/file" (the --init FILE.h5:/path form). Throws UsageError without ':/'.
std::pair<std::string, std::string> split_file_and_path(const std::string& spec, const std::string& what);

}  // namespace tessera::io
