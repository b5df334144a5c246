#include "tessera/core/report.hpp"

#include <ctime>

#include "tessera/core/fs.hpp"
#include "tessera/core/version.hpp"

namespace tessera {

Report::Report(std::string app) {
  data_["app"] = std::move(app);
  data_["schema"] = "tessera-report/2";
  data_["time_utc"] = utc_now_iso8601();
  data_["build"] = build_info();
  data_["metrics"] = nlohmann::json::object();
  data_["parameters"] = nlohmann::json::object();
}

void Report::write(const std::string& path) const { fs::write_text_atomically(path, dump()); }

std::string utc_now_iso8601() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace tessera
