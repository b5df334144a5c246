// Command templates over argument tables (GNU parallel's {1}, {}, {#}), shell quoting, the
// table's width check, and deadline parsing.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "scratch.hpp"
#include "tessera/core/error.hpp"
#include "tessera/tasks/command_template.hpp"

using namespace tessera;
using namespace tessera::tasks;

namespace {
std::string write_file(const std::string& name, const std::string& text) {
  const std::string path = tessera::testing::local_scratch(name);
  std::ofstream(path) << text;
  return path;
}

// Runs `cmd` under /bin/sh and returns its stdout.
std::string sh(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return "popen failed";
  char buf[256];
  while (std::fgets(buf, sizeof buf, p)) out += buf;
  ::pclose(p);
  return out;
}
}  // namespace

TEST(CommandTemplate, ColumnsAllColumnsAndTheTaskNumber) {
  const CommandTemplate t("prog --in {1} --out {2} --all {} --n {#}");
  EXPECT_EQ(t.max_column(), 2);
  EXPECT_EQ(t.expand({"a.dat", "b.h5"}, 6), "prog --in 'a.dat' --out 'b.h5' --all 'a.dat' 'b.h5' --n 7");
}

TEST(CommandTemplate, WithoutPlaceholdersTheColumnsAreAppended) {
  EXPECT_EQ(CommandTemplate("echo").expand({"x", "y z"}, 0), "echo 'x' 'y z'");
}

TEST(CommandTemplate, QuotedValuesStayOneWordAndAreNeverRunAsCode) {
  const std::vector<std::string> row = {"it's a $(touch /tmp/pwned) `x` ; rm -rf /", "two  spaces"};
  const std::string cmd = CommandTemplate("printf '[%s]' {1} {2}").expand(row, 0);
  EXPECT_EQ(sh(cmd), "[" + row[0] + "][" + row[1] + "]");
  EXPECT_EQ(shell_quote("a'b"), "'a'\\''b'");
  EXPECT_EQ(shell_quote(""), "''");
}

TEST(CommandTemplate, BadPlaceholdersAreUsageErrors) {
  EXPECT_THROW(CommandTemplate("echo {x}"), UsageError);
  EXPECT_THROW(CommandTemplate("echo {0}"), UsageError);
  EXPECT_THROW(CommandTemplate("echo {-1}"), UsageError);
  EXPECT_THROW(CommandTemplate("echo {1"), UsageError);
  EXPECT_THROW(CommandTemplate("   "), UsageError);
  try {
    CommandTemplate("run {2} {abc}");
    FAIL() << "no error";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("{abc}"), std::string::npos) << e.what();
  }
}

TEST(ArgTable, ReadsTabSeparatedRowsAndSkipsBlankLines) {
  const auto path = write_file("ok.tsv", "a\t1\n\n  \nb c\t2\r\nd\t\n");
  const ArgTable t = read_arg_table(path);
  ASSERT_EQ(t.rows.size(), 3u);
  EXPECT_EQ(t.columns(), 2u);
  EXPECT_EQ(t.rows[1][0], "b c");
  EXPECT_EQ(t.rows[1][1], "2");
  EXPECT_EQ(t.rows[2][1], "");
  EXPECT_EQ(t.lines, (std::vector<int>{1, 4, 5}));
}

TEST(ArgTable, ARowOfTheWrongWidthNamesItsLine) {
  const auto path = write_file("ragged.tsv", "a\t1\nb\t2\n\nc\n");
  try {
    read_arg_table(path);
    FAIL() << "no error";
  } catch (const UsageError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("line 4: 1 column(s), expected 2 (as on line 1)"), std::string::npos) << m;
  }
  EXPECT_THROW(read_arg_table(write_file("empty.tsv", "\n\n")), UsageError);
  EXPECT_THROW(read_arg_table(tessera::testing::local_scratch("missing.tsv")), UsageError);
}

TEST(CommandTemplate, AColumnBeyondTheTableIsRefused) {
  const ArgTable t = read_arg_table(write_file("three.tsv", "a\tb\tc\n"));
  EXPECT_NO_THROW(CommandTemplate("x {3}").check_against(t));
  try {
    CommandTemplate("x {7}").check_against(t);
    FAIL() << "no error";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("{7}"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("3 column(s)"), std::string::npos);
  }
}

TEST(Deadline, RelativeAbsoluteAndUtcTimes) {
  const double now = 1'800'000'000.25;
  EXPECT_DOUBLE_EQ(parse_deadline("+90", now), now + 90);
  EXPECT_DOUBLE_EQ(parse_deadline("+0.5", now), now + 0.5);
  EXPECT_DOUBLE_EQ(parse_deadline("@1796191400", now), 1796191400.0);
  // 2026-12-02T18:30:00Z = 1796236200 (date -u -d 2026-12-02T18:30:00 +%s)
  EXPECT_DOUBLE_EQ(parse_deadline("2026-12-02T18:30:00Z", now), 1796236200.0);
  EXPECT_DOUBLE_EQ(parse_deadline("2026-12-02 18:30:00", now), 1796236200.0);
  EXPECT_DOUBLE_EQ(parse_deadline("2026-12-02T18:30", now), 1796236200.0);
}

TEST(Deadline, AnythingElseIsAUsageErrorNamingTheOption) {
  for (const char* bad : {"", "tomorrow", "+", "+-5", "+5s", "@x", "2026-13-02T00:00:00", "2026-12-02", "12:00"}) {
    try {
      parse_deadline(bad, 0, "--deadline");
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find("--deadline"), std::string::npos) << e.what();
    }
  }
}
