#include "tessera/core/fs.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <random>
#include <utility>

#include "tessera/core/error.hpp"

namespace tessera::fs {
namespace stdfs = std::filesystem;

namespace {
const char* const temp_suffix = ".partial";

struct Registry {
  std::mutex m;
  std::vector<std::pair<std::string, std::string>> entries;  // temp, final
};
Registry& registry() {
  static Registry* r = new Registry;  // never destroyed: usable on the way out of the process
  return *r;
}

std::string host_name() {
  char host[256] = {0};
  ::gethostname(host, sizeof host - 1);
  std::string h = host;
  for (char& c : h)
    if (c == '/' || c == '.') c = '_';
  return h.empty() ? "host" : h;
}

std::string random_part() {
  static std::mutex m;
  static std::mt19937_64 gen(std::random_device{}() ^ (static_cast<std::uint64_t>(::getpid()) << 20));
  std::lock_guard<std::mutex> lock(m);
  char buf[20];
  std::snprintf(buf, sizeof buf, "%08llx", static_cast<unsigned long long>(gen() & 0xffffffffULL));
  return buf;
}

// Writes all of `text` to fd; false with errno on failure.
bool write_all(int fd, const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    done += static_cast<size_t>(n);
  }
  return true;
}
}  // namespace

std::string temp_prefix_for(const std::string& path) {
  const stdfs::path p(path);
  return (p.parent_path() / ("." + p.filename().string() + ".")).string();
}

bool is_temporary_name(const std::string& name) {
  const size_t n = std::strlen(temp_suffix);
  return name.size() > n + 1 && name[0] == '.' && name.compare(name.size() - n, n, temp_suffix) == 0;
}

std::string create_temporary_for(const std::string& path) {
  const std::string prefix = temp_prefix_for(path) + host_name() + "-" + std::to_string(::getpid()) + "-";
  for (int attempt = 0; attempt < 16; ++attempt) {
    const std::string name = prefix + random_part() + temp_suffix;
    const int fd = ::open(name.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
    if (fd >= 0) {
      ::close(fd);
      return name;
    }
    if (errno != EEXIST)
      throw IoError("cannot create a temporary file for '" + path + "': " + std::strerror(errno));
  }
  throw IoError("cannot create a unique temporary file for '" + path + "' (16 names taken)");
}

std::vector<std::string> temporaries_of(const std::string& path) {
  const stdfs::path p(path);
  const std::string head = stdfs::path(temp_prefix_for(path)).filename().string();
  stdfs::path dir = p.parent_path();
  std::vector<std::string> out;
  std::error_code ec;
  for (stdfs::directory_iterator it(dir.empty() ? "." : dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.compare(0, head.size(), head) == 0 && is_temporary_name(name)) out.push_back((dir / name).string());
  }
  std::sort(out.begin(), out.end());
  return out;
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
  if (::access(dir.c_str(), W_OK) != 0) {
    if (errno == EROFS)  // a fault of the file system, not of the user
      throw IoError("cannot write '" + path + "': " + std::strerror(EROFS));
    throw UsageError("output directory '" + dir.string() + "' is not writable (for '" + path + "')");
  }
  if (stdfs::is_directory(path, ec)) throw UsageError("output '" + path + "' is a directory");
}

void sync_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) throw IoError("cannot open '" + path + "' to sync it: " + std::strerror(errno));
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) throw IoError("cannot sync '" + path + "': " + std::strerror(err));
}

void write_text_atomically(const std::string& path, const std::string& text) {
  check_writable(path);
  const std::string tmp = create_temporary_for(path);
  register_temporary(tmp, path);
  auto drop = [&] {
    remove_quietly(tmp);
    forget_temporary(tmp);
  };
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
  bool ok = fd >= 0 && write_all(fd, text);
  int err = ok ? 0 : errno;
  if (fd >= 0 && ::close(fd) != 0 && ok) {
    ok = false;
    err = errno;
  }
  if (!ok) {
    drop();
    throw IoError("cannot write '" + path + "': " + std::strerror(err));
  }
  try {
    commit(tmp, path);
  } catch (...) {
    drop();
    throw;
  }
  forget_temporary(tmp);
}

void register_temporary(const std::string& temp, const std::string& final_path) {
  auto& r = registry();
  std::lock_guard<std::mutex> lock(r.m);
  r.entries.emplace_back(temp, final_path);
}

void forget_temporary(const std::string& temp) {
  auto& r = registry();
  std::lock_guard<std::mutex> lock(r.m);
  for (auto it = r.entries.begin(); it != r.entries.end(); ++it)
    if (it->first == temp) {
      r.entries.erase(it);
      return;
    }
}

std::vector<std::string> registered_outputs() {
  auto& r = registry();
  std::lock_guard<std::mutex> lock(r.m);
  std::vector<std::string> out;
  for (const auto& e : r.entries) out.push_back(e.second);
  return out;
}

void remove_registered_temporaries() noexcept {
  auto& r = registry();
  // try_lock: called from an error handler that may interrupt a holder of the lock on this thread
  std::unique_lock<std::mutex> lock(r.m, std::try_to_lock);
  for (const auto& e : r.entries) ::unlink(e.first.c_str());
  if (lock.owns_lock()) r.entries.clear();
}

}  // namespace tessera::fs
