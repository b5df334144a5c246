// tessera/io/table.hpp: a table as a group of columns, one 1D dataset per column, all of the same
// length (the layout pandas/h5py users read directly: f["/results/tasks/duration"][:]).
//
//   io::Table t;                                   // this rank's rows, any number (zero too)
//   t.add("id", ids);                              // int32, int64, float64 or string columns
//   io::ColumnInfo wide;
//   wide.max_width = 1024;
//   t.add("input", inputs, wide);                  // fixed-length strings, cut to max_width bytes
//   io::write_table(file, "/results/tasks", t);    // collective
//
// Every rank adds the same columns in the same order; the file holds rank 0's rows, then rank 1's,
// and so on. A string column holds NUL-terminated fixed-length strings as wide as the longest one
// over all ranks (cut to max_width bytes, never inside a UTF-8 sequence) plus the terminator.
// The group gets the attributes "columns" (comma-separated names) and "rows".
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "tessera/io/hdf5.hpp"

namespace tessera::io {

struct ColumnInfo {
  std::string units;            // dataset attribute "units" when not empty
  std::string description;      // dataset attribute "description" when not empty
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
void write_table(const File& f, const std::string& group, const Table& local);

// Number of rows of the table under `group` (attribute "rows").
std::int64_t table_rows(const File& f, const std::string& group);
// A whole column, on every rank that calls (collective on a parallel file). UsageError when the
// dataset is missing or of another kind; integer columns read as int64 whatever their width.
std::vector<std::int64_t> read_int_column(const File& f, const std::string& path);
std::vector<double> read_double_column(const File& f, const std::string& path);
std::vector<std::string> read_string_column(const File& f, const std::string& path);

}  // namespace tessera::io
