#include "tessera/io/table.hpp"

#include <algorithm>

#include "tessera/io/hyperslab.hpp"

namespace tessera::io {

std::size_t Table::Column::size() const {
  return std::visit([](const auto& v) { return v.size(); }, values);
}

void Table::push(Column c) {
  if (c.name.empty() || c.name.find('/') != std::string::npos || c.name.find(',') != std::string::npos)
    throw Error("table column name '" + c.name + "' must be non-empty, without '/' or ','");
  for (const auto& o : columns_)
    if (o.name == c.name) throw Error("table column '" + c.name + "' added twice");
  if (!columns_.empty() && c.size() != rows())
    throw Error("table column '" + c.name + "' has " + std::to_string(c.size()) + " rows, the others " +
                std::to_string(rows()));
  columns_.push_back(std::move(c));
}

void Table::add(const std::string& name, std::vector<std::int32_t> v, ColumnInfo info) {
  push({name, std::move(v), std::move(info)});
}
void Table::add(const std::string& name, std::vector<std::int64_t> v, ColumnInfo info) {
  push({name, std::move(v), std::move(info)});
}
void Table::add(const std::string& name, std::vector<double> v, ColumnInfo info) {
  push({name, std::move(v), std::move(info)});
}
void Table::add(const std::string& name, std::vector<std::string> v, ColumnInfo info) {
  push({name, std::move(v), std::move(info)});
}

namespace {
const char* kind_name(const Table::Values& v) {
  switch (v.index()) {
    case 0: return "int32";
    case 1: return "int64";
    case 2: return "float64";
    default: return "string";
  }
}

// Fixed-length, NUL-terminated strings of `width` bytes including the terminator.
Handle string_type(std::size_t width) {
  Handle t = make_type_handle(check(H5Tcopy(H5T_C_S1), "H5Tcopy"));
  check(H5Tset_size(t, std::max<std::size_t>(1, width)), "H5Tset_size");
  check(H5Tset_strpad(t, H5T_STR_NULLTERM), "H5Tset_strpad");
  check(H5Tset_cset(t, H5T_CSET_UTF8), "H5Tset_cset");
  return t;
}

// Length of s cut to `limit` bytes without splitting a UTF-8 sequence.
std::size_t clipped_length(const std::string& s, std::size_t limit) {
  if (s.size() <= limit) return s.size();
  std::size_t n = limit;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return n;
}

Box rows_box(std::int64_t offset, std::int64_t count) { return Box(1, {offset, 0, 0}, {offset + count, 1, 1}); }

// Collective write of one column: rows [offset, offset + n) of a dataset of `total` rows.
void write_column(const File& f, const std::string& path, const Table::Column& c, std::int64_t offset,
                  std::int64_t total) {
  const std::int64_t n = static_cast<std::int64_t>(c.size());
  const Box box = rows_box(offset, n);
  const auto mem = MemoryLayout::dense(box);
  if (const auto* s = std::get_if<std::vector<std::string>>(&c.values)) {
    std::size_t longest = 0;
    for (const auto& x : *s) longest = std::max(longest, clipped_length(x, c.info.max_width));
    if (f.parallel()) longest = static_cast<std::size_t>(f.comm().max(static_cast<long long>(longest)));
    const std::size_t width = longest + 1;  // room for the terminating NUL
    Handle type = string_type(width);
    std::vector<char> buf(static_cast<std::size_t>(n) * width, '\0');
    for (std::size_t i = 0; i < s->size(); ++i) {
      const std::string& x = (*s)[i];
      std::copy_n(x.data(), clipped_length(x, longest), buf.data() + i * width);
    }
    Handle ds = create_dataset(f, path, type, {total});
    if (total > 0) write_box(f, ds, type, box, buf.data(), mem);  // HDF5 refuses writes to empty datasets
    return;
  }
  std::visit(
      [&](const auto& v) {
        using T = typename std::decay_t<decltype(v)>::value_type;
        if constexpr (!std::is_same_v<T, std::string>) {
          Handle ds = create_dataset(f, path, h5type<T>(), {total});
          if (total > 0) write_box(f, ds, h5type<T>(), box, v.data(), mem);
        }
      },
      c.values);
}
}  // namespace

void write_table(const File& f, const std::string& group, const Table& local) {
  std::string names, signature;
  for (const auto& c : local.columns()) {
    names += (names.empty() ? "" : ",") + c.name;
    signature += c.name + ":" + kind_name(c.values) + ";";
  }
  const std::int64_t rows = static_cast<std::int64_t>(local.rows());
  std::int64_t offset = 0, total = rows;
  if (f.parallel()) {
    const auto& comm = f.comm();
    const std::string root_sig = comm.bcast_string(signature);
    comm.agree(root_sig == signature, "table '" + group + "': the ranks disagree on its columns ('" + signature +
                                          "' here, '" + root_sig + "' on rank 0)");
    const auto counts = comm.allgather(rows);
    total = 0;
    for (int r = 0; r < comm.size(); ++r) {
      if (r == comm.rank()) offset = total;
      total += counts[static_cast<std::size_t>(r)];
    }
  }
  f.require_group(group);
  for (const auto& c : local.columns()) {
    const std::string path = group + "/" + c.name;
    write_column(f, path, c, offset, total);
    if (!c.info.units.empty()) write_attr(f, path, "units", c.info.units);
    if (!c.info.description.empty()) write_attr(f, path, "description", c.info.description);
    for (const auto& [k, v] : c.info.attributes) write_attr(f, path, k, v);
  }
  write_attr(f, group, "columns", names);
  write_attr(f, group, "rows", total);
}

std::int64_t table_rows(const File& f, const std::string& group) { return read_attr_int(f, group, "rows"); }

namespace {
// Opens a 1D dataset of the expected type class; returns its length.
std::int64_t open_column(const File& f, const std::string& path, H5T_class_t want, const char* want_name,
                         Handle& ds, Handle& type) {
  ds = f.open_dataset(path);
  type = make_type_handle(check(H5Dget_type(ds), "H5Dget_type"));
  const auto info = dataset_info(ds);
  if (info.shape.size() != 1)
    throw UsageError("'" + path + "' in '" + f.path() + "' is not a column (it has " +
                     std::to_string(info.shape.size()) + " dimensions)");
  if (H5Tget_class(type) != want)
    throw UsageError("'" + path + "' in '" + f.path() + "' holds " + info.dtype + ", not " + want_name);
  return info.shape[0];
}
}  // namespace

std::vector<std::int64_t> read_int_column(const File& f, const std::string& path) {
  Handle ds, type;
  const std::int64_t n = open_column(f, path, H5T_INTEGER, "integers", ds, type);
  std::vector<std::int64_t> v(static_cast<std::size_t>(n));
  const Box box = rows_box(0, n);
  if (n > 0) read_box(f, ds, H5T_NATIVE_INT64, box, v.data(), MemoryLayout::dense(box));
  return v;
}

std::vector<double> read_double_column(const File& f, const std::string& path) {
  Handle ds, type;
  const std::int64_t n = open_column(f, path, H5T_FLOAT, "floating-point numbers", ds, type);
  std::vector<double> v(static_cast<std::size_t>(n));
  const Box box = rows_box(0, n);
  if (n > 0) read_box(f, ds, H5T_NATIVE_DOUBLE, box, v.data(), MemoryLayout::dense(box));
  return v;
}

std::vector<std::string> read_string_column(const File& f, const std::string& path) {
  Handle ds, type;
  const std::int64_t n = open_column(f, path, H5T_STRING, "strings", ds, type);
  if (H5Tis_variable_str(type) > 0)
    throw UsageError("'" + path + "' in '" + f.path() + "' holds variable-length strings (expected fixed-length)");
  const std::size_t width = H5Tget_size(type);
  Handle mem = string_type(width);
  std::vector<char> buf(static_cast<std::size_t>(n) * width + 1, '\0');
  const Box box = rows_box(0, n);
  if (n > 0) read_box(f, ds, mem, box, buf.data(), MemoryLayout::dense(box));
  std::vector<std::string> out;
  out.reserve(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    const char* p = buf.data() + static_cast<std::size_t>(i) * width;
    out.emplace_back(p, std::find(p, p + width, '\0') - p);
  }
  return out;
}

}  // namespace tessera::io
