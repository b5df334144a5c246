#include "tessera/core/signals.hpp"

#include <cstring>

#include "tessera/core/error.hpp"

namespace tessera::signals {
namespace {
volatile std::sig_atomic_t g_signal = 0;
volatile std::sig_atomic_t g_installed = 0;

extern "C" void on_stop_signal(int sig) {
  if (g_signal == 0) g_signal = sig;
}
}  // namespace

StopHandlers::StopHandlers(std::vector<int> sigs) : sigs_(std::move(sigs)) {
  if (g_installed) throw Error("signals::StopHandlers: handlers are already installed in this process");
  previous_.resize(sigs_.size());
  struct sigaction sa;
  std::memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  for (size_t i = 0; i < sigs_.size(); ++i) {
    if (::sigaction(sigs_[i], &sa, &previous_[i]) != 0) {
      for (size_t k = 0; k < i; ++k) ::sigaction(sigs_[k], &previous_[k], nullptr);
      throw Error("cannot install a handler for " + signal_name(sigs_[i]) + ": " + std::strerror(errno));
    }
  }
  g_installed = 1;
}

StopHandlers::~StopHandlers() {
  for (size_t i = 0; i < sigs_.size(); ++i) ::sigaction(sigs_[i], &previous_[i], nullptr);
  g_installed = 0;
}

bool stop_requested() noexcept { return g_signal != 0; }
int stop_signal() noexcept { return static_cast<int>(g_signal); }
void clear() noexcept { g_signal = 0; }
void request_stop(int sig) noexcept {
  if (g_signal == 0) g_signal = sig;
}

std::string signal_name(int sig) {
  switch (sig) {
    case SIGTERM: return "SIGTERM";
    case SIGUSR1: return "SIGUSR1";
    case SIGUSR2: return "SIGUSR2";
    case SIGINT: return "SIGINT";
    case SIGHUP: return "SIGHUP";
    case SIGQUIT: return "SIGQUIT";
    default: return "signal " + std::to_string(sig);
  }
}

}  // namespace tessera::signals
