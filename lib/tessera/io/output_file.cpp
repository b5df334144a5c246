#include "tessera/io/output_file.hpp"

#include <H5public.h>

#include "tessera/core/fs.hpp"
#include "tessera/core/report.hpp"
#include "tessera/core/version.hpp"
#include "tessera/mpi/version.hpp"

namespace tessera::io {

void write_provenance(const File& f, const Provenance& p) {
  if (p.kind != "result" && p.kind != "checkpoint")
    throw UsageError("provenance: kind '" + p.kind + "' is neither result nor checkpoint");
  if (p.verified != "VERIFIED" && p.verified != "FAILED" && p.verified != "unverified")
    throw UsageError("provenance: verified '" + p.verified + "' is not VERIFIED, FAILED or unverified");
  const std::string program = "tessera-" + p.app;
  // one timestamp for every rank (attributes are collective and must agree)
  const std::string now = f.parallel() ? f.comm().bcast_string(utc_now_iso8601()) : utc_now_iso8601();
  write_attr(f, "/", "Conventions", "CF-1.8");
  write_attr(f, "/", "title", program + " " + p.kind);
  write_attr(f, "/", "source", "Tessera " + version() + " (git " + git_hash() + "), " + program);
  write_attr(f, "/", "history", now + ": " + p.command_line);
  write_attr(f, "/", "program", program);
  write_attr(f, "/", "app", p.app);
  write_attr(f, "/", "version", version());
  write_attr(f, "/", "git_hash", git_hash());
  write_attr(f, "/", "ranks", std::int64_t{p.ranks});
  write_attr(f, "/", "threads", std::int64_t{p.threads});
  write_attr(f, "/", "grid", p.grid.empty() ? std::string("none") : p.grid);
  write_attr(f, "/", "command_line", p.command_line);
  write_attr(f, "/", "created_utc", now);
  write_attr(f, "/", "kind", p.kind);
  write_attr(f, "/", "verified", p.verified);
  write_attr(f, "/", "mpi_library", mpi::library_version());
  unsigned maj = 0, min = 0, rel = 0;
  H5get_libversion(&maj, &min, &rel);
  write_attr(f, "/", "hdf5_version", std::to_string(maj) + "." + std::to_string(min) + "." + std::to_string(rel));
  write_attr(f, "/", "tessera_format", file_format);
}

const std::vector<std::pair<std::string, bool>>& provenance_attributes() {
  static const std::vector<std::pair<std::string, bool>> names = {
      {"Conventions", true},  {"title", true},     {"source", true},      {"history", true},
      {"program", true},      {"app", true},       {"version", true},     {"git_hash", true},
      {"ranks", false},       {"threads", false},  {"grid", true},        {"command_line", true},
      {"created_utc", true},  {"kind", true},      {"verified", true},    {"mpi_library", true},
      {"hdf5_version", true}, {"tessera_format", false}};
  return names;
}

OutputFile::OutputFile(const mpi::Comm& comm, std::string final_path) : comm_(comm), final_(std::move(final_path)) {
  comm_.collective_check([&] { fs::check_writable(final_); });
  comm_.collective_check([&] {
    if (comm_.rank() == 0) temp_ = fs::create_temporary_for(final_);
  });
  temp_ = comm_.bcast_string(temp_);
  // Every rank registers it: whichever rank meets a fatal I/O error removes it before the job ends.
  fs::register_temporary(temp_, final_);
  try {
    file_ = File::open(comm_, temp_, Mode::create);
  } catch (...) {
    forget();
    throw;
  }
}

OutputFile::~OutputFile() {
  if (done_) return;
  file_.abandon();
  forget();
}

void OutputFile::forget() noexcept {
  fs::remove_quietly(temp_);
  fs::forget_temporary(temp_);
  done_ = true;
}

void OutputFile::commit(bool sync) {
  bool ok = true;
  std::string err;
  try {
    if (sync) file_.flush();
    file_.close();
  } catch (const std::exception& e) {
    ok = false;
    err = e.what();
  }
  comm_.agree(ok, "cannot write '" + final_ + "': " + err, static_cast<int>(ExitCode::runtime));
  if (comm_.rank() == 0) {
    try {
      fs::commit(temp_, final_);
    } catch (const std::exception& e) {
      ok = false;
      err = e.what();
    }
  }
  comm_.agree(ok, err, static_cast<int>(ExitCode::runtime));
  fs::forget_temporary(temp_);
  committed_ = done_ = true;
}

void OutputFile::discard() {
  try {
    file_.cancel_after_close();
    file_.close();
  } catch (const std::exception&) {
    // the file is being thrown away: a close error changes nothing
  }
  comm_.barrier();
  forget();
}

}  // namespace tessera::io
