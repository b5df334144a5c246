#include "tessera/tasks/journal.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <unordered_map>
#include <utility>

#include "tessera/core/error.hpp"
#include "tessera/core/fs.hpp"

namespace tessera::tasks {
namespace stdfs = std::filesystem;

std::string journal_file(const std::string& prefix, int rank) { return prefix + ".rank" + std::to_string(rank); }

std::vector<std::string> journal_files(const std::string& prefix) {
  const stdfs::path p(prefix);
  stdfs::path dir = p.parent_path();
  if (dir.empty()) dir = ".";
  const std::string stem = p.filename().string() + ".rank";
  std::vector<std::pair<long, std::string>> found;
  std::error_code ec;
  for (stdfs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() <= stem.size() || name.compare(0, stem.size(), stem) != 0) continue;
    const std::string digits = name.substr(stem.size());
    if (digits.find_first_not_of("0123456789") != std::string::npos || digits.size() > 9) continue;
    found.emplace_back(std::stol(digits), (dir / name).string());
  }
  std::sort(found.begin(), found.end());
  std::vector<std::string> out;
  for (auto& f : found) out.push_back(std::move(f.second));
  return out;
}

void remove_journals(const std::string& prefix) {
  for (const auto& f : journal_files(prefix)) fs::remove_quietly(f);
}

void check_journal_writable(const std::string& prefix) {
  if (prefix.empty()) throw UsageError("empty journal prefix");
  fs::check_writable(journal_file(prefix, 0));
}

JournalWriter::JournalWriter(const std::string& prefix, int rank, bool fsync_each)
    : path_(journal_file(prefix, rank)), fsync_(fsync_each) {
  file_ = std::fopen(path_.c_str(), "a+e");  // e: close-on-exec, commands never inherit it
  if (!file_) throw IoError("cannot open journal '" + path_ + "': " + std::strerror(errno));
  // A journal cut by a kill ends in a torn line: end it, so the next record starts a line of its own.
  if (std::fseek(file_, -1, SEEK_END) == 0 && std::fgetc(file_) != '\n') {
    std::fseek(file_, 0, SEEK_END);
    if (std::fputc('\n', file_) == EOF || std::fflush(file_) != 0)
      throw IoError("cannot write journal '" + path_ + "': " + std::strerror(errno));
  }
}

JournalWriter::~JournalWriter() { close(); }

JournalWriter::JournalWriter(JournalWriter&& o) noexcept
    : file_(std::exchange(o.file_, nullptr)), path_(std::move(o.path_)), fsync_(o.fsync_) {}

JournalWriter& JournalWriter::operator=(JournalWriter&& o) noexcept {
  if (this != &o) {
    close();
    file_ = std::exchange(o.file_, nullptr);
    path_ = std::move(o.path_);
    fsync_ = o.fsync_;
  }
  return *this;
}

void JournalWriter::close() {
  if (file_) std::fclose(file_);
  file_ = nullptr;
}

void JournalWriter::append(const TaskRecord& r) {
  if (!file_) return;
  std::string line = to_json_line(r);
  line += '\n';
  // One write per line: a kill leaves at most one torn line, at the end.
  if (std::fwrite(line.data(), 1, line.size(), file_) != line.size() || std::fflush(file_) != 0)
    throw IoError("cannot write journal '" + path_ + "': " + std::strerror(errno));
  if (fsync_ && ::fsync(::fileno(file_)) != 0)
    throw IoError("cannot fsync journal '" + path_ + "': " + std::strerror(errno));
}

JournalContents read_journals(const std::string& prefix) {
  JournalContents c;
  std::unordered_map<std::int64_t, std::size_t> seen;  // id -> index in c.records
  for (const auto& path : journal_files(prefix)) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw IoError("cannot read journal '" + path + "': " + std::strerror(errno));
    ++c.files;
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::size_t pos = 0;
    while (pos < text.size()) {
      const std::size_t nl = text.find('\n', pos);
      if (nl == std::string::npos) {  // no newline: the write was cut short
        ++c.torn_lines;
        break;
      }
      const std::string line = text.substr(pos, nl - pos);
      pos = nl + 1;
      if (line.empty()) continue;
      auto rec = from_json_line(line);
      if (!rec) {
        ++c.torn_lines;
        continue;
      }
      rec->resumed = true;
      const auto [it, fresh] = seen.emplace(rec->id, c.records.size());
      if (fresh) {
        c.records.push_back(std::move(*rec));
        continue;
      }
      // A task retried after a failure has several records: a final one wins over a pending
      // retry, a successful one over a failed one, and among pending ones the latest attempt.
      ++c.duplicates;
      TaskRecord& kept = c.records[it->second];
      auto rank_of = [](const TaskRecord& r) { return r.retry_pending ? 0 : r.ok() ? 2 : 1; };
      if (rank_of(*rec) > rank_of(kept) || (rank_of(*rec) == rank_of(kept) && rec->retry_pending &&
                                            rec->attempts > kept.attempts))
        kept = std::move(*rec);
    }
  }
  return c;
}

}  // namespace tessera::tasks
