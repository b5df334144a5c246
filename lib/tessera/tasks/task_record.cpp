#include "tessera/tasks/task_record.hpp"

#include <nlohmann/json.hpp>

namespace tessera::tasks {

const char* to_string(TaskStatus s) {
  switch (s) {
    case TaskStatus::ok: return "ok";
    case TaskStatus::failed: return "failed";
    case TaskStatus::timeout: return "timeout";
  }
  return "?";
}

std::optional<TaskStatus> status_from_string(const std::string& s) {
  if (s == "ok") return TaskStatus::ok;
  if (s == "failed") return TaskStatus::failed;
  if (s == "timeout") return TaskStatus::timeout;
  return std::nullopt;
}

std::string status_legend() { return "0=ok,1=failed,2=timeout"; }

std::string to_json_line(const TaskRecord& r) {
  nlohmann::json j = {{"id", r.id},          {"input", r.input},       {"rank", r.rank},
                      {"start", r.start},    {"duration", r.duration}, {"status", to_string(r.status)},
                      {"exit_code", r.exit_code}, {"output", r.output}, {"result", r.result},
                      {"node", r.node},      {"attempts", r.attempts}};
  if (r.retry_pending) j["retry_pending"] = true;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::optional<TaskRecord> from_json_line(const std::string& line) {
  const auto j = nlohmann::json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  try {
    TaskRecord r;
    r.id = j.at("id").get<std::int64_t>();
    r.input = j.at("input").get<std::string>();
    r.rank = j.at("rank").get<int>();
    r.start = j.at("start").get<double>();
    r.duration = j.at("duration").get<double>();
    const auto st = status_from_string(j.at("status").get<std::string>());
    if (!st || r.id < 0) return std::nullopt;
    r.status = *st;
    r.exit_code = j.at("exit_code").get<int>();
    r.output = j.at("output").get<std::string>();
    r.result = j.at("result").get<std::int64_t>();
    // absent in journals written before they were recorded
    r.node = j.value("node", std::string());
    r.attempts = j.value("attempts", 1);
    r.retry_pending = j.value("retry_pending", false);
    if (r.attempts < 1) return std::nullopt;
    return r;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

std::string clip_output(const std::string& text, std::size_t limit) {
  std::string out = text.size() <= limit ? text : text.substr(0, limit);
  if (out.size() < text.size()) {
    // drop a trailing partial UTF-8 sequence: back off over continuation bytes to the lead byte
    std::size_t i = out.size();
    std::size_t back = 0;
    while (i > 0 && back < 4 && (static_cast<unsigned char>(out[i - 1]) & 0xC0) == 0x80) --i, ++back;
    if (i > 0) {
      const auto lead = static_cast<unsigned char>(out[i - 1]);
      const std::size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
      if (need > 1 && back + 1 < need) out.resize(i - 1);
    }
  }
  for (auto& c : out)
    if (c == '\0') c = '?';
  return out;
}

}  // namespace tessera::tasks
