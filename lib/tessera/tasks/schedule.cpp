#include "tessera/tasks/schedule.hpp"

#include <algorithm>

#include "tessera/core/error.hpp"

namespace tessera::tasks {

const char* to_string(Schedule s) {
  switch (s) {
    case Schedule::static_blocks: return "static";
    case Schedule::dynamic: return "dynamic";
    case Schedule::guided: return "guided";
  }
  return "?";
}

Schedule parse_schedule(const std::string& text) {
  if (text == "static") return Schedule::static_blocks;
  if (text == "dynamic") return Schedule::dynamic;
  if (text == "guided") return Schedule::guided;
  throw UsageError("unknown schedule '" + text + "': expected static, dynamic or guided");
}

Range static_block(std::int64_t n, int rank, int nranks) {
  const std::int64_t p = std::max(1, nranks), r = rank;
  const std::int64_t base = n / p, extra = n % p;
  Range out;
  out.first = r * base + std::min(r, extra);
  out.last = out.first + base + (r < extra ? 1 : 0);
  return out;
}

std::int64_t guided_chunk(std::int64_t remaining, int nranks, int k, std::int64_t min_chunk) {
  if (remaining <= 0) return 0;
  const std::int64_t div = std::max<std::int64_t>(1, std::int64_t{k} * std::max(1, nranks));
  const std::int64_t c = std::max<std::int64_t>(std::max<std::int64_t>(1, min_chunk), (remaining + div - 1) / div);
  return std::min(c, remaining);
}

}  // namespace tessera::tasks
