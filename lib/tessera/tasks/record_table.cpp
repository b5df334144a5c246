#include "tessera/tasks/record_table.hpp"

#include "tessera/io/table.hpp"

namespace tessera::tasks {

void write_records(const io::File& f, const std::string& group, const std::vector<TaskRecord>& rows,
                   const RecordTableOptions& opt) {
  const std::size_t n = rows.size();
  std::vector<std::int64_t> id(n), result(n);
  std::vector<std::int32_t> rank(n), status(n), exit_code(n), resumed(n), attempts(n);
  std::vector<double> start(n), duration(n);
  std::vector<std::string> input(n), output(n), node(n);
  for (std::size_t i = 0; i < n; ++i) {
    const auto& r = rows[i];
    id[i] = r.id;
    rank[i] = r.rank;
    start[i] = r.start;
    duration[i] = r.duration;
    status[i] = static_cast<std::int32_t>(r.status);
    exit_code[i] = r.exit_code;
    input[i] = r.input;
    output[i] = r.output;
    result[i] = r.result;
    resumed[i] = r.resumed ? 1 : 0;
    attempts[i] = r.attempts;
    node[i] = r.node;
  }
  auto info = [](std::string description, std::string units = "") {
    io::ColumnInfo c;
    c.description = std::move(description);
    c.units = std::move(units);
    return c;
  };
  io::Table t;
  t.add("id", std::move(id), info("task id, 0..N-1"));
  t.add("rank", std::move(rank), info("rank that ran the task"));
  io::ColumnInfo nd = info("host that ran the task");
  nd.max_width = 64;
  t.add("node", std::move(node), nd);
  t.add("attempts", std::move(attempts), info("runs of the task (1 + retries); status is the last one's"));
  t.add("start", std::move(start), info("start, from the beginning of the run that ran it", "s"));
  t.add("duration", std::move(duration), info("time the task took", "s"));
  io::ColumnInfo st = info("task status code");
  st.attributes.emplace_back("legend", status_legend());
  t.add("status", std::move(status), st);
  t.add("exit_code", std::move(exit_code), info("exit code (shell commands; 124 = timeout, 128+N = signal N)"));
  io::ColumnInfo in = info("task input");
  in.max_width = opt.input_width;
  t.add("input", std::move(input), in);
  io::ColumnInfo out = info("start of the task's output");
  out.max_width = opt.output_width;
  t.add("output", std::move(output), out);
  t.add("result", std::move(result), info("numeric result of the task"));
  t.add("resumed", std::move(resumed), info("1: taken from the journal of an earlier run"));
  io::write_table(f, group, t, "task");
}

std::vector<TaskRecord> read_records(const io::File& f, const std::string& group) {
  const auto id = io::read_int_column(f, group + "/id");
  const auto rank = io::read_int_column(f, group + "/rank");
  const auto start = io::read_double_column(f, group + "/start");
  const auto duration = io::read_double_column(f, group + "/duration");
  const auto status = io::read_int_column(f, group + "/status");
  const auto exit_code = io::read_int_column(f, group + "/exit_code");
  const auto input = io::read_string_column(f, group + "/input");
  const auto output = io::read_string_column(f, group + "/output");
  const auto result = io::read_int_column(f, group + "/result");
  const auto resumed = io::read_int_column(f, group + "/resumed");
  const auto attempts = io::read_int_column(f, group + "/attempts");
  const auto node = io::read_string_column(f, group + "/node");
  std::vector<TaskRecord> out(id.size());
  for (std::size_t i = 0; i < id.size(); ++i) {
    auto& r = out[i];
    r.id = id[i];
    r.rank = static_cast<int>(rank.at(i));
    r.start = start.at(i);
    r.duration = duration.at(i);
    const auto s = status.at(i);
    if (s < 0 || s > 2) throw UsageError("table '" + group + "' has an unknown status code " + std::to_string(s));
    r.status = static_cast<TaskStatus>(s);
    r.exit_code = static_cast<int>(exit_code.at(i));
    r.input = input.at(i);
    r.output = output.at(i);
    r.result = result.at(i);
    r.resumed = resumed.at(i) != 0;
    r.attempts = static_cast<int>(attempts.at(i));
    r.node = node.at(i);
  }
  return out;
}

}  // namespace tessera::tasks
