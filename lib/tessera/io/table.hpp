// tessera/io/table.hpp: a table as a group of columns, one 1D dataset per column, all of the same
// length (the layout pandas/h5py users read directly: f["/results/tasks/duration"][:]).
//
//   io::Table t;                                   // this rank's rows, any number (zero too)
//   t.add("id", ids);                              // int32, int64, float64 or string columns
//   io::ColumnInfo wide;
//   wide.max_width = 1024;
//   t.add("input", inputs, wide);                  // strings, cut to max_width bytes
//   io::write_table(file, "/results/tasks", t, "task");  // collective
//
// Every rank adds the same columns in the same order; the file holds rank 0's rows, then rank 1's,
// and so on. The table is netCDF-4/CF (docs/file-format.md): every column lies along one dimension
// (an index coordinate named `dim` in the group) and has long_name (the description) and, if
// numeric, units ("1" by default). String columns hold variable-length UTF-8 strings (cut to
// max_width bytes, never inside a UTF-8 sequence); on a parallel file their rows are gathered to
// rank 0 and written when the file is closed (io::File::after_close), as parallel HDF5 cannot
// write variable-length data. The group gets the attributes "columns" (comma-separated names) and "rows".
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "tessera/io/hdf5.hpp"

namespace tessera::io {

struct ColumnInfo {
  std::string units;            // CF units (numeric columns; "1" when empty)
  std::string description;      // CF long_name (the column's name when empty)
  std::size_t max_width = 256;  // string columns: longest string kept, in bytes
  std::vector<std::pair<std::string, std::string>> attributes;  // further string attributes
};

class Table {
 public:
  using Values = std::variant<std::vector<std::int32_t>, std::vector<std::int64_t>, std::vector<double>,
                              std::vector<std::string>>;
  struct Column {
    std::string name;
    Values values;
    ColumnInfo info;
    std::size_t size() const;
  };

  // Adds a column of this rank's rows. Every column must have the same number of rows (Error).
  void add(const std::string& name, std::vector<std::int32_t> values, ColumnInfo info = {});
  void add(const std::string& name, std::vector<std::int64_t> values, ColumnInfo info = {});
  void add(const std::string& name, std::vector<double> values, ColumnInfo info = {});
  void add(const std::string& name, std::vector<std::string> values, ColumnInfo info = {});

  const std::vector<Column>& columns() const { return columns_; }
  std::size_t rows() const { return columns_.empty() ? 0 : columns_.front().size(); }

 private:
  void push(Column c);
  std::vector<Column> columns_;
};

// Writes `local` under `group` (created, or its columns replaced). Collective on a parallel file:
// every rank calls it, also with zero rows; the ranks must agree on the column names and kinds
// (checked: a UsageError on every rank otherwise). A serial file takes the rows as they are.
// `dim`: the name of the rows' dimension (no column may have that name).
void write_table(const File& f, const std::string& group, const Table& local, const std::string& dim = "row");

// Number of rows of the table under `group` (attribute "rows").
std::int64_t table_rows(const File& f, const std::string& group);
// A whole column, on every rank that calls (collective on a parallel file). UsageError when the
// dataset is missing or of another kind; integer columns read as int64 whatever their width;
// string columns variable-length or fixed-length (files of the first format).
std::vector<std::int64_t> read_int_column(const File& f, const std::string& path);
std::vector<double> read_double_column(const File& f, const std::string& path);
std::vector<std::string> read_string_column(const File& f, const std::string& path);

}  // namespace tessera::io
