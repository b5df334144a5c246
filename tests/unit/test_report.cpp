#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
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
  // no temporary left beside it
  for (const auto& e : fs::directory_iterator(dir)) EXPECT_EQ(e.path().filename(), "m.json");
  fs::remove_all(dir);
}

TEST(Report, UnwritableDirectoryIsAUsageError) {
  tessera::Report r("unit");
  EXPECT_THROW(r.write("/nonexistent-dir-xyz/m.json"), tessera::UsageError);
}

TEST(Fs, TemporariesAreHiddenBesideTheTargetUniqueAndExclusive) {
  namespace fs = tessera::fs;
  const std::string dir = ::testing::TempDir() + "tessera-fs-" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  const std::string target = dir + "/a.h5";
  EXPECT_EQ(fs::temp_prefix_for(target), dir + "/.a.h5.");
  const std::string t1 = fs::create_temporary_for(target), t2 = fs::create_temporary_for(target);
  EXPECT_NE(t1, t2) << "two writers of one name must never share a temporary";
  EXPECT_EQ(t1.rfind(fs::temp_prefix_for(target), 0), 0u) << t1;
  EXPECT_TRUE(fs::is_temporary_name(std::filesystem::path(t1).filename().string())) << t1;
  EXPECT_TRUE(fs::exists(t1));
  EXPECT_EQ(fs::temporaries_of(target), (std::vector<std::string>{std::min(t1, t2), std::max(t1, t2)}));
  EXPECT_FALSE(fs::exists(target));
  fs::commit(t1, target);
  EXPECT_TRUE(fs::exists(target));
  EXPECT_EQ(fs::temporaries_of(target), std::vector<std::string>{t2});
  fs::remove_quietly(t2);
  EXPECT_TRUE(fs::temporaries_of(target).empty());
  EXPECT_THROW(fs::create_temporary_for(dir + "/no-such-dir/b.h5"), tessera::IoError);
  std::filesystem::remove_all(dir);
}

TEST(Fs, RegisteredTemporariesAreRemovedOnRequest) {
  namespace fs = tessera::fs;
  const std::string dir = ::testing::TempDir() + "tessera-fsreg-" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  const std::string t = fs::create_temporary_for(dir + "/x.h5");
  fs::register_temporary(t, dir + "/x.h5");
  EXPECT_EQ(fs::registered_outputs(), std::vector<std::string>{dir + "/x.h5"});
  fs::remove_registered_temporaries();
  EXPECT_FALSE(fs::exists(t));
  EXPECT_TRUE(fs::registered_outputs().empty());
  std::filesystem::remove_all(dir);
}

TEST(Version, LineNamesVersionAndHash) {
  const auto line = tessera::version_line();
  EXPECT_NE(line.find(tessera::version()), std::string::npos);
  EXPECT_NE(line.find(tessera::git_hash()), std::string::npos);
}
