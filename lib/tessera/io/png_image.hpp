// tessera/io/png_image.hpp: pictures of 2D fields: colormaps, a colorbar with labels, PNG files.
//
//   io::Image img = io::render_field(values, ny, nx, {});   // field + colorbar + min/max labels
//   io::write_png("u.png", img);
//
// Labels use a tiny built-in 5x7 bitmap font (digits, '.', '-', '+', 'e'), so no font library is needed.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace tessera::io {

using Rgb = std::array<std::uint8_t, 3>;

// An 8-bit RGB image, row-major, image row 0 at the top.
struct Image {
  int width = 0, height = 0;
  std::vector<std::uint8_t> pixels;  // 3 * width * height

  Image() = default;
  Image(int w, int h, Rgb fill = {255, 255, 255});
  Rgb at(int x, int y) const;
  void set(int x, int y, Rgb c);
  void fill_rect(int x0, int y0, int w, int h, Rgb c);
};

enum class Colormap { viridis, gray, coolwarm };
// "viridis", "gray", "coolwarm"; UsageError otherwise.
Colormap parse_colormap(const std::string& name);
// Colour of t in [0, 1] (clamped); NaN gives magenta.
Rgb colormap(Colormap map, double t);

// Draws text in the built-in font (characters "0123456789.-+e "; others are blanks) with its
// top-left corner at (x, y), each font pixel `scale` image pixels wide. Returns the width drawn.
int draw_text(Image& img, int x, int y, const std::string& text, Rgb color, int scale = 1);
int text_width(const std::string& text, int scale = 1);
constexpr int font_height = 7;
// "%.4g"-style label restricted to the font's characters ("1.5e+08", "-0.25", "nan" -> "-").
std::string format_label(double v);

struct RenderOptions {
  Colormap map = Colormap::viridis;
  double lo = 0, hi = 0;    // value range; lo == hi: the data's finite min and max
  int max_size = 1024;      // the longer side of the field is reduced (block means) to at most this
  int min_size = 256;       // ... and enlarged (whole pixels) to at least this
};
struct RenderInfo {
  double lo = 0, hi = 0;          // range shown
  int field_x = 0, field_y = 0;   // where the field sits in the image
  int field_w = 0, field_h = 0;
  int bar_x = 0, bar_w = 0;       // the colorbar, same height as the field (top = hi)
};

// Renders a ny x nx field (row-major) with a colorbar and its min/max labels, y up: row 0 of the
// field at the bottom of the picture, column 0 at the left (the way ParaView shows the .xmf).
Image render_field(const std::vector<double>& values, std::int64_t ny, std::int64_t nx, const RenderOptions& opt,
                   RenderInfo* info = nullptr);
// Shrinks a field of ny x nx by block means (NaN-aware) so that neither side exceeds max_size,
// fed a few rows at a time: the whole field never has to be in memory.
class BlockMeans {
 public:
  BlockMeans(std::int64_t ny, std::int64_t nx, int max_size);
  // Rows [y0, y0 + nrows) of the full field, row-major, nx values each.
  void add_rows(std::int64_t y0, std::int64_t nrows, const double* rows);
  std::int64_t ny() const { return out_ny_; }
  std::int64_t nx() const { return out_nx_; }
  std::int64_t factor() const { return f_; }
  std::vector<double> result() const;  // out_ny x out_nx means (NaN where a block had no number)

 private:
  std::int64_t nx_, f_, out_ny_, out_nx_;
  std::vector<double> sum_;
  std::vector<std::int64_t> count_;
};

// 8-bit RGB PNG through libpng, written atomically. IoError on failure.
void write_png(const std::string& path, const Image& img);
// Reads any 8-bit PNG back as RGB (for tests and tools). UsageError if it is not a PNG.
Image read_png(const std::string& path);

}  // namespace tessera::io
