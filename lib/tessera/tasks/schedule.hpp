// tessera/tasks/schedule.hpp: how the farm hands out task indices (pure arithmetic, no MPI).
//
//   static   rank r takes the r-th contiguous block of the task list, once (OpenMP's schedule(static)).
//   dynamic  every rank takes `chunk` tasks at a time from a shared counter until none are left.
//   guided   like dynamic, but a chunk is max(min_chunk, ceil(remaining / (k * nranks))): large
//            chunks first (few counter operations), single tasks at the end (a balanced finish).
//
// Guided needs `remaining`, which is only known after reading the counter. The farm does not take
// a chunk sized from a stale value with fetch-and-add; it claims it with compare-and-swap: it
// guesses the counter is where it last saw it, sizes the chunk from that guess and CASes
// counter: guess -> guess + chunk. On success (the usual case when ranks do not collide) that was
// one atomic operation; on failure the CAS returned the true value, which becomes the next guess.
// Chunks are thus always sized from the exact remaining count.
#pragma once
#include <cstdint>
#include <string>

namespace tessera::tasks {

enum class Schedule { static_blocks, dynamic, guided };
const char* to_string(Schedule s);  // "static", "dynamic", "guided"
// UsageError for anything but static|dynamic|guided.
Schedule parse_schedule(const std::string& text);

struct ScheduleOptions {
  Schedule kind = Schedule::guided;
  std::int64_t chunk = 1;      // dynamic: tasks per counter operation
  std::int64_t min_chunk = 1;  // guided: smallest chunk
  int guided_k = 2;            // guided: chunk = remaining / (k * nranks)
};

// [first, last) of a task list of n entries.
struct Range {
  std::int64_t first = 0, last = 0;
  std::int64_t size() const { return last > first ? last - first : 0; }
  bool empty() const { return size() == 0; }
};

// Static: the contiguous block of rank r of p (the first n % p ranks get one more).
Range static_block(std::int64_t n, int rank, int nranks);
// Guided chunk size for `remaining` tasks (0 when none remain).
std::int64_t guided_chunk(std::int64_t remaining, int nranks, int k, std::int64_t min_chunk);

}  // namespace tessera::tasks
