#include "tessera/io/png_image.hpp"

#include <fmt/format.h>
#include <png.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "tessera/core/error.hpp"
#include "tessera/core/fs.hpp"

namespace tessera::io {

Image::Image(int w, int h, Rgb fill) : width(w), height(h), pixels(static_cast<size_t>(w) * h * 3) {
  fill_rect(0, 0, w, h, fill);
}

Rgb Image::at(int x, int y) const {
  const size_t o = (static_cast<size_t>(y) * width + x) * 3;
  return {pixels[o], pixels[o + 1], pixels[o + 2]};
}

void Image::set(int x, int y, Rgb c) {
  if (x < 0 || y < 0 || x >= width || y >= height) return;
  const size_t o = (static_cast<size_t>(y) * width + x) * 3;
  pixels[o] = c[0], pixels[o + 1] = c[1], pixels[o + 2] = c[2];
}

void Image::fill_rect(int x0, int y0, int w, int h, Rgb c) {
  for (int y = std::max(0, y0); y < std::min(height, y0 + h); ++y)
    for (int x = std::max(0, x0); x < std::min(width, x0 + w); ++x) set(x, y, c);
}

Colormap parse_colormap(const std::string& name) {
  if (name == "viridis") return Colormap::viridis;
  if (name == "gray" || name == "grey") return Colormap::gray;
  if (name == "coolwarm") return Colormap::coolwarm;
  throw UsageError("unknown colormap '" + name + "' (expected viridis, gray or coolwarm)");
}

namespace {
Rgb interpolate(const std::vector<Rgb>& anchors, double t) {
  const double x = t * static_cast<double>(anchors.size() - 1);
  const size_t i = std::min(anchors.size() - 2, static_cast<size_t>(x));
  const double f = x - static_cast<double>(i);
  Rgb out{};
  for (int c = 0; c < 3; ++c)
    out[static_cast<size_t>(c)] = static_cast<std::uint8_t>(
        std::lround((1 - f) * anchors[i][static_cast<size_t>(c)] + f * anchors[i + 1][static_cast<size_t>(c)]));
  return out;
}
}  // namespace

Rgb colormap(Colormap map, double t) {
  if (std::isnan(t)) return {255, 0, 255};
  t = std::clamp(t, 0.0, 1.0);
  switch (map) {
    case Colormap::gray: {
      const auto v = static_cast<std::uint8_t>(std::lround(255 * t));
      return {v, v, v};
    }
    case Colormap::coolwarm: {
      static const std::vector<Rgb> a{{59, 76, 192}, {221, 221, 221}, {180, 4, 38}};
      return interpolate(a, t);
    }
    case Colormap::viridis:
    default: {
      // matplotlib's viridis at t = 0, 1/8, ..., 1
      static const std::vector<Rgb> a{{68, 1, 84},    {71, 44, 122},  {59, 81, 139},  {44, 113, 142}, {33, 145, 140},
                                      {39, 173, 129}, {92, 200, 99},  {170, 220, 50}, {253, 231, 37}};
      return interpolate(a, t);
    }
  }
}

namespace {
// 5x7 glyphs, one byte per row, bit 4 = leftmost pixel.
struct Glyph {
  char c;
  std::uint8_t rows[7];
};
constexpr Glyph kFont[] = {
    {'0', {0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E}}, {'1', {0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E}},
    {'2', {0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F}}, {'3', {0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E}},
    {'4', {0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02}}, {'5', {0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E}},
    {'6', {0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E}}, {'7', {0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08}},
    {'8', {0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E}}, {'9', {0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C}},
    {'.', {0x00, 0x00, 0x00, 0x00, 0x00, 0x0C, 0x0C}}, {'-', {0x00, 0x00, 0x00, 0x1F, 0x00, 0x00, 0x00}},
    {'+', {0x00, 0x04, 0x04, 0x1F, 0x04, 0x04, 0x00}}, {'e', {0x00, 0x00, 0x0E, 0x11, 0x1F, 0x10, 0x0E}},
};
const Glyph* glyph(char c) {
  for (const auto& g : kFont)
    if (g.c == c) return &g;
  return nullptr;
}
constexpr int kAdvance = 6;  // 5 pixels and a gap
}  // namespace

int text_width(const std::string& text, int scale) {
  return text.empty() ? 0 : (static_cast<int>(text.size()) * kAdvance - 1) * scale;
}

int draw_text(Image& img, int x, int y, const std::string& text, Rgb color, int scale) {
  for (size_t i = 0; i < text.size(); ++i) {
    const Glyph* g = glyph(text[i]);
    if (!g) continue;
    const int gx = x + static_cast<int>(i) * kAdvance * scale;
    for (int r = 0; r < 7; ++r)
      for (int c = 0; c < 5; ++c)
        if (g->rows[r] & (0x10 >> c)) img.fill_rect(gx + c * scale, y + r * scale, scale, scale, color);
  }
  return text_width(text, scale);
}

std::string format_label(double v) {
  if (!std::isfinite(v)) return "-";
  std::string s = fmt::format("{:.4g}", v);
  if (s == "-0") s = "0";
  return s;
}

BlockMeans::BlockMeans(std::int64_t ny, std::int64_t nx, int max_size) : nx_(nx) {
  if (ny <= 0 || nx <= 0 || max_size <= 0) throw UsageError("cannot draw an empty field");
  const std::int64_t longest = std::max(ny, nx);
  f_ = (longest + max_size - 1) / max_size;
  out_ny_ = (ny + f_ - 1) / f_;
  out_nx_ = (nx + f_ - 1) / f_;
  sum_.assign(static_cast<size_t>(out_ny_ * out_nx_), 0.0);
  count_.assign(sum_.size(), 0);
}

void BlockMeans::add_rows(std::int64_t y0, std::int64_t nrows, const double* rows) {
  for (std::int64_t r = 0; r < nrows; ++r) {
    const std::int64_t oy = (y0 + r) / f_;
    const double* row = rows + r * nx_;
    for (std::int64_t x = 0; x < nx_; ++x)
      if (!std::isnan(row[x])) {
        const size_t o = static_cast<size_t>(oy * out_nx_ + x / f_);
        sum_[o] += row[x];
        count_[o] += 1;
      }
  }
}

std::vector<double> BlockMeans::result() const {
  std::vector<double> out(sum_.size());
  for (size_t i = 0; i < out.size(); ++i)
    out[i] = count_[i] ? sum_[i] / static_cast<double>(count_[i]) : std::numeric_limits<double>::quiet_NaN();
  return out;
}

Image render_field(const std::vector<double>& values, std::int64_t ny, std::int64_t nx, const RenderOptions& opt,
                   RenderInfo* info) {
  if (ny <= 0 || nx <= 0 || static_cast<std::int64_t>(values.size()) != ny * nx)
    throw UsageError("render_field: " + std::to_string(values.size()) + " values for a " + std::to_string(ny) + "x" +
                     std::to_string(nx) + " field");
  if (std::max(ny, nx) > opt.max_size)
    throw UsageError("render_field: field larger than max_size; shrink it with BlockMeans first");
  double lo = opt.lo, hi = opt.hi;
  if (!(lo < hi)) {
    lo = std::numeric_limits<double>::infinity();
    hi = -lo;
    for (double v : values)
      if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
    if (lo > hi) lo = hi = 0;  // nothing finite
  }
  const int up = static_cast<int>(std::max<std::int64_t>(1, opt.min_size / std::max(ny, nx)));
  const int fw = static_cast<int>(nx) * up, fh = static_cast<int>(ny) * up;
  const int ts = fh >= 200 ? 2 : 1;  // label scale
  const std::string top = format_label(hi), bottom = format_label(lo);
  const int margin = 8, bar_w = 20, gap = 10;
  const int label_w = std::max(text_width(top, ts), text_width(bottom, ts));
  const int h = std::max(fh, 2 * font_height * ts + 8) + 2 * margin;
  const int w = margin + fw + gap + bar_w + 6 + label_w + margin;
  Image img(w, h);
  const Rgb black{0, 0, 0};
  const int fx = margin, fy = margin;
  const double span = hi > lo ? hi - lo : 1.0;
  for (std::int64_t y = 0; y < ny; ++y)
    for (std::int64_t x = 0; x < nx; ++x) {
      const double v = values[static_cast<size_t>(y * nx + x)];
      const Rgb c = colormap(opt.map, hi > lo ? (v - lo) / span : (std::isnan(v) ? v : 0.5));
      // y up: row 0 of the field at the bottom, as ParaView shows it (docs/file-format.md)
      img.fill_rect(fx + static_cast<int>(x) * up, fy + static_cast<int>(ny - 1 - y) * up, up, up, c);
    }
  const int bx = fx + fw + gap;
  for (int y = 0; y < fh; ++y) {
    const double t = fh > 1 ? 1.0 - static_cast<double>(y) / (fh - 1) : 0.5;
    img.fill_rect(bx, fy + y, bar_w, 1, colormap(opt.map, t));
  }
  // thin frames around the field and the bar
  for (const auto& [x0, ww] : {std::pair<int, int>{fx, fw}, std::pair<int, int>{bx, bar_w}}) {
    img.fill_rect(x0 - 1, fy - 1, ww + 2, 1, black);
    img.fill_rect(x0 - 1, fy + fh, ww + 2, 1, black);
    img.fill_rect(x0 - 1, fy - 1, 1, fh + 2, black);
    img.fill_rect(x0 + ww, fy - 1, 1, fh + 2, black);
  }
  draw_text(img, bx + bar_w + 6, fy, top, black, ts);
  draw_text(img, bx + bar_w + 6, fy + std::max(fh, 2 * font_height * ts + 8) - font_height * ts, bottom, black, ts);
  if (info) *info = {lo, hi, fx, fy, fw, fh, bx, bar_w};
  return img;
}

void write_png(const std::string& path, const Image& img) {
  fs::check_writable(path);
  const std::string tmp = fs::create_temporary_for(path);
  png_image pi;
  std::memset(&pi, 0, sizeof pi);
  pi.version = PNG_IMAGE_VERSION;
  pi.width = static_cast<png_uint_32>(img.width);
  pi.height = static_cast<png_uint_32>(img.height);
  pi.format = PNG_FORMAT_RGB;
  if (!png_image_write_to_file(&pi, tmp.c_str(), 0, img.pixels.data(), 0, nullptr)) {
    const std::string msg = pi.message;
    png_image_free(&pi);
    fs::remove_quietly(tmp);
    throw IoError("cannot write PNG '" + path + "': " + msg);
  }
  try {
    fs::commit(tmp, path);
  } catch (...) {
    fs::remove_quietly(tmp);
    throw;
  }
}

Image read_png(const std::string& path) {
  png_image pi;
  std::memset(&pi, 0, sizeof pi);
  pi.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&pi, path.c_str()))
    throw UsageError("cannot read PNG '" + path + "': " + std::string(pi.message));
  pi.format = PNG_FORMAT_RGB;
  Image img(static_cast<int>(pi.width), static_cast<int>(pi.height));
  if (!png_image_finish_read(&pi, nullptr, img.pixels.data(), 0, nullptr)) {
    const std::string msg = pi.message;
    png_image_free(&pi);
    throw UsageError("cannot read PNG '" + path + "': " + msg);
  }
  return img;
}

}  // namespace tessera::io
