// tessera/tasks/command_template.hpp: shell commands from a template and a table of arguments, as
// GNU parallel users write them, and the run's deadline.
//
//   params.tsv (tab-separated, one task per row):   in/a.dat<TAB>out/a.h5
//   --template 'prog --in {1} --out {2}'          -> prog --in 'in/a.dat' --out 'out/a.h5'
//
// Placeholders: {N} is column N (from 1), {} is every column, space-separated; {#} is the task's
// number (1-based, as in GNU parallel). Values are quoted for /bin/sh (single quotes), so a file
// name with spaces or quotes stays one word and nothing in the table is run as shell code. A
// template without placeholders gets every column appended, as GNU parallel does. Blank lines of
// the table are skipped; every other row must have as many columns as the first.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace tessera::tasks {

struct ArgTable {
  std::vector<std::vector<std::string>> rows;
  std::vector<int> lines;  // the file line of each row (for messages)
  std::string path;
  std::size_t columns() const { return rows.empty() ? 0 : rows.front().size(); }
};
// UsageError naming the file and line when unreadable, empty, or a row has another width.
ArgTable read_arg_table(const std::string& path);

class CommandTemplate {
 public:
  // UsageError for an unclosed brace or a placeholder that is not {N}, {} or {#}.
  explicit CommandTemplate(std::string text);
  // UsageError when the template names a column beyond the table's width.
  void check_against(const ArgTable& t) const;
  // The command of task `id` (row `id` of the table).
  std::string expand(const std::vector<std::string>& row, std::int64_t id) const;
  int max_column() const { return max_column_; }

 private:
  struct Piece {
    std::string text;  // literal text, when column == -3
    int column = -3;   // N >= 1: {N}; 0: {}; -1: {#}
  };
  std::string text_;
  std::vector<Piece> pieces_;
  int max_column_ = 0;
  bool any_placeholder_ = false;
};

// 'text' with every ' written as '\'' : one word for /bin/sh.
std::string shell_quote(const std::string& text);

// The UNIX time of a deadline given as +SECONDS (from `now`), @UNIXTIME, or a UTC time
// YYYY-MM-DDTHH:MM[:SS][Z] (a space may stand for the T). UsageError for anything else, naming
// `option` and the accepted forms.
double parse_deadline(const std::string& text, double now, const std::string& option = "--deadline");

}  // namespace tessera::tasks
