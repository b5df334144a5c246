// tests/support/error_text.hpp: the message of the tessera::Error a call throws, for tests that
// check what an error says.
#pragma once
#include <functional>
#include <string>

#include "tessera/core/error.hpp"

namespace tessera::testing {

// e.what() of the tessera::Error fn throws, or "(no exception)".
inline std::string error_text(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no exception)";
}

}  // namespace tessera::testing
