#include "tessera/io/output_file.hpp"

#include <H5public.h>

#include "tessera/core/fs.hpp"
#include "tessera/core/report.hpp"
#include "tessera/core/version.hpp"

namespace tessera::io {

void write_provenance(const File& f, const Provenance& p) {
  write_attr(f, "/", "tessera_format", std::int64_t{1});
  write_attr(f, "/", "app", p.app);
  write_attr(f, "/", "version", version());
  write_attr(f, "/", "git_hash", git_hash());
  write_attr(f, "/", "ranks", std::int64_t{p.ranks});
  write_attr(f, "/", "threads", std::int64_t{p.threads});
  write_attr(f, "/", "grid", p.grid);
  write_attr(f, "/", "command_line", p.command_line);
  // one timestamp for every rank (attributes are collective and must agree)
  write_attr(f, "/", "created_utc", f.parallel() ? f.comm().bcast_string(utc_now_iso8601()) : utc_now_iso8601());
  write_attr(f, "/", "mpi_library", mpi_library_version());
  unsigned maj = 0, min = 0, rel = 0;
  H5get_libversion(&maj, &min, &rel);
  write_attr(f, "/", "hdf5_version", std::to_string(maj) + "." + std::to_string(min) + "." + std::to_string(rel));
}

OutputFile::OutputFile(const mpi::Comm& comm, std::string final_path)
    : comm_(comm), final_(std::move(final_path)), temp_(fs::temp_name_for(final_)) {
  comm_.collective_check([&] { fs::check_writable(final_); });
  file_ = File::open(comm_, temp_, Mode::create);
}

OutputFile::~OutputFile() {
  if (committed_) return;
  file_.close();
  // Not collective: rank 0 of the output removes the temporary (comm_.rank() needs no MPI call).
  if (comm_.rank() == 0) fs::remove_quietly(temp_);
}

void OutputFile::commit(bool sync) {
  if (sync) file_.flush();
  file_.close();
  comm_.barrier();
  bool ok = true;
  std::string err;
  if (comm_.rank() == 0) {
    try {
      fs::commit(temp_, final_);
    } catch (const std::exception& e) {
      ok = false;
      err = e.what();
    }
  }
  comm_.agree(ok, err, static_cast<int>(ExitCode::runtime));
  committed_ = true;
}

}  // namespace tessera::io
