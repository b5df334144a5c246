#include "tessera/core/fs.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "tessera/core/error.hpp"

namespace tessera::fs {
namespace stdfs = std::filesystem;

std::string temp_name_for(const std::string& path) {
  const stdfs::path p(path);
  const auto name = "." + p.filename().string() + ".partial";
  return (p.parent_path() / name).string();
}

void commit(const std::string& temp, const std::string& path) {
  if (std::rename(temp.c_str(), path.c_str()) != 0)
    throw IoError("cannot rename '" + temp + "' to '" + path + "': " + std::strerror(errno));
}

void remove_quietly(const std::string& path) {
  std::error_code ec;
  stdfs::remove(path, ec);
}

bool exists(const std::string& path) {
  std::error_code ec;
  return stdfs::exists(path, ec);
}

void check_writable(const std::string& path) {
  if (path.empty()) throw UsageError("empty output file name");
  stdfs::path dir = stdfs::path(path).parent_path();
  if (dir.empty()) dir = ".";
  std::error_code ec;
  if (!stdfs::is_directory(dir, ec))
    throw UsageError("output directory '" + dir.string() + "' does not exist (for '" + path + "')");
  if (::access(dir.c_str(), W_OK) != 0)
    throw UsageError("output directory '" + dir.string() + "' is not writable (for '" + path + "')");
  if (stdfs::is_directory(path, ec)) throw UsageError("output '" + path + "' is a directory");
}

void write_text_atomically(const std::string& path, const std::string& text) {
  check_writable(path);
  const auto tmp = temp_name_for(path) + "." + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw IoError("cannot open '" + tmp + "' for writing: " + std::strerror(errno));
    out << text;
    out.flush();
    if (!out) {
      remove_quietly(tmp);
      throw IoError("cannot write '" + tmp + "'");
    }
  }
  commit(tmp, path);
}

}  // namespace tessera::fs
