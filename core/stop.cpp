#include "nsperf/core/stop.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <csignal>
#include <cstring>

#include "nsperf/core/error.hpp"

namespace nsperf::core {
namespace {

// Lock-free, so the handler may store to it.
std::atomic<int> received{0};
static_assert(std::atomic<int>::is_always_lock_free);

// What the handlers use, prepared outside them: they may only call async-signal-safe functions
// (write, unlink, _exit), so no std::string and no allocation inside.
struct Temporary {
  std::atomic<bool> used{false};
  std::array<char, 4096> path{};
};
std::array<Temporary, 4> temporaries;  // a report has two at once
std::array<char, 1024> before_text{};
std::array<char, 1024> after_text{};
bool print_message = false;

void copy_text(std::array<char, 1024>& to, const std::string& from) {
  const std::size_t n = std::min(from.size(), to.size() - 1);
  std::memcpy(to.data(), from.data(), n);
  to[n] = '\0';
}

void write_text(const char* text) {
  std::size_t left = std::strlen(text);
  while (left > 0) {
    const ssize_t n = ::write(STDERR_FILENO, text, left);
    if (n <= 0) return;
    text += n;
    left -= static_cast<std::size_t>(n);
  }
}

const char* name_of(int signal) {
  switch (signal) {
    case SIGTERM:
      return "SIGTERM";
    case SIGINT:
      return "SIGINT";
    case SIGUSR1:
      return "SIGUSR1";
    default:
      return "a signal";
  }
}

void remove_temporaries() {
  for (auto& t : temporaries) {
    if (t.used.load()) ::unlink(t.path.data());
  }
}

extern "C" void on_stop_signal(int signal) {
  int none = 0;
  if (!received.compare_exchange_strong(none, signal)) {
    // A second stop signal (Ctrl-C pressed again): end at once, as without the handler.
    remove_temporaries();
    std::signal(signal, SIG_DFL);
    std::raise(signal);
  }
}

extern "C" void on_stop_signal_end(int signal) {
  if (print_message) {
    write_text(before_text.data());
    write_text(name_of(signal));
    write_text(after_text.data());
  }
  remove_temporaries();
  ::_exit(static_cast<int>(ExitCode::interrupted));
}

void install(void (*handler)(int)) {
  struct sigaction action {};
  action.sa_handler = handler;
  sigemptyset(&action.sa_mask);
  // SA_RESTART: a read or write in progress carries on rather than failing with EINTR.
  action.sa_flags = SA_RESTART;
  for (const int s : {SIGTERM, SIGINT, SIGUSR1}) sigaction(s, &action, nullptr);
}

}  // namespace

void watch_stop_signals() { install(on_stop_signal); }

void end_on_stop_signals(const std::string& before, const std::string& after, bool print) {
  copy_text(before_text, before);
  copy_text(after_text, after);
  print_message = print;
  install(on_stop_signal_end);
}

void remove_on_stop(const std::string& path) {
  for (auto& t : temporaries) {
    if (t.used.load() || path.empty() || path.size() >= t.path.size()) continue;
    std::memcpy(t.path.data(), path.c_str(), path.size() + 1);
    t.used.store(true);  // after the copy: a handler never sees half a path
    return;
  }
}

void keep_on_stop(const std::string& path) {
  for (auto& t : temporaries) {
    if (t.used.load() && path == t.path.data()) t.used.store(false);
  }
}

int stop_signal() noexcept { return received.load(); }

std::string signal_name(int signal) {
  // sigabbrev_np (glibc 2.32) knows every signal; name_of only those nsperf handles, and is
  // async-signal-safe for the handler.
  const char* abbreviation = sigabbrev_np(signal);
  return abbreviation != nullptr ? std::string("SIG") + abbreviation
                                 : "signal " + std::to_string(signal);
}

}  // namespace nsperf::core
