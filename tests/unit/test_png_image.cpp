// Colormaps, the bitmap font, block means, and PNG files written and read back through libpng.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "tessera/core/error.hpp"
#include "tessera/core/fs.hpp"
#include "tessera/io/png_image.hpp"

using namespace tessera;

namespace {
std::string temp_file(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / ("tessera-png-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}
}  // namespace

TEST(Colormap, EndsAndMiddleAreTheReferenceColours) {
  EXPECT_EQ(io::colormap(io::Colormap::viridis, 0.0), (io::Rgb{68, 1, 84}));
  EXPECT_EQ(io::colormap(io::Colormap::viridis, 1.0), (io::Rgb{253, 231, 37}));
  EXPECT_EQ(io::colormap(io::Colormap::viridis, 0.5), (io::Rgb{33, 145, 140}));
  EXPECT_EQ(io::colormap(io::Colormap::gray, 0.0), (io::Rgb{0, 0, 0}));
  EXPECT_EQ(io::colormap(io::Colormap::gray, 1.0), (io::Rgb{255, 255, 255}));
  // clamped outside [0, 1], NaN magenta
  EXPECT_EQ(io::colormap(io::Colormap::gray, -3.0), (io::Rgb{0, 0, 0}));
  EXPECT_EQ(io::colormap(io::Colormap::coolwarm, 7.0), io::colormap(io::Colormap::coolwarm, 1.0));
  EXPECT_EQ(io::colormap(io::Colormap::viridis, std::nan("")), (io::Rgb{255, 0, 255}));
  EXPECT_THROW(io::parse_colormap("jet"), UsageError);
}

TEST(Colormap, GrayIsMonotone) {
  int last = -1;
  for (int i = 0; i <= 100; ++i) {
    const int v = io::colormap(io::Colormap::gray, i / 100.0)[0];
    EXPECT_GE(v, last);
    last = v;
  }
}

TEST(Font, DrawsDigitsAndSkipsUnknownCharacters) {
  io::Image img(40, 10);
  const int w = io::draw_text(img, 0, 0, "1-", {0, 0, 0});
  EXPECT_EQ(w, 11);
  // '1' has its stem in column 2 on every row but the last; '-' is row 3 of the second glyph
  for (int r = 0; r < 6; ++r) EXPECT_EQ(img.at(2, r), (io::Rgb{0, 0, 0})) << r;
  for (int c = 6; c < 11; ++c) EXPECT_EQ(img.at(c, 3), (io::Rgb{0, 0, 0})) << c;
  EXPECT_EQ(img.at(6, 0), (io::Rgb{255, 255, 255}));
  io::Image blank(20, 10);
  io::draw_text(blank, 0, 0, "xyz", {0, 0, 0});
  for (int y = 0; y < 10; ++y)
    for (int x = 0; x < 20; ++x) ASSERT_EQ(blank.at(x, y), (io::Rgb{255, 255, 255}));
  EXPECT_EQ(io::format_label(1.5e8), "1.5e+08");
  EXPECT_EQ(io::format_label(-0.25), "-0.25");
  EXPECT_EQ(io::format_label(std::nan("")), "-");
}

TEST(BlockMeans, AveragesBlocksAndIgnoresNaN) {
  // 4x6 field into blocks of 2x2 (max side 3)
  io::BlockMeans bm(4, 6, 3);
  EXPECT_EQ(bm.factor(), 2);
  EXPECT_EQ(bm.ny(), 2);
  EXPECT_EQ(bm.nx(), 3);
  std::vector<double> rows(24);
  for (int i = 0; i < 24; ++i) rows[static_cast<size_t>(i)] = i;
  rows[0] = std::nan("");
  bm.add_rows(0, 1, rows.data());       // rows fed in two pieces
  bm.add_rows(1, 3, rows.data() + 6);
  const auto r = bm.result();
  EXPECT_DOUBLE_EQ(r[0], (1 + 6 + 7) / 3.0);
  EXPECT_DOUBLE_EQ(r[1], (2 + 3 + 8 + 9) / 4.0);
  EXPECT_DOUBLE_EQ(r[5], (16 + 17 + 22 + 23) / 4.0);
}

TEST(Png, WrittenImageReadsBackWithTheSameSizeAndPixels) {
  // a gradient field: the first column at lo, the last at hi
  const std::int64_t ny = 20, nx = 30;
  std::vector<double> v(static_cast<size_t>(ny * nx));
  for (std::int64_t y = 0; y < ny; ++y)
    for (std::int64_t x = 0; x < nx; ++x) v[static_cast<size_t>(y * nx + x)] = -1.0 + 3.0 * static_cast<double>(x) / (nx - 1);
  io::RenderOptions opt;
  opt.min_size = 120;  // enlarged 4x
  io::RenderInfo info;
  const io::Image img = io::render_field(v, ny, nx, opt, &info);
  EXPECT_EQ(info.lo, -1.0);
  EXPECT_EQ(info.hi, 2.0);
  EXPECT_EQ(info.field_w, 120);
  EXPECT_EQ(info.field_h, 80);
  const auto path = temp_file("gradient.png");
  io::write_png(path, img);
  EXPECT_TRUE(fs::temporaries_of(path).empty());
  const io::Image back = io::read_png(path);
  ASSERT_EQ(back.width, img.width);
  ASSERT_EQ(back.height, img.height);
  EXPECT_EQ(back.pixels, img.pixels);
  // field corners in the colormap's end colours, the colorbar top = hi, bottom = lo
  EXPECT_EQ(back.at(info.field_x, info.field_y), io::colormap(opt.map, 0.0));
  EXPECT_EQ(back.at(info.field_x + info.field_w - 1, info.field_y + info.field_h - 1), io::colormap(opt.map, 1.0));
  EXPECT_EQ(back.at(info.bar_x + 1, info.field_y), io::colormap(opt.map, 1.0));
  EXPECT_EQ(back.at(info.bar_x + 1, info.field_y + info.field_h - 1), io::colormap(opt.map, 0.0));
  // the labels are drawn: some black pixels right of the colorbar
  int black = 0;
  for (int y = 0; y < back.height; ++y)
    for (int x = info.bar_x + info.bar_w + 2; x < back.width; ++x) black += back.at(x, y) == io::Rgb{0, 0, 0};
  EXPECT_GT(black, 20);
}

TEST(Png, RowZeroIsDrawnAtTheBottom) {
  // one hot value in row 0, column 0: y up puts it in the bottom-left corner of the field
  const std::int64_t ny = 4, nx = 5;
  std::vector<double> v(static_cast<size_t>(ny * nx), 0.0);
  v[0] = 1.0;
  io::RenderOptions opt;
  opt.min_size = 50;  // 10 image pixels a value
  io::RenderInfo info;
  const io::Image img = io::render_field(v, ny, nx, opt, &info);
  const io::Rgb hot = io::colormap(opt.map, 1.0), cold = io::colormap(opt.map, 0.0);
  EXPECT_EQ(img.at(info.field_x, info.field_y + info.field_h - 1), hot);       // bottom left
  EXPECT_EQ(img.at(info.field_x + 9, info.field_y + info.field_h - 10), hot);  // the whole 10x10 block
  EXPECT_EQ(img.at(info.field_x, info.field_y), cold);                         // top left: row ny - 1
  EXPECT_EQ(img.at(info.field_x, info.field_y + info.field_h - 11), cold);     // row 1, just above
  EXPECT_EQ(img.at(info.field_x + 10, info.field_y + info.field_h - 1), cold); // column 1
}

TEST(Png, BadPathsAndBadFilesAreErrors) {
  io::Image img(4, 4);
  EXPECT_THROW(io::write_png("/nonexistent-dir-xyz/a.png", img), UsageError);
  const auto txt = temp_file("not.png");
  std::ofstream(txt) << "hello";
  EXPECT_THROW(io::read_png(txt), UsageError);
  EXPECT_THROW(io::render_field({1, 2, 3}, 2, 2, {}), UsageError);
}
