// Task records, the journal (torn lines, duplicates, any rank count) and the schedule arithmetic.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <numeric>

#include "tessera/core/error.hpp"
#include "tessera/tasks/journal.hpp"
#include "tessera/tasks/schedule.hpp"
#include "scratch.hpp"

using namespace tessera;
using namespace tessera::tasks;

namespace {
std::string scratch_prefix(const std::string& name) { return tessera::testing::local_scratch(name); }

TaskRecord sample(std::int64_t id, TaskStatus st = TaskStatus::ok) {
  TaskRecord r;
  r.id = id;
  r.input = "echo \"quoted\" \\ and\ttab " + std::to_string(id);
  r.rank = static_cast<int>(id % 3);
  r.start = 0.125 * static_cast<double>(id);
  r.duration = 1.0 / 3.0;
  r.status = st;
  r.exit_code = st == TaskStatus::ok ? 0 : 7;
  r.output = "line1\nline2 \xc3\xa9";
  r.result = id * 1'000'000'007LL;
  return r;
}
}  // namespace

TEST(TaskRecord, JsonLineRoundTripKeepsEveryField) {
  const TaskRecord r = sample(42, TaskStatus::timeout);
  const std::string line = to_json_line(r);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  const auto back = from_json_line(line);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->id, r.id);
  EXPECT_EQ(back->input, r.input);
  EXPECT_EQ(back->rank, r.rank);
  EXPECT_DOUBLE_EQ(back->start, r.start);
  EXPECT_DOUBLE_EQ(back->duration, r.duration);
  EXPECT_EQ(back->status, TaskStatus::timeout);
  EXPECT_EQ(back->exit_code, 7);
  EXPECT_EQ(back->output, r.output);
  EXPECT_EQ(back->result, r.result);
}

TEST(TaskRecord, TornAndForeignLinesDoNotParse) {
  const std::string line = to_json_line(sample(3));
  EXPECT_FALSE(from_json_line(line.substr(0, line.size() / 2)).has_value());
  EXPECT_FALSE(from_json_line("").has_value());
  EXPECT_FALSE(from_json_line("[1,2,3]").has_value());
  EXPECT_FALSE(from_json_line(R"({"id":1})").has_value());
  EXPECT_FALSE(from_json_line(R"({"id":1,"input":"","rank":0,"start":0,"duration":0,"status":"weird",)"
                              R"("exit_code":0,"output":"","result":0})")
                   .has_value());
}

TEST(TaskRecord, InvalidUtf8IsReplacedNotFatal) {
  TaskRecord r = sample(1);
  r.output = std::string("bad \xff\xfe bytes");
  const auto back = from_json_line(to_json_line(r));
  ASSERT_TRUE(back.has_value());
  EXPECT_NE(back->output.find("bytes"), std::string::npos);
}

TEST(TaskRecord, ClipNeverSplitsAUtf8Sequence) {
  const std::string e = "\xc3\xa9";  // é, two bytes
  EXPECT_EQ(clip_output("ab" + e + "cd", 3), "ab");
  EXPECT_EQ(clip_output("ab" + e + "cd", 4), "ab" + e);
  EXPECT_EQ(clip_output("abc", 10), "abc");
  EXPECT_EQ(clip_output(std::string("a\0b", 3), 10), "a?b");
  const std::string euro = "\xe2\x82\xac";  // €, three bytes
  EXPECT_EQ(clip_output(euro + euro, 5), euro);
}

TEST(Journal, RecordsFromAnyRankCountAreReadBackOncePerTask) {
  const auto prefix = scratch_prefix("j1");
  remove_journals(prefix);
  {
    // as if written by an earlier run on 3 ranks
    JournalWriter w0(prefix, 0, false), w1(prefix, 1, true), w2(prefix, 2, false);
    for (int id = 0; id < 30; ++id) (id % 3 == 0 ? w0 : id % 3 == 1 ? w1 : w2).append(sample(id));
  }
  EXPECT_EQ(journal_files(prefix).size(), 3u);
  const auto c = read_journals(prefix);
  EXPECT_EQ(c.files, 3u);
  EXPECT_EQ(c.torn_lines, 0u);
  ASSERT_EQ(c.records.size(), 30u);
  std::vector<std::int64_t> ids;
  for (const auto& r : c.records) {
    ids.push_back(r.id);
    EXPECT_TRUE(r.resumed);
  }
  std::sort(ids.begin(), ids.end());
  for (int i = 0; i < 30; ++i) EXPECT_EQ(ids[static_cast<std::size_t>(i)], i);
  remove_journals(prefix);
  EXPECT_TRUE(journal_files(prefix).empty());
}

TEST(Journal, TornLastLineIsSkippedAndTheNextWriterStartsAFreshLine) {
  const auto prefix = scratch_prefix("j2");
  remove_journals(prefix);
  {
    JournalWriter w(prefix, 0, false);
    w.append(sample(0));
    w.append(sample(1));
  }
  {
    // a kill in the middle of writing record 2
    std::ofstream out(journal_file(prefix, 0), std::ios::app);
    const auto line = to_json_line(sample(2));
    out << line.substr(0, line.size() / 2);
  }
  auto c = read_journals(prefix);
  EXPECT_EQ(c.records.size(), 2u);
  EXPECT_EQ(c.torn_lines, 1u);
  {
    JournalWriter w(prefix, 0, false);  // the resumed run appends to the same file
    w.append(sample(2));
  }
  c = read_journals(prefix);
  EXPECT_EQ(c.records.size(), 3u);
  EXPECT_EQ(c.torn_lines, 1u);
  remove_journals(prefix);
}

TEST(Journal, ASuccessfulRetryWinsOverTheFailedRecord) {
  const auto prefix = scratch_prefix("j3");
  remove_journals(prefix);
  {
    JournalWriter a(prefix, 0, false), b(prefix, 1, false);
    b.append(sample(5, TaskStatus::failed));
    a.append(sample(5, TaskStatus::ok));  // file rank0 is read first, but order must not matter
    b.append(sample(6, TaskStatus::failed));
    b.append(sample(6, TaskStatus::ok));
  }
  const auto c = read_journals(prefix);
  ASSERT_EQ(c.records.size(), 2u);
  EXPECT_EQ(c.duplicates, 2u);
  for (const auto& r : c.records) EXPECT_TRUE(r.ok()) << r.id;
  remove_journals(prefix);
}

TEST(Journal, OtherFilesWithTheSamePrefixAreIgnored) {
  const auto prefix = scratch_prefix("j4");
  remove_journals(prefix);
  { JournalWriter w(prefix, 0, false); w.append(sample(1)); }
  std::ofstream(prefix + ".rank0.bak") << "junk\n";
  std::ofstream(prefix + ".rankX") << "junk\n";
  EXPECT_EQ(journal_files(prefix).size(), 1u);
  EXPECT_EQ(read_journals(prefix).records.size(), 1u);
  remove_journals(prefix);
}

TEST(Schedule, ParseAndName) {
  EXPECT_EQ(parse_schedule("static"), Schedule::static_blocks);
  EXPECT_EQ(parse_schedule("dynamic"), Schedule::dynamic);
  EXPECT_EQ(parse_schedule("guided"), Schedule::guided);
  EXPECT_STREQ(to_string(Schedule::static_blocks), "static");
  EXPECT_THROW(parse_schedule("random"), UsageError);
}

TEST(Schedule, StaticBlocksTileTheListExactly) {
  for (std::int64_t n : {0, 1, 7, 100, 101}) {
    for (int p : {1, 2, 3, 4, 16}) {
      std::int64_t next = 0, biggest = 0, smallest = n;
      for (int r = 0; r < p; ++r) {
        const Range b = static_block(n, r, p);
        EXPECT_EQ(b.first, next) << n << " " << p << " " << r;
        next = std::max(next, b.last);
        biggest = std::max(biggest, b.size());
        smallest = std::min(smallest, b.size());
      }
      EXPECT_EQ(next, n);
      EXPECT_LE(biggest - smallest, 1);
    }
  }
}

TEST(Schedule, GuidedChunksShrinkToTheMinimum) {
  EXPECT_EQ(guided_chunk(0, 4, 2, 1), 0);
  EXPECT_EQ(guided_chunk(1000, 4, 2, 1), 125);
  EXPECT_EQ(guided_chunk(7, 4, 2, 1), 1);
  EXPECT_EQ(guided_chunk(7, 4, 2, 5), 5);
  EXPECT_EQ(guided_chunk(3, 4, 2, 5), 3);  // never more than what is left
  // a whole guided sequence on 4 ranks covers the list and ends in small chunks
  std::int64_t counter = 0, last = 0, chunks = 0;
  while (const std::int64_t c = guided_chunk(1000 - counter, 4, 2, 1)) {
    EXPECT_LE(c, std::max<std::int64_t>(1, last == 0 ? c : last));
    last = c;
    counter += c;
    ++chunks;
  }
  EXPECT_EQ(counter, 1000);
  EXPECT_EQ(last, 1);
  EXPECT_LT(chunks, 100);
}
