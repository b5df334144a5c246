#include "tessera/io/table.hpp"

#include <algorithm>

#include "tessera/io/hyperslab.hpp"
#include "tessera/io/netcdf.hpp"

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

// Variable-length UTF-8 strings (netCDF-4 "string"), the type of string columns.
Handle vl_string_type() {
  Handle t = make_type_handle(check(H5Tcopy(H5T_C_S1), "H5Tcopy"));
  check(H5Tset_size(t, H5T_VARIABLE), "H5Tset_size");
  check(H5Tset_cset(t, H5T_CSET_UTF8), "H5Tset_cset");
  return t;
}
// Fixed-length strings of `width` bytes (string columns of files of the first format).
Handle fixed_string_type(std::size_t width) {
  Handle t = make_type_handle(check(H5Tcopy(H5T_C_S1), "H5Tcopy"));
  check(H5Tset_size(t, std::max<std::size_t>(1, width)), "H5Tset_size");
  check(H5Tset_strpad(t, H5T_STR_NULLTERM), "H5Tset_strpad");
  return t;
}

// Strings as one buffer (8-byte length, then the bytes, for each) and back: what gather_strings carries.
std::string encode(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& x : v) {
    const std::uint64_t n = x.size();
    out.append(reinterpret_cast<const char*>(&n), sizeof n);
    out += x;
  }
  return out;
}
void decode(const std::string& in, std::vector<std::string>& out) {
  std::size_t at = 0;
  while (at < in.size()) {
    std::uint64_t n = 0;
    if (in.size() - at < sizeof n) throw Error("table: a damaged string buffer");
    std::copy_n(in.data() + at, sizeof n, reinterpret_cast<char*>(&n));
    at += sizeof n;
    if (in.size() - at < n) throw Error("table: a damaged string buffer");
    out.emplace_back(in, at, static_cast<std::size_t>(n));
    at += static_cast<std::size_t>(n);
  }
}

// Creates and writes a whole string column with its dimension and attributes (a serial file).
void write_strings(const File& f, const std::string& path, const std::vector<std::string>& all,
                   const std::string& dim, const ColumnInfo& info, const std::string& long_name) {
  Handle type = vl_string_type();
  {
    Handle ds = create_dataset(f, path, type, {static_cast<Index>(all.size())});
    std::vector<const char*> ptrs;
    ptrs.reserve(all.size());
    for (const auto& x : all) ptrs.push_back(x.c_str());
    // HDF5 refuses writes to empty datasets
    if (!all.empty()) check(H5Dwrite(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()), "cannot write " + path);
  }
  nc::attach_dimensions(f, path, {dim});
  write_attr(f, path, "long_name", long_name);
  for (const auto& [k, v] : info.attributes) write_attr(f, path, k, v);
}

// Length of s cut to `limit` bytes without splitting a UTF-8 sequence.
std::size_t clipped_length(const std::string& s, std::size_t limit) {
  if (s.size() <= limit) return s.size();
  std::size_t n = limit;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return n;
}

Box rows_box(std::int64_t offset, std::int64_t count) { return Box(1, {offset, 0, 0}, {offset + count, 1, 1}); }

// Collective write of one numeric column: rows [offset, offset + n) of a dataset of `total` rows.
void write_column(const File& f, const std::string& path, const Table::Column& c, std::int64_t offset,
                  std::int64_t total) {
  const std::int64_t n = static_cast<std::int64_t>(c.size());
  const Box box = rows_box(offset, n);
  const auto mem = MemoryLayout::dense(box);
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

// A string column: parallel HDF5 can neither write variable-length data nor create a dataset of
// them (it writes fill values), so the rows are gathered to rank 0, which makes the whole column
// once the file is closed on every rank (File::after_close; at once on a serial file).
void write_string_column(const File& f, const std::string& path, const Table::Column& c, const std::string& dim,
                         const std::string& long_name) {
  const auto& s = std::get<std::vector<std::string>>(c.values);
  std::vector<std::string> all;
  all.reserve(s.size());
  for (const auto& x : s) all.push_back(x.substr(0, clipped_length(x, c.info.max_width)));
  if (f.parallel()) {
    std::vector<std::string> gathered;
    for (const auto& part : f.comm().gather_strings(encode(all))) decode(part, gathered);
    all = std::move(gathered);
  }
  f.after_close([path, dim, info = c.info, long_name, all = std::move(all)](const File& g) {
    write_strings(g, path, all, dim, info, long_name);
  });
}
}  // namespace

void write_table(const File& f, const std::string& group, const Table& local, const std::string& dim) {
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
  for (const auto& c : local.columns())
    if (c.name == dim) throw UsageError("table '" + group + "': a column may not be named like its dimension '" + dim + "'");
  nc::write_coordinate(f, group, nc::Coordinate::indices(dim, total, dim == "row" ? "row of the table" : dim + " index"));
  for (const auto& c : local.columns()) {
    const std::string path = group + "/" + c.name;
    const std::string long_name = c.info.description.empty() ? c.name : c.info.description;
    if (std::holds_alternative<std::vector<std::string>>(c.values)) {
      write_string_column(f, path, c, dim, long_name);
      continue;
    }
    write_column(f, path, c, offset, total);
    nc::attach_dimensions(f, path, {dim});
    nc::describe(f, path, c.info.units.empty() ? "1" : c.info.units, long_name);
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
  std::vector<std::string> out;
  out.reserve(static_cast<std::size_t>(n));
  if (n == 0) return out;
  if (H5Tis_variable_str(type) > 0) {
    // Read serially by each rank (parallel HDF5 reads variable-length data only independently).
    Handle mem = vl_string_type();
    std::vector<char*> ptrs(static_cast<std::size_t>(n), nullptr);
    check(H5Dread(ds, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()), "cannot read " + path);
    for (char* p : ptrs) out.emplace_back(p ? p : "");
    Handle space = make_space_handle(check(H5Dget_space(ds), "H5Dget_space"));
    H5Dvlen_reclaim(mem, space, H5P_DEFAULT, ptrs.data());
    return out;
  }
  const std::size_t width = H5Tget_size(type);
  Handle mem = fixed_string_type(width);
  std::vector<char> buf(static_cast<std::size_t>(n) * width + 1, '\0');
  const Box box = rows_box(0, n);
  read_box(f, ds, mem, box, buf.data(), MemoryLayout::dense(box));
  for (std::int64_t i = 0; i < n; ++i) {
    const char* p = buf.data() + static_cast<std::size_t>(i) * width;
    out.emplace_back(p, std::find(p, p + width, '\0') - p);
  }
  return out;
}

}  // namespace tessera::io
