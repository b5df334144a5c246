#include <gtest/gtest.h>

#include "tessera/core/cli.hpp"
#include "tessera/core/error.hpp"

using tessera::UsageError;
namespace cli = tessera::cli;

TEST(ParseExtents, AcceptsOneToThreeDimensions) {
  EXPECT_EQ(cli::parse_extents("100", "--n"), (std::vector<std::int64_t>{100}));
  EXPECT_EQ(cli::parse_extents("4096x2048", "--shape"), (std::vector<std::int64_t>{4096, 2048}));
  EXPECT_EQ(cli::parse_extents("3x4x5", "--shape"), (std::vector<std::int64_t>{3, 4, 5}));
}

TEST(ParseExtents, RejectsZeroNegativeGarbageAndTooManyDims) {
  EXPECT_THROW(cli::parse_extents("0x10", "--shape"), UsageError);
  EXPECT_THROW(cli::parse_extents("-5", "--shape"), UsageError);
  EXPECT_THROW(cli::parse_extents("abc", "--shape"), UsageError);
  EXPECT_THROW(cli::parse_extents("10x", "--shape"), UsageError);
  EXPECT_THROW(cli::parse_extents("", "--shape"), UsageError);
  EXPECT_THROW(cli::parse_extents("1x2x3x4", "--shape"), UsageError);
  EXPECT_THROW(cli::parse_extents("10", "--shape", 2, 2), UsageError);
  EXPECT_THROW(cli::parse_extents("99999999999999999999999", "--n"), UsageError);
}

TEST(ParseExtents, MessageNamesTheOption) {
  try {
    cli::parse_extents("12xfoo", "--shape");
    FAIL() << "no exception";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("--shape"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("foo"), std::string::npos);
    EXPECT_EQ(e.exit_code(), 2);
  }
}

TEST(ParseRange, OrderedRangesOnly) {
  EXPECT_EQ(cli::parse_range("1:20000", "--range"), (std::pair<std::int64_t, std::int64_t>{1, 20000}));
  EXPECT_EQ(cli::parse_range("5:5", "--range"), (std::pair<std::int64_t, std::int64_t>{5, 5}));
  EXPECT_THROW(cli::parse_range("20:1", "--range"), UsageError);
  EXPECT_THROW(cli::parse_range("20", "--range"), UsageError);
  EXPECT_THROW(cli::parse_range("a:b", "--range"), UsageError);
}

TEST(Parse, UnknownOptionIsAUsageError) {
  CLI::App app{"t", "tessera-test"};
  cli::CommonOptions o;
  cli::add_common(app, o);
  const char* argv[] = {"tessera-test", "--bogus"};
  bool done = false;
  EXPECT_THROW(cli::parse(app, 2, const_cast<char**>(argv), done), UsageError);
}

TEST(Parse, HelpIsNotAnError) {
  CLI::App app{"t", "tessera-test"};
  cli::CommonOptions o;
  cli::add_common(app, o);
  const char* argv[] = {"tessera-test", "--help"};
  bool done = false;
  testing::internal::CaptureStdout();
  EXPECT_EQ(cli::parse(app, 2, const_cast<char**>(argv), done), 0);
  const auto out = testing::internal::GetCapturedStdout();
  EXPECT_TRUE(done);
  EXPECT_NE(out.find("--report"), std::string::npos);
}

TEST(CommandLine, QuotesWhatTheShellWouldSplit) {
  const char* argv[] = {"tessera-x", "--op", "scale:2", "a b", "it's"};
  EXPECT_EQ(cli::command_line(5, const_cast<char**>(argv)), "tessera-x --op scale:2 'a b' 'it'\\''s'");
}

TEST(Split, DropsEmptyPieces) {
  EXPECT_EQ(cli::split("sum,,max,"), (std::vector<std::string>{"sum", "max"}));
}
