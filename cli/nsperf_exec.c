/* nsperf-exec: runs one command for `nsperf profile -- COMMAND` and reports what it cost.
 *
 *   nsperf-exec FD PROGRAM ARGV0 [ARGS ...]
 *
 * Forks, attaches hardware counters (perf_event_open: cycles, instructions, cache misses; user
 * space, the command and its children, from its execve) where the kernel allows, execs PROGRAM
 * (no shell), waits for it with wait4 and writes one line of figures to file descriptor FD.
 *
 * Why a separate, small, static program: Linux reports as a process's peak resident memory
 * (ru_maxrss) the largest of every address space it had, the one before execve included. A
 * command forked straight from nsperf would start with nsperf's ~14 MiB of libraries and
 * report at least that. Forked from this program it starts with a few hundred KiB.
 *
 * The line: exec_errno wall_ns user_us sys_us maxrss_kib minflt majflt nvcsw nivcsw wstatus
 *           perf_errno count0 enabled0 running0 count1 enabled1 running1 count2 ...
 * (exec_errno 0: the command ran; perf_errno 0: the counters were attached.) Exit status 0 when
 * the line was written, 2 on bad usage. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define COUNTERS 3

static const uint64_t kConfigs[COUNTERS] = {PERF_COUNT_HW_CPU_CYCLES, PERF_COUNT_HW_INSTRUCTIONS,
                                            PERF_COUNT_HW_CACHE_MISSES};

static int open_counter(uint64_t config, pid_t pid) {
  struct perf_event_attr attr;
  memset(&attr, 0, sizeof attr);
  attr.size = sizeof attr;
  attr.type = PERF_TYPE_HARDWARE;
  attr.config = config;
  attr.disabled = 1;
  attr.enable_on_exec = 1;
  attr.inherit = 1;
  attr.exclude_kernel = 1; /* allowed at perf_event_paranoid <= 2 without privileges */
  attr.exclude_hv = 1;
  attr.read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
  return (int)syscall(SYS_perf_event_open, &attr, pid, -1, -1, PERF_FLAG_FD_CLOEXEC);
}

static int64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

int main(int argc, char** argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: nsperf-exec FD PROGRAM ARGV0 [ARGS ...] (used by nsperf profile)\n");
    return 2;
  }
  const int out = atoi(argv[1]);
  int go[2];
  int failed[2];
  if (pipe2(go, O_CLOEXEC) != 0 || pipe2(failed, O_CLOEXEC) != 0) {
    perror("nsperf-exec: pipe");
    return 2;
  }
  const pid_t pid = fork();
  if (pid < 0) {
    perror("nsperf-exec: fork");
    return 2;
  }
  if (pid == 0) {
    char byte;
    close(out);
    while (read(go[0], &byte, 1) < 0 && errno == EINTR) {
    }
    execv(argv[2], argv + 3);
    const int error = errno;
    if (write(failed[1], &error, sizeof error) < 0) _exit(127);
    _exit(127);
  }
  close(go[0]);
  close(failed[1]);
  int fds[COUNTERS];
  int perf_errno = 0;
  for (int i = 0; i < COUNTERS; ++i) fds[i] = -1;
  for (int i = 0; i < COUNTERS; ++i) {
    fds[i] = open_counter(kConfigs[i], pid);
    if (fds[i] < 0) {
      perf_errno = errno;
      for (int j = 0; j < i; ++j) close(fds[j]);
      for (int j = 0; j < COUNTERS; ++j) fds[j] = -1;
      break;
    }
  }
  const int64_t start = now_ns();
  if (write(go[1], "x", 1) < 0) {
    perror("nsperf-exec: write");
  }
  close(go[1]);
  int status = 0;
  struct rusage usage;
  memset(&usage, 0, sizeof usage);
  while (wait4(pid, &status, 0, &usage) < 0) {
    if (errno != EINTR) {
      perror("nsperf-exec: wait4");
      return 2;
    }
  }
  const int64_t wall = now_ns() - start;
  int exec_errno = 0;
  if (read(failed[0], &exec_errno, sizeof exec_errno) != (ssize_t)sizeof exec_errno) exec_errno = 0;
  uint64_t values[COUNTERS][3];
  memset(values, 0, sizeof values);
  for (int i = 0; i < COUNTERS; ++i) {
    if (fds[i] < 0) continue;
    if (read(fds[i], values[i], sizeof values[i]) != (ssize_t)sizeof values[i])
      memset(values[i], 0, sizeof values[i]);
    close(fds[i]);
  }
  char line[512];
  int n = snprintf(
      line, sizeof line, "%d %lld %lld %lld %ld %ld %ld %ld %ld %d %d", exec_errno, (long long)wall,
      (long long)usage.ru_utime.tv_sec * 1000000 + usage.ru_utime.tv_usec,
      (long long)usage.ru_stime.tv_sec * 1000000 + usage.ru_stime.tv_usec, usage.ru_maxrss,
      usage.ru_minflt, usage.ru_majflt, usage.ru_nvcsw, usage.ru_nivcsw, status, perf_errno);
  for (int i = 0; i < COUNTERS && n > 0 && (size_t)n < sizeof line; ++i) {
    n += snprintf(line + n, sizeof line - (size_t)n, " %llu %llu %llu",
                  (unsigned long long)values[i][0], (unsigned long long)values[i][1],
                  (unsigned long long)values[i][2]);
  }
  if (n > 0 && (size_t)n < sizeof line - 1) {
    line[n++] = '\n';
    if (write(out, line, (size_t)n) != n) return 2;
  }
  return 0;
}
