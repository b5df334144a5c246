#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "tessera/core/error.hpp"
#include "tessera/core/fs.hpp"
#include "tessera/core/report.hpp"
#include "tessera/core/version.hpp"

namespace fs = std::filesystem;

TEST(Report, WritesValidJsonWithBuildInfo) {
  tessera::Report r("unit");
  r.metric("gflops", 12.5);
  r.parameter("n", 4096);
  r.set_verified(true);
  const auto dir = fs::temp_directory_path() / ("tessera-report-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const auto path = (dir / "m.json").string();
  r.write(path);
  std::ifstream in(path);
  const auto j = nlohmann::json::parse(in);
  EXPECT_EQ(j["app"], "unit");
  EXPECT_DOUBLE_EQ(j["metrics"]["gflops"].get<double>(), 12.5);
  EXPECT_EQ(j["parameters"]["n"], 4096);
  EXPECT_TRUE(j["verified"].get<bool>());
  EXPECT_EQ(j["build"]["version"], tessera::version());
  EXPECT_FALSE(j["build"]["mpi_library"].get<std::string>().empty());
  // no temporary left beside it
  for (const auto& e : fs::directory_iterator(dir)) EXPECT_EQ(e.path().filename(), "m.json");
  fs::remove_all(dir);
}

TEST(Report, UnwritableDirectoryIsAUsageError) {
  tessera::Report r("unit");
  EXPECT_THROW(r.write("/nonexistent-dir-xyz/m.json"), tessera::UsageError);
}

TEST(Fs, TempNameIsHiddenBesideTheTarget) {
  EXPECT_EQ(tessera::fs::temp_name_for("out/a.h5"), "out/.a.h5.partial");
  EXPECT_EQ(tessera::fs::temp_name_for("a.h5"), ".a.h5.partial");
}

TEST(Version, LineNamesVersionAndHash) {
  const auto line = tessera::version_line();
  EXPECT_NE(line.find(tessera::version()), std::string::npos);
  EXPECT_NE(line.find(tessera::git_hash()), std::string::npos);
}
