// tessera/tasks/record_table.hpp: task records as an HDF5 column table (io::Table), and back.
//
// Columns under the group: id (int64), rank (int32), start and duration (float64, seconds),
// status (int32; attribute "legend" = "0=ok,1=failed,2=timeout"), exit_code (int32), input and
// output (fixed-length strings), result (int64), resumed (int32, 1 for a record taken from a journal).
#pragma once
#include <string>
#include <vector>

#include "tessera/io/hdf5.hpp"
#include "tessera/tasks/task_record.hpp"

namespace tessera::tasks {

struct RecordTableOptions {
  std::size_t input_width = 1024;   // longest input kept, bytes
  std::size_t output_width = 256;   // longest output kept, bytes
};

// Collective on a parallel file: every rank passes its rows (e.g. all on rank 0, none elsewhere).
void write_records(const io::File& f, const std::string& group, const std::vector<TaskRecord>& rows,
                   const RecordTableOptions& opt = {});
// Reads the whole table on every rank that calls (collective on a parallel file).
std::vector<TaskRecord> read_records(const io::File& f, const std::string& group);

}  // namespace tessera::tasks
