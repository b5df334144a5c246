// tessera/core/report.hpp: machine-readable metrics of one run, written as JSON (--report FILE.json).
#pragma once
#include <nlohmann/json.hpp>
#include <string>

namespace tessera {

class Report {
 public:
  // `app` is the program name without the "tessera-" prefix.
  explicit Report(std::string app);

  nlohmann::json& data() { return data_; }
  const nlohmann::json& data() const { return data_; }
  // report["metrics"][key] = value
  template <typename T>
  void metric(const std::string& key, const T& value) {
    data_["metrics"][key] = value;
  }
  // report["parameters"][key] = value
  template <typename T>
  void parameter(const std::string& key, const T& value) {
    data_["parameters"][key] = value;
  }
  void set_verified(bool ok) { data_["verified"] = ok; }
  // Ranks, threads, host list etc. (filled by the app from the Environment).
  void set_run(const nlohmann::json& run) { data_["run"] = run; }

  std::string dump() const { return data_.dump(2) + "\n"; }
  // Atomic write (temporary name, then rename). Call it on one rank.
  void write(const std::string& path) const;

 private:
  nlohmann::json data_;
};

// UTC time as ISO 8601, e.g. "2026-11-21T04:50:00Z".
std::string utc_now_iso8601();

}  // namespace tessera
