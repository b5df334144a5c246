// Checkpoint file names, listing (temporaries and strangers ignored) and pruning to the last K.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "tessera/core/fs.hpp"
#include "tessera/io/checkpoint.hpp"

using namespace tessera;
namespace stdfs = std::filesystem;

namespace {
std::string touch(const std::string& path) {
  std::ofstream(path) << "x";
  return path;
}
}  // namespace

TEST(CheckpointFiles, ListAndPrune) {
  const auto dir = (stdfs::temp_directory_path() / ("tessera-ckpt-" + std::to_string(::getpid()))).string();
  stdfs::create_directories(dir);
  EXPECT_EQ(io::checkpoint_path(dir, "heat", 50), dir + "/heat-00000050.h5");
  for (int s : {10, 20, 30, 40, 50}) touch(io::checkpoint_path(dir, "heat", s));
  touch(fs::temp_prefix_for(io::checkpoint_path(dir, "heat", 60)) + "node1-77-0abc.partial");  // a write in progress
  touch(dir + "/heat-notanumber.h5");
  touch(dir + "/other-00000070.h5");
  touch(dir + "/heat-00000080.txt");
  auto all = io::list_checkpoints(dir, "heat");
  ASSERT_EQ(all.size(), 5u);
  EXPECT_EQ(all.front().step, 10);
  EXPECT_EQ(all.back().step, 50);
  // keep 2 among steps <= 40: 30 and 40 stay, 10 and 20 go; 50 (a later step) is not touched
  const auto removed = io::prune_checkpoints(dir, "heat", 2, 40);
  EXPECT_EQ(removed.size(), 2u);
  all = io::list_checkpoints(dir, "heat");
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].step, 30);
  EXPECT_EQ(all[2].step, 50);
  EXPECT_TRUE(fs::exists(dir + "/other-00000070.h5"));
  EXPECT_TRUE(io::list_checkpoints(dir + "/missing", "heat").empty());
  stdfs::remove_all(dir);
}
