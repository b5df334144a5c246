// tessera/core/meminfo.hpp: how much host memory is free, for "will this fit?" checks made before
// anything large is allocated, and bytes in words.
#pragma once
#include <string>

namespace tessera::meminfo {

// MemAvailable of /proc/meminfo in bytes (what the kernel can give without swapping: free memory
// plus reclaimable caches); -1 when it cannot be read (not Linux, /proc not mounted).
double available_host_bytes();
// Parses the text of a /proc/meminfo file; -1 without a MemAvailable line (for tests).
double parse_mem_available(const std::string& meminfo_text);
// "512 B", "3.0 KiB", "1.50 GiB", "2.00 TiB".
std::string format_bytes(double bytes);

}  // namespace tessera::meminfo
