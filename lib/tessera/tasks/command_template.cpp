#include "tessera/tasks/command_template.hpp"

#include <ctime>
#include <fstream>

#include "tessera/core/error.hpp"

namespace tessera::tasks {

namespace {
std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    const std::size_t tab = line.find('\t', start);
    out.push_back(line.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
    if (tab == std::string::npos) return out;
    start = tab + 1;
  }
}
}  // namespace

ArgTable read_arg_table(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw UsageError("cannot read the argument table '" + path + "'");
  ArgTable t;
  t.path = path;
  std::string line;
  int lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    auto row = split_tabs(line);
    if (!t.rows.empty() && row.size() != t.columns())
      throw UsageError("argument table '" + path + "' line " + std::to_string(lineno) + ": " +
                       std::to_string(row.size()) + " column(s), expected " + std::to_string(t.columns()) +
                       " (as on line " + std::to_string(t.lines.front()) + ")");
    t.rows.push_back(std::move(row));
    t.lines.push_back(lineno);
  }
  if (in.bad()) throw UsageError("cannot read the argument table '" + path + "'");
  if (t.rows.empty()) throw UsageError("argument table '" + path + "' holds no row");
  return t;
}

CommandTemplate::CommandTemplate(std::string text) : text_(std::move(text)) {
  if (text_.find_first_not_of(" \t") == std::string::npos) throw UsageError("--template is empty");
  std::string lit;
  for (std::size_t i = 0; i < text_.size();) {
    if (text_[i] != '{') {
      lit += text_[i++];
      continue;
    }
    const std::size_t close = text_.find('}', i);
    if (close == std::string::npos)
      throw UsageError("--template '" + text_ + "': '{' at position " + std::to_string(i + 1) + " is never closed");
    const std::string inside = text_.substr(i + 1, close - i - 1);
    Piece p;
    if (inside.empty()) {
      p.column = 0;
    } else if (inside == "#") {
      p.column = -1;
    } else if (inside.find_first_not_of("0123456789") == std::string::npos && inside.size() <= 6 && inside[0] != '0') {
      p.column = std::stoi(inside);
      max_column_ = std::max(max_column_, p.column);
    } else {
      throw UsageError("--template '" + text_ + "': unknown placeholder {" + inside +
                       "} (use {1}, {2}, ... for columns, {} for all of them, {#} for the task number)");
    }
    if (!lit.empty()) pieces_.push_back(Piece{std::move(lit), -3});
    lit.clear();
    pieces_.push_back(p);
    any_placeholder_ = true;
    i = close + 1;
  }
  if (!lit.empty()) pieces_.push_back(Piece{std::move(lit), -3});
}

void CommandTemplate::check_against(const ArgTable& t) const {
  if (max_column_ > static_cast<int>(t.columns()))
    throw UsageError("--template names {" + std::to_string(max_column_) + "} but the argument table '" + t.path +
                     "' has " + std::to_string(t.columns()) + " column(s)");
}

std::string CommandTemplate::expand(const std::vector<std::string>& row, std::int64_t id) const {
  auto all = [&] {
    std::string s;
    for (const auto& v : row) s += (s.empty() ? "" : " ") + shell_quote(v);
    return s;
  };
  std::string out;
  for (const auto& p : pieces_) {
    if (p.column == -3) out += p.text;
    else if (p.column == 0) out += all();
    else if (p.column == -1) out += std::to_string(id + 1);
    else out += shell_quote(row.at(static_cast<std::size_t>(p.column - 1)));
  }
  if (!any_placeholder_) out += " " + all();
  return out;
}

std::string shell_quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

double parse_deadline(const std::string& text, double now, const std::string& option) {
  const std::string forms = "expected +SECONDS, @UNIXTIME or a UTC time such as 2026-12-02T18:30:00Z";
  auto bad = [&]() { return UsageError(option + " '" + text + "': " + forms); };
  if (text.empty()) throw bad();
  try {
    if (text[0] == '+' || text[0] == '@') {
      std::size_t used = 0;
      const double v = std::stod(text.substr(1), &used);
      if (used != text.size() - 1 || !(v >= 0) || v > 1e12) throw bad();
      return text[0] == '+' ? now + v : v;
    }
  } catch (const std::logic_error&) {
    throw bad();
  }
  std::string t = text;
  if (!t.empty() && (t.back() == 'Z' || t.back() == 'z')) t.pop_back();
  for (auto& c : t)
    if (c == ' ') c = 'T';
  std::tm tm{};
  const char* end = ::strptime(t.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (end == nullptr || *end != '\0') {
    tm = std::tm{};
    end = ::strptime(t.c_str(), "%Y-%m-%dT%H:%M", &tm);
  }
  if (end == nullptr || *end != '\0') throw bad();
  const time_t when = ::timegm(&tm);
  if (when == static_cast<time_t>(-1)) throw bad();
  return static_cast<double>(when);
}

}  // namespace tessera::tasks
