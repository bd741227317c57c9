#include "nsperf/core/stop.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "nsperf/core/error.hpp"

namespace core = nsperf::core;
namespace fs = std::filesystem;

namespace {

// Runs `body` in a child process (the handlers end the process) and returns its wait status.
template <typename Body>
int in_child(Body body) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    body();
    ::_exit(0);  // not reached when the signal ends the child
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return status;
}

fs::path touched(const std::string& name) {
  const fs::path path = fs::temp_directory_path() / (name + std::to_string(::getpid()));
  std::ofstream(path) << "partial";
  return path;
}

}  // namespace

TEST(Stop, ASignalEndsTheJobWithExitThreeAndRemovesItsTemporaryFiles) {
  const fs::path first = touched("nsperf-stop-a-");
  const fs::path second = touched("nsperf-stop-b-");
  const fs::path kept = touched("nsperf-stop-kept-");
  const int status = in_child([&] {
    core::end_on_stop_signals("stopped by ", "\n", /*print=*/false);
    core::remove_on_stop(first.string());
    core::remove_on_stop(second.string());
    core::remove_on_stop(kept.string());
    core::keep_on_stop(kept.string());  // renamed into place: no longer to be removed
    std::raise(SIGTERM);
  });
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), static_cast<int>(nsperf::ExitCode::interrupted));
  EXPECT_FALSE(fs::exists(first));
  EXPECT_FALSE(fs::exists(second));
  EXPECT_TRUE(fs::exists(kept));
  fs::remove(kept);
}

TEST(Stop, TheGracefulHandlerOnlyRecordsTheFirstSignal) {
  const int status = in_child([] {
    core::watch_stop_signals();
    std::raise(SIGUSR1);
    if (core::stop_signal() != SIGUSR1) ::_exit(1);
    std::raise(SIGTERM);  // a second signal ends the process as without the handler
    ::_exit(2);
  });
  ASSERT_TRUE(WIFSIGNALED(status)) << status;
  EXPECT_EQ(WTERMSIG(status), SIGTERM);
}
